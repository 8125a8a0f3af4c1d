package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// TestVerifier_Payments indexes a dev chain with payment traffic, requires the payment checks
// to agree (recount from the node's logs, decimals, EIP-3009 authorization states, balances),
// then corrupts the stored payments one way at a time and requires each to be reported.
func TestVerifier_Payments(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := devchain.New(ctx, devchain.Options{Seed: 22, HTTP: true})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 22, Payments: 4})
	for range 60 {
		require.NoError(t, gen.Step(ctx))
	}
	require.Positive(t, gen.Stats().Payments["receiveWithAuthorization"])
	spec := daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: c.Registries(), PaymentTokens: []config.PaymentToken{{Symbol: "USDC", Address: c.PaymentToken(), Decimals: 6, DecimalsKnown: true}}}
	client, err := spec.Dial(ctx, zap.NewNop())
	require.NoError(t, err)
	defer client.Close()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	require.NoError(t, db.StorePaymentTokens(ctx, spec.ChainID, []sink.PaymentToken{{Address: c.PaymentToken(), Symbol: "USDC", Decimals: 6}}))
	ix := daemon.NewIndexer(spec, client, db, zap.NewNop(), nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	v := verify.New(pool, client, spec.ChainID, spec.Registries)
	v.Payments = &verify.Payments{Client: client, Tokens: []common.Address{c.PaymentToken()}, Sample: 1000}
	rep, err := v.Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
	require.Positive(t, rep.Payments)
	require.Positive(t, rep.PaymentAgents)
	var nonces int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_agent_payments WHERE authorization_nonce IS NOT NULL`).Scan(&nonces))
	require.Positive(t, nonces)

	for check, q := range map[string]string{
		"payments": `DELETE FROM erc8004_agent_payments WHERE (block_number, log_index, agent_id) IN
			(SELECT block_number, log_index, agent_id FROM erc8004_agent_payments ORDER BY block_number DESC LIMIT 1)`,
		"authorizationState": `UPDATE erc8004_agent_payments SET authorization_nonce = '0x' || repeat('ab', 32)
			WHERE (block_number, log_index) IN (SELECT block_number, log_index FROM erc8004_agent_payments
			WHERE authorization_nonce IS NOT NULL LIMIT 1)`,
		"decimals": `UPDATE erc8004_payment_tokens SET decimals = 18`,
	} {
		t.Run(check, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, q)
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))
			rep, err := v.Run(ctx)
			require.NoError(t, err)
			found := map[string]bool{}
			for _, m := range rep.Mismatches {
				found[m.Check] = true
			}
			require.True(t, found[check], "verify missed the %s corruption; found %v", check, rep.Mismatches)
		})
	}
}
