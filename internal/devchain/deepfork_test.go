package devchain

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestChain_ForkDeeperThanReinject forks deeper than the transaction pool re-injects (64
// blocks) right after forks that left filler transactions in the abandoned blocks: the filler
// nonce must come from the pool's state at the ancestor, not from before the rewind.
func TestChain_ForkDeeperThanReinject(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := New(ctx, Options{Seed: 9})
	require.NoError(t, err)
	defer c.Close()
	gen := NewGenerator(c, GenOptions{Seed: 9, TxPerBlock: 2})
	for range 70 {
		require.NoError(t, gen.Step(ctx))
	}
	for i, depth := range []uint64{3, 92, 5, 70, 65, 96} {
		for range 3 {
			require.NoError(t, gen.Step(ctx))
		}
		if depth > c.MaxForkDepth() {
			for range depth - c.MaxForkDepth() {
				require.NoError(t, gen.Step(ctx))
			}
		}
		old := c.Head()
		require.NoError(t, c.Fork(depth), "fork %d of depth %d", i, depth)
		require.Equal(t, old+1, c.Head(), "the new branch is one block longer")
	}
	require.NoError(t, gen.Step(ctx))
}
