-- 0012_offchain_domains: endpoint-domain verification of registration files (docs/offchain.md).
--
-- An agent MAY prove control of the domain of an https service endpoint by publishing
-- https://{domain}/.well-known/agent-registration.json with a registrations entry whose
-- agentRegistry and agentId are the agent's; the domain that serves the agentURI itself needs no
-- such file. Filled by the off-chain worker; its next_fetch_at makes it a queue like 0006's tables.

-- One row per (agent, domain of an https endpoint of its current registration file).
CREATE TABLE erc8004_agent_endpoint_domains (
    chain_id        bigint        NOT NULL,
    agent_id        numeric(78,0) NOT NULL,
    domain          text          NOT NULL,  -- host name of the endpoint, lower case
    status          text          NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'verified', 'agent-uri', 'unverified', 'invalid', 'unreachable')),
    well_known_url  text,                    -- the URL the file came from (after redirects); NULL for agent-uri
    errors          text[]        NOT NULL DEFAULT '{}', -- why the domain is not verified
    checked_at      timestamptz,             -- the last attempt
    attempts        integer       NOT NULL DEFAULT 0,
    failures        integer       NOT NULL DEFAULT 0,    -- consecutive unreachable attempts (backoff)
    next_fetch_at   timestamptz,             -- due time; NULL when nothing is to be done
    PRIMARY KEY (chain_id, agent_id, domain),
    FOREIGN KEY (chain_id, agent_id) REFERENCES erc8004_agent_registrations (chain_id, agent_id) ON DELETE CASCADE
);
CREATE INDEX erc8004_agent_endpoint_domains_due_idx ON erc8004_agent_endpoint_domains (next_fetch_at)
    WHERE next_fetch_at IS NOT NULL;

-- The profile view gains, at the end, the verified endpoint domains and every domain's status.
CREATE OR REPLACE VIEW v_erc8004_agent_profiles AS
SELECT a.chain_id,
       a.agent_id,
       a.registry,
       a.owner,
       a.agent_uri,
       COALESCE(r.status, 'pending') AS status,
       r.name,
       r.description,
       r.image,
       r.x402_support,
       r.active,
       r.supported_trust,
       r.services,
       r.errors,
       r.fetched_at,
       ARRAY(SELECT d.domain FROM erc8004_agent_endpoint_domains d
             WHERE d.chain_id = r.chain_id AND d.agent_id = r.agent_id AND d.status IN ('verified', 'agent-uri')
             ORDER BY d.domain) AS verified_domains,
       (SELECT jsonb_object_agg(d.domain, d.status) FROM erc8004_agent_endpoint_domains d
        WHERE d.chain_id = r.chain_id AND d.agent_id = r.agent_id) AS endpoint_domains
FROM erc8004_agents a
LEFT JOIN erc8004_agent_registrations r
       ON r.chain_id = a.chain_id AND r.agent_id = a.agent_id AND r.registry = a.registry;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erc8004_reader') THEN
        BEGIN
            CREATE ROLE erc8004_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    EXECUTE format('GRANT SELECT ON erc8004_agent_endpoint_domains, v_erc8004_agent_profiles TO erc8004_reader');
END
$$;
