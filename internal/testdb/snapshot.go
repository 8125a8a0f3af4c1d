package testdb

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// snapshotQueries read every table of the schema contract as JSON rows in a total order, leaving
// out what legitimately differs between two indexes of the same chain: the cursor's timestamps
// and finalized mark, and headers of blocks without events (which ones are still kept depends on
// when the window was pruned).
var snapshotQueries = map[string]string{
	"erc8004_events":               `SELECT to_jsonb(t)::text FROM erc8004_events t ORDER BY chain_id, block_number, log_index`,
	"erc8004_agents":               `SELECT to_jsonb(t)::text FROM erc8004_agents t ORDER BY chain_id, registry, agent_id`,
	"erc8004_agent_metadata":       `SELECT to_jsonb(t)::text FROM erc8004_agent_metadata t ORDER BY chain_id, registry, agent_id, key_hash`,
	"erc8004_operators":            `SELECT to_jsonb(t)::text FROM erc8004_operators t ORDER BY chain_id, registry, owner, operator`,
	"erc8004_reputation":           `SELECT to_jsonb(t)::text FROM erc8004_reputation t ORDER BY chain_id, block_number, log_index`,
	"erc8004_feedback_responses":   `SELECT to_jsonb(t)::text FROM erc8004_feedback_responses t ORDER BY chain_id, block_number, log_index`,
	"erc8004_validations":          `SELECT to_jsonb(t)::text FROM erc8004_validations t ORDER BY chain_id, registry, request_hash`,
	"erc8004_validation_responses": `SELECT to_jsonb(t)::text FROM erc8004_validation_responses t ORDER BY chain_id, block_number, log_index`,
	"erc8004_agent_payments":       `SELECT to_jsonb(t)::text FROM erc8004_agent_payments t ORDER BY chain_id, block_number, log_index`,
	"erc8004_blocks": `SELECT to_jsonb(b)::text FROM erc8004_blocks b
		WHERE EXISTS (SELECT 1 FROM erc8004_events e WHERE e.chain_id = b.chain_id AND e.block_number = b.block_number)
		ORDER BY chain_id, block_number`,
	"erc8004_cursors":            `SELECT (to_jsonb(t) - 'updated_at' - 'finalized_block')::text FROM erc8004_cursors t ORDER BY chain_id`,
	"v_erc8004_agent_reputation": `SELECT to_jsonb(t)::text FROM v_erc8004_agent_reputation t ORDER BY chain_id, agent_id`,
	"v_erc8004_agent_stats":      `SELECT to_jsonb(t)::text FROM v_erc8004_agent_stats t ORDER BY chain_id, registry, agent_id`,
}

// Snapshot returns every table and view of the schema contract, as ordered JSON rows.
func Snapshot(t testing.TB, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, q := range snapshotQueries {
		rows, err := pool.Query(context.Background(), q)
		require.NoError(t, err, table)
		out[table], err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err, table)
	}
	return out
}

// RequireSameTables fails the test when two schemas' tables differ, naming the first differing row.
func RequireSameTables(t testing.TB, want, got *pgxpool.Pool) {
	t.Helper()
	a, b := Snapshot(t, want), Snapshot(t, got)
	for table := range snapshotQueries {
		require.Equal(t, len(a[table]), len(b[table]), "row count of %s", table)
		for i := range a[table] {
			require.Equal(t, a[table][i], b[table][i], "%s row %d", table, i)
		}
	}
}
