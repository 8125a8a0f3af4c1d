package sink

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// rollbackTimeout bounds the rollback of a failed or abandoned batch: on a connection that no
// longer answers, pgx closes it when the deadline passes instead of waiting for the kernel.
const rollbackTimeout = 5 * time.Second

// Staged is a forward batch written in two steps, so that the bulk of one batch's writes can
// overlap the commit of the batch before it on another connection:
//
//   - Stage begins the transaction and copies the rows whose unique keys contain the block
//     number (events, feedback, responses, validation responses, headers). It reads nothing
//     the previous batch writes and locks nothing it needs, so it can run while that batch's
//     transaction is still open, without waiting for it and without being waited for.
//   - Commit, once the previous batch has committed, locks the cursor and checks it is the one
//     the batch expects, copies the validation requests (keyed by request hash), folds the
//     derived state, prunes headers, moves the cursor and commits.
//
// The result is the same single transaction as Replace's: a crash or an error at any point
// leaves the chain as it was before the batch, and a cursor that moved meanwhile (the previous
// batch failed, an operator rewound) rolls it back with ErrCursorMoved. Only batches that name
// the cursor they build on (Batch.Expect) can be staged: a batch without one relies on the
// cursor lock taken first, which is Replace.
type Staged struct {
	p  *Postgres
	b  *Batch
	tx pgx.Tx
	// full is set when rows were stored at or above b.From when it was staged (a replay): nothing
	// was copied, and Commit takes Replace's full path.
	full  bool
	bin   bool
	delta *appendDelta
	batch *pgx.Batch
	names []string
	st    Stats
	// staging is how long Stage took; Stats.Elapsed adds Commit's time but not the wait between.
	staging time.Duration
}

// newStaged does the append path's work in Go, before any transaction, while PostgreSQL is free.
func newStaged(p *Postgres, b *Batch) *Staged {
	s := &Staged{p: p, b: b, delta: fold(b)}
	s.batch, s.names = appendStatements(b, s.delta)
	return s
}

// Stage begins b's transaction and writes its block-keyed rows and headers (see Staged). It
// returns nil, and holds nothing, when b has no Expect: Replace it, after the previous batch has
// committed. When rows are stored at or above b.From (a replay), Stage copies nothing and
// Commit takes Replace's full path in the same transaction.
//
// Rows are copied early only when b's range starts above everything stored when Stage runs,
// and the previous batch of the chain, if still uncommitted, must end below b.From: then the two
// transactions write disjoint keys of the block-keyed tables.
//
// began, if not nil, is called once the transaction holds its connection, before the COPY: a
// caller staging several batches can take connections in batch order without waiting for
// whole COPYs.
func (p *Postgres) Stage(ctx context.Context, b *Batch, began func()) (*Staged, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if b.Expect == nil {
		return nil, nil
	}
	start := time.Now()
	s := newStaged(p, b)
	ctx, cancel := p.batchContext(ctx)
	defer cancel()
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, replaceError(b, err)
	}
	if began != nil {
		began()
	}
	appendOnly, err := appendable(ctx, tx, b.ChainID, b.From)
	if err == nil && appendOnly {
		err = s.copyBlockKeyed(ctx, tx)
	}
	if err != nil {
		rollback(ctx, tx)
		return nil, replaceError(b, err)
	}
	s.tx, s.full, s.staging = tx, !appendOnly, time.Since(start)
	return s, nil
}

// copyBlockKeyed copies b's block-keyed rows and headers.
func (s *Staged) copyBlockKeyed(ctx context.Context, tx pgx.Tx) error {
	var err error
	if s.bin, err = s.p.bin.usable(ctx, tx); err != nil {
		return err
	}
	if s.st.Inserted, err = copyRows(ctx, tx, s.b, s.bin, blockKeyedTables); err != nil {
		return err
	}
	return storeBlocks(ctx, tx, s.b, s.bin)
}

// complete writes the rest of a batch whose cursor is locked and checked: the validation
// requests, the derived state, the pruned headers and the cursor.
func (s *Staged) complete(ctx context.Context, tx pgx.Tx) error {
	// Only now, with the cursor locked and the batch before committed, are the stored requests
	// known; the events of the repeated ones are already copied and are rewritten.
	set, err := dropRepeatedRequests(ctx, tx, s.b)
	if err != nil {
		return err
	}
	if err := markSetAside(ctx, tx, s.b, set); err != nil {
		return err
	}
	n, err := copyRows(ctx, tx, s.b, s.bin, allTables&^blockKeyedTables)
	if err != nil {
		return err
	}
	s.st.Inserted += n
	// The payments are resolved against the wallet history, which the batch before this one
	// may change: only now has it committed.
	if n, err = storePayments(ctx, tx, s.b, s.delta.agentIDs); err != nil {
		return err
	}
	s.st.Inserted += n
	if err := runAppend(ctx, tx, s.b.ChainID, s.batch, s.names); err != nil {
		return err
	}
	if err := pruneBlocks(ctx, tx, s.b); err != nil {
		return err
	}
	if err := updateRollups(ctx, tx, s.b, batchSpan(s.b), true); err != nil {
		return err
	}
	return storeCursor(ctx, tx, s.b)
}

// stats returns what the append path did (Elapsed is left to the caller).
func (s *Staged) stats() Stats {
	st := s.st
	st.Touched = s.delta.touched()
	st.Agents = sortedIDs(s.delta.agentIDs)
	return st
}

// Commit completes and commits a staged batch (see Staged). On error the transaction is rolled
// back and nothing of the batch remains.
func (s *Staged) Commit(ctx context.Context) (Stats, error) {
	if s.tx == nil {
		return Stats{}, replaceError(s.b, pgx.ErrTxClosed)
	}
	start := time.Now()
	ctx, cancel := s.p.batchContext(ctx)
	defer cancel()
	tx := s.tx
	s.tx = nil
	var st Stats
	err := lockCursor(ctx, tx, s.b)
	if err == nil && s.full {
		st, err = replaceRange(ctx, s.p, tx, s.b)
	} else if err == nil {
		err = s.complete(ctx, tx)
		st = s.stats()
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		rollback(ctx, tx)
		return Stats{}, replaceError(s.b, err)
	}
	st.Elapsed = s.staging + time.Since(start)
	return st, nil
}

// Abort rolls back a staged batch that will not be committed. It is a no-op after Commit.
func (s *Staged) Abort(ctx context.Context) {
	if s.tx != nil {
		rollback(ctx, s.tx)
		s.tx = nil
	}
}

// rollback rolls tx back even when ctx has ended, within rollbackTimeout.
func rollback(ctx context.Context, tx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_ = tx.Rollback(rctx)
}
