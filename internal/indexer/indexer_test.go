package indexer_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// hash returns the hash of block n on fork f: two forks share no hash at the same height.
func hash(f byte, n uint64) common.Hash {
	return common.BytesToHash([]byte(fmt.Sprintf("fork%d-block%d", f, n)))
}

// fakeChain is a chain of headers that the test can fork; it serves no logs.
type fakeChain struct {
	mu      sync.Mutex
	headers []chain.Header
}

func newFakeChain(length uint64) *fakeChain {
	c := &fakeChain{}
	c.extend(0, length)
	return c
}

// extend appends blocks of fork f until the chain has length blocks.
func (c *fakeChain) extend(f byte, length uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := uint64(len(c.headers)); n < length; n++ {
		h := chain.Header{Number: n, Hash: hash(f, n), Time: 1000 + n}
		if n > 0 {
			h.ParentHash = c.headers[n-1].Hash
		}
		c.headers = append(c.headers, h)
	}
}

// fork drops the blocks above keep and grows fork f to length blocks.
func (c *fakeChain) fork(f byte, keep, length uint64) {
	c.mu.Lock()
	c.headers = c.headers[:keep+1]
	c.mu.Unlock()
	c.extend(f, length)
}

func (c *fakeChain) HeadNumber(context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return uint64(len(c.headers) - 1), nil
}

func (c *fakeChain) Finalized(context.Context) (uint64, bool, error) { return 0, false, nil }

func (c *fakeChain) Headers(_ context.Context, nums []uint64) ([]chain.Header, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]chain.Header, len(nums))
	for i, n := range nums {
		if n >= uint64(len(c.headers)) {
			return nil, fmt.Errorf("block %d: %w", n, chain.ErrBlockNotFound)
		}
		out[i] = c.headers[n]
	}
	return out, nil
}

func (c *fakeChain) Logs(context.Context, chain.LogQuery) ([]types.Log, error) { return nil, nil }

func (c *fakeChain) Fetch(context.Context, uint64, uint64) ([]types.Log, error) { return nil, nil }

func (c *fakeChain) Span() uint64 { return 1_000 }

type bundle struct {
	chain   *fakeChain
	db      *sink.Postgres
	updates []feed.Update
}

func setup(t *testing.T, length uint64, cfg indexer.Config) (*indexer.Indexer, *bundle) {
	t.Helper()
	b := &bundle{chain: newFakeChain(length), db: sink.NewPostgres(testdb.New(t), zap.NewNop())}
	cfg.ChainID = 1
	ix := indexer.New(cfg, b.chain, b.chain, b.db, zap.NewNop(), func(u feed.Update) { b.updates = append(b.updates, u) })
	return ix, b
}

// catchUp steps until the indexer has nothing to do.
func catchUp(t *testing.T, ix *indexer.Indexer) error {
	t.Helper()
	for range 1000 {
		progressed, err := ix.Step(context.Background())
		if err != nil || !progressed {
			return err
		}
	}
	t.Fatal("indexer never caught up")
	return nil
}

func requireCursor(t *testing.T, b *bundle, f byte, n uint64) {
	t.Helper()
	cur, err := b.db.Cursor(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, n, cur.Number)
	require.Equal(t, hash(f, n), cur.Hash)
}

func TestIndexer_Reorgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		keep, length         uint64 // the fork keeps blocks 0..keep and grows to length
		wantDepth            uint64
		wantReorg            bool
		wantFinalCursorBlock uint64
	}{
		{name: "DepthOneLonger", keep: 98, length: 105, wantDepth: 1, wantReorg: true, wantFinalCursorBlock: 104},
		{name: "DepthTwentyLonger", keep: 79, length: 110, wantDepth: 20, wantReorg: true, wantFinalCursorBlock: 109},
		{name: "ShorterChain", keep: 94, length: 97, wantDepth: 5, wantReorg: true, wantFinalCursorBlock: 96},
		{name: "DeepestAllowed", keep: 35, length: 120, wantDepth: 64, wantReorg: true, wantFinalCursorBlock: 119},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ix, b := setup(t, 100, indexer.Config{FinalityDepth: 64, LiveSpan: 7, BackfillSpan: 13})
			require.NoError(t, catchUp(t, ix))
			requireCursor(t, b, 0, 99)

			b.chain.fork(1, tc.keep, tc.length)
			require.NoError(t, catchUp(t, ix))
			requireCursor(t, b, 1, tc.wantFinalCursorBlock)
			var reorgs []feed.Reorg
			for _, u := range b.updates {
				if u.Reorg != nil {
					reorgs = append(reorgs, *u.Reorg)
				}
			}
			require.Len(t, reorgs, 1)
			require.Equal(t, feed.Reorg{Fork: tc.keep, OldHead: 99, Depth: tc.wantDepth}, reorgs[0])

			// Every stored header above the fork is the new fork's.
			blocks, err := b.db.Blocks(context.Background(), 1, tc.keep+1, sink.MaxBlock)
			require.NoError(t, err)
			require.NotEmpty(t, blocks)
			for _, bl := range blocks {
				require.Equal(t, hash(1, bl.Number), bl.Hash, "block %d", bl.Number)
			}
		})
	}
}

func TestIndexer_DeepReorgHalts(t *testing.T) {
	t.Parallel()
	ix, b := setup(t, 200, indexer.Config{FinalityDepth: 10, LiveSpan: 5})
	require.NoError(t, catchUp(t, ix))
	requireCursor(t, b, 0, 199)

	b.chain.fork(1, 150, 210) // 49 blocks deep, finality depth 10
	err := catchUp(t, ix)
	require.ErrorIs(t, err, indexer.ErrDeepReorg)
	requireCursor(t, b, 0, 199) // nothing was rolled back

	t.Run("AllowDeepReorg", func(t *testing.T) {
		ix := indexer.New(indexer.Config{ChainID: 1, FinalityDepth: 10, LiveSpan: 5, AllowDeepReorg: true},
			b.chain, b.chain, b.db, zap.NewNop(), nil)
		require.NoError(t, catchUp(t, ix))
		requireCursor(t, b, 1, 209)
	})
}

func TestIndexer_LaggingNodeIsWaitedFor(t *testing.T) {
	t.Parallel()
	ix, b := setup(t, 50, indexer.Config{FinalityDepth: 64})
	require.NoError(t, catchUp(t, ix))
	requireCursor(t, b, 0, 49)

	// The node now reports an older head of the same chain: nothing to roll back.
	lagging := &fakeChain{headers: b.chain.headers[:45]}
	ix = indexer.New(indexer.Config{ChainID: 1, FinalityDepth: 64}, lagging, lagging, b.db, zap.NewNop(), nil)
	progressed, err := ix.Step(context.Background())
	require.NoError(t, err)
	require.False(t, progressed)
	requireCursor(t, b, 0, 49)
}

func TestIndexer_ConfirmationsAndStartBlock(t *testing.T) {
	t.Parallel()
	ix, b := setup(t, 30, indexer.Config{StartBlock: 12, Confirmations: 3, LiveSpan: 4})
	require.NoError(t, catchUp(t, ix))
	requireCursor(t, b, 0, 26)
	require.Equal(t, uint64(12), b.updates[0].From)
}
