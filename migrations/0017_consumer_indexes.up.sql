-- 0017_consumer_indexes: indexes for the queries consumers run (docs/queries.md). Each was
-- measured for what it costs the writes (the insert of a bench chain's rows into a copy of the
-- table with and without it; see /docs/queries.md "Indexes"). Free-length texts (tags, metadata
-- keys) get hash indexes: a btree entry is limited to about 2.7 kB, and a longer tag would make
-- PostgreSQL refuse the row.

-- Feedback by client.
CREATE INDEX erc8004_reputation_client_idx ON erc8004_reputation (chain_id, client_address, block_number);
-- Feedback by block time (rows arrive in time order: a BRIN index is a few pages).
CREATE INDEX erc8004_reputation_time_idx ON erc8004_reputation USING brin (block_time);
-- Per-agent tag summaries by tag (the feedback rows' tags are reached through these).
CREATE INDEX erc8004_agent_tag_decimals_tag1_idx ON erc8004_agent_tag_decimals USING hash (tag1);
CREATE INDEX erc8004_agent_tag_decimals_tag2_idx ON erc8004_agent_tag_decimals USING hash (tag2);
-- Responses by responder.
CREATE INDEX erc8004_feedback_responses_responder_idx ON erc8004_feedback_responses (chain_id, responder);
-- Agents by wallet.
CREATE INDEX erc8004_agents_wallet_idx ON erc8004_agents (chain_id, agent_wallet) WHERE agent_wallet IS NOT NULL;
-- Metadata by key.
CREATE INDEX erc8004_agent_metadata_key_idx ON erc8004_agent_metadata USING hash (key);
