package indexer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// ErrChainChanged is returned by Replay when a block of the range no longer has the hash stored
// for it: the chain reorganised there since it was indexed, and Run (or a rewind) must roll it
// back rather than a replay patch it.
var ErrChainChanged = errors.New("chain changed since it was indexed")

// ReplayStats is what a replay did.
type ReplayStats struct {
	Batches  int
	Logs     int
	Deleted  int64
	Inserted int64
}

// Replay fetches blocks [from, to] again through the engine's own fetcher and decoder (the
// registries' logs and, with payment tokens, the transfers that may pay an agent) and replaces
// what is stored for them, one transaction per batch, without moving the cursor: the range must
// lie at or below it. finalized is the stored finalized block: above it every header is stored
// again (the reorg window), below it those of blocks with logs and those that were stored. A block
// whose fetched hash differs from the stored one stops the replay with ErrChainChanged. Replaying
// the same range twice changes nothing; an interrupted replay leaves whole batches done and can
// be run again. progress, if set, gets the last block of each committed batch.
func (ix *Indexer) Replay(ctx context.Context, from, to, finalized uint64, progress func(block uint64)) (ReplayStats, error) {
	var st ReplayStats
	for a := from; a <= to; {
		span := ix.cfg.BackfillSpan
		if a > finalized {
			span = ix.cfg.LiveSpan
		}
		b := to
		if to-a >= span {
			b = a + span - 1
		}
		if a <= finalized && b > finalized {
			b = finalized // the batch that crosses finality stops there; the next one stores every header
		}
		batch, err := ix.replayBatch(ctx, a, b, finalized)
		if err != nil {
			return st, err
		}
		res, err := ix.replace(ctx, batch)
		if err != nil {
			return st, err
		}
		st.Batches++
		st.Logs += len(batch.Logs)
		st.Deleted += res.Deleted
		st.Inserted += res.Inserted
		ix.log.Info("batch replayed", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("from", a), zap.Uint64("to", b),
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

// replayBatch builds the Replace batch of [a, b]: its logs, and the headers of its blocks with
// logs, of those stored before and of every block above finalized, each checked against the
// stored hash.
func (ix *Indexer) replayBatch(ctx context.Context, a, b, finalized uint64) (*sink.Batch, error) {
	raw, err := ix.logs.Fetch(ctx, a, b)
	if err != nil {
		return nil, fmt.Errorf("fetch logs %d-%d: %w", a, b, err)
	}
	stored, err := ix.db.Blocks(ctx, ix.cfg.ChainID, a, b)
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
		if headers, err = fetchHeaders(ctx, ix.logs.Headers, nums); err != nil {
			return nil, err
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
	batch := &sink.Batch{ChainID: ix.cfg.ChainID, From: a, To: b, PaymentOwners: ix.cfg.PaymentOwners}
	batch.Logs, batch.Payments = ix.decode(raw, headers)
	for _, n := range nums {
		h := headers[n]
		batch.Blocks = append(batch.Blocks, sink.Block{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash, Time: h.Time})
	}
	return batch, nil
}
