package publish_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestPublisher_RegistrationFields: an agent's hash carries name, image and x402 once the
// off-chain worker parsed its registration file, and only then.
func TestPublisher_RegistrationFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	const qAgents = `
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block, created_tx,
		    created_log_index, updated_block, updated_tx, updated_log_index)
		VALUES (7, '0xr', 1, '0xo', 'ipfs://a', 1, '0x01', 0, 1, '0x01', 0),
		       (7, '0xr', 2, '0xo', 'ipfs://b', 1, '0x01', 1, 1, '0x01', 1)`
	_, err := pool.Exec(ctx, qAgents)
	require.NoError(t, err)
	const qReg = `
		INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, status, name, image, x402_support)
		VALUES (7, 1, '0xr', 'ipfs://a', 'ok', 'Alice', 'https://img/a.png', true)`
	_, err = pool.Exec(ctx, qReg)
	require.NoError(t, err)

	pub := publish.New(pool, rdb.Options(), zap.NewNop(), publish.Options{ChainID: 7, Prefix: prefix})
	defer pub.Close()
	_, err = pub.Resync(ctx)
	require.NoError(t, err)
	keys := publish.KeysFor(prefix, 7)
	a, err := rdb.HGetAll(ctx, keys.Agent("1")).Result()
	require.NoError(t, err)
	require.Equal(t, "Alice", a["name"])
	require.Equal(t, "https://img/a.png", a["image"])
	require.Equal(t, "1", a["x402"])
	b, err := rdb.HGetAll(ctx, keys.Agent("2")).Result()
	require.NoError(t, err)
	require.Equal(t, "ipfs://b", b["agent_uri"])
	require.NotContains(t, b, "name", "not parsed yet: no field")
	require.NotContains(t, b, "x402")
}

// TestPublisher_VerifiedPayments: an agent's hash carries verified_payments, its feedback (not
// revoked) whose file's proofOfPayment names a transaction that paid it from the client, as
// v_erc8004_agent_stats counts it.
func TestPublisher_VerifiedPayments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	const seed = `
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block, created_tx,
		    created_log_index, updated_block, updated_tx, updated_log_index)
		VALUES (7, '0xr', 1, '0xo', 'ipfs://a', 1, '0x01', 0, 1, '0x01', 0),
		       (7, '0xr', 2, '0xo', 'ipfs://b', 1, '0x01', 1, 1, '0x01', 1);
		INSERT INTO erc8004_reputation (chain_id, registry, agent_id, client_address, feedback_index, value, value_decimals,
		    feedback_hash, is_revoked, block_number, tx_hash, log_index)
		VALUES (7, '0xrep', 1, '0xc1', 1, 90, 0, '0xh', false, 5, '0xf1', 0),
		       (7, '0xrep', 1, '0xc2', 1, 80, 0, '0xh', false, 6, '0xf2', 0),
		       (7, '0xrep', 1, '0xc3', 1, 70, 0, '0xh', true, 7, '0xf3', 0),
		       (7, '0xrep', 2, '0xc1', 1, 60, 0, '0xh', false, 8, '0xf4', 0);
		INSERT INTO erc8004_feedback_files (chain_id, block_number, log_index, agent_id, client_address, feedback_index, uri,
		    feedback_hash, status, proof_of_payment)
		VALUES (7, 5, 0, 1, '0xc1', 1, 'ipfs://f', '0xh', 'ok', '{"txHash": "0xp1"}'),
		       (7, 6, 0, 1, '0xc2', 1, 'ipfs://f', '0xh', 'ok', '{"txHash": "0xp1"}'),
		       (7, 7, 0, 1, '0xc3', 1, 'ipfs://f', '0xh', 'ok', '{"txHash": "0xp3"}'),
		       (7, 8, 0, 2, '0xc1', 1, 'ipfs://f', '0xh', 'ok', '{"txHash": "0xp1"}');
		INSERT INTO erc8004_agent_payments (chain_id, registry, agent_id, token, payer, payee, amount, block_number,
		    block_time, tx_hash, log_index)
		VALUES (7, '0xr', 1, '0xt', '0xc1', '0xw', 1, 4, now(), '0xp1', 0),
		       (7, '0xr', 1, '0xt', '0xc3', '0xw', 1, 4, now(), '0xp3', 1)`
	_, err := pool.Exec(ctx, seed)
	require.NoError(t, err)
	pub := publish.New(pool, rdb.Options(), zap.NewNop(), publish.Options{ChainID: 7, Prefix: prefix})
	defer pub.Close()
	_, err = pub.Resync(ctx)
	require.NoError(t, err)
	keys := publish.KeysFor(prefix, 7)
	// Agent 1: client 1's proof verified, client 2's names a payment from client 1, client 3's
	// feedback is revoked. Agent 2: the transaction paid agent 1, not agent 2.
	for id, want := range map[string]string{"1": "1", "2": "0"} {
		a, err := rdb.HGetAll(ctx, keys.Agent(id)).Result()
		require.NoError(t, err)
		require.Equal(t, want, a["verified_payments"], "agent %s", id)
	}
	requireValkeyEqualsPostgres(t, ctx, rdb, pool, keys, 7)
}
