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

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/payments"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// paymentsChain serves c on loopback and returns a spec with its payment token, a client and
// a fresh schema.
func paymentsChain(t *testing.T, c *synthchain.Chain, mode payments.Mode, backfillSpan uint64) (daemon.ChainSpec,
	*chain.Client, *sink.Postgres, *pgxpool.Pool) {
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
	client, err := spec.Dial(context.Background(), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(client.Close)
	return spec, client, db, pool
}

// indexToHead steps a fresh indexer of spec until it reaches the head.
func indexToHead(ctx context.Context, t *testing.T, spec daemon.ChainSpec, client *chain.Client, db *sink.Postgres) {
	ix := daemon.NewIndexer(spec, client, db, zap.NewNop(), nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			return
		}
	}
}

// storedPayments returns the stored payments as "block/log agent payer wallet amount nonce
// token" lines.
func storedPayments(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
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
	return got
}

// indexPayments indexes c to its head with a payment token and returns the stored payments.
func indexPayments(t *testing.T, c *synthchain.Chain, mode payments.Mode, backfillSpan uint64) ([]string, *pgxpool.Pool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec, client, db, pool := paymentsChain(t, c, mode, backfillSpan)
	indexToHead(ctx, t, spec, client, db)
	return storedPayments(ctx, t, pool), pool
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

// TestPayments_ReplayAndRewind replays ranges of an indexed chain (below finality, across it,
// above it, a single block) and rewinds it and indexes it again: the stored payments are the
// chain's payments after each, not the rows left once a range's were deleted.
func TestPayments_ReplayAndRewind(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := synthchain.New(synthchain.Config{ChainID: 80_211, Blocks: 1200, EventsPerBlock: 3, TokenLogsPerBlock: 8,
		Finality: 10, GapEvery: 400, GapLength: 50})
	require.NoError(t, err)
	want := expectedPayments(c)
	require.Greater(t, len(want), 50)
	spec, client, db, pool := paymentsChain(t, c, payments.ModeAuto, 100)
	indexToHead(ctx, t, spec, client, db)
	require.Equal(t, want, storedPayments(ctx, t, pool))
	cur, err := db.Cursor(ctx, spec.ChainID)
	require.NoError(t, err)
	paid := c.Payments()
	one := paid[len(paid)/2].Block
	for _, r := range [][2]uint64{{1, cur.Number}, {1, 300}, {301, 777}, {one, one}, {cur.Finalized - 60, cur.Number - 3}} {
		st, err := daemon.ReplayRange(ctx, spec, client, db, r[0], r[1], cur.Finalized, zap.NewNop(), nil)
		require.NoError(t, err, "replay %d-%d", r[0], r[1])
		require.Positive(t, st.Inserted)
		require.Equal(t, want, storedPayments(ctx, t, pool), "payments after replaying %d-%d", r[0], r[1])
	}
	// Rewind to below a third of the payments (what 'indexer rewind' does), then index again.
	to := paid[len(paid)/3].Block - 1
	hs, err := client.Headers(ctx, []uint64{to})
	require.NoError(t, err)
	_, err = db.Replace(ctx, &sink.Batch{ChainID: spec.ChainID, From: to + 1, To: sink.MaxBlock,
		Cursor: &sink.Block{Number: hs[0].Number, Hash: hs[0].Hash, ParentHash: hs[0].ParentHash, Time: hs[0].Time},
		Expect: &sink.Block{Number: cur.Number, Hash: cur.Hash}, Finalized: cur.Finalized})
	require.NoError(t, err)
	require.Less(t, len(storedPayments(ctx, t, pool)), len(want))
	indexToHead(ctx, t, spec, client, db)
	require.Equal(t, want, storedPayments(ctx, t, pool))
}
