// Package sink writes indexed ERC-8004 data to PostgreSQL: the chain's rows, the state derived
// from them and the cursor. Publishing to Valkey is internal/publish's, outside the transaction.
//
// The PostgreSQL side has one write operation, Replace: in a single transaction it deletes every
// row of a block range, inserts the range's fresh rows, recomputes the derived state (agents,
// current metadata, operators, revocations, latest validation responses) of every key that the
// old or the new rows touched, stores block headers and moves the cursor. Forward indexing,
// reorg rollbacks (an empty range above the fork point) and replays are all Replace, so one code
// path carries every correctness guarantee: a crash at any instant leaves either the old or the
// new state, and applying the same range twice changes nothing.
//
// On the append path (nothing stored at or above the range) the backfill splits Replace in two,
// Stage and Commit, so that one batch copies its rows while the batch before it commits on
// another connection (see Staged). It is still one transaction per batch.
package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
)

// ErrCursorMoved is returned by Replace when the stored cursor is not the one the batch expected:
// another process indexed the chain meanwhile, or the caller's view is stale.
var ErrCursorMoved = errors.New("cursor moved")

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// MaxBlock stands for "no upper bound" in a range (rollback of everything above a fork).
const MaxBlock = uint64(1<<63 - 1)

// Block is a block header as stored in erc8004_blocks.
type Block struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
	Time       uint64
}

// Cursor is a chain's indexing position: the last block whose data is committed.
type Cursor struct {
	ChainID   uint64
	Number    uint64
	Hash      common.Hash
	Finalized uint64
	UpdatedAt time.Time
}

// Postgres is the PostgreSQL writer and reader of the indexer's tables.
type Postgres struct {
	pool *pgxpool.Pool
	log  *zap.Logger
	bin  binaryCopy
	// batchTimeout and queryTimeout are the deadlines of a batch and of a read (deadline.go).
	batchTimeout, queryTimeout time.Duration
}

// NewPostgres returns a writer on pool. The pool's search_path selects the schema. Its calls
// have the default deadlines (SetTimeouts).
func NewPostgres(pool *pgxpool.Pool, log *zap.Logger) *Postgres {
	return &Postgres{pool: pool, log: log, batchTimeout: DefaultBatchTimeout, queryTimeout: DefaultQueryTimeout}
}

// Pool returns the underlying connection pool.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// Cursor returns the chain's cursor, or ErrNotFound when the chain was never indexed.
func (p *Postgres) Cursor(ctx context.Context, chainID uint64) (Cursor, error) {
	const q = `SELECT block_number, block_hash, finalized_block, updated_at FROM erc8004_cursors WHERE chain_id = $1`
	ctx, cancel := p.queryContext(ctx)
	defer cancel()
	c := Cursor{ChainID: chainID}
	var hash string
	err := p.pool.QueryRow(ctx, q, int64(chainID)).Scan(&c.Number, &hash, &c.Finalized, &c.UpdatedAt)
	if err != nil {
		return Cursor{}, interpretError(err)
	}
	c.Hash = common.HexToHash(hash)
	return c, nil
}

// Blocks returns the stored headers with numbers in [from, to], ascending.
func (p *Postgres) Blocks(ctx context.Context, chainID, from, to uint64) ([]Block, error) {
	const q = `SELECT block_number, block_hash, parent_hash, extract(epoch FROM block_time)::bigint
		FROM erc8004_blocks WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 ORDER BY block_number`
	ctx, cancel := p.queryContext(ctx)
	defer cancel()
	rows, err := p.pool.Query(ctx, q, int64(chainID), int64(from), int64(clampBlock(to)))
	if err != nil {
		return nil, interpretError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Block, error) {
		var b Block
		var hash, parent string
		err := r.Scan(&b.Number, &hash, &parent, &b.Time)
		b.Hash, b.ParentHash = common.HexToHash(hash), common.HexToHash(parent)
		return b, err
	})
	return out, interpretError(err)
}

// RollBack removes, in one transaction, everything chainID stored from block from up, recomputes
// the state derived from what remains and moves the cursor to keep, or deletes the cursor when
// keep is nil (a rollback to before the start block). expect, when set, must be the stored cursor
// (ErrCursorMoved otherwise); finalized is stored with the new cursor. It is the one rollback of
// a range: reorgs (the engine) and operators' rewinds both take it.
func (p *Postgres) RollBack(ctx context.Context, chainID, from uint64, keep, expect *Block, finalized uint64) (Stats, error) {
	return p.Replace(ctx, &Batch{ChainID: chainID, From: from, To: MaxBlock, Cursor: keep, DropCursor: keep == nil,
		Expect: expect, Finalized: finalized})
}

// Replace atomically replaces everything indexed in b's block range with b's contents. See the
// package documentation. A range with nothing stored at or above its start (forward indexing)
// takes the append path (the steps of Stage and Commit, in one go): no reads or deletes of old
// rows, derived state folded from the batch.
func (p *Postgres) Replace(ctx context.Context, b *Batch) (Stats, error) {
	if err := b.check(); err != nil {
		return Stats{}, err
	}
	start := time.Now()
	s := newStaged(p, b)
	ctx, cancel := p.batchContext(ctx)
	defer cancel()
	var st Stats
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		st, err = p.replaceIn(ctx, tx, s)
		return err
	})
	if err != nil {
		return Stats{}, replaceError(b, err)
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// Try does everything Replace would do with b, then rolls it back: it reports whether b can be
// written now (IsDataError tells a batch that never can from one that may later).
func (p *Postgres) Try(ctx context.Context, b *Batch) error {
	if err := b.check(); err != nil {
		return err
	}
	s := newStaged(p, b)
	ctx, cancel := p.batchContext(ctx)
	defer cancel()
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return replaceError(b, err)
	}
	defer rollback(ctx, tx)
	if _, err := p.replaceIn(ctx, tx, s); err != nil {
		return replaceError(b, err)
	}
	return nil
}

// replaceIn is Replace's work in tx, on the batch s.b folded by newStaged (before the
// transaction, while PostgreSQL is free).
func (p *Postgres) replaceIn(ctx context.Context, tx pgx.Tx, s *Staged) (Stats, error) {
	b := s.b
	if err := lockCursor(ctx, tx, b); err != nil {
		return Stats{}, err
	}
	appendOnly, err := appendable(ctx, tx, b.ChainID, b.From)
	if err != nil {
		return Stats{}, err
	}
	if !appendOnly {
		return replaceRange(ctx, p, tx, b)
	}
	if err := s.copyBlockKeyed(ctx, tx); err != nil {
		return Stats{}, err
	}
	if err := s.complete(ctx, tx); err != nil {
		return Stats{}, err
	}
	return s.stats(), nil
}

// replaceRange is Replace's full path, in tx with the cursor locked: it deletes every row of
// b's range, copies b's rows, recomputes the derived state of every key the old or the new rows
// touch from the stored events, and stores the headers and the cursor.
func replaceRange(ctx context.Context, p *Postgres, tx pgx.Tx, b *Batch) (Stats, error) {
	var st Stats
	bin, err := p.bin.usable(ctx, tx)
	if err != nil {
		return st, err
	}
	keys, err := oldKeys(ctx, tx, b.ChainID, b.From, b.To)
	if err != nil {
		return st, err
	}
	span := batchSpan(b)
	if err := storedSpan(ctx, tx, b, &span); err != nil {
		return st, err
	}
	if st.Deleted, err = deleteRange(ctx, tx, b.ChainID, b.From, b.To); err != nil {
		return st, err
	}
	if _, err := dropRepeatedRequests(ctx, tx, b); err != nil {
		return st, err
	}
	if st.Inserted, err = copyRows(ctx, tx, b, bin, allTables); err != nil {
		return st, err
	}
	n, err := storePayments(ctx, tx, b, keys.agentIDs)
	if err != nil {
		return st, err
	}
	st.Inserted += n
	keys.addLogs(b)
	if err := recompute(ctx, tx, b.ChainID, &keys); err != nil {
		return st, err
	}
	if err := recomputeAggregates(ctx, tx, b.ChainID, sortedIDs(keys.agentIDs), keys.requests); err != nil {
		return st, err
	}
	st.Touched = keys.size()
	st.Agents = sortedIDs(keys.agentIDs)
	if err := storeBlocks(ctx, tx, b, bin); err != nil {
		return st, err
	}
	if err := pruneBlocks(ctx, tx, b); err != nil {
		return st, err
	}
	if err := updateRollups(ctx, tx, b, span, false); err != nil {
		return st, err
	}
	return st, storeCursor(ctx, tx, b)
}

// replaceError is the error of a failed Replace of b.
func replaceError(b *Batch, err error) error {
	return fmt.Errorf("replace blocks %d-%d of chain %d: %w", b.From, clampBlock(b.To), b.ChainID, interpretError(err))
}

// Stats describes what one Replace did.
type Stats struct {
	Deleted  int64 // rows deleted from the range (all tables)
	Inserted int64 // rows inserted (all tables)
	Touched  int   // derived-state keys recomputed
	// Agents are the ids (decimal, ascending) of every agent that a deleted or inserted event
	// concerns: the agents whose derived state and aggregates may have changed.
	Agents  []string
	Elapsed time.Duration
}

func sortedIDs(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return out
}

func lockCursor(ctx context.Context, tx pgx.Tx, b *Batch) error {
	const q = `SELECT block_number, block_hash FROM erc8004_cursors WHERE chain_id = $1 FOR UPDATE`
	var num int64
	var hash string
	err := tx.QueryRow(ctx, q, int64(b.ChainID)).Scan(&num, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		if b.Expect != nil {
			return fmt.Errorf("%w: expected block %d, found no cursor", ErrCursorMoved, b.Expect.Number)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("lock cursor: %w", err)
	}
	if b.Expect != nil && (uint64(num) != b.Expect.Number || common.HexToHash(hash) != b.Expect.Hash) {
		return fmt.Errorf("%w: expected block %d, found %d", ErrCursorMoved, b.Expect.Number, num)
	}
	return nil
}

func deleteRange(ctx context.Context, tx pgx.Tx, chainID, from, to uint64) (int64, error) {
	var total int64
	for _, table := range rangeTables {
		q := `DELETE FROM ` + table + ` WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3`
		tag, err := tx.Exec(ctx, q, int64(chainID), int64(from), int64(clampBlock(to)))
		if err != nil {
			return 0, fmt.Errorf("delete %s: %w", table, err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

// RangeTables returns the tables that Replace empties by block range (a copy).
func RangeTables() []string { return slices.Clone(rangeTables) }

// rangeTables are the tables whose rows each come from one log (or one block) and are therefore
// deleted by block range. Derived tables (agents, metadata, operators) are recomputed instead.
var rangeTables = []string{
	"erc8004_events",
	"erc8004_reputation",
	"erc8004_feedback_responses",
	"erc8004_validations",
	"erc8004_validation_responses",
	"erc8004_agent_payments",
	"erc8004_blocks",
}

func storeBlocks(ctx context.Context, tx pgx.Tx, b *Batch, binary bool) error {
	if len(b.Blocks) > 0 {
		i := 0
		fill := func(w columnWriter) (bool, error) {
			if i == len(b.Blocks) {
				return false, nil
			}
			writeBlockRow(w, int64(b.ChainID), &b.Blocks[i])
			i++
			return true, nil
		}
		var err error
		if binary {
			_, err = copyBinary(ctx, tx, &blocksTable, fill)
		} else {
			_, err = copyValues(ctx, tx, &blocksTable, fill)
		}
		if err != nil {
			return fmt.Errorf("copy blocks: %w", err)
		}
	}
	return nil
}

// pruneBlocks deletes the headers b no longer needs below finality.
func pruneBlocks(ctx context.Context, tx pgx.Tx, b *Batch) error {
	if b.PruneBelow == 0 {
		return nil
	}
	// Headers below finality are only kept for blocks that carry events: the reorg check never
	// looks below the finalized block.
	const q = `DELETE FROM erc8004_blocks bl WHERE bl.chain_id = $1 AND bl.block_number >= $2 AND bl.block_number < $3
		AND NOT EXISTS (SELECT 1 FROM erc8004_events e WHERE e.chain_id = bl.chain_id AND e.block_number = bl.block_number)`
	if _, err := tx.Exec(ctx, q, int64(b.ChainID), int64(b.PruneFrom), int64(b.PruneBelow)); err != nil {
		return fmt.Errorf("prune blocks: %w", err)
	}
	return nil
}

func storeCursor(ctx context.Context, tx pgx.Tx, b *Batch) error {
	if b.DropCursor {
		if _, err := tx.Exec(ctx, `DELETE FROM erc8004_cursors WHERE chain_id = $1`, int64(b.ChainID)); err != nil {
			return fmt.Errorf("drop cursor: %w", err)
		}
		return nil
	}
	if b.Cursor == nil {
		return nil
	}
	const q = `INSERT INTO erc8004_cursors (chain_id, block_number, block_hash, finalized_block, updated_at)
		VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (chain_id) DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash,
			finalized_block = greatest(EXCLUDED.finalized_block, erc8004_cursors.finalized_block), updated_at = now()`
	_, err := tx.Exec(ctx, q, int64(b.ChainID), int64(b.Cursor.Number), hexHash(b.Cursor.Hash), int64(b.Finalized))
	if err != nil {
		return fmt.Errorf("store cursor: %w", err)
	}
	return nil
}

// interpretError translates pgx errors at the sink boundary.
func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func clampBlock(n uint64) uint64 {
	if n > MaxBlock {
		return MaxBlock
	}
	return n
}

func unixTime(t uint64) time.Time { return time.Unix(int64(t), 0).UTC() }
