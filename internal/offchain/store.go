package offchain

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store is the worker's SQL over its tables; the tables are also its queue.
type store struct {
	pool *pgxpool.Pool
}

// reconcileCounts says what one reconcile changed.
type reconcileCounts struct {
	RegsAdded, RegsChanged, RegsRemoved, FilesAdded, FilesRemoved int64
}

// reconcile brings the file tables in line with the index: a row for every agent (at its
// current URI) and for every feedback with a URI; a row whose URI changed (URIUpdated, or a
// reorg that rolled one back) starts over as pending; a row whose agent or feedback is gone (a
// reorg) is deleted with its history. It runs in one transaction, so readers never see a half.
func (s store) reconcile(ctx context.Context) (reconcileCounts, error) {
	var c reconcileCounts
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Agents removed by a reorg: their rows and history go.
		const qRemove = `
			DELETE FROM erc8004_agent_registrations r
			WHERE NOT EXISTS (SELECT 1 FROM erc8004_agents a
			                  WHERE a.chain_id = r.chain_id AND a.agent_id = r.agent_id AND a.registry = r.registry)`
		tag, err := tx.Exec(ctx, qRemove)
		if err != nil {
			return fmt.Errorf("remove registrations: %w", err)
		}
		c.RegsRemoved = tag.RowsAffected()
		if c.RegsRemoved > 0 {
			const qHistory = `
				DELETE FROM erc8004_agent_registration_documents d
				WHERE NOT EXISTS (SELECT 1 FROM erc8004_agent_registrations r
				                  WHERE r.chain_id = d.chain_id AND r.agent_id = d.agent_id)`
			if _, err := tx.Exec(ctx, qHistory); err != nil {
				return fmt.Errorf("remove registration history: %w", err)
			}
		}
		// A changed URI: everything parsed from the old one is cleared, and the row is due now.
		const qChanged = `
			UPDATE erc8004_agent_registrations r
			SET uri = a.agent_uri, uri_kind = NULL, status = 'pending',
			    name = NULL, description = NULL, image = NULL, services = NULL, x402_support = NULL,
			    active = NULL, supported_trust = NULL, document = NULL, content_hash = NULL,
			    errors = '{}', warnings = '{}', source_url = NULL, etag = NULL, last_modified = NULL,
			    uri_set_at = now(), fetched_at = NULL, attempts = 0, failures = 0, next_fetch_at = now()
			FROM erc8004_agents a
			WHERE a.chain_id = r.chain_id AND a.agent_id = r.agent_id AND a.registry = r.registry
			  AND a.agent_uri <> r.uri`
		tag, err = tx.Exec(ctx, qChanged)
		if err != nil {
			return fmt.Errorf("requeue changed registrations: %w", err)
		}
		c.RegsChanged = tag.RowsAffected()
		// New agents. DISTINCT ON: should one chain ever carry two identity registries with the
		// same agent id, the most recently updated agent is the one described.
		const qAdd = `
			INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, uri_kind, next_fetch_at)
			SELECT DISTINCT ON (a.chain_id, a.agent_id) a.chain_id, a.agent_id, a.registry, a.agent_uri, NULL, now()
			FROM erc8004_agents a
			WHERE NOT EXISTS (SELECT 1 FROM erc8004_agent_registrations r
			                  WHERE r.chain_id = a.chain_id AND r.agent_id = a.agent_id)
			ORDER BY a.chain_id, a.agent_id, a.updated_block DESC
			ON CONFLICT (chain_id, agent_id) DO NOTHING`
		tag, err = tx.Exec(ctx, qAdd)
		if err != nil {
			return fmt.Errorf("add registrations: %w", err)
		}
		c.RegsAdded = tag.RowsAffected()

		// Feedback: a row is the same feedback while its key, URI and hash are; anything else
		// (a reorg replaced or removed the log) goes, and is added again if it still exists.
		const qFilesRemove = `
			DELETE FROM erc8004_feedback_files f
			WHERE NOT EXISTS (SELECT 1 FROM erc8004_reputation p
			                  WHERE p.chain_id = f.chain_id AND p.block_number = f.block_number
			                    AND p.log_index = f.log_index AND p.feedback_uri = f.uri
			                    AND p.feedback_hash = f.feedback_hash)`
		tag, err = tx.Exec(ctx, qFilesRemove)
		if err != nil {
			return fmt.Errorf("remove feedback files: %w", err)
		}
		c.FilesRemoved = tag.RowsAffected()
		const qFilesAdd = `
			INSERT INTO erc8004_feedback_files (chain_id, block_number, log_index, agent_id, client_address,
			    feedback_index, uri, uri_kind, feedback_hash, next_fetch_at)
			SELECT p.chain_id, p.block_number, p.log_index, p.agent_id, p.client_address, p.feedback_index,
			       p.feedback_uri, NULL, p.feedback_hash, now()
			FROM erc8004_reputation p
			WHERE p.feedback_uri <> ''
			  AND NOT EXISTS (SELECT 1 FROM erc8004_feedback_files f
			                  WHERE f.chain_id = p.chain_id AND f.block_number = p.block_number
			                    AND f.log_index = p.log_index)
			ON CONFLICT DO NOTHING`
		tag, err = tx.Exec(ctx, qFilesAdd)
		if err != nil {
			return fmt.Errorf("add feedback files: %w", err)
		}
		c.FilesAdded = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("reconcile off-chain files: %w", err)
	}
	return c, nil
}
