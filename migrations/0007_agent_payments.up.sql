-- 0007_agent_payments: payments to agents (docs/payments.md).
--
-- erc8004_agent_payments gets one row per (agent, token transfer) where the transfer's recipient
-- was the agent's agentWallet (or, with --payment-owners, its owner) at the transfer's position
-- (block, log index). Several agents sharing the wallet at that point each get a row for the same
-- log, so the key becomes (chain, registry, agent, block, log index); views that count payments
-- across agents count distinct logs. The table has always been empty (nothing wrote it before
-- this migration), so its key and columns change in place.

ALTER TABLE erc8004_agent_payments DROP CONSTRAINT erc8004_agent_payments_pkey;
ALTER TABLE erc8004_agent_payments ADD COLUMN registry text NOT NULL DEFAULT '';
ALTER TABLE erc8004_agent_payments ALTER COLUMN registry DROP DEFAULT;
ALTER TABLE erc8004_agent_payments ADD COLUMN authorization_nonce text;
ALTER TABLE erc8004_agent_payments ADD PRIMARY KEY (chain_id, registry, agent_id, block_number, log_index);
COMMENT ON COLUMN erc8004_agent_payments.registry IS 'identity registry address of the agent';
COMMENT ON COLUMN erc8004_agent_payments.payer IS 'the Transfer''s from';
COMMENT ON COLUMN erc8004_agent_payments.payee IS 'the recipient: the Transfer''s to (the agent''s wallet, or owner, at that log)';
COMMENT ON COLUMN erc8004_agent_payments.token IS 'the ERC-20 contract';
COMMENT ON COLUMN erc8004_agent_payments.amount IS 'the Transfer''s value in the token''s smallest unit, exact';
COMMENT ON COLUMN erc8004_agent_payments.authorization_nonce IS 'EIP-3009 nonce when the transfer came with AuthorizationUsed (transferWithAuthorization / receiveWithAuthorization)';
-- Range deletes (rollbacks, replays) and the stored-range probe go by block.
CREATE INDEX erc8004_agent_payments_block_idx ON erc8004_agent_payments (chain_id, block_number, log_index);
-- proofOfPayment looks payments up by transaction.
CREATE INDEX erc8004_agent_payments_tx_idx ON erc8004_agent_payments USING hash (tx_hash);

-- The payment tokens of each chain, written by the indexer at start: the views scale amounts
-- by their decimals.
CREATE TABLE erc8004_payment_tokens (
    chain_id  bigint   NOT NULL,
    token     text     NOT NULL,
    symbol    text     NOT NULL DEFAULT '',
    decimals  smallint NOT NULL,
    PRIMARY KEY (chain_id, token)
);

-- erc8004_wallet_of is getAgentWallet for a stored agentWallet MetadataSet value (args'
-- metadataValue, 0x hex): address(bytes20(value)), NULL for the zero address (an unset or
-- cleared wallet). The same expression as the agents' recompute.
CREATE FUNCTION erc8004_wallet_of(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL OR length(v) <= 2 THEN NULL
                ELSE nullif('0x' || rpad(substr(v, 3, 40), 40, '0'), '0x0000000000000000000000000000000000000000') END
$$;

-- Payment resolution looks up "which agents ever had this wallet (owner)" per transfer: these
-- partial indexes hold only the agentWallet MetadataSet and Identity Transfer events.
CREATE INDEX erc8004_events_wallet_idx ON erc8004_events (chain_id, erc8004_wallet_of(args->>'metadataValue'))
    WHERE event = 'MetadataSet' AND topics[3] = '0x2ac6109326e720d1435c0db66f7e35eda7839f52b6f1f5520a60788e132b4e39';
CREATE INDEX erc8004_events_owner_idx ON erc8004_events (chain_id, (args->>'to'))
    WHERE registry = 'identity' AND event = 'Transfer';

-- v_erc8004_agent_payment_totals: per agent and token, the number of payments, distinct payers,
-- the raw sum and the sum scaled by the token's decimals (NULL when the token is not in
-- erc8004_payment_tokens).
CREATE VIEW v_erc8004_agent_payment_totals AS
SELECT p.chain_id,
       p.registry,
       p.agent_id,
       p.token,
       t.symbol,
       t.decimals,
       count(*)::bigint                 AS payment_count,
       count(DISTINCT p.payer)::bigint  AS payers,
       sum(p.amount)::numeric(78,0)     AS amount_raw,
       sum(p.amount) / (10::numeric ^ t.decimals) AS amount,
       min(p.block_number)              AS first_payment_block,
       max(p.block_number)              AS last_payment_block,
       max(p.block_time)                AS last_payment_at
FROM erc8004_agent_payments p
LEFT JOIN erc8004_payment_tokens t ON t.chain_id = p.chain_id AND t.token = p.token
GROUP BY p.chain_id, p.registry, p.agent_id, p.token, t.symbol, t.decimals;

-- v_erc8004_agent_payment_stats: per agent, all tokens together: payment_count, payers, and the
-- per-token sums as JSON {token: {"symbol", "decimals", "count", "raw", "amount"}} (amounts as
-- strings, exact).
CREATE VIEW v_erc8004_agent_payment_stats AS
SELECT chain_id,
       registry,
       agent_id,
       sum(payment_count)::bigint AS payment_count,
       (SELECT count(DISTINCT p.payer) FROM erc8004_agent_payments p
         WHERE p.chain_id = t.chain_id AND p.registry = t.registry AND p.agent_id = t.agent_id)::bigint AS payers,
       jsonb_object_agg(token, jsonb_build_object('symbol', symbol, 'decimals', decimals, 'count', payment_count,
           'raw', amount_raw::text, 'amount', amount::text)) AS payments_by_token,
       max(last_payment_block) AS last_payment_block,
       max(last_payment_at)    AS last_payment_at
FROM v_erc8004_agent_payment_totals t
GROUP BY chain_id, registry, agent_id;

-- v_erc8004_agent_paid_reputation: per agent, the feedback of clients that paid the agent (a
-- payment row from that client, in any token, at any time): how many such feedbacks and
-- clients, and the Reputation registry's getSummary(agent, paidClients, "", "") over them,
-- with the same arithmetic as v_erc8004_agent_reputation.
CREATE VIEW v_erc8004_agent_paid_reputation AS
WITH paid AS (
    SELECT DISTINCT chain_id, agent_id, payer FROM erc8004_agent_payments
), live AS (
    SELECT r.chain_id, r.agent_id, r.client_address, r.value, r.value_decimals
    FROM erc8004_reputation r
    JOIN paid p ON p.chain_id = r.chain_id AND p.agent_id = r.agent_id AND p.payer = r.client_address
    WHERE NOT r.is_revoked
), decimals AS (
    SELECT chain_id, agent_id, value_decimals, count(*) AS n
    FROM live
    GROUP BY chain_id, agent_id, value_decimals
), mode AS (
    SELECT DISTINCT ON (chain_id, agent_id) chain_id, agent_id, value_decimals AS mode_decimals
    FROM decimals
    ORDER BY chain_id, agent_id, n DESC, value_decimals ASC
), sums AS (
    SELECT chain_id, agent_id, count(*) AS n, count(DISTINCT client_address) AS clients,
           sum(value * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad_sum
    FROM live
    GROUP BY chain_id, agent_id
)
SELECT a.chain_id,
       a.agent_id,
       coalesce(s.n, 0)::bigint       AS paid_feedback_count,
       coalesce(s.clients, 0)::bigint AS paid_clients,
       coalesce(erc8004_int128(div(div(s.wad_sum, s.n), (10::numeric ^ (18 - m.mode_decimals))::numeric(78,0))), 0)::numeric(39,0)
                                              AS paid_summary_value,
       coalesce(m.mode_decimals, 0)::smallint AS paid_summary_decimals
FROM erc8004_agents a
LEFT JOIN sums s ON s.chain_id = a.chain_id AND s.agent_id = a.agent_id
LEFT JOIN mode m ON m.chain_id = a.chain_id AND m.agent_id = a.agent_id;
