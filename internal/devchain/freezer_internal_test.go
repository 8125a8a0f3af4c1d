package devchain

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

func newInternalChain(t *testing.T, seed int64) *Chain {
	t.Helper()
	c, err := New(context.Background(), Options{Seed: seed, Accounts: 8, Log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// requireLinked checks what a node answering blocks of an abandoned branch by number breaks:
// from the head down to block `from`, each block read by number is the parent of the one above.
func requireLinked(t *testing.T, c *Chain, from uint64) {
	t.Helper()
	ctx := context.Background()
	child, err := c.client.HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, c.HeadHash(), child.Hash())
	for n := child.Number.Uint64() - 1; n >= from; n-- {
		h, err := c.client.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		require.NoError(t, err)
		require.Equal(t, child.ParentHash, h.Hash(), "block %d read by number is not the parent of block %d", n, n+1)
		child = h
	}
}

// requireNothingToFreeze checks that go-ethereum's chain freezer has had and has nothing to
// freeze: its threshold is max(finalized, head - 90,000) and no block is finalized.
func requireNothingToFreeze(t *testing.T, c *Chain) {
	t.Helper()
	db := c.sim.eth.ChainDb()
	require.Equal(t, common.Hash{}, rawdb.ReadFinalizedBlockHash(db), "a block is marked finalized")
	frozen, err := db.Ancients()
	require.NoError(t, err)
	require.Zero(t, frozen, "blocks in the ancient store")
	_, err = c.client.HeaderByNumber(context.Background(), big.NewInt(int64(rpc.FinalizedBlockNumber)))
	require.Error(t, err, "the node has a finalized block")
}

// TestChain_NothingFinalized is the regression test of forks below blocks that the chain
// freezer moved to its ancient store: the simulated beacon marked every 32nd block finalized,
// which the freezer then froze a minute after the start, and a fork below a frozen block failed
// ("Safe block not in canonical chain", "Invalid forkchoice state"). No block may be
// finalized, including after forks deeper than 32 blocks. The freezer itself runs only once a
// minute (a go-ethereum constant); a run past two of its runs, by hand:
//
//	indexer dev --blocks 4000 --reorg-every 10   (about 2 minutes; it ends with mismatches=0)
func TestChain_NothingFinalized(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := newInternalChain(t, 12)
	g := NewGenerator(c, GenOptions{Seed: 12, TxPerBlock: 3})
	for range 70 {
		require.NoError(t, g.Step(ctx))
	}
	requireNothingToFreeze(t, c)
	for _, depth := range []uint64{1, 40, 7} {
		require.NoError(t, c.Fork(depth))
		fi := c.LastFork()
		requireLinked(t, c, fi.Ancestor)
		for range 3 {
			require.NoError(t, g.Step(ctx), "after the fork of depth %d", depth)
		}
	}
	requireNothingToFreeze(t, c)
}
