-- 0016_stats_rollups: hourly and daily activity per chain and per agent, by block time (UTC),
-- kept by the sink in the batch's transaction (internal/sink/rollups.go, docs/queries.md).
--
-- One row per (chain, agent, bucket) with activity; agent_id NULL is the whole chain. A bucket's
-- rows are recomputed from the indexed rows of the blocks whose time falls in it whenever a batch,
-- rollback or replay touches a block of that bucket, so they are reorg-safe. The *_total columns
-- are cumulative: the figure from the chain's first indexed block to the end of the bucket.
--   registrations          agents created (erc8004_agents.created_block) in the bucket
--   feedback_given         feedback (NewFeedback rows) given in the bucket, revoked later or not
--   feedback_revoked       feedback revoked by a revocation in the bucket
--   responses              feedback responses appended
--   validation_requests    validation requests made
--   validation_responses   validation responses given (every response, not only the latest)
--   payments               payments to agents; for the chain, distinct transfer logs
CREATE TABLE erc8004_stats_hourly (
    chain_id                     bigint        NOT NULL,
    agent_id                     numeric(78,0),          -- NULL: the whole chain
    bucket                       timestamptz   NOT NULL, -- start of the UTC hour
    registrations                bigint        NOT NULL DEFAULT 0,
    feedback_given               bigint        NOT NULL DEFAULT 0,
    feedback_revoked             bigint        NOT NULL DEFAULT 0,
    responses                    bigint        NOT NULL DEFAULT 0,
    validation_requests          bigint        NOT NULL DEFAULT 0,
    validation_responses         bigint        NOT NULL DEFAULT 0,
    payments                     bigint        NOT NULL DEFAULT 0,
    registrations_total          bigint        NOT NULL DEFAULT 0,
    feedback_given_total         bigint        NOT NULL DEFAULT 0,
    feedback_revoked_total       bigint        NOT NULL DEFAULT 0,
    responses_total              bigint        NOT NULL DEFAULT 0,
    validation_requests_total    bigint        NOT NULL DEFAULT 0,
    validation_responses_total   bigint        NOT NULL DEFAULT 0,
    payments_total               bigint        NOT NULL DEFAULT 0,
    CONSTRAINT erc8004_stats_hourly_key UNIQUE NULLS NOT DISTINCT (chain_id, agent_id, bucket)
);
CREATE INDEX erc8004_stats_hourly_bucket_idx ON erc8004_stats_hourly (chain_id, bucket);

CREATE TABLE erc8004_stats_daily (LIKE erc8004_stats_hourly INCLUDING DEFAULTS);
ALTER TABLE erc8004_stats_daily ADD CONSTRAINT erc8004_stats_daily_key UNIQUE NULLS NOT DISTINCT (chain_id, agent_id, bucket);
CREATE INDEX erc8004_stats_daily_bucket_idx ON erc8004_stats_daily (chain_id, bucket);
COMMENT ON COLUMN erc8004_stats_daily.bucket IS 'start of the UTC day';

-- A bucket's blocks are found from the stored headers by time.
CREATE INDEX erc8004_blocks_time_idx ON erc8004_blocks (chain_id, block_time);
-- Registrations per bucket.
CREATE INDEX erc8004_agents_created_idx ON erc8004_agents (chain_id, created_block);

-- v_erc8004_chain_daily: the chain's daily activity (public contract for dashboards).
CREATE VIEW v_erc8004_chain_daily AS
SELECT chain_id,
       (bucket AT TIME ZONE 'UTC')::date AS day,
       registrations,
       feedback_given,
       feedback_revoked,
       validation_requests,
       validation_responses,
       payments,
       responses,
       registrations_total,
       feedback_given_total,
       feedback_revoked_total,
       responses_total,
       validation_requests_total,
       validation_responses_total,
       payments_total
FROM erc8004_stats_daily
WHERE agent_id IS NULL;

-- erc8004_stats_recomputed returns a chain's rollup rows for unit ('hour' or 'day') computed from
-- scratch from the indexed rows, each placed by its own block time: what the sink's incremental
-- recompute must equal (`indexer verify` compares them). It also fills the tables below.
CREATE FUNCTION erc8004_stats_recomputed(chain bigint, unit text)
RETURNS TABLE (chain_id bigint, agent_id numeric, bucket timestamptz, registrations bigint, feedback_given bigint,
    feedback_revoked bigint, responses bigint, validation_requests bigint,
    validation_responses bigint, payments bigint, registrations_total bigint, feedback_given_total bigint,
    feedback_revoked_total bigint, responses_total bigint, validation_requests_total bigint,
    validation_responses_total bigint, payments_total bigint)
LANGUAGE sql STABLE AS $$
WITH ev AS (
    SELECT date_trunc(unit, a.created_at, 'UTC') AS b, a.agent_id, 'reg' AS k, NULL::bigint AS bn, NULL::int AS li
    FROM erc8004_agents a WHERE a.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, f.block_time, 'UTC'), f.agent_id, 'fb', NULL, NULL
    FROM erc8004_reputation f WHERE f.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, e.block_time, 'UTC'), f.agent_id, 'rv', NULL, NULL
    FROM erc8004_reputation f
    JOIN erc8004_events e ON e.chain_id = f.chain_id AND e.block_number = f.revoked_block AND e.log_index = f.revoked_log_index
    WHERE f.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, x.block_time, 'UTC'), x.agent_id, 'resp', NULL, NULL
    FROM erc8004_feedback_responses x WHERE x.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, v.block_time, 'UTC'), v.agent_id, 'vreq', NULL, NULL
    FROM erc8004_validations v WHERE v.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, v.block_time, 'UTC'), v.agent_id, 'vresp', NULL, NULL
    FROM erc8004_validation_responses v WHERE v.chain_id = chain
    UNION ALL
    SELECT date_trunc(unit, p.block_time, 'UTC'), p.agent_id, 'pay', p.block_number, p.log_index
    FROM erc8004_agent_payments p WHERE p.chain_id = chain
), f AS (
    SELECT agent_id, b AS bucket,
           count(*) FILTER (WHERE k = 'reg') AS registrations, count(*) FILTER (WHERE k = 'fb') AS feedback_given,
           count(*) FILTER (WHERE k = 'rv') AS feedback_revoked,
           count(*) FILTER (WHERE k = 'resp') AS responses, count(*) FILTER (WHERE k = 'vreq') AS validation_requests,
           count(*) FILTER (WHERE k = 'vresp') AS validation_responses, count(*) FILTER (WHERE k = 'pay') AS payments
    FROM ev GROUP BY agent_id, b
    UNION ALL
    SELECT NULL, b,
           count(*) FILTER (WHERE k = 'reg'), count(*) FILTER (WHERE k = 'fb'), count(*) FILTER (WHERE k = 'rv'),
           count(*) FILTER (WHERE k = 'resp'), count(*) FILTER (WHERE k = 'vreq'),
           count(*) FILTER (WHERE k = 'vresp'), count(DISTINCT (bn, li)) FILTER (WHERE k = 'pay')
    FROM ev GROUP BY b
)
SELECT chain, agent_id, bucket, registrations, feedback_given, feedback_revoked, responses,
       validation_requests, validation_responses, payments,
       (sum(registrations) OVER w)::bigint, (sum(feedback_given) OVER w)::bigint, (sum(feedback_revoked) OVER w)::bigint,
       (sum(responses) OVER w)::bigint, (sum(validation_requests) OVER w)::bigint,
       (sum(validation_responses) OVER w)::bigint, (sum(payments) OVER w)::bigint
FROM f
WINDOW w AS (PARTITION BY agent_id ORDER BY bucket)
$$;

-- Fill the rollups of the chains already indexed.
INSERT INTO erc8004_stats_hourly SELECT r.* FROM erc8004_cursors c, erc8004_stats_recomputed(c.chain_id, 'hour') r;
INSERT INTO erc8004_stats_daily SELECT r.* FROM erc8004_cursors c, erc8004_stats_recomputed(c.chain_id, 'day') r;
