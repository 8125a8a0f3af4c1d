-- 0009_agent_stats_payments: payment figures in v_erc8004_agent_stats, and chain-wide payment
-- totals that count each transfer once (docs/payments.md).
--
-- v_erc8004_agent_stats gains, after its existing columns (CREATE OR REPLACE VIEW can only append):
--   payment_count       the agent's payments (rows of erc8004_agent_payments: one per transfer log
--                       that paid it), all tokens
--   payers              distinct payer addresses, all tokens
--   payments_by_token   the sums per token as JSON, {token: {"symbol", "decimals", "count", "raw",
--                       "amount"}} with raw (exact, smallest unit) and amount (scaled by the token's
--                       decimals) as strings: the tokens are configured per chain, so a column per
--                       token cannot exist; '{}' when the agent was never paid
--   last_payment_block, last_payment_at
-- Per agent, a row is one transfer log, so these never double count. A transfer to a wallet
-- that several agents share is one row for each of them: sums across agents must count
-- distinct logs, which v_erc8004_payment_totals does.
--
-- The new definition wraps the view's current one (read from the catalog) instead of restating
-- it, so whatever an earlier migration made of the existing columns (a faster implementation of
-- the same figures) is kept as it is.
DO $$
DECLARE
    old text := rtrim(btrim(pg_get_viewdef('v_erc8004_agent_stats'::regclass)), ';');
BEGIN
    EXECUTE format($v$
CREATE OR REPLACE VIEW v_erc8004_agent_stats AS
SELECT s.*,
       coalesce(p.payment_count, 0)::bigint         AS payment_count,
       coalesce(p.payers, 0)::bigint                AS payers,
       coalesce(p.payments_by_token, '{}'::jsonb)   AS payments_by_token,
       p.last_payment_block,
       p.last_payment_at
FROM (%s) s
LEFT JOIN v_erc8004_agent_payment_stats p
       ON p.chain_id = s.chain_id AND p.registry = s.registry AND p.agent_id = s.agent_id
$v$, old);
END
$$;

-- The scaled sums had the scale of the division (0.000010000000000000000000 for 10 units of a
-- 6-decimals token): rounded to the token's decimals, which is exact, they read 0.000010.
CREATE OR REPLACE VIEW v_erc8004_agent_payment_totals AS
SELECT p.chain_id,
       p.registry,
       p.agent_id,
       p.token,
       t.symbol,
       t.decimals,
       count(*)::bigint                 AS payment_count,
       count(DISTINCT p.payer)::bigint  AS payers,
       sum(p.amount)::numeric(78,0)     AS amount_raw,
       round(sum(p.amount) / (10::numeric ^ t.decimals), t.decimals) AS amount,
       min(p.block_number)              AS first_payment_block,
       max(p.block_number)              AS last_payment_block,
       max(p.block_time)                AS last_payment_at
FROM erc8004_agent_payments p
LEFT JOIN erc8004_payment_tokens t ON t.chain_id = p.chain_id AND t.token = p.token
GROUP BY p.chain_id, p.registry, p.agent_id, p.token, t.symbol, t.decimals;

-- v_erc8004_payment_totals: per chain and token, every stored transfer counted once however many
-- agents it paid (agents sharing the recipient as wallet or owner): transfers, the agents paid,
-- distinct payers, and the raw and scaled sums over distinct transfer logs.
CREATE VIEW v_erc8004_payment_totals AS
WITH logs AS (
    SELECT DISTINCT ON (chain_id, block_number, log_index) chain_id, token, payer, amount
    FROM erc8004_agent_payments
    ORDER BY chain_id, block_number, log_index
), agents AS (
    SELECT chain_id, token, count(DISTINCT (registry, agent_id)) AS agents
    FROM erc8004_agent_payments
    GROUP BY chain_id, token
)
SELECT l.chain_id,
       l.token,
       t.symbol,
       t.decimals,
       count(*)::bigint                AS transfers,
       a.agents::bigint                AS agents,
       count(DISTINCT l.payer)::bigint AS payers,
       sum(l.amount)::numeric(78,0)    AS amount_raw,
       round(sum(l.amount) / (10::numeric ^ t.decimals), t.decimals) AS amount
FROM logs l
JOIN agents a ON a.chain_id = l.chain_id AND a.token = l.token
LEFT JOIN erc8004_payment_tokens t ON t.chain_id = l.chain_id AND t.token = l.token
GROUP BY l.chain_id, l.token, t.symbol, t.decimals, a.agents;
