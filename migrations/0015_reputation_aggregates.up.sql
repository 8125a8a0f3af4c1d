-- 0015_reputation_aggregates: per-agent and per-tag reputation state kept by the sink in the
-- transaction that writes the rows it summarizes (docs/queries.md).
--
-- v_erc8004_agent_reputation and v_erc8004_agent_stats aggregated every feedback and validation
-- of a chain on each read, even for one agent. They now read these tables; their names, columns
-- and output are unchanged.
--
-- The tables hold the exact inputs of the Reputation registry's getSummary: per value_decimals,
-- the number of live (not revoked) feedbacks and the sum of their raw values. The WAD average is
-- then sum(value_sum * 10^(18 - d)) / count, truncated, divided by 10^(18 - mode) where mode is
-- the most frequent decimals (ties: the smallest), cast to int128 — the same arithmetic as
-- before, on at most 19 rows per agent (or per tag pair) instead of every feedback.
--
-- Keys follow the views: (chain_id, agent_id), whatever registry emitted the rows. A row exists
-- when the agent has any feedback (revoked or not), feedback response or validation request.
-- Rollbacks and replays recompute the touched agents from the rows; forward indexing adds the
-- batch's contribution (internal/sink/aggregates.go). `indexer verify` compares both with a
-- recomputation from scratch and with the contracts' getSummary.

-- erc8004_text_key is the key of a free-length text in a unique index (tags can be longer than a
-- btree entry may be). convert_to to the database's own encoding (UTF8) never changes.
CREATE FUNCTION erc8004_text_key(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sha256(convert_to(t, 'UTF8')) $$;

-- erc8004_wad_summary is getSummary's result from its inputs: the WAD sum, the count and the
-- mode decimals. 0 when there is nothing to average; NULL when the mode is above 18 decimals
-- (only old layouts could log such a value; the contract's own getSummary reverts then).
CREATE FUNCTION erc8004_wad_summary(wad numeric, n numeric, mode smallint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN coalesce(n, 0) = 0 THEN 0
                ELSE erc8004_int128(div(div(wad, n), nullif((10::numeric ^ (18 - mode))::numeric(78,0), 0))) END
$$;

-- Per agent.
CREATE TABLE erc8004_agent_aggregates (
    chain_id            bigint        NOT NULL,
    agent_id            numeric(78,0) NOT NULL,
    feedback_count      bigint        NOT NULL DEFAULT 0,  -- live feedback
    revoked_count       bigint        NOT NULL DEFAULT 0,
    unique_clients      bigint        NOT NULL DEFAULT 0,  -- distinct clients, revoked feedback included
    summary_value       numeric(39,0) NOT NULL DEFAULT 0,  -- getSummary(agent, getClients(agent), "", "")
    summary_decimals    smallint      NOT NULL DEFAULT 0,
    response_count      bigint        NOT NULL DEFAULT 0,  -- feedback responses
    last_feedback_block bigint,
    last_feedback_at    timestamptz,
    validation_count    bigint        NOT NULL DEFAULT 0,  -- validation requests
    responded_count     bigint        NOT NULL DEFAULT 0,  -- requests with a response
    response_sum        bigint        NOT NULL DEFAULT 0,  -- sum of the latest responses
    PRIMARY KEY (chain_id, agent_id)
);
-- The leaderboard: top agents by summary.
CREATE INDEX erc8004_agent_aggregates_summary_idx ON erc8004_agent_aggregates (chain_id, summary_value DESC, agent_id);

-- Per agent and value_decimals: getSummary's inputs.
CREATE TABLE erc8004_agent_feedback_decimals (
    chain_id        bigint        NOT NULL,
    agent_id        numeric(78,0) NOT NULL,
    value_decimals  smallint      NOT NULL,
    feedback_count  bigint        NOT NULL,  -- live
    revoked_count   bigint        NOT NULL,
    value_sum       numeric       NOT NULL,  -- sum of the live raw values
    PRIMARY KEY (chain_id, agent_id, value_decimals)
);

-- Per agent, (tag1, tag2) and value_decimals: getSummary(agent, clients, tag1, tag2)'s inputs.
CREATE TABLE erc8004_agent_tag_decimals (
    chain_id        bigint        NOT NULL,
    agent_id        numeric(78,0) NOT NULL,
    tag1            text          NOT NULL,
    tag2            text          NOT NULL,
    value_decimals  smallint      NOT NULL,
    feedback_count  bigint        NOT NULL,
    revoked_count   bigint        NOT NULL,
    value_sum       numeric       NOT NULL
);
CREATE UNIQUE INDEX erc8004_agent_tag_decimals_key ON erc8004_agent_tag_decimals
    (chain_id, agent_id, erc8004_text_key(tag1), erc8004_text_key(tag2), value_decimals);

-- Fill them from the rows already indexed.
INSERT INTO erc8004_agent_feedback_decimals
SELECT chain_id, agent_id, value_decimals, count(*) FILTER (WHERE NOT is_revoked), count(*) FILTER (WHERE is_revoked),
       coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation GROUP BY chain_id, agent_id, value_decimals;

INSERT INTO erc8004_agent_tag_decimals
SELECT chain_id, agent_id, tag1, tag2, value_decimals, count(*) FILTER (WHERE NOT is_revoked),
       count(*) FILTER (WHERE is_revoked), coalesce(sum(value) FILTER (WHERE NOT is_revoked), 0)
FROM erc8004_reputation GROUP BY chain_id, agent_id, tag1, tag2, value_decimals;

INSERT INTO erc8004_agent_aggregates (chain_id, agent_id, feedback_count, revoked_count, unique_clients,
    response_count, last_feedback_block, last_feedback_at, validation_count, responded_count, response_sum)
WITH f AS (
    SELECT chain_id, agent_id, count(*) FILTER (WHERE NOT is_revoked) AS live, count(*) FILTER (WHERE is_revoked) AS revoked,
           count(DISTINCT client_address) AS clients, max(block_number) AS lb, max(block_time) AS lt
    FROM erc8004_reputation GROUP BY chain_id, agent_id
), r AS (
    SELECT chain_id, agent_id, count(*) AS n FROM erc8004_feedback_responses GROUP BY chain_id, agent_id
), v AS (
    SELECT chain_id, agent_id, count(*) AS n, count(response) AS responded, coalesce(sum(response), 0) AS s
    FROM erc8004_validations GROUP BY chain_id, agent_id
), ids AS (
    SELECT chain_id, agent_id FROM f UNION SELECT chain_id, agent_id FROM r UNION SELECT chain_id, agent_id FROM v
)
SELECT ids.chain_id, ids.agent_id, coalesce(f.live, 0), coalesce(f.revoked, 0), coalesce(f.clients, 0), coalesce(r.n, 0),
       f.lb, f.lt, coalesce(v.n, 0), coalesce(v.responded, 0), coalesce(v.s, 0)
FROM ids
LEFT JOIN f ON f.chain_id = ids.chain_id AND f.agent_id = ids.agent_id
LEFT JOIN r ON r.chain_id = ids.chain_id AND r.agent_id = ids.agent_id
LEFT JOIN v ON v.chain_id = ids.chain_id AND v.agent_id = ids.agent_id;

UPDATE erc8004_agent_aggregates g
SET summary_value = coalesce(erc8004_wad_summary(x.wad, x.n, x.mode), 0), summary_decimals = coalesce(x.mode, 0)
FROM (
    SELECT chain_id, agent_id, sum(feedback_count) AS n,
           sum(value_sum * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad,
           (array_agg(value_decimals ORDER BY feedback_count DESC, value_decimals) FILTER (WHERE feedback_count > 0))[1] AS mode
    FROM erc8004_agent_feedback_decimals GROUP BY chain_id, agent_id
) x
WHERE g.chain_id = x.chain_id AND g.agent_id = x.agent_id;

-- v_erc8004_agent_reputation: the same columns as before, read from erc8004_agent_aggregates.
CREATE OR REPLACE VIEW v_erc8004_agent_reputation AS
SELECT a.chain_id,
       a.agent_id,
       coalesce(g.feedback_count, 0)::bigint     AS feedback_count,
       coalesce(g.revoked_count, 0)::bigint      AS revoked_count,
       coalesce(g.unique_clients, 0)::bigint     AS unique_clients,
       coalesce(g.summary_value, 0)::numeric(39,0) AS summary_value,
       coalesce(g.summary_decimals, 0)::smallint AS summary_decimals,
       coalesce(g.response_count, 0)::bigint     AS response_count,
       g.last_feedback_block,
       g.last_feedback_at
FROM erc8004_agents a
LEFT JOIN erc8004_agent_aggregates g ON g.chain_id = a.chain_id AND g.agent_id = a.agent_id;

-- v_erc8004_agent_stats: the same columns as 0002, 0009 and 0010 made them; reputation and
-- validation figures from erc8004_agent_aggregates.
CREATE OR REPLACE VIEW v_erc8004_agent_stats AS
SELECT a.chain_id,
       a.registry,
       a.agent_id,
       a.owner,
       a.agent_uri,
       a.agent_wallet,
       a.created_block,
       a.created_at,
       a.updated_block,
       a.updated_at,
       r.feedback_count,
       r.revoked_count,
       r.unique_clients,
       r.summary_value,
       r.summary_decimals,
       r.response_count,
       coalesce(g.validation_count, 0)::bigint AS validation_count,
       coalesce(g.responded_count, 0)::bigint  AS responded_count,
       CASE WHEN coalesce(g.responded_count, 0) = 0 THEN 0
            ELSE div(g.response_sum, g.responded_count) END::smallint AS avg_response,
       coalesce(md.metadata_key_count, 0)::bigint AS metadata_key_count,
       coalesce(p.payment_count, 0)::bigint       AS payment_count,
       coalesce(p.payers, 0)::bigint              AS payers,
       coalesce(p.payments_by_token, '{}'::jsonb) AS payments_by_token,
       p.last_payment_block,
       p.last_payment_at,
       coalesce(vp.n, 0)::bigint AS verified_payment_count
FROM erc8004_agents a
JOIN v_erc8004_agent_reputation r ON r.chain_id = a.chain_id AND r.agent_id = a.agent_id
LEFT JOIN erc8004_agent_aggregates g ON g.chain_id = a.chain_id AND g.agent_id = a.agent_id
LEFT JOIN (
    SELECT chain_id, agent_id, count(*) AS metadata_key_count
    FROM erc8004_agent_metadata
    GROUP BY chain_id, agent_id
) md ON md.chain_id = a.chain_id AND md.agent_id = a.agent_id
LEFT JOIN v_erc8004_agent_payment_stats p
       ON p.chain_id = a.chain_id AND p.registry = a.registry AND p.agent_id = a.agent_id
LEFT JOIN (
    SELECT v.chain_id, v.agent_id, count(*) AS n
    FROM v_erc8004_feedback_payments v
    JOIN erc8004_reputation f ON f.chain_id = v.chain_id AND f.block_number = v.block_number AND f.log_index = v.log_index
    WHERE v.payment_verified AND NOT f.is_revoked
    GROUP BY v.chain_id, v.agent_id
) vp ON vp.chain_id = a.chain_id AND vp.agent_id = a.agent_id;

-- v_erc8004_agent_tag_reputation: per agent and (tag1, tag2), the Reputation registry's
-- getSummary(agent, getClients(agent), tag1, tag2) with both tags given. A summary over tag1
-- alone (tag2 "") sums the decimals rows of every tag2: see docs/queries.md.
CREATE VIEW v_erc8004_agent_tag_reputation AS
SELECT chain_id,
       agent_id,
       tag1,
       tag2,
       sum(feedback_count)::bigint AS feedback_count,
       sum(revoked_count)::bigint  AS revoked_count,
       coalesce(erc8004_wad_summary(sum(value_sum * (10::numeric ^ (18 - value_decimals))::numeric(78,0)), sum(feedback_count),
           (array_agg(value_decimals ORDER BY feedback_count DESC, value_decimals) FILTER (WHERE feedback_count > 0))[1]), 0)::numeric(39,0)
                                   AS summary_value,
       coalesce((array_agg(value_decimals ORDER BY feedback_count DESC, value_decimals) FILTER (WHERE feedback_count > 0))[1], 0)::smallint
                                   AS summary_decimals
FROM erc8004_agent_tag_decimals
GROUP BY chain_id, agent_id, tag1, tag2;
