package devmode

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestDev_ForksThenFreshIndex runs the dev chain for 500 blocks with a fork every 25 blocks
// (20 forks of depth 1-20) while the indexer follows it, verifies the projection against the
// contracts (and the payments against the token's logs and state), then indexes the final chain
// again from block 0 into a second schema and compares every table row by row: the payments
// that forks dropped or moved are exactly those of the final chain.
func TestDev_ForksThenFreshIndex(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pool := testdb.New(t)
	fresh := testdb.New(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))

	var rollbacks []feed.Reorg
	var chainID uint64
	opts := Options{
		Blocks:     500,
		ReorgEvery: 25,
		Seed:       7,
		Notify: func(u feed.Update) {
			if u.Reorg != nil {
				rollbacks = append(rollbacks, *u.Reorg)
			}
		},
		Finally: func(ctx context.Context, spec daemon.ChainSpec) error {
			// A second indexer, from scratch, on the final chain.
			chainID = spec.ChainID
			client, err := spec.Dial(ctx, log)
			require.NoError(t, err)
			defer client.Close()
			db := sink.NewPostgres(fresh, log)
			// The payment tokens, as IndexChain records them at start.
			for _, tok := range spec.PaymentTokens {
				require.NoError(t, db.StorePaymentTokens(ctx, spec.ChainID,
					[]sink.PaymentToken{{Address: tok.Address, Symbol: tok.Symbol, Decimals: tok.Decimals}}))
			}
			ix := daemon.NewIndexer(spec, client, db, log, nil)
			for {
				progressed, err := ix.Step(ctx)
				require.NoError(t, err)
				if !progressed {
					return nil
				}
			}
		},
	}
	sum, err := Run(ctx, pool, log, opts)
	require.NoError(t, err)
	t.Log(sum.String(), "forks:", sum.Forks, "txs:", sum.Txs, "checks:", sum.Report.Checks)
	require.Equal(t, 20, sum.Forks)
	require.Empty(t, sum.Report.Mismatches, "verify found mismatches")
	require.Greater(t, sum.Report.Checks, 1000)
	require.Greater(t, sum.Reorgs, int64(0))
	require.Positive(t, sum.Payments, "the dev traffic pays agents")
	require.Positive(t, sum.Report.PaymentAgents)
	for _, r := range rollbacks {
		require.LessOrEqual(t, r.Depth, uint64(21))
	}
	testdb.RequireSameTables(t, pool, fresh)
	requireAggregatesExact(t, pool, chainID)
}
