package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// ErrChainChanged is returned by ReplayRange when a block of the range no longer has the hash
// stored for it: the chain reorganised there since it was indexed, and `indexer run` (or a
// rewind) must roll it back rather than a replay patch it.
var ErrChainChanged = errors.New("chain changed since it was indexed")

// TableCount is the number of rows of one table in a block range.
type TableCount struct {
	Table string
	Rows  int64
}

// CountRange counts the rows of every range table of the chain in blocks [from, to] (to may be
// sink.MaxBlock), plus the agents registered in the range (whose rows a rewind removes), for an
// operator to see what a rewind or replay replaces. q is a pool, connection or transaction.
func CountRange(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, chainID, from, to uint64) ([]TableCount, error) {
	to = min(to, sink.MaxBlock)
	out := make([]TableCount, 0, len(sink.RangeTables())+1)
	for _, table := range sink.RangeTables() {
		var n int64
		sql := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3`
		if err := q.QueryRow(ctx, sql, int64(chainID), int64(from), int64(to)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", table, err)
		}
		out = append(out, TableCount{table, n})
	}
	const agents = `SELECT count(*) FROM erc8004_agents WHERE chain_id = $1 AND created_block BETWEEN $2 AND $3`
	var n int64
	if err := q.QueryRow(ctx, agents, int64(chainID), int64(from), int64(to)).Scan(&n); err != nil {
		return nil, fmt.Errorf("count erc8004_agents: %w", err)
	}
	return append(out, TableCount{"erc8004_agents (registered in the range)", n}), nil
}

// ReplayStats is what a replay did.
type ReplayStats struct {
	Batches  int
	Logs     int
	Deleted  int64
	Inserted int64
}

// ReplayRange fetches the registry logs of blocks [from, to] again and replaces what is stored
// for them, one transaction per batch, without moving the cursor: the range must lie at or
// below it. finalized is the stored finalized block: above it every header is stored again (the
// reorg window), below it those of blocks with logs and those that were stored. A block whose
// fetched hash differs from the stored one stops the replay with ErrChainChanged. Replaying the
// same range twice changes nothing; an interrupted replay leaves whole batches done and can be
// run again. progress, if set, gets the last block of each committed batch.
func ReplayRange(ctx context.Context, spec ChainSpec, client *chain.Client, db *sink.Postgres, from, to, finalized uint64,
	log *zap.Logger, progress func(block uint64)) (ReplayStats, error) {
	var st ReplayStats
	addrs, kinds := spec.Registries.Kinds()
	fetcher := &chain.RangeFetcher{Client: client, Addresses: addrs}
	backfillSpan, liveSpan := spec.BackfillSpan, spec.LiveSpan
	if backfillSpan == 0 {
		backfillSpan = 10_000
	}
	if liveSpan == 0 {
		liveSpan = 100
	}
	for a := from; a <= to; {
		span := backfillSpan
		if a > finalized {
			span = liveSpan
		}
		b := to
		if to-a >= span {
			b = a + span - 1
		}
		if a <= finalized && b > finalized {
			b = finalized // the batch that crosses finality stops there; the next one stores every header
		}
		batch, err := replayBatch(ctx, spec.ChainID, client, fetcher, kinds, db, a, b, finalized)
		if err != nil {
			return st, err
		}
		res, err := db.Replace(ctx, batch)
		if err != nil {
			return st, err
		}
		st.Batches++
		st.Logs += len(batch.Logs)
		st.Deleted += res.Deleted
		st.Inserted += res.Inserted
		log.Info("batch replayed", zap.Uint64("chain_id", spec.ChainID), zap.Uint64("from", a), zap.Uint64("to", b),
			zap.Int("logs", len(batch.Logs)), zap.Int64("rows", res.Inserted), zap.Duration("elapsed", res.Elapsed))
		if progress != nil {
			progress(b)
		}
		if b == to {
			break
		}
		a = b + 1
	}
	return st, nil
}

// replayBatch builds the Replace batch of [a, b].
func replayBatch(ctx context.Context, chainID uint64, client *chain.Client, fetcher *chain.RangeFetcher,
	kinds map[common.Address]erc8004.Registry, db *sink.Postgres, a, b, finalized uint64) (*sink.Batch, error) {
	raw, err := fetcher.Fetch(ctx, a, b)
	if err != nil {
		return nil, fmt.Errorf("fetch logs %d-%d: %w", a, b, err)
	}
	stored, err := db.Blocks(ctx, chainID, a, b)
	if err != nil {
		return nil, fmt.Errorf("read stored headers %d-%d: %w", a, b, err)
	}
	want := map[uint64]bool{}
	for _, l := range raw {
		want[l.BlockNumber] = true
	}
	for _, s := range stored {
		want[s.Number] = true
	}
	for n := max(a, finalized+1); n <= b && finalized < b; n++ {
		want[n] = true
	}
	nums := make([]uint64, 0, len(want))
	for n := range want {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	headers := map[uint64]chain.Header{}
	if len(nums) > 0 {
		hs, err := client.Headers(ctx, nums)
		if err != nil {
			return nil, fmt.Errorf("fetch %d headers from %d: %w", len(nums), nums[0], err)
		}
		for _, h := range hs {
			headers[h.Number] = h
		}
		for _, n := range nums {
			if _, ok := headers[n]; !ok {
				return nil, fmt.Errorf("%w: header %d missing from the answer", chain.ErrInconsistent, n)
			}
		}
	}
	for _, s := range stored {
		if h := headers[s.Number]; h.Hash != s.Hash {
			return nil, fmt.Errorf("%w: block %d is %s on the node, %s in the database; let 'indexer run' roll it back, or rewind",
				ErrChainChanged, s.Number, h.Hash.Hex(), s.Hash.Hex())
		}
	}
	if err := chain.Validate(raw, a, b, headers); err != nil {
		return nil, fmt.Errorf("validate logs %d-%d: %w", a, b, err)
	}
	batch := &sink.Batch{ChainID: chainID, From: a, To: b, Logs: decodeLogs(raw, kinds, headers)}
	for _, n := range nums {
		h := headers[n]
		batch.Blocks = append(batch.Blocks, sink.Block{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash, Time: h.Time})
	}
	return batch, nil
}

// decodeLogs turns raw logs into sink logs as the indexer does: a log that does not decode is
// kept raw with its error.
func decodeLogs(raw []types.Log, kinds map[common.Address]erc8004.Registry, headers map[uint64]chain.Header) []sink.Log {
	out := make([]sink.Log, len(raw))
	for i := range raw {
		l := &raw[i]
		out[i] = sink.Log{Raw: *l, Registry: kinds[l.Address], BlockTime: headers[l.BlockNumber].Time}
		ev, err := erc8004.Decode(l)
		if err != nil {
			out[i].DecodeErr = err
			continue
		}
		out[i].Event = ev
	}
	return out
}
