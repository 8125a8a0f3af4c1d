package sink

import (
	"context"
	"time"
)

// Deadlines of the sink's calls. A connection whose peer vanished without a reset (a half-open
// TCP connection after a failover or a cut network) otherwise holds a call until the kernel
// gives up retransmitting, about 15 minutes; at the deadline pgx closes the connection and the
// caller's retry takes a fresh one.
const (
	// DefaultBatchTimeout bounds one batch's transaction (Replace, Try, and each of Stage and
	// Commit): far above the seconds a large batch takes.
	DefaultBatchTimeout = 5 * time.Minute
	// DefaultQueryTimeout bounds one read (the cursor, stored headers, payment recipients).
	DefaultQueryTimeout = time.Minute
)

// SetTimeouts replaces the deadlines of one batch's transaction and of one read (zero keeps the
// current one). Call it before the writer is used.
func (p *Postgres) SetTimeouts(batch, query time.Duration) {
	if batch > 0 {
		p.batchTimeout = batch
	}
	if query > 0 {
		p.queryTimeout = query
	}
}

// batchContext bounds one batch's work by the batch deadline.
func (p *Postgres) batchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.batchTimeout)
}

// queryContext bounds one read by the query deadline.
func (p *Postgres) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.queryTimeout)
}
