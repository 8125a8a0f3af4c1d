package sink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The reputation aggregates (migration 0015): erc8004_agent_aggregates per agent,
// erc8004_agent_feedback_decimals per (agent, value decimals) and erc8004_agent_tag_decimals per
// (agent, tag1, tag2, value decimals). They summarize erc8004_reputation,
// erc8004_feedback_responses and erc8004_validations and are written in the transaction that
// writes those rows:
//   - Replace's full path (rollbacks, replays) recomputes every touched agent from its rows;
//   - the append path adds the batch's contribution: its new feedback rows (live or revoked
//     within the batch), the older feedback its revocations revoked (revoked_block in the range),
//     its responses, and recomputes the validation figures and getSummary of the agents it
//     touched from their (few) stored rows.
// Keys are (chain_id, agent_id), as in the views that read them.

// qAggDelete empties the aggregates of the agents $2 (full path).
var qAggDelete = []string{
	`DELETE FROM erc8004_agent_aggregates WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])`,
	`DELETE FROM erc8004_agent_feedback_decimals WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])`,
	`DELETE FROM erc8004_agent_tag_decimals WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])`,
}

// qAggDecimals and qAggTags recompute the decimals and tag rows of the agents $2 (full path).
const (
	qAggDecimals = `
INSERT INTO erc8004_agent_feedback_decimals (chain_id, agent_id, value_decimals, feedback_count, revoked_count, value_sum)
SELECT $1, agent_id, value_decimals, count(*) FILTER (WHERE NOT is_revoked), count(*) FILTER (WHERE is_revoked),
       coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])
GROUP BY agent_id, value_decimals`
	qAggTags = `
INSERT INTO erc8004_agent_tag_decimals (chain_id, agent_id, tag1, tag2, value_decimals, feedback_count, revoked_count, value_sum)
SELECT $1, agent_id, tag1, tag2, value_decimals, count(*) FILTER (WHERE NOT is_revoked), count(*) FILTER (WHERE is_revoked),
       coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])
GROUP BY agent_id, tag1, tag2, value_decimals`
)

// qAggAgents recomputes the per-agent rows of the agents $2 (full path); getSummary and the
// validation figures follow (qAggSummary, qAggValidations).
const qAggAgents = `
INSERT INTO erc8004_agent_aggregates (chain_id, agent_id, feedback_count, revoked_count, unique_clients,
    response_count, last_feedback_block, last_feedback_at)
SELECT $1, k.agent_id, f.live, f.revoked, f.clients, r.n, f.lb, f.lt
FROM (SELECT DISTINCT unnest($2::text[]::numeric[]) AS agent_id) k
CROSS JOIN LATERAL (
    SELECT count(*) AS total, count(*) FILTER (WHERE NOT is_revoked) AS live, count(*) FILTER (WHERE is_revoked) AS revoked,
           count(DISTINCT client_address) AS clients, max(block_number) AS lb, max(block_time) AS lt
    FROM erc8004_reputation WHERE chain_id = $1 AND agent_id = k.agent_id) f
CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM erc8004_feedback_responses WHERE chain_id = $1 AND agent_id = k.agent_id) r
WHERE f.total > 0 OR r.n > 0`

// qAggFeedbackDelta adds the feedback rows of the batch's range [$2, $3] to the decimals and tag
// rows, and moves the older feedback that the range's revocations revoked from live to revoked
// (append path). Only a revocation in the range can set revoked_block there, and a feedback is
// revoked once, so each older row is moved exactly once.
const qAggFeedbackDelta = `
WITH d AS (
    SELECT agent_id, tag1, tag2, value_decimals, (NOT is_revoked)::int AS live, is_revoked::int AS rev,
           CASE WHEN is_revoked THEN 0 ELSE value END AS v
    FROM erc8004_reputation WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
    UNION ALL
    SELECT agent_id, tag1, tag2, value_decimals, -1, 1, -value
    FROM erc8004_reputation WHERE chain_id = $1 AND revoked_block BETWEEN $2 AND $3 AND block_number < $2
), t AS (
    INSERT INTO erc8004_agent_tag_decimals AS t (chain_id, agent_id, tag1, tag2, value_decimals, feedback_count, revoked_count, value_sum)
    SELECT $1, agent_id, tag1, tag2, value_decimals, sum(live), sum(rev), sum(v) FROM d
    GROUP BY agent_id, tag1, tag2, value_decimals
    ON CONFLICT (chain_id, agent_id, erc8004_text_key(tag1), erc8004_text_key(tag2), value_decimals) DO UPDATE SET
        feedback_count = t.feedback_count + EXCLUDED.feedback_count, revoked_count = t.revoked_count + EXCLUDED.revoked_count,
        value_sum = t.value_sum + EXCLUDED.value_sum
)
INSERT INTO erc8004_agent_feedback_decimals AS t (chain_id, agent_id, value_decimals, feedback_count, revoked_count, value_sum)
SELECT $1, agent_id, value_decimals, sum(live), sum(rev), sum(v) FROM d
GROUP BY agent_id, value_decimals
ON CONFLICT (chain_id, agent_id, value_decimals) DO UPDATE SET
    feedback_count = t.feedback_count + EXCLUDED.feedback_count, revoked_count = t.revoked_count + EXCLUDED.revoked_count,
    value_sum = t.value_sum + EXCLUDED.value_sum`

// qAggAgentDelta adds the batch's feedback, revocations and responses to the per-agent rows
// (append path). A client is new to an agent when it has no feedback for it below the range
// (one index probe per pair: LATERAL with LIMIT, see append.go; the pair as a key range keeps the
// probe on the (agent, client) index, as in qAppendRevocations).
const qAggAgentDelta = `
WITH nf AS (
    SELECT agent_id, client_address, is_revoked, block_number, block_time
    FROM erc8004_reputation WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
), f AS (
    SELECT agent_id, count(*) FILTER (WHERE NOT is_revoked) AS live, count(*) FILTER (WHERE is_revoked) AS rev,
           max(block_number) AS lb, max(block_time) AS lt
    FROM nf GROUP BY agent_id
), nc AS (
    SELECT c.agent_id, count(*) AS n
    FROM (SELECT DISTINCT agent_id, client_address FROM nf) c
    LEFT JOIN LATERAL (
        SELECT true AS seen FROM erc8004_reputation o
        WHERE o.chain_id = $1 AND o.agent_id = c.agent_id AND o.client_address = c.client_address
          AND (o.agent_id, o.client_address) >= (c.agent_id, c.client_address)
          AND (o.agent_id, o.client_address) <= (c.agent_id, c.client_address) AND o.block_number + 0 < $2 LIMIT 1) o ON true
    WHERE o.seen IS NULL
    GROUP BY c.agent_id
), rv AS (
    SELECT agent_id, count(*) AS n FROM erc8004_reputation
    WHERE chain_id = $1 AND revoked_block BETWEEN $2 AND $3 AND block_number < $2
    GROUP BY agent_id
), r AS (
    SELECT agent_id, count(*) AS n FROM erc8004_feedback_responses
    WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
    GROUP BY agent_id
), ids AS (
    SELECT agent_id FROM f UNION SELECT agent_id FROM rv UNION SELECT agent_id FROM r
)
INSERT INTO erc8004_agent_aggregates AS g (chain_id, agent_id, feedback_count, revoked_count, unique_clients,
    response_count, last_feedback_block, last_feedback_at)
SELECT $1, ids.agent_id, coalesce(f.live, 0) - coalesce(rv.n, 0), coalesce(f.rev, 0) + coalesce(rv.n, 0),
       coalesce(nc.n, 0), coalesce(r.n, 0), f.lb, f.lt
FROM ids
LEFT JOIN f USING (agent_id)
LEFT JOIN nc USING (agent_id)
LEFT JOIN rv USING (agent_id)
LEFT JOIN r USING (agent_id)
ON CONFLICT (chain_id, agent_id) DO UPDATE SET
    feedback_count = g.feedback_count + EXCLUDED.feedback_count,
    revoked_count = g.revoked_count + EXCLUDED.revoked_count,
    unique_clients = g.unique_clients + EXCLUDED.unique_clients,
    response_count = g.response_count + EXCLUDED.response_count,
    last_feedback_block = greatest(g.last_feedback_block, EXCLUDED.last_feedback_block),
    last_feedback_at = greatest(g.last_feedback_at, EXCLUDED.last_feedback_at)`

// qAggValidations recomputes the validation figures of the agents $2 and of the agents of the
// validation requests ($3 registries, $4 hashes), creating their rows when they have requests.
// A touched agent's figures never drop to zero on the append path, and the full path deleted
// its row first, so an agent without requests needs no update.
const qAggValidations = `
WITH ids AS (
    SELECT unnest($2::text[]::numeric[]) AS agent_id
    UNION
    SELECT v.agent_id FROM unnest($3::text[], $4::text[]) AS k(registry, request_hash)
    JOIN erc8004_validations v ON v.chain_id = $1 AND v.registry = k.registry AND v.request_hash = k.request_hash
)
INSERT INTO erc8004_agent_aggregates AS g (chain_id, agent_id, validation_count, responded_count, response_sum)
SELECT $1, ids.agent_id, x.n, x.responded, x.s
FROM ids
CROSS JOIN LATERAL (
    SELECT count(*) AS n, count(response) AS responded, coalesce(sum(response), 0) AS s
    FROM erc8004_validations WHERE chain_id = $1 AND agent_id = ids.agent_id) x
WHERE x.n > 0
ON CONFLICT (chain_id, agent_id) DO UPDATE SET
    validation_count = EXCLUDED.validation_count, responded_count = EXCLUDED.responded_count,
    response_sum = EXCLUDED.response_sum`

// qAggSummary sets getSummary(agent, getClients(agent), "", "") of the agents $2 from their
// decimals rows.
const qAggSummary = `
UPDATE erc8004_agent_aggregates g
SET summary_value = coalesce(erc8004_wad_summary(x.wad, x.n, x.mode), 0), summary_decimals = coalesce(x.mode, 0)
FROM (
    SELECT agent_id, sum(feedback_count) AS n,
           sum(value_sum * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad,
           (array_agg(value_decimals ORDER BY feedback_count DESC, value_decimals) FILTER (WHERE feedback_count > 0))[1] AS mode
    FROM erc8004_agent_feedback_decimals
    WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])
    GROUP BY agent_id
) x
WHERE g.chain_id = $1 AND g.agent_id = x.agent_id
  AND (g.summary_value, g.summary_decimals) IS DISTINCT FROM (coalesce(erc8004_wad_summary(x.wad, x.n, x.mode), 0), coalesce(x.mode, 0))`

// queueAggregatesFull queues the full recompute of the agents ids and the validation figures
// of the agents of requests (Replace's full path).
func queueAggregatesFull(queue func(name, q string, args ...any), ids []string, requests map[[2]string]struct{}) {
	if len(ids) == 0 && len(requests) == 0 {
		return
	}
	for _, q := range qAggDelete {
		queue("aggregates", q, ids)
	}
	queue("aggregate decimals", qAggDecimals, ids)
	queue("aggregate tags", qAggTags, ids)
	queue("aggregates", qAggAgents, ids)
	r, h := columns2(requests)
	queue("aggregate validations", qAggValidations, ids, r, h)
	queue("aggregate summaries", qAggSummary, ids)
}

// queueAggregatesAppend queues the append path's aggregate statements for the batch's range:
// feedback agents are the agents of its feedback and revocations, validation agents those of
// its validation events, requests their request keys.
func queueAggregatesAppend(queue func(name, q string, args ...any), b *Batch, d *appendDelta) {
	from, to := int64(b.From), int64(clampBlock(b.To))
	if d.aggregates {
		queue("aggregate decimals", qAggFeedbackDelta, from, to)
		queue("aggregates", qAggAgentDelta, from, to)
	}
	if len(d.requests) > 0 {
		r, h := columns2(d.requests)
		queue("aggregate validations", qAggValidations, keys(d.validationAgents), r, h)
	}
	if len(d.feedbackAgents) > 0 {
		queue("aggregate summaries", qAggSummary, keys(d.feedbackAgents))
	}
}

// keys returns the members of a set.
func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// recomputeAggregates runs the full recompute of the agents ids (and of the agents of requests)
// in one round trip.
func recomputeAggregates(ctx context.Context, tx pgx.Tx, chainID uint64, ids []string, requests map[[2]string]struct{}) error {
	batch := &pgx.Batch{}
	var names []string
	queueAggregatesFull(func(name, q string, args ...any) {
		names = append(names, name)
		batch.Queue(q, append([]any{int64(chainID)}, args...)...)
	}, ids, requests)
	if len(names) == 0 {
		return nil
	}
	results := tx.SendBatch(ctx, batch)
	for _, name := range names {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("recompute %s: %w", name, err)
		}
	}
	return results.Close()
}
