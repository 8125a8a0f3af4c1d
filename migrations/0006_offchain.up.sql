-- 0006_offchain: off-chain registration and feedback files (docs/offchain.md).
--
-- Filled by the off-chain worker (internal/offchain), never by the indexing transaction: these
-- tables lag the index by the time it takes to fetch a file. They are also the worker's queue
-- (next_fetch_at), so a restart or a standby taking over loses nothing.

-- One row per agent: the registration file behind the agent's current agentURI.
CREATE TABLE erc8004_agent_registrations (
    chain_id         bigint        NOT NULL,
    agent_id         numeric(78,0) NOT NULL,
    registry         text          NOT NULL,   -- identity registry address
    uri              text          NOT NULL,   -- the agentURI this row is about (erc8004_agents.agent_uri)
    uri_kind         text,                     -- NULL until tried; https | http | ipfs | cid | ar | data | data-base64 | data-gzip-base64 | json | empty | other
    status           text          NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'ok', 'invalid', 'unreachable', 'unsupported', 'empty')),
    -- The fields of the last document parsed from this URI (kept while a later re-fetch fails).
    name             text,
    description      text,
    image            text,
    services         jsonb,                    -- normalised array of {name, endpoint, version?, ...}
    x402_support     boolean,
    active           boolean,
    supported_trust  text[],
    document         jsonb,                    -- the whole file as parsed
    content_hash     text,                     -- keccak256 of the file's bytes, 0x hex
    errors           text[]        NOT NULL DEFAULT '{}', -- why the last attempt is not ok
    warnings         text[]        NOT NULL DEFAULT '{}', -- what the parser tolerated
    source_url       text,                     -- the URL the bytes came from (gateway for IPFS); NULL inline
    etag             text,                     -- HTTP validators for revalidation
    last_modified    text,
    uri_set_at       timestamptz   NOT NULL DEFAULT now(), -- when the worker saw this URI first
    fetched_at       timestamptz,              -- the last attempt, successful or not
    attempts         integer       NOT NULL DEFAULT 0, -- attempts on this URI
    failures         integer       NOT NULL DEFAULT 0, -- consecutive failed attempts (backoff)
    next_fetch_at    timestamptz,              -- due time; NULL when nothing more is to be done
    PRIMARY KEY (chain_id, agent_id)
);
CREATE INDEX erc8004_agent_registrations_due_idx ON erc8004_agent_registrations (next_fetch_at)
    WHERE next_fetch_at IS NOT NULL;
CREATE INDEX erc8004_agent_registrations_status_idx ON erc8004_agent_registrations (chain_id, status);

-- Every distinct document an agent has served, by content hash.
CREATE TABLE erc8004_agent_registration_documents (
    chain_id       bigint        NOT NULL,
    agent_id       numeric(78,0) NOT NULL,
    content_hash   text          NOT NULL,
    uri            text          NOT NULL,     -- the URI it was first seen behind
    document       jsonb         NOT NULL,
    first_seen_at  timestamptz   NOT NULL DEFAULT now(),
    last_seen_at   timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, agent_id, content_hash)
);

-- One row per feedback with a feedbackURI, keyed like erc8004_reputation.
CREATE TABLE erc8004_feedback_files (
    chain_id          bigint        NOT NULL,
    block_number      bigint        NOT NULL,
    log_index         integer       NOT NULL,
    agent_id          numeric(78,0) NOT NULL,
    client_address    text          NOT NULL,
    feedback_index    numeric(20,0) NOT NULL,
    uri               text          NOT NULL,  -- erc8004_reputation.feedback_uri
    uri_kind          text,                    -- NULL until tried (values as in erc8004_agent_registrations)
    feedback_hash     text          NOT NULL,  -- erc8004_reputation.feedback_hash
    status            text          NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'ok', 'invalid', 'unreachable', 'unsupported', 'empty')),
    hash_ok           boolean,                 -- keccak256(file) = feedback_hash; NULL when no hash was committed or not fetched
    content_hash      text,
    document          jsonb,
    -- The file's own fields (SPEC §5.2), as written.
    agent_registry    text,
    file_agent_id     text,
    file_client       text,
    file_created_at   text,
    value             text,
    value_decimals    smallint,
    tag1              text,
    tag2              text,
    endpoint          text,
    text              text,
    mcp               jsonb,
    a2a               jsonb,
    oasf              jsonb,
    proof_of_payment  jsonb,
    errors            text[]        NOT NULL DEFAULT '{}',
    warnings          text[]        NOT NULL DEFAULT '{}',
    source_url        text,
    fetched_at        timestamptz,
    attempts          integer       NOT NULL DEFAULT 0,
    failures          integer       NOT NULL DEFAULT 0,
    next_fetch_at     timestamptz,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_feedback_files_due_idx ON erc8004_feedback_files (next_fetch_at)
    WHERE next_fetch_at IS NOT NULL;
CREATE INDEX erc8004_feedback_files_agent_idx ON erc8004_feedback_files (chain_id, agent_id);

-- Per agent: who it says it is. LEFT JOIN so that agents the worker has not seen yet are listed
-- with status pending.
CREATE VIEW v_erc8004_agent_profiles AS
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
       r.fetched_at
FROM erc8004_agents a
LEFT JOIN erc8004_agent_registrations r
       ON r.chain_id = a.chain_id AND r.agent_id = a.agent_id AND r.registry = a.registry;

-- The analysts' role reads the new tables and view (as in 0002).
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
END
$$;
