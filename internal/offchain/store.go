package offchain

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

func (c *reconcileCounts) add(o reconcileCounts) {
	c.RegsAdded += o.RegsAdded
	c.RegsChanged += o.RegsChanged
	c.RegsRemoved += o.RegsRemoved
	c.FilesAdded += o.FilesAdded
	c.FilesRemoved += o.FilesRemoved
}

// mark is where a chain's index stood (its cursor) when the worker last reconciled with it.
type mark struct {
	block int64
	hash  string
}

// cursorState is a chain's cursor as read at the start of a reconcile, with the stored hash of
// the header at the chain's previous mark (empty when not stored).
type cursorState struct {
	chainID   int64
	cur       mark
	finalized int64
	hashAt    string
}

// reconcile brings the file tables in line with the index and returns the chains' new marks.
//
// With full, or when a chain's index went back below its mark (a reorg, a rewind), it compares
// the whole tables. Otherwise it looks only at what the index committed above each chain's mark:
// agents with updated_block above it (every event that touches an agent, URIUpdated included,
// sets updated_block) and feedback in blocks above it, through the indexes on those columns.
// It reads the cursors and the tables in one REPEATABLE READ snapshot: the index commits its
// rows with its cursor, so the worker has seen exactly what is at or below each mark. A
// serialization failure (a row it updates changed meanwhile) is retried at once, twice.
func (s store) reconcile(ctx context.Context, marks map[int64]mark, full bool) (reconcileCounts, map[int64]mark, error) {
	for attempt := 1; ; attempt++ {
		c, next, err := s.reconcileOnce(ctx, marks, full)
		var pgErr *pgconn.PgError
		if err != nil && attempt < 3 && errors.As(err, &pgErr) && pgErr.Code == serializationFailure {
			continue
		}
		if err != nil {
			return c, nil, fmt.Errorf("reconcile off-chain files: %w", err)
		}
		return c, next, nil
	}
}

func (s store) reconcileOnce(ctx context.Context, marks map[int64]mark, full bool) (reconcileCounts, map[int64]mark, error) {
	var counts reconcileCounts
	var next map[int64]mark
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		cursors, err := readCursors(ctx, tx, marks)
		if err != nil {
			return err
		}
		next = make(map[int64]mark, len(cursors))
		for _, c := range cursors {
			next[c.chainID] = c.cur
			if !full && needsFull(c, marks) {
				full = true
			}
		}
		if !full && len(next) != len(marks) {
			full = true // a chain's cursor was dropped
		}
		if full {
			counts, err = reconcileAll(ctx, tx)
			return err
		}
		for _, c := range cursors {
			if c.cur == marks[c.chainID] {
				continue // nothing committed since
			}
			cc, err := reconcileAbove(ctx, tx, c.chainID, marks[c.chainID].block)
			if err != nil {
				return err
			}
			counts.add(cc)
		}
		return nil
	})
	return counts, next, err
}

// readCursors reads every chain's cursor and the stored header hash at its mark.
func readCursors(ctx context.Context, tx pgx.Tx, marks map[int64]mark) ([]cursorState, error) {
	ids, blocks := make([]int64, 0, len(marks)), make([]int64, 0, len(marks))
	for id, m := range marks {
		ids, blocks = append(ids, id), append(blocks, m.block)
	}
	const q = `
		SELECT c.chain_id, c.block_number, c.block_hash, c.finalized_block, COALESCE(b.block_hash, '')
		FROM erc8004_cursors c
		LEFT JOIN unnest($1::bigint[], $2::bigint[]) AS m(chain_id, block_number) ON m.chain_id = c.chain_id
		LEFT JOIN erc8004_blocks b ON b.chain_id = c.chain_id AND b.block_number = m.block_number`
	rows, err := tx.Query(ctx, q, ids, blocks)
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (cursorState, error) {
		var c cursorState
		return c, row.Scan(&c.chainID, &c.cur.block, &c.cur.hash, &c.finalized, &c.hashAt)
	})
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	return out, nil
}

// needsFull reports whether a chain's index may have lost rows at or below its mark since the
// last reconcile: a new chain, a cursor below the mark, another block at the mark's height, or
// (above finality, where every header is stored) no header there any more.
func needsFull(c cursorState, marks map[int64]mark) bool {
	m, ok := marks[c.chainID]
	switch {
	case !ok, c.cur.block < m.block:
		return true
	case c.cur.block == m.block:
		return c.cur.hash != m.hash
	case c.hashAt != "":
		return c.hashAt != m.hash
	}
	return m.block > c.finalized
}

// reconcileAll compares the whole file tables with the index: a row for every agent (at its
// current URI) and for every feedback with a URI; a row whose URI changed (URIUpdated, or a
// reorg that rolled one back) starts over as pending; a row whose agent or feedback is gone (a
// reorg) is deleted with its history. It runs in the caller's transaction, so readers never see
// a half.
func reconcileAll(ctx context.Context, tx pgx.Tx) (reconcileCounts, error) {
	var c reconcileCounts
	// Agents removed by a reorg: their rows and history go.
	const qRemove = `
		DELETE FROM erc8004_agent_registrations r
		WHERE NOT EXISTS (SELECT 1 FROM erc8004_agents a
		                  WHERE a.chain_id = r.chain_id AND a.agent_id = r.agent_id AND a.registry = r.registry)`
	tag, err := tx.Exec(ctx, qRemove)
	if err != nil {
		return c, fmt.Errorf("remove registrations: %w", err)
	}
	c.RegsRemoved = tag.RowsAffected()
	if c.RegsRemoved > 0 {
		const qHistory = `
			DELETE FROM erc8004_agent_registration_documents d
			WHERE NOT EXISTS (SELECT 1 FROM erc8004_agent_registrations r
			                  WHERE r.chain_id = d.chain_id AND r.agent_id = d.agent_id)`
		if _, err := tx.Exec(ctx, qHistory); err != nil {
			return c, fmt.Errorf("remove registration history: %w", err)
		}
	}
	// Feedback: a row is the same feedback while its key, URI and hash are; anything else (a
	// reorg replaced or removed the log) goes, and is added again below if it still exists.
	const qFilesRemove = `
		DELETE FROM erc8004_feedback_files f
		WHERE NOT EXISTS (SELECT 1 FROM erc8004_reputation p
		                  WHERE p.chain_id = f.chain_id AND p.block_number = f.block_number
		                    AND p.log_index = f.log_index AND p.feedback_uri = f.uri
		                    AND p.feedback_hash = f.feedback_hash)`
	tag, err = tx.Exec(ctx, qFilesRemove)
	if err != nil {
		return c, fmt.Errorf("remove feedback files: %w", err)
	}
	c.FilesRemoved = tag.RowsAffected()
	// Every agent and feedback: the same statements as for the rows above a mark, with no mark.
	cc, err := reconcileAbove(ctx, tx, -1, -1)
	c.add(cc)
	return c, err
}

// The filters of reconcileAbove's statements, on erc8004_agents a and erc8004_reputation p: every
// row, or the rows above a chain's mark (through the indexes on erc8004_agents (chain_id,
// updated_block) and erc8004_reputation's key).
const (
	everyRow      = `TRUE`
	agentsAbove   = `a.chain_id = $1 AND a.updated_block > $2`
	feedbackAbove = `p.chain_id = $1 AND p.block_number > $2`
)

// A changed URI: everything parsed from the old one is cleared (its endpoint domains too), and
// the row is due now.
const (
	qChangedHead = `
		WITH changed AS (
		    UPDATE erc8004_agent_registrations r
		    SET uri = a.agent_uri, uri_kind = NULL, status = 'pending',
		        name = NULL, description = NULL, image = NULL, services = NULL, x402_support = NULL,
		        active = NULL, supported_trust = NULL, document = NULL, content_hash = NULL,
		        errors = '{}', warnings = '{}', source_url = NULL, etag = NULL, last_modified = NULL,
		        uri_set_at = now(), fetched_at = NULL, attempts = 0, failures = 0, next_fetch_at = now()
		    FROM erc8004_agents a
		    WHERE `
	qChangedTail = `
		      AND a.chain_id = r.chain_id AND a.agent_id = r.agent_id AND a.registry = r.registry
		      AND a.agent_uri <> r.uri
		    RETURNING r.chain_id, r.agent_id
		), domains AS (
		    DELETE FROM erc8004_agent_endpoint_domains d USING changed c
		    WHERE d.chain_id = c.chain_id AND d.agent_id = c.agent_id
		)
		SELECT count(*) FROM changed`
	qChangedEvery = qChangedHead + everyRow + qChangedTail
	qChangedAbove = qChangedHead + agentsAbove + qChangedTail
)

// New agents. DISTINCT ON: should one chain ever carry two identity registries with the same
// agent id, the most recently updated agent is the one described.
const (
	qAddHead = `
		INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, uri_kind, next_fetch_at)
		SELECT DISTINCT ON (a.chain_id, a.agent_id) a.chain_id, a.agent_id, a.registry, a.agent_uri, NULL, now()
		FROM erc8004_agents a
		WHERE `
	qAddTail = `
		  AND NOT EXISTS (SELECT 1 FROM erc8004_agent_registrations r
		                  WHERE r.chain_id = a.chain_id AND r.agent_id = a.agent_id)
		ORDER BY a.chain_id, a.agent_id, a.updated_block DESC
		ON CONFLICT (chain_id, agent_id) DO NOTHING`
	qAddEvery = qAddHead + everyRow + qAddTail
	qAddAbove = qAddHead + agentsAbove + qAddTail
)

// New feedback with a URI.
const (
	qFilesAddHead = `
		INSERT INTO erc8004_feedback_files (chain_id, block_number, log_index, agent_id, client_address,
		    feedback_index, uri, uri_kind, feedback_hash, next_fetch_at)
		SELECT p.chain_id, p.block_number, p.log_index, p.agent_id, p.client_address, p.feedback_index,
		       p.feedback_uri, NULL, p.feedback_hash, now()
		FROM erc8004_reputation p
		WHERE `
	qFilesAddTail = `
		  AND p.feedback_uri <> ''
		  AND NOT EXISTS (SELECT 1 FROM erc8004_feedback_files f
		                  WHERE f.chain_id = p.chain_id AND f.block_number = p.block_number
		                    AND f.log_index = p.log_index)
		ON CONFLICT DO NOTHING`
	qFilesAddEvery = qFilesAddHead + everyRow + qFilesAddTail
	qFilesAddAbove = qFilesAddHead + feedbackAbove + qFilesAddTail
)

// reconcileAbove re-queues the registrations whose agent's URI changed and adds the rows of new
// agents and feedback, looking only at agents updated and feedback given above block on chain
// chainID (chainID -1: every chain and every block). It never removes rows: only a rollback
// does, and a rollback makes the next reconcile a full one.
func reconcileAbove(ctx context.Context, tx pgx.Tx, chainID, block int64) (reconcileCounts, error) {
	var c reconcileCounts
	every := chainID < 0
	var err error
	if every {
		err = tx.QueryRow(ctx, qChangedEvery).Scan(&c.RegsChanged)
	} else {
		err = tx.QueryRow(ctx, qChangedAbove, chainID, block).Scan(&c.RegsChanged)
	}
	if err != nil {
		return c, fmt.Errorf("requeue changed registrations: %w", err)
	}
	var tag pgconn.CommandTag
	if every {
		tag, err = tx.Exec(ctx, qAddEvery)
	} else {
		tag, err = tx.Exec(ctx, qAddAbove, chainID, block)
	}
	if err != nil {
		return c, fmt.Errorf("add registrations: %w", err)
	}
	c.RegsAdded = tag.RowsAffected()
	if every {
		tag, err = tx.Exec(ctx, qFilesAddEvery)
	} else {
		tag, err = tx.Exec(ctx, qFilesAddAbove, chainID, block)
	}
	if err != nil {
		return c, fmt.Errorf("add feedback files: %w", err)
	}
	c.FilesAdded = tag.RowsAffected()
	return c, nil
}

// serializationFailure is PostgreSQL's SQLSTATE for a REPEATABLE READ transaction that would
// update a row changed since its snapshot.
const serializationFailure = "40001"
