package devchain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// hashAt returns the canonical hash at height n.
func hashAt(t *testing.T, c *devchain.Chain, n uint64) common.Hash {
	t.Helper()
	h, err := c.Client().HeaderByNumber(context.Background(), new(big.Int).SetUint64(n))
	require.NoError(t, err)
	return h.Hash()
}

// txsAt returns the transaction hashes of the canonical block n.
func txsAt(t *testing.T, c *devchain.Chain, n uint64) []common.Hash {
	t.Helper()
	b, err := c.Client().BlockByNumber(context.Background(), new(big.Int).SetUint64(n))
	require.NoError(t, err)
	var out []common.Hash
	for _, tx := range b.Transactions() {
		out = append(out, tx.Hash())
	}
	return out
}

func TestChain_ForkDepths(t *testing.T) {
	t.Parallel()
	for _, discard := range []bool{false, true} {
		name := "Reinject"
		if discard {
			name = "Discard"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := newChain(t, devchain.Options{Seed: 7, Accounts: 16, ForkDiscardTxs: discard})
			g := devchain.NewGenerator(c, devchain.GenOptions{Seed: 7, TxPerBlock: 6})
			for range 22 {
				require.NoError(t, g.Step(ctx))
			}
			start := time.Now()
			for depth := uint64(1); depth <= 20; depth++ {
				oldHead := c.Head()
				oldHeadHash := c.HeadHash()
				first := oldHead - depth + 1 // first replaced height
				oldFirst := hashAt(t, c, first)
				oldTxs := txsAt(t, c, first)
				ancestor := hashAt(t, c, first-1)

				require.NoError(t, c.Fork(depth))
				fi := c.LastFork()
				require.Equal(t, depth, fi.Depth)
				require.Equal(t, first-1, fi.Ancestor)
				require.Equal(t, oldHeadHash, fi.OldHeadHash)
				require.Greater(t, c.Head(), oldHead)
				require.Equal(t, c.Head(), fi.NewHead)
				require.Equal(t, ancestor, hashAt(t, c, first-1), "ancestor kept")
				require.NotEqual(t, oldFirst, hashAt(t, c, first), "block at the fork height replaced")
				require.NotEqual(t, oldHeadHash, hashAt(t, c, oldHead), "old head height replaced")

				// Dropped transactions: re-mined in the new branch, or gone.
				if discard {
					require.Zero(t, fi.Reinjected)
					for _, h := range oldTxs {
						_, err := c.Client().TransactionReceipt(ctx, h)
						require.True(t, errors.Is(err, ethereum.NotFound), "dropped tx %s: %v", h, err)
					}
				} else {
					require.Equal(t, fi.DroppedTxs, fi.Reinjected)
					for _, h := range oldTxs {
						rc, err := c.Client().TransactionReceipt(ctx, h)
						require.NoError(t, err)
						require.NotEqual(t, oldFirst, rc.BlockHash)
						require.Equal(t, rc.BlockHash, hashAt(t, c, rc.BlockNumber.Uint64()))
					}
				}
				// The generator resyncs and keeps producing valid traffic.
				for range 2 {
					require.NoError(t, g.Step(ctx), "after fork depth %d", depth)
				}
			}
			st := g.Stats()
			require.Equal(t, 21, st.Resyncs)
			require.Equal(t, uint64(20), c.Forks())
			// Every log of the final chain still decodes.
			for _, l := range allLogs(t, c) {
				_, err := erc8004.Decode(&l)
				require.NoError(t, err)
			}
			t.Logf("%s: 20 forks + 40 blocks in %s, head %d, %d txs sent", name, time.Since(start), c.Head(), st.Sent)
		})
	}
}

func TestChain_ForkLimits(t *testing.T) {
	t.Parallel()
	c := newChain(t, devchain.Options{Seed: 3, Accounts: 4})
	require.ErrorIs(t, c.Fork(0), devchain.ErrForkTooDeep)
	require.ErrorIs(t, c.Fork(1), devchain.ErrForkTooDeep, "cannot rewind into the deployment")
	c.Commit()
	c.Commit()
	require.Equal(t, uint64(2), c.MaxForkDepth())
	require.ErrorIs(t, c.Fork(3), devchain.ErrForkTooDeep)
	require.NoError(t, c.Fork(2))
	require.Equal(t, c.SetupBlock()+3, c.Head())
}
