package sink

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

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
// batch failed, an operator rewound) rolls it back with ErrCursorMoved.
type Staged struct {
	b     *Batch
	tx    pgx.Tx
	bin   bool
	delta *appendDelta
	batch *pgx.Batch
	names []string
	st    Stats
	start time.Time
}

// Stage begins b's transaction and writes its block-keyed rows and headers (see Staged). It
// returns nil, and holds nothing, when b cannot take the append path because rows are stored at
// or above b.From (a replay or a rollback): Replace it, after the previous batch has committed.
//
// Only a batch whose range starts above everything stored when Stage runs can be staged, and
// the previous batch of the chain, if still uncommitted, must end below b.From: then the two
// transactions write disjoint keys of the block-keyed tables.
func (p *Postgres) Stage(ctx context.Context, b *Batch) (*Staged, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	s := &Staged{b: b, start: time.Now()}
	// The append path's work in Go is done before the transaction, while PostgreSQL is free.
	s.delta = fold(b)
	s.batch, s.names = appendStatements(b, s.delta)
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, replaceError(b, err)
	}
	staged, err := s.stage(ctx, p, tx)
	if err != nil || !staged {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		if err != nil {
			return nil, replaceError(b, err)
		}
		return nil, nil
	}
	s.tx = tx
	return s, nil
}

// stage checks that b is appendable and copies its block-keyed rows and headers.
func (s *Staged) stage(ctx context.Context, p *Postgres, tx pgx.Tx) (bool, error) {
	appendOnly, err := appendable(ctx, tx, s.b.ChainID, s.b.From)
	if err != nil || !appendOnly {
		return false, err
	}
	if s.bin, err = p.bin.usable(ctx, tx); err != nil {
		return false, err
	}
	if s.st.Inserted, err = copyRows(ctx, tx, s.b, s.bin, blockKeyedTables); err != nil {
		return false, err
	}
	if err := storeBlocks(ctx, tx, s.b, s.bin); err != nil {
		return false, err
	}
	return true, nil
}

// Commit completes and commits a staged batch (see Staged). On error the transaction is rolled
// back and nothing of the batch remains.
func (s *Staged) Commit(ctx context.Context) (Stats, error) {
	if s.tx == nil {
		return Stats{}, replaceError(s.b, pgx.ErrTxClosed)
	}
	tx := s.tx
	s.tx = nil
	err := s.commit(ctx, tx)
	if err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return Stats{}, replaceError(s.b, err)
	}
	st := s.st
	st.Touched = s.delta.touched()
	st.Agents = sortedIDs(s.delta.agentIDs)
	st.Elapsed = time.Since(s.start)
	return st, nil
}

func (s *Staged) commit(ctx context.Context, tx pgx.Tx) error {
	if err := lockCursor(ctx, tx, s.b); err != nil {
		return err
	}
	n, err := copyRows(ctx, tx, s.b, s.bin, allTables&^blockKeyedTables)
	if err != nil {
		return err
	}
	s.st.Inserted += n
	if err := runAppend(ctx, tx, s.b.ChainID, s.batch, s.names); err != nil {
		return err
	}
	if err := pruneBlocks(ctx, tx, s.b); err != nil {
		return err
	}
	if err := storeCursor(ctx, tx, s.b); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Abort rolls back a staged batch that will not be committed. It is a no-op after Commit.
func (s *Staged) Abort(ctx context.Context) {
	if s.tx != nil {
		_ = s.tx.Rollback(context.WithoutCancel(ctx))
		s.tx = nil
	}
}
