-- 0010_feedback_payment_verified: a feedback file's proofOfPayment checked against the indexed
-- payments (docs/payments.md).
--
-- payment_verified is computed when read, not stored: it depends on rows of two tables that
-- change independently (the off-chain worker records a file; payments arrive, are rolled back by
-- a reorg, come back on the new fork, or are indexed later by a replay when a token is added), and
-- a view is exact after any of these without a write path to keep in step.
--
-- The named transaction is the file's proofOfPayment.txHash (or tx_hash). payment_verified is
--   true   when erc8004_agent_payments has a payment in that transaction to the feedback's agent
--          from the feedback's client (the Transfer's from is the client address),
--   false  when a transaction is named and no such payment is stored,
--   NULL   when the file has no proofOfPayment or it names no transaction (or the file is not
--          fetched yet).
-- The file's other proof fields (fromAddress, toAddress, chainId) are not trusted: only the chain
-- decides. "false" can also mean that the payment's token is not a configured payment token, or
-- that its transaction is not indexed yet.
CREATE VIEW v_erc8004_feedback_payments AS
SELECT f.chain_id,
       f.block_number,
       f.log_index,
       f.agent_id,
       f.client_address,
       f.feedback_index,
       n.tx AS payment_tx_hash,
       CASE WHEN n.tx IS NULL THEN NULL
            ELSE EXISTS (SELECT 1 FROM erc8004_agent_payments p
                         WHERE p.tx_hash = n.tx AND p.chain_id = f.chain_id AND p.agent_id = f.agent_id
                           AND p.payer = f.client_address) END AS payment_verified
FROM erc8004_feedback_files f
CROSS JOIN LATERAL (
    SELECT nullif(lower(btrim(coalesce(f.proof_of_payment->>'txHash', f.proof_of_payment->>'tx_hash'))), '') AS tx
) n;

-- v_erc8004_agent_stats gains verified_payment_count: the agent's feedback, not revoked, whose
-- proofOfPayment is verified. As in 0009, the current definition is wrapped, not restated.
DO $$
DECLARE
    old text := rtrim(btrim(pg_get_viewdef('v_erc8004_agent_stats'::regclass)), ';');
BEGIN
    EXECUTE format($v$
CREATE OR REPLACE VIEW v_erc8004_agent_stats AS
SELECT s.*,
       coalesce(vp.n, 0)::bigint AS verified_payment_count
FROM (%s) s
LEFT JOIN (
    SELECT v.chain_id, v.agent_id, count(*) AS n
    FROM v_erc8004_feedback_payments v
    JOIN erc8004_reputation r ON r.chain_id = v.chain_id AND r.block_number = v.block_number AND r.log_index = v.log_index
    WHERE v.payment_verified AND NOT r.is_revoked
    GROUP BY v.chain_id, v.agent_id
) vp ON vp.chain_id = s.chain_id AND vp.agent_id = s.agent_id
$v$, old);
END
$$;
