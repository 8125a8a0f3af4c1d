package daemon_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/payments"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// indexPayments indexes c to its head with a payment token and returns the stored payments as
// "block/log agent payer wallet amount nonce" lines.
func indexPayments(t *testing.T, c *synthchain.Chain, mode payments.Mode, backfillSpan uint64) ([]string, *pgxpool.Pool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := synthchain.Start(c, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	spec := daemon.ChainSpec{Name: "synthetic", ChainID: c.Config().ChainID, RPCURLs: []string{srv.URL()},
		FinalityDepth: 10, UseFinalizedTag: true, BackfillSpan: backfillSpan, LiveSpan: 7,
		Registries:    synthchain.DefaultRegistries,
		PaymentTokens: []config.PaymentToken{{Address: synthchain.DefaultToken, Decimals: 6, DecimalsKnown: true}},
		PaymentMode:   mode}
	client, err := spec.Dial(ctx, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(client.Close)
	ix := daemon.NewIndexer(spec, client, db, zap.NewNop(), nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	rows, err := pool.Query(ctx, `SELECT block_number || '/' || log_index || ' ' || agent_id || ' ' || payer || ' ' || payee
		|| ' ' || amount || ' ' || coalesce(authorization_nonce, '-') || ' ' || token
		FROM erc8004_agent_payments ORDER BY block_number, log_index`)
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		got = append(got, s)
	}
	require.NoError(t, rows.Err())
	return got, pool
}

func expectedPayments(c *synthchain.Chain) []string {
	var want []string
	for _, p := range c.Payments() {
		nonce := "-"
		if p.Nonce != ([32]byte{}) {
			nonce = hexutil.Encode(p.Nonce[:])
		}
		want = append(want, fmt.Sprintf("%d/%d %d %s %s %d %s %s", p.Block, p.LogIndex, p.Agent,
			strings.ToLower(p.Payer.Hex()), strings.ToLower(p.Wallet.Hex()), p.Amount, nonce,
			strings.ToLower(synthchain.DefaultToken.Hex())))
	}
	return want
}

// TestPayments_Synthetic indexes a synthetic chain whose token traffic pays agents' wallets
// (some with EIP-3009), and sends transfers to wallets before they were set and after they were
// cleared by a transfer of the agent: exactly the payments to a current wallet are stored, with
// their nonce, whichever way the token logs are asked for. Small backfill batches keep chunks in
// flight ahead of the commits, so wallets set in ranges not committed yet must be found too.
func TestPayments_Synthetic(t *testing.T) {
	t.Parallel()
	c, err := synthchain.New(synthchain.Config{ChainID: 80_210, Blocks: 3000, EventsPerBlock: 3, TokenLogsPerBlock: 8,
		Finality: 10, GapEvery: 500, GapLength: 100})
	require.NoError(t, err)
	want := expectedPayments(c)
	require.Greater(t, len(want), 100)
	for name, mode := range map[string]payments.Mode{"auto": payments.ModeAuto, "recipients": payments.ModeRecipients,
		"token-wide": payments.ModeTokenWide} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, pool := indexPayments(t, c, mode, 40)
			require.Equal(t, want, got)
			var views int64
			require.NoError(t, pool.QueryRow(context.Background(),
				`SELECT coalesce(sum(payment_count), 0) FROM v_erc8004_agent_payment_stats`).Scan(&views))
			require.EqualValues(t, len(want), views)
		})
	}
}
