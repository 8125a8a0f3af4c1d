package indexer

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// reorgWindow is how many stored headers the fork-point search compares per round trip.
const reorgWindow = 64

// rollback finds the highest stored block that is still canonical and replaces everything above it
// with nothing, in one transaction. The next Step re-indexes from there.
func (ix *Indexer) rollback(ctx context.Context, cur *sink.Block, finalized uint64) (bool, error) {
	head, err := ix.headers.HeadNumber(ctx)
	if err != nil {
		return false, fmt.Errorf("read head: %w", err)
	}
	fork, found, err := ix.findFork(ctx, cur.Number, head)
	if err != nil {
		return false, err
	}
	depth := cur.Number - fork.Number
	if !found {
		depth = cur.Number + 1 - ix.cfg.StartBlock
	}
	if depth > ix.cfg.FinalityDepth && !ix.cfg.AllowDeepReorg {
		return false, fmt.Errorf("%w: block %d (%s) is no longer canonical and no stored block within %d blocks is; "+
			"rerun with --allow-deep-reorg to roll back, or rewind by hand", ErrDeepReorg, cur.Number, cur.Hash.Hex(),
			ix.cfg.FinalityDepth)
	}
	from, keep := ix.cfg.StartBlock, (*sink.Block)(nil)
	if found {
		from, keep = fork.Number+1, &fork
	}
	st, err := ix.db.RollBack(ctx, ix.cfg.ChainID, from, keep, cur, finalized)
	if err != nil {
		return false, err
	}
	reorg := &feed.Reorg{Fork: from - 1, OldHead: cur.Number, Depth: depth}
	ix.log.Warn("reorg rolled back", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("fork", reorg.Fork),
		zap.Uint64("old_head", cur.Number), zap.Uint64("depth", depth), zap.Int64("rows", st.Deleted))
	update := feed.Update{ChainID: ix.cfg.ChainID, From: from, To: cur.Number, Finalized: finalized, Reorg: reorg, Stats: st}
	if found {
		update.Head = fork
	}
	ix.notify(update)
	return true, nil
}

// findFork walks the stored headers down from cursor and returns the highest one whose hash the
// node still has at that height. found is false when no stored header matches.
func (ix *Indexer) findFork(ctx context.Context, cursor, head uint64) (sink.Block, bool, error) {
	hi := min(cursor, head)
	limit := uint64(0)
	if !ix.cfg.AllowDeepReorg && cursor > ix.cfg.FinalityDepth+1 {
		// A fork below this is a deep reorg either way: no need to search further.
		limit = cursor - ix.cfg.FinalityDepth - 1
	}
	limit = max(limit, ix.cfg.StartBlock)
	for hi+1 > limit {
		lo := limit
		if hi >= limit+reorgWindow {
			lo = hi - reorgWindow + 1
		}
		stored, err := ix.db.Blocks(ctx, ix.cfg.ChainID, lo, hi)
		if err != nil {
			return sink.Block{}, false, fmt.Errorf("read stored headers %d-%d: %w", lo, hi, err)
		}
		if len(stored) > 0 {
			nums := make([]uint64, len(stored))
			for i, b := range stored {
				nums[i] = b.Number
			}
			remote, err := ix.fetchHeaders(ctx, nums)
			if err != nil {
				return sink.Block{}, false, err
			}
			slices.Reverse(stored)
			for _, b := range stored {
				if remote[b.Number].Hash == b.Hash {
					return b, true, nil
				}
			}
		}
		if lo == limit {
			break
		}
		hi = lo - 1
	}
	return sink.Block{}, false, nil
}

// checkCursor handles a node whose head is below the cursor: a lagging node (our blocks are
// still canonical up to its head) is waited for; a chain that got shorter is rolled back.
func (ix *Indexer) checkCursor(ctx context.Context, cur sink.Cursor, head uint64) (bool, error) {
	stored, err := ix.db.Blocks(ctx, ix.cfg.ChainID, head, head)
	if err != nil {
		return false, fmt.Errorf("read stored header %d: %w", head, err)
	}
	if len(stored) == 0 {
		return false, nil // not in the stored window: nothing to compare, wait for the node
	}
	remote, err := ix.fetchHeaders(ctx, []uint64{head})
	if err != nil {
		return false, err
	}
	if remote[head].Hash == stored[0].Hash {
		return false, nil
	}
	finalized, err := ix.finalized(ctx, head)
	if err != nil {
		return false, err
	}
	return ix.rollback(ctx, &sink.Block{Number: cur.Number, Hash: cur.Hash}, finalized)
}

// sortBlocks orders headers by number.
func sortBlocks(bs []sink.Block) {
	slices.SortFunc(bs, func(a, b sink.Block) int {
		switch {
		case a.Number < b.Number:
			return -1
		case a.Number > b.Number:
			return 1
		}
		return 0
	})
}

var _ Headers = (*chain.Client)(nil)
