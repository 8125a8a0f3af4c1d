package sink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// aggChecks pair each aggregate and rollup table (as stored) with its recomputation from
// scratch from the rows it summarizes, for one chain ($1); the rollups' is the schema's
// erc8004_stats_recomputed, which places each row by its own block time. getSummary is recomputed from the feedback rows with
// the arithmetic of the views before migration 0015, not from the decimals table, so a wrong
// decimals row shows too.
var aggChecks = []struct{ table, stored, scratch string }{
	{"erc8004_agent_aggregates", `
SELECT agent_id, feedback_count, revoked_count, unique_clients, summary_value, summary_decimals, response_count,
       last_feedback_block, last_feedback_at, validation_count, responded_count, response_sum
FROM erc8004_agent_aggregates WHERE chain_id = $1`, `
WITH live AS (
    SELECT agent_id, value, value_decimals FROM erc8004_reputation WHERE chain_id = $1 AND NOT is_revoked
), mode AS (
    SELECT DISTINCT ON (agent_id) agent_id, value_decimals AS mode
    FROM (SELECT agent_id, value_decimals, count(*) AS n FROM live GROUP BY agent_id, value_decimals) d
    ORDER BY agent_id, n DESC, value_decimals
), sums AS (
    SELECT agent_id, count(*) AS n, sum(value * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad
    FROM live GROUP BY agent_id
), f AS (
    SELECT agent_id, count(*) FILTER (WHERE NOT is_revoked) AS live, count(*) FILTER (WHERE is_revoked) AS revoked,
           count(DISTINCT client_address) AS clients, max(block_number) AS lb, max(block_time) AS lt
    FROM erc8004_reputation WHERE chain_id = $1 GROUP BY agent_id
), r AS (
    SELECT agent_id, count(*) AS n FROM erc8004_feedback_responses WHERE chain_id = $1 GROUP BY agent_id
), v AS (
    SELECT agent_id, count(*) AS n, count(response) AS responded, coalesce(sum(response), 0) AS s
    FROM erc8004_validations WHERE chain_id = $1 GROUP BY agent_id
), ids AS (
    SELECT agent_id FROM f UNION SELECT agent_id FROM r UNION SELECT agent_id FROM v
)
SELECT ids.agent_id, coalesce(f.live, 0) AS feedback_count, coalesce(f.revoked, 0) AS revoked_count,
       coalesce(f.clients, 0) AS unique_clients,
       coalesce(erc8004_wad_summary(s.wad, s.n, m.mode), 0)::numeric(39,0) AS summary_value,
       coalesce(m.mode, 0)::smallint AS summary_decimals, coalesce(r.n, 0) AS response_count,
       f.lb AS last_feedback_block, f.lt AS last_feedback_at, coalesce(v.n, 0) AS validation_count,
       coalesce(v.responded, 0) AS responded_count, coalesce(v.s, 0) AS response_sum
FROM ids
LEFT JOIN f USING (agent_id) LEFT JOIN sums s USING (agent_id) LEFT JOIN mode m USING (agent_id)
LEFT JOIN r USING (agent_id) LEFT JOIN v USING (agent_id)`},
	{"erc8004_agent_feedback_decimals", `
SELECT agent_id, value_decimals, feedback_count, revoked_count, value_sum
FROM erc8004_agent_feedback_decimals WHERE chain_id = $1`, `
SELECT agent_id, value_decimals, count(*) FILTER (WHERE NOT is_revoked) AS feedback_count,
       count(*) FILTER (WHERE is_revoked) AS revoked_count, coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0) AS value_sum
FROM erc8004_reputation WHERE chain_id = $1 GROUP BY agent_id, value_decimals`},
	{"erc8004_agent_tag_decimals", `
SELECT agent_id, tag1, tag2, value_decimals, feedback_count, revoked_count, value_sum
FROM erc8004_agent_tag_decimals WHERE chain_id = $1`, `
SELECT agent_id, tag1, tag2, value_decimals, count(*) FILTER (WHERE NOT is_revoked) AS feedback_count,
       count(*) FILTER (WHERE is_revoked) AS revoked_count, coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0) AS value_sum
FROM erc8004_reputation WHERE chain_id = $1 GROUP BY agent_id, tag1, tag2, value_decimals`},
	{"erc8004_stats_hourly", `SELECT * FROM erc8004_stats_hourly WHERE chain_id = $1`,
		`SELECT * FROM erc8004_stats_recomputed($1, 'hour') WHERE bucket IS NOT NULL`},
	{"erc8004_stats_daily", `SELECT * FROM erc8004_stats_daily WHERE chain_id = $1`,
		`SELECT * FROM erc8004_stats_recomputed($1, 'day') WHERE bucket IS NOT NULL`},
}

// Querier is what CheckAggregates reads through: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// CheckAggregates compares the chain's reputation aggregates and rollups with their recomputation from the
// stored rows and returns the differences, each as "table: stored|recomputed row" (at most
// 20 per table); none when they agree. Read it in one snapshot (a REPEATABLE READ
// transaction) while the indexer writes.
func CheckAggregates(ctx context.Context, q Querier, chainID uint64) ([]string, error) {
	var diffs []string
	for _, c := range aggChecks {
		sql := `WITH stored AS (` + c.stored + `), scratch AS (` + c.scratch + `)
SELECT 'stored', to_jsonb(x)::text FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM scratch) x
UNION ALL
SELECT 'recomputed', to_jsonb(y)::text FROM (SELECT * FROM scratch EXCEPT ALL SELECT * FROM stored) y
LIMIT 20`
		rows, err := q.Query(ctx, sql, int64(chainID))
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", c.table, err)
		}
		var side, row string
		_, err = pgx.ForEachRow(rows, []any{&side, &row}, func() error {
			diffs = append(diffs, c.table+": "+side+" "+row)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", c.table, err)
		}
	}
	return diffs, nil
}
