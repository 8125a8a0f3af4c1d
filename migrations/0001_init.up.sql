-- 0001_init: the erc8004-indexer schema (see README "Schema").
--
-- Conventions, for the whole schema:
--   * every table has chain_id bigint;
--   * addresses and hashes are lowercase 0x-prefixed text (one choice for the whole schema);
--   * agent ids are numeric(78,0) (uint256), feedback values numeric(39,0) (int128) with value_decimals;
--   * every row that comes from a log carries block_number, tx_hash and log_index, so a rollback
--     is "delete where block_number > fork" plus a recompute of the derived state;
--   * text columns hold the chain's strings made valid for PostgreSQL (invalid UTF-8 and NUL bytes
--     replaced by U+FFFD); the exact bytes always remain in erc8004_events.data.

-- Every registry log, decoded or not.
CREATE TABLE erc8004_events (
    chain_id      bigint      NOT NULL,
    block_number  bigint      NOT NULL,
    block_hash    text        NOT NULL,
    block_time    timestamptz,
    tx_hash       text        NOT NULL,
    tx_index      integer     NOT NULL,
    log_index     integer     NOT NULL,
    address       text        NOT NULL,
    registry      text        NOT NULL,          -- identity | reputation | validation | unknown
    event         text        NOT NULL,          -- decoded name ('' when undecodable)
    signature     text        NOT NULL,          -- exact signature of the decoded variant ('' when undecodable)
    agent_id      numeric(78,0),
    args          jsonb,
    topic0        text,
    topics        text[]      NOT NULL,
    data          bytea       NOT NULL,
    decode_error  text,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_events_agent_idx ON erc8004_events (chain_id, registry, agent_id, block_number, log_index)
    WHERE agent_id IS NOT NULL;
CREATE INDEX erc8004_events_event_idx ON erc8004_events (chain_id, event, block_number);
CREATE INDEX erc8004_events_tx_idx ON erc8004_events (tx_hash);

-- One row per agent (ERC-721 token of the Identity registry).
CREATE TABLE erc8004_agents (
    chain_id            bigint        NOT NULL,
    registry            text          NOT NULL,  -- identity registry address
    agent_id            numeric(78,0) NOT NULL,
    owner               text          NOT NULL,
    agent_uri           text          NOT NULL DEFAULT '',
    agent_wallet        text,                    -- getAgentWallet; NULL when unset/cleared
    approved            text,                    -- getApproved; NULL when none
    created_block       bigint        NOT NULL,
    created_tx          text          NOT NULL,
    created_log_index   integer       NOT NULL,
    created_at          timestamptz,
    updated_block       bigint        NOT NULL,
    updated_tx          text          NOT NULL,
    updated_log_index   integer       NOT NULL,
    updated_at          timestamptz,
    PRIMARY KEY (chain_id, registry, agent_id)
);
CREATE INDEX erc8004_agents_owner_idx ON erc8004_agents (chain_id, owner);
CREATE INDEX erc8004_agents_agent_idx ON erc8004_agents (chain_id, agent_id);
CREATE INDEX erc8004_agents_updated_idx ON erc8004_agents (chain_id, updated_block);

-- Current value per (agent, key); the history stays in erc8004_events.
CREATE TABLE erc8004_agent_metadata (
    chain_id      bigint        NOT NULL,
    registry      text          NOT NULL,
    agent_id      numeric(78,0) NOT NULL,
    key_hash      text          NOT NULL,        -- keccak256(key): the event's indexed topic
    key           text          NOT NULL,
    value         bytea         NOT NULL,
    value_text    text,                          -- value as text when it is valid UTF-8 without NUL
    block_number  bigint        NOT NULL,
    tx_hash       text          NOT NULL,
    log_index     integer       NOT NULL,
    PRIMARY KEY (chain_id, registry, agent_id, key_hash)
);
CREATE INDEX erc8004_agent_metadata_agent_idx ON erc8004_agent_metadata (chain_id, agent_id);
CREATE INDEX erc8004_agent_metadata_block_idx ON erc8004_agent_metadata (chain_id, block_number);

-- ERC-721 operators (setApprovalForAll): current state per (owner, operator).
CREATE TABLE erc8004_operators (
    chain_id      bigint  NOT NULL,
    registry      text    NOT NULL,
    owner         text    NOT NULL,
    operator      text    NOT NULL,
    approved      boolean NOT NULL,
    block_number  bigint  NOT NULL,
    tx_hash       text    NOT NULL,
    log_index     integer NOT NULL,
    PRIMARY KEY (chain_id, registry, owner, operator)
);
CREATE INDEX erc8004_operators_block_idx ON erc8004_operators (chain_id, block_number);

-- One row per feedback (NewFeedback).
CREATE TABLE erc8004_reputation (
    chain_id        bigint        NOT NULL,
    registry        text          NOT NULL,      -- reputation registry address
    agent_id        numeric(78,0) NOT NULL,
    client_address  text          NOT NULL,
    feedback_index  numeric(20,0) NOT NULL,      -- uint64, 1-based per (agent, client); derived for v1.0 events
    index_derived   boolean       NOT NULL DEFAULT false, -- true when the event carried no index (v1.0)
    value           numeric(39,0) NOT NULL,
    value_decimals  smallint      NOT NULL,
    tag1            text          NOT NULL DEFAULT '',
    tag2            text          NOT NULL DEFAULT '',
    endpoint        text          NOT NULL DEFAULT '',
    feedback_uri    text          NOT NULL DEFAULT '',
    feedback_hash   text          NOT NULL,
    is_revoked      boolean       NOT NULL DEFAULT false,
    revoked_block   bigint,
    revoked_tx      text,
    revoked_log_index integer,
    block_number    bigint        NOT NULL,
    block_time      timestamptz,
    tx_hash         text          NOT NULL,
    log_index       integer       NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_reputation_agent_idx ON erc8004_reputation (chain_id, agent_id, client_address, feedback_index);
CREATE INDEX erc8004_reputation_revoked_idx ON erc8004_reputation (chain_id, revoked_block) WHERE revoked_block IS NOT NULL;

-- One row per appended response (ResponseAppended).
CREATE TABLE erc8004_feedback_responses (
    chain_id        bigint        NOT NULL,
    registry        text          NOT NULL,
    agent_id        numeric(78,0) NOT NULL,
    client_address  text          NOT NULL,
    feedback_index  numeric(20,0) NOT NULL,      -- uint64
    responder       text          NOT NULL,
    response_uri    text          NOT NULL,
    response_hash   text          NOT NULL,
    block_number    bigint        NOT NULL,
    block_time      timestamptz,
    tx_hash         text          NOT NULL,
    log_index       integer       NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_feedback_responses_agent_idx ON erc8004_feedback_responses (chain_id, agent_id, client_address, feedback_index);

-- One row per validation request, with its latest response.
CREATE TABLE erc8004_validations (
    chain_id           bigint        NOT NULL,
    registry           text          NOT NULL,   -- validation registry address
    request_hash       text          NOT NULL,
    validator_address  text          NOT NULL,
    agent_id           numeric(78,0) NOT NULL,
    request_uri        text          NOT NULL DEFAULT '',
    response           smallint,                 -- latest response; NULL until the first
    response_uri       text,
    response_hash      text,
    tag                text,
    response_count     integer       NOT NULL DEFAULT 0,
    responded_block    bigint,
    responded_at       timestamptz,
    block_number       bigint        NOT NULL,
    block_time         timestamptz,
    tx_hash            text          NOT NULL,
    log_index          integer       NOT NULL,
    PRIMARY KEY (chain_id, registry, request_hash)
);
CREATE INDEX erc8004_validations_agent_idx ON erc8004_validations (chain_id, agent_id, block_number, log_index);
CREATE INDEX erc8004_validations_validator_idx ON erc8004_validations (chain_id, validator_address);
CREATE INDEX erc8004_validations_block_idx ON erc8004_validations (chain_id, block_number);

-- The history of every validation response.
CREATE TABLE erc8004_validation_responses (
    chain_id           bigint        NOT NULL,
    registry           text          NOT NULL,
    request_hash       text          NOT NULL,
    validator_address  text          NOT NULL,
    agent_id           numeric(78,0) NOT NULL,
    response           smallint      NOT NULL,
    response_uri       text          NOT NULL DEFAULT '',
    response_hash      text          NOT NULL,
    tag                text          NOT NULL DEFAULT '',
    block_number       bigint        NOT NULL,
    block_time         timestamptz,
    tx_hash            text          NOT NULL,
    log_index          integer       NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_validation_responses_request_idx ON erc8004_validation_responses (chain_id, registry, request_hash, block_number, log_index);

-- Payments to agents (defined by a later issue; the table exists so readers can rely on it).
CREATE TABLE erc8004_agent_payments (
    chain_id      bigint        NOT NULL,
    agent_id      numeric(78,0) NOT NULL,
    payer         text          NOT NULL,
    payee         text          NOT NULL,
    token         text,                          -- NULL for the native coin
    amount        numeric(78,0) NOT NULL,
    block_number  bigint        NOT NULL,
    block_time    timestamptz,
    tx_hash       text          NOT NULL,
    log_index     integer       NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX erc8004_agent_payments_agent_idx ON erc8004_agent_payments (chain_id, agent_id);

-- Headers of the unfinalized window and of every block that had an event.
CREATE TABLE erc8004_blocks (
    chain_id      bigint      NOT NULL,
    block_number  bigint      NOT NULL,
    block_hash    text        NOT NULL,
    parent_hash   text        NOT NULL,
    block_time    timestamptz NOT NULL,
    PRIMARY KEY (chain_id, block_number)
);

-- Per chain: the last indexed block.
CREATE TABLE erc8004_cursors (
    chain_id         bigint      PRIMARY KEY,
    block_number     bigint      NOT NULL,
    block_hash       text        NOT NULL,
    finalized_block  bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
