-- 0002_views: the per-agent views and the analysts' read-only role.

-- erc8004_int128 truncates an integer to int128 the way Solidity's explicit int128(int256)
-- conversion does (two's complement: keep the low 128 bits), so getSummary's final cast is exact
-- even for the extreme values that overflow it.
CREATE FUNCTION erc8004_int128(x numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x BETWEEN -170141183460469231731687303715884105728 AND 170141183460469231731687303715884105727 THEN x
        ELSE mod(mod(x, 340282366920938463463374607431768211456)
                 + 340282366920938463463374607431768211456
                 + 170141183460469231731687303715884105728,
                 340282366920938463463374607431768211456)
             - 170141183460469231731687303715884105728
    END
$$;

-- erc8004_try_utf8 returns b as text when it is valid UTF-8 without NUL bytes, else NULL.
CREATE FUNCTION erc8004_try_utf8(b bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN convert_from(b, 'UTF8');
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

-- v_erc8004_agent_reputation: per agent, the Reputation registry's
-- getSummary(agent, getClients(agent), "", "") reproduced exactly: every non-revoked feedback is
-- scaled to 18 decimals (WAD), summed, divided by the count (truncating toward zero), then divided
-- by 10^(18 - mode) where mode is the most frequent value_decimals (ties: the smallest), and cast
-- to int128.
CREATE VIEW v_erc8004_agent_reputation AS
WITH live AS (
    SELECT chain_id, agent_id, value, value_decimals
    FROM erc8004_reputation
    WHERE NOT is_revoked
), decimals AS (
    SELECT chain_id, agent_id, value_decimals, count(*) AS n
    FROM live
    GROUP BY chain_id, agent_id, value_decimals
), mode AS (
    SELECT DISTINCT ON (chain_id, agent_id) chain_id, agent_id, value_decimals AS mode_decimals
    FROM decimals
    ORDER BY chain_id, agent_id, n DESC, value_decimals ASC
), sums AS (
    SELECT chain_id, agent_id, count(*) AS n,
           sum(value * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad_sum
    FROM live
    GROUP BY chain_id, agent_id
), feedback AS (
    SELECT chain_id, agent_id,
           count(*) FILTER (WHERE NOT is_revoked) AS feedback_count,
           count(*) FILTER (WHERE is_revoked)     AS revoked_count,
           count(DISTINCT client_address)         AS unique_clients,
           max(block_number)                      AS last_feedback_block,
           max(block_time)                        AS last_feedback_at
    FROM erc8004_reputation
    GROUP BY chain_id, agent_id
), responses AS (
    SELECT chain_id, agent_id, count(*) AS response_count
    FROM erc8004_feedback_responses
    GROUP BY chain_id, agent_id
)
SELECT a.chain_id,
       a.agent_id,
       coalesce(f.feedback_count, 0)::bigint  AS feedback_count,
       coalesce(f.revoked_count, 0)::bigint   AS revoked_count,
       coalesce(f.unique_clients, 0)::bigint  AS unique_clients,
       coalesce(erc8004_int128(div(div(s.wad_sum, s.n), (10::numeric ^ (18 - m.mode_decimals))::numeric(78,0))), 0)::numeric(39,0)
                                              AS summary_value,
       coalesce(m.mode_decimals, 0)::smallint AS summary_decimals,
       coalesce(r.response_count, 0)::bigint  AS response_count,
       f.last_feedback_block,
       f.last_feedback_at
FROM erc8004_agents a
LEFT JOIN feedback  f ON f.chain_id = a.chain_id AND f.agent_id = a.agent_id
LEFT JOIN sums      s ON s.chain_id = a.chain_id AND s.agent_id = a.agent_id
LEFT JOIN mode      m ON m.chain_id = a.chain_id AND m.agent_id = a.agent_id
LEFT JOIN responses r ON r.chain_id = a.chain_id AND r.agent_id = a.agent_id;

-- v_erc8004_agent_stats: identity fields, the reputation summary, validation counts with the
-- Validation registry's getSummary(agent, [], "") (floor of the mean latest response over the
-- requests that have one), and the number of metadata keys.
CREATE VIEW v_erc8004_agent_stats AS
WITH validations AS (
    SELECT chain_id, agent_id,
           count(*)                                          AS validation_count,
           count(*) FILTER (WHERE response IS NOT NULL)      AS responded_count,
           sum(response)                                     AS response_sum
    FROM erc8004_validations
    GROUP BY chain_id, agent_id
), metadata AS (
    SELECT chain_id, agent_id, count(*) AS metadata_key_count
    FROM erc8004_agent_metadata
    GROUP BY chain_id, agent_id
)
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
       coalesce(v.validation_count, 0)::bigint AS validation_count,
       coalesce(v.responded_count, 0)::bigint  AS responded_count,
       CASE WHEN coalesce(v.responded_count, 0) = 0 THEN 0
            ELSE div(v.response_sum, v.responded_count) END::smallint AS avg_response,
       coalesce(md.metadata_key_count, 0)::bigint AS metadata_key_count
FROM erc8004_agents a
JOIN v_erc8004_agent_reputation r ON r.chain_id = a.chain_id AND r.agent_id = a.agent_id
LEFT JOIN validations v ON v.chain_id = a.chain_id AND v.agent_id = a.agent_id
LEFT JOIN metadata md  ON md.chain_id = a.chain_id AND md.agent_id = a.agent_id;

-- The analysts' role: SELECT only, on this schema's tables and views (present and future).
-- Roles are cluster-wide, so creating it tolerates another schema's migration having made it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erc8004_reader') THEN
        BEGIN
            CREATE ROLE erc8004_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO erc8004_reader', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO erc8004_reader', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO erc8004_reader', current_schema());
END
$$;
