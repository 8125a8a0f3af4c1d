package sink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The derived tables are recomputed from erc8004_events for the touched keys only. Each statement
// follows the contracts' own state rules, so that the rows equal what the view functions return:
//   - ownerOf: the last Transfer (or the Registered owner, emitted with the mint);
//   - tokenURI: the last Registered / URIUpdated URI;
//   - getAgentWallet: address(bytes20(value)) of the last MetadataSet of "agentWallet", NULL when zero;
//   - getApproved: the last Approval unless a Transfer came after it (OpenZeppelin v5 clears the
//     approval on transfer without an event), NULL when zero;
//   - getMetadata: the last MetadataSet value per key;
//   - isApprovedForAll: the last ApprovalForAll per (owner, operator);
//   - readFeedback(...).isRevoked: a FeedbackRevoked for (agent, client, index) came after the
//     feedback (the first one is recorded);
//   - v1.0 feedback carries no index: it is the 1-based rank per (agent, client);
//   - getValidationStatus: the last ValidationResponse per request.

const zeroAddress = "0x0000000000000000000000000000000000000000"

// agentWalletTopic is keccak256("agentWallet"), the MetadataSet key topic of the reserved key.
const agentWalletTopic = "0x2ac6109326e720d1435c0db66f7e35eda7839f52b6f1f5520a60788e132b4e39"

const qRecomputeAgents = `
WITH k AS (
    SELECT DISTINCT r AS registry, a::numeric(78,0) AS agent_id FROM unnest($2::text[], $3::text[]) AS u(r, a)
), ev AS (
    SELECT e.address, e.agent_id, e.event, e.block_number, e.log_index, e.tx_hash, e.block_time, e.args, e.topics
    FROM k JOIN erc8004_events e
      ON e.chain_id = $1 AND e.registry = 'identity' AND e.address = k.registry AND e.agent_id = k.agent_id
    WHERE e.event IN ('Registered', 'Transfer', 'URIUpdated', 'MetadataSet', 'Approval')
), created AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id, block_number, tx_hash, log_index, block_time
    FROM ev WHERE event = 'Registered' OR (event = 'Transfer' AND args->>'from' = '` + zeroAddress + `')
    ORDER BY address, agent_id, block_number, log_index
), owner AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id,
           CASE event WHEN 'Transfer' THEN args->>'to' ELSE args->>'owner' END AS owner
    FROM ev WHERE event IN ('Transfer', 'Registered')
    ORDER BY address, agent_id, block_number DESC, log_index DESC
), xfer AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id, block_number, log_index
    FROM ev WHERE event = 'Transfer'
    ORDER BY address, agent_id, block_number DESC, log_index DESC
), uri AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id,
           CASE event WHEN 'Registered' THEN args->>'agentURI' ELSE args->>'newURI' END AS uri
    FROM ev WHERE event IN ('Registered', 'URIUpdated')
    ORDER BY address, agent_id, block_number DESC, log_index DESC
), wallet AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id, args->>'metadataValue' AS v
    FROM ev WHERE event = 'MetadataSet' AND topics[3] = '` + agentWalletTopic + `'
    ORDER BY address, agent_id, block_number DESC, log_index DESC
), approval AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id, block_number, log_index, args->>'approved' AS approved
    FROM ev WHERE event = 'Approval'
    ORDER BY address, agent_id, block_number DESC, log_index DESC
), last AS (
    SELECT DISTINCT ON (address, agent_id) address, agent_id, block_number, tx_hash, log_index, block_time
    FROM ev ORDER BY address, agent_id, block_number DESC, log_index DESC
), gone AS (
    DELETE FROM erc8004_agents a USING k
    WHERE a.chain_id = $1 AND a.registry = k.registry AND a.agent_id = k.agent_id
      AND NOT EXISTS (SELECT 1 FROM created c WHERE c.address = k.registry AND c.agent_id = k.agent_id)
)
INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, agent_wallet, approved,
    created_block, created_tx, created_log_index, created_at, updated_block, updated_tx, updated_log_index, updated_at)
SELECT $1, c.address, c.agent_id, o.owner, coalesce(u.uri, ''),
       CASE WHEN w.v IS NULL OR length(w.v) <= 2 THEN NULL
            ELSE nullif('0x' || rpad(substr(w.v, 3, 40), 40, '0'), '` + zeroAddress + `') END,
       CASE WHEN ap.block_number IS NULL THEN NULL
            WHEN x.block_number IS NOT NULL AND (x.block_number, x.log_index) > (ap.block_number, ap.log_index) THEN NULL
            ELSE nullif(ap.approved, '` + zeroAddress + `') END,
       c.block_number, c.tx_hash, c.log_index, c.block_time, l.block_number, l.tx_hash, l.log_index, l.block_time
FROM created c
JOIN owner o ON o.address = c.address AND o.agent_id = c.agent_id
JOIN last l ON l.address = c.address AND l.agent_id = c.agent_id
LEFT JOIN uri u ON u.address = c.address AND u.agent_id = c.agent_id
LEFT JOIN wallet w ON w.address = c.address AND w.agent_id = c.agent_id
LEFT JOIN approval ap ON ap.address = c.address AND ap.agent_id = c.agent_id
LEFT JOIN xfer x ON x.address = c.address AND x.agent_id = c.agent_id
ON CONFLICT (chain_id, registry, agent_id) DO UPDATE SET
    owner = EXCLUDED.owner, agent_uri = EXCLUDED.agent_uri, agent_wallet = EXCLUDED.agent_wallet,
    approved = EXCLUDED.approved, created_block = EXCLUDED.created_block, created_tx = EXCLUDED.created_tx,
    created_log_index = EXCLUDED.created_log_index, created_at = EXCLUDED.created_at,
    updated_block = EXCLUDED.updated_block, updated_tx = EXCLUDED.updated_tx,
    updated_log_index = EXCLUDED.updated_log_index, updated_at = EXCLUDED.updated_at`

const qRecomputeMetadata = `
WITH k AS (
    SELECT DISTINCT r AS registry, a::numeric(78,0) AS agent_id, h AS key_hash
    FROM unnest($2::text[], $3::text[], $4::text[]) AS u(r, a, h)
), lastset AS (
    SELECT DISTINCT ON (e.address, e.agent_id, e.topics[3])
           e.address, e.agent_id, e.topics[3] AS key_hash, e.args, e.block_number, e.tx_hash, e.log_index
    FROM k JOIN erc8004_events e
      ON e.chain_id = $1 AND e.registry = 'identity' AND e.address = k.registry AND e.agent_id = k.agent_id
     AND e.event = 'MetadataSet' AND e.topics[3] = k.key_hash
    ORDER BY e.address, e.agent_id, e.topics[3], e.block_number DESC, e.log_index DESC
), gone AS (
    DELETE FROM erc8004_agent_metadata m USING k
    WHERE m.chain_id = $1 AND m.registry = k.registry AND m.agent_id = k.agent_id AND m.key_hash = k.key_hash
      AND NOT EXISTS (SELECT 1 FROM lastset s
                      WHERE s.address = k.registry AND s.agent_id = k.agent_id AND s.key_hash = k.key_hash)
)
INSERT INTO erc8004_agent_metadata (chain_id, registry, agent_id, key_hash, key, value, value_text,
    block_number, tx_hash, log_index)
SELECT $1, address, agent_id, key_hash, args->>'metadataKey', decode(substr(args->>'metadataValue', 3), 'hex'),
       erc8004_try_utf8(decode(substr(args->>'metadataValue', 3), 'hex')), block_number, tx_hash, log_index
FROM lastset
ON CONFLICT (chain_id, registry, agent_id, key_hash) DO UPDATE SET
    key = EXCLUDED.key, value = EXCLUDED.value, value_text = EXCLUDED.value_text,
    block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash, log_index = EXCLUDED.log_index`

const qRecomputeOperators = `
WITH k AS (
    SELECT DISTINCT r AS registry, o AS owner, p AS operator FROM unnest($2::text[], $3::text[], $4::text[]) AS u(r, o, p)
), lastset AS (
    SELECT DISTINCT ON (k.registry, k.owner, k.operator)
           k.registry, k.owner, k.operator, (e.args->>'approved')::boolean AS approved,
           e.block_number, e.tx_hash, e.log_index
    FROM k JOIN erc8004_events e
      ON e.chain_id = $1 AND e.event = 'ApprovalForAll' AND e.registry = 'identity' AND e.address = k.registry
     AND e.args->>'owner' = k.owner AND e.args->>'operator' = k.operator
    ORDER BY k.registry, k.owner, k.operator, e.block_number DESC, e.log_index DESC
), gone AS (
    DELETE FROM erc8004_operators o USING k
    WHERE o.chain_id = $1 AND o.registry = k.registry AND o.owner = k.owner AND o.operator = k.operator
      AND NOT EXISTS (SELECT 1 FROM lastset s
                      WHERE s.registry = k.registry AND s.owner = k.owner AND s.operator = k.operator)
)
INSERT INTO erc8004_operators (chain_id, registry, owner, operator, approved, block_number, tx_hash, log_index)
SELECT $1, registry, owner, operator, approved, block_number, tx_hash, log_index FROM lastset
ON CONFLICT (chain_id, registry, owner, operator) DO UPDATE SET
    approved = EXCLUDED.approved, block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash,
    log_index = EXCLUDED.log_index`

// qRecomputeDerivedIndexes numbers index-less (v1.0) feedback 1, 2, ... per (agent, client).
const qRecomputeDerivedIndexes = `
WITH k AS (
    SELECT DISTINCT r AS registry, a::numeric(78,0) AS agent_id, c AS client
    FROM unnest($2::text[], $3::text[], $4::text[]) AS u(r, a, c)
), n AS (
    SELECT f.block_number, f.log_index,
           row_number() OVER (PARTITION BY f.registry, f.agent_id, f.client_address
                              ORDER BY f.block_number, f.log_index) AS rn
    FROM k JOIN erc8004_reputation f
      ON f.chain_id = $1 AND f.registry = k.registry AND f.agent_id = k.agent_id AND f.client_address = k.client
    WHERE f.index_derived
)
UPDATE erc8004_reputation f SET feedback_index = n.rn
FROM n WHERE f.chain_id = $1 AND f.block_number = n.block_number AND f.log_index = n.log_index
  AND f.feedback_index <> n.rn`

// qRecomputeRevocations sets each feedback row of the touched pairs revoked by the first
// FeedbackRevoked naming it that comes after it (the contract only accepts a revocation of an
// index that exists). The revocations are read once per touched agent, not once per pair.
const qRecomputeRevocations = `
WITH k AS (
    SELECT DISTINCT r AS registry, a::numeric(78,0) AS agent_id, c AS client
    FROM unnest($2::text[], $3::text[], $4::text[]) AS u(r, a, c)
), rv AS (
    SELECT e.address, e.agent_id, e.args->>'clientAddress' AS client, (e.args->>'feedbackIndex')::numeric AS idx,
           e.block_number, e.tx_hash, e.log_index
    FROM (SELECT DISTINCT registry, agent_id FROM k) ka JOIN erc8004_events e
      ON e.chain_id = $1 AND e.registry = 'reputation' AND e.address = ka.registry AND e.agent_id = ka.agent_id
     AND e.event = 'FeedbackRevoked'
), x AS (
    SELECT DISTINCT ON (f.block_number, f.log_index) f.block_number AS fb_block, f.log_index AS fb_log,
           rv.block_number, rv.tx_hash, rv.log_index
    FROM k JOIN erc8004_reputation f
      ON f.chain_id = $1 AND f.registry = k.registry AND f.agent_id = k.agent_id AND f.client_address = k.client
    LEFT JOIN rv ON rv.address = f.registry AND rv.agent_id = f.agent_id AND rv.client = f.client_address
                AND rv.idx = f.feedback_index AND (rv.block_number, rv.log_index) > (f.block_number, f.log_index)
    ORDER BY f.block_number, f.log_index, rv.block_number, rv.log_index
)
UPDATE erc8004_reputation f
SET is_revoked = x.block_number IS NOT NULL, revoked_block = x.block_number, revoked_tx = x.tx_hash,
    revoked_log_index = x.log_index
FROM x WHERE f.chain_id = $1 AND f.block_number = x.fb_block AND f.log_index = x.fb_log
  AND (f.is_revoked, f.revoked_block, f.revoked_log_index) IS DISTINCT FROM
      (x.block_number IS NOT NULL, x.block_number, x.log_index)`

const qRecomputeValidations = `
WITH k AS (
    SELECT DISTINCT r AS registry, h AS request_hash FROM unnest($2::text[], $3::text[]) AS u(r, h)
), s AS (
    SELECT t.tid, x.response, x.response_uri, x.response_hash, x.tag, x.block_number, x.block_time, coalesce(c.n, 0) AS n
    FROM k
    CROSS JOIN LATERAL (
        SELECT v.ctid AS tid FROM erc8004_validations v
        WHERE v.chain_id = $1 AND v.registry = k.registry AND v.request_hash = k.request_hash LIMIT 1) t
    LEFT JOIN LATERAL (
        SELECT vr.response, vr.response_uri, vr.response_hash, vr.tag, vr.block_number, vr.block_time
        FROM erc8004_validation_responses vr
        WHERE vr.chain_id = $1 AND vr.registry = k.registry AND vr.request_hash = k.request_hash
        ORDER BY vr.block_number DESC, vr.log_index DESC LIMIT 1) x ON true
    LEFT JOIN LATERAL (
        SELECT count(*) AS n FROM erc8004_validation_responses vr
        WHERE vr.chain_id = $1 AND vr.registry = k.registry AND vr.request_hash = k.request_hash) c ON true
)
UPDATE erc8004_validations v
SET response = s.response, response_uri = s.response_uri, response_hash = s.response_hash, tag = s.tag,
    response_count = s.n, responded_block = s.block_number, responded_at = s.block_time
FROM s WHERE v.ctid = s.tid`

// recompute brings every derived row of the touched keys up to date, in dependency order, in
// one round trip.
func recompute(ctx context.Context, tx pgx.Tx, chainID uint64, k *keySet) error {
	chain := int64(chainID)
	batch := &pgx.Batch{}
	var names []string
	queue := func(name, q string, args ...any) {
		names = append(names, name)
		batch.Queue(q, append([]any{chain}, args...)...)
	}
	if len(k.agents) > 0 {
		r, a := columns2(k.agents)
		queue("agents", qRecomputeAgents, r, a)
	}
	if len(k.metadata) > 0 {
		r, a, h := columns3(k.metadata)
		queue("metadata", qRecomputeMetadata, r, a, h)
	}
	if len(k.ops) > 0 {
		r, o, p := columns3(k.ops)
		queue("operators", qRecomputeOperators, r, o, p)
	}
	if len(k.pairs) > 0 {
		r, a, c := columns3(k.pairs)
		queue("feedback indexes", qRecomputeDerivedIndexes, r, a, c)
		queue("revocations", qRecomputeRevocations, r, a, c)
	}
	if len(k.requests) > 0 {
		r, h := columns2(k.requests)
		queue("validations", qRecomputeValidations, r, h)
	}
	if len(names) == 0 {
		return nil
	}
	results := tx.SendBatch(ctx, batch)
	for _, name := range names {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("recompute %s: %w", name, err)
		}
	}
	return results.Close()
}
