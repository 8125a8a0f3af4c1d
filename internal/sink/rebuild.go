package sink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// qRebuild recompute a chain's aggregates and rollups from its rows, all agents at once (grouped
// scans, not one probe per agent): for rows that were loaded without the sink, such as the
// benchmarks' bulk COPY.
var qRebuild = []string{
	`DELETE FROM erc8004_agent_aggregates WHERE chain_id = $1`,
	`DELETE FROM erc8004_agent_feedback_decimals WHERE chain_id = $1`,
	`DELETE FROM erc8004_agent_tag_decimals WHERE chain_id = $1`,
	`DELETE FROM erc8004_stats_hourly WHERE chain_id = $1`,
	`DELETE FROM erc8004_stats_daily WHERE chain_id = $1`,
	`INSERT INTO erc8004_agent_feedback_decimals
SELECT $1, agent_id, value_decimals, count(*) FILTER (WHERE NOT is_revoked), count(*) FILTER (WHERE is_revoked),
       coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation WHERE chain_id = $1 GROUP BY agent_id, value_decimals`,
	`INSERT INTO erc8004_agent_tag_decimals
SELECT $1, agent_id, tag1, tag2, value_decimals, count(*) FILTER (WHERE NOT is_revoked), count(*) FILTER (WHERE is_revoked),
       coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation WHERE chain_id = $1 GROUP BY agent_id, tag1, tag2, value_decimals`,
	`INSERT INTO erc8004_agent_aggregates (chain_id, agent_id, feedback_count, revoked_count, unique_clients,
    response_count, last_feedback_block, last_feedback_at, validation_count, responded_count, response_sum)
WITH f AS (
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
SELECT $1, ids.agent_id, coalesce(f.live, 0), coalesce(f.revoked, 0), coalesce(f.clients, 0), coalesce(r.n, 0),
       f.lb, f.lt, coalesce(v.n, 0), coalesce(v.responded, 0), coalesce(v.s, 0)
FROM ids LEFT JOIN f USING (agent_id) LEFT JOIN r USING (agent_id) LEFT JOIN v USING (agent_id)`,
	`UPDATE erc8004_agent_aggregates g
SET summary_value = coalesce(erc8004_wad_summary(x.wad, x.n, x.mode), 0), summary_decimals = coalesce(x.mode, 0)
FROM (
    SELECT agent_id, sum(feedback_count) AS n,
           sum(value_sum * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad,
           (array_agg(value_decimals ORDER BY feedback_count DESC, value_decimals) FILTER (WHERE feedback_count > 0))[1] AS mode
    FROM erc8004_agent_feedback_decimals WHERE chain_id = $1 GROUP BY agent_id
) x
WHERE g.chain_id = $1 AND g.agent_id = x.agent_id`,
	`INSERT INTO erc8004_stats_hourly SELECT * FROM erc8004_stats_recomputed($1, 'hour') WHERE bucket IS NOT NULL`,
	`INSERT INTO erc8004_stats_daily SELECT * FROM erc8004_stats_recomputed($1, 'day') WHERE bucket IS NOT NULL`,
}

// RebuildAggregates recomputes, in one transaction, a chain's reputation aggregates and rollups
// from its rows. The sink keeps them itself; this is for rows written around it (a bulk load).
func RebuildAggregates(ctx context.Context, pool *pgxpool.Pool, chainID uint64) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, q := range qRebuild {
			if _, err := tx.Exec(ctx, q, int64(chainID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild aggregates of chain %d: %w", chainID, err)
	}
	return nil
}
