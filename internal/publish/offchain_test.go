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
