package devchain

import (
	"context"
	"flag"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// long enables TestChain_ForksAcrossFreezerRuns, which runs past two runs of go-ethereum's
// chain freezer (a minute apart from the node's start: core/rawdb freezerRecheckInterval, a
// constant, and its manual trigger is not reachable from outside the node's database):
//
//	go test ./internal/devchain/ -run TestChain_ForksAcrossFreezerRuns -count=1 -long -v
var long = flag.Bool("long", false, "also run TestChain_ForksAcrossFreezerRuns (about 2.5 minutes)")

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

// TestChain_NothingFinalized is the short regression test of forks below blocks that the chain
// freezer moved to its ancient store (TestChain_ForksAcrossFreezerRuns, with -long, runs the
// freezer itself): the simulated beacon marked every 32nd block finalized, which the freezer
// then froze a minute after the start, and a fork below a frozen block failed ("Safe block not
// in canonical chain", "Invalid forkchoice state"). No block may be finalized, including after
// forks deeper than 32 blocks.
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

// TestChain_ForksAcrossFreezerRuns reproduces what failed on long-running dev chains: traffic
// with a fork of depth 1-96 every 10 blocks for 130 s, past the chain freezer's runs 60 s and
// 120 s after the node's start. On the simulated beacon, which marked every 32nd block
// finalized, the first fork below a block frozen at 60 s failed with "mine new block 2 of N:
// commit sealed no block", and forks overlapping a freezer run lost their new blocks, which the
// run deletes at the heights it froze.
func TestChain_ForksAcrossFreezerRuns(t *testing.T) {
	if !*long {
		t.Skip("runs past two runs of go-ethereum's chain freezer (about 2.5 minutes): run with -long")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	c := newInternalChain(t, 11)
	g := NewGenerator(c, GenOptions{Seed: 11, TxPerBlock: 4})
	rng := rand.New(rand.NewPCG(11, 0xf0e2))
	forks, deepest := 0, uint64(0)
	for i := 1; time.Since(start) < 130*time.Second; i++ {
		if i%10 == 0 {
			depth := min(1+rng.Uint64N(96), c.MaxForkDepth())
			require.NoError(t, c.Fork(depth), "fork %d after %s", forks+1, time.Since(start).Round(time.Second))
			forks++
			deepest = max(deepest, depth)
		}
		require.NoError(t, g.Step(ctx))
	}
	requireNothingToFreeze(t, c)
	requireLinked(t, c, c.SetupBlock())
	t.Logf("%d forks (deepest %d) in %s, head %d, %d txs sent", forks, deepest,
		time.Since(start).Round(time.Second), c.Head(), g.Stats().Sent)
}
