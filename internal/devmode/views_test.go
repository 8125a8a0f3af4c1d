package devmode

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// aggregatesSince is the migration from which the views read the reputation aggregates.
const aggregatesSince = 15

// requireAggregatesExact checks the reputation aggregates of pool's chain against their
// recomputation from the rows, and the views that read them against the views' definitions
// before migration 0015 (which aggregated the rows on each read), run on the same data.
func requireAggregatesExact(t *testing.T, pool *pgxpool.Pool, chainID uint64) {
	t.Helper()
	ctx := context.Background()
	diffs, err := sink.CheckAggregates(ctx, pool, chainID)
	require.NoError(t, err)
	require.Empty(t, diffs, "aggregates differ from their recomputation")

	// The old definitions, as the catalog renders them in a schema migrated up to 0014.
	old, schema, _ := testdb.NewEmpty(t)
	_, err = old.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	for _, m := range migrations.Versions() {
		if m.Version >= aggregatesSince {
			break
		}
		_, err := old.Exec(ctx, m.SQL)
		require.NoError(t, err, "migration %d", m.Version)
	}
	var repDef, statsDef string
	require.NoError(t, old.QueryRow(ctx, `SELECT pg_get_viewdef('v_erc8004_agent_reputation'::regclass),
		pg_get_viewdef('v_erc8004_agent_stats'::regclass)`).Scan(&repDef, &statsDef))
	require.Contains(t, statsDef, "v_erc8004_agent_reputation")
	statsDef = strings.ReplaceAll(statsDef, "v_erc8004_agent_reputation", "old_agent_reputation")

	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	for _, q := range []string{
		`CREATE TEMP VIEW old_agent_reputation AS ` + strings.TrimSuffix(strings.TrimSpace(repDef), ";"),
		`CREATE TEMP VIEW old_agent_stats AS ` + strings.TrimSuffix(strings.TrimSpace(statsDef), ";"),
	} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err)
	}
	defer conn.Exec(ctx, `DROP VIEW pg_temp.old_agent_stats, pg_temp.old_agent_reputation`) //nolint:errcheck
	for view, oldView := range map[string]string{"v_erc8004_agent_reputation": "old_agent_reputation", "v_erc8004_agent_stats": "old_agent_stats"} {
		var rows, onlyOld, onlyNew int
		require.NoError(t, conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+view+`),
			(SELECT count(*) FROM (SELECT * FROM `+oldView+` EXCEPT ALL SELECT * FROM `+view+`) x),
			(SELECT count(*) FROM (SELECT * FROM `+view+` EXCEPT ALL SELECT * FROM `+oldView+`) y)`).Scan(&rows, &onlyOld, &onlyNew))
		require.Positive(t, rows, view)
		require.Zero(t, onlyOld+onlyNew, "%s: %d rows only in the old definition, %d only in the new", view, onlyOld, onlyNew)
	}
	var withFeedback int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM v_erc8004_agent_stats
		WHERE feedback_count > 0 AND revoked_count > 0 AND validation_count > 0 AND response_count > 0`).Scan(&withFeedback))
	require.Positive(t, withFeedback, "the compared rows carry every figure")
}
