package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// snapshot is what one publication writes: the chain's head and the aggregates of some agents,
// read from one PostgreSQL snapshot so that the head and every hash describe the same state.
type snapshot struct {
	head   *headRow   // nil when the chain has no cursor (never indexed, or rolled back to before its start)
	agents []agentRow // agents that exist, ascending by id
	// gone are the requested ids that have no agent (any more): their keys are deleted.
	gone []string
}

// headRow is the cursor with its block's timestamp.
type headRow struct {
	Number    uint64
	Hash      string
	Time      int64 // block timestamp, unix seconds (0 when the header is not stored)
	Finalized uint64
	IndexedAt time.Time
}

// agentRow is one agent's hash: identity fields, the reputation summary exactly as
// v_erc8004_agent_reputation (getSummary) and the validation figures as v_erc8004_agent_stats.
type agentRow struct {
	ID              string
	Owner           string
	URI             string
	FeedbackCount   int64
	SummaryValue    string // decimal int128
	SummaryDecimals int16
	ValidationCount int64
	AvgResponse     int16
	// VerifiedPayments is v_erc8004_agent_stats.verified_payment_count: the agent's feedback,
	// not revoked, whose file's proofOfPayment names a transaction that paid it from the client.
	VerifiedPayments int64
	// Name, Image and X402 come from the agent's parsed registration file
	// (erc8004_agent_registrations); nil until the off-chain worker has parsed one.
	Name, Image *string
	X402        *bool
	// Truncated names the fields cut to MaxMessageString bytes (agent_uri, name, image: anyone
	// can set a megabyte URI), in the order of the hash.
	Truncated []string
}

// idChunk bounds the ids sent in one aggregate query.
const idChunk = 5000

// readSnapshot reads the head and the aggregates of ids (every agent of the chain when all is
// set) in one read-only REPEATABLE READ transaction. The statements go in one pgx batch, so the
// whole read is a single round trip to PostgreSQL (a publication's latency is mostly round trips
// on a busy host).
func readSnapshot(ctx context.Context, pool *pgxpool.Pool, chainID uint64, ids []string, all bool) (snapshot, error) {
	var s snapshot
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	b.Queue(headQuery, int64(chainID)).QueryRow(func(row pgx.Row) error {
		var h headRow
		err := row.Scan(&h.Number, &h.Hash, &h.Time, &h.Finalized, &h.IndexedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("read cursor: %w", err)
		}
		s.head = &h
		return nil
	})
	collect := func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, scanAgent)
		if err != nil {
			return fmt.Errorf("read agents: %w", err)
		}
		s.agents = append(s.agents, got...)
		return nil
	}
	if all {
		b.Queue(allAgentsQuery, int64(chainID)).Query(collect)
	}
	for start := 0; start < len(ids); start += idChunk {
		b.Queue(agentsQuery, int64(chainID), ids[start:min(start+idChunk, len(ids))]).Query(collect)
	}
	b.Queue(`COMMIT`)
	if err := pool.SendBatch(ctx, b).Close(); err != nil {
		return snapshot{}, fmt.Errorf("read chain %d from postgres: %w", chainID, err)
	}
	found := make(map[string]bool, len(s.agents))
	for _, a := range s.agents {
		found[a.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			s.gone = append(s.gone, id)
		}
	}
	return s, nil
}

// headQuery reads the cursor and its block's timestamp.
const headQuery = `SELECT c.block_number, c.block_hash, coalesce(extract(epoch FROM b.block_time)::bigint, 0),
		c.finalized_block, c.updated_at
	FROM erc8004_cursors c
	LEFT JOIN erc8004_blocks b ON b.chain_id = c.chain_id AND b.block_number = c.block_number AND b.block_hash = c.block_hash
	WHERE c.chain_id = $1`

// agentsQuery returns the hashes of the agents among $2 (decimal ids) that exist;
// allAgentsQuery those of every agent of the chain. They share agentsBody.
//
// The reputation and validation figures are read from erc8004_agent_aggregates, which the sink
// keeps in the transaction that writes the rows (migration 0015), as the views do: one index
// probe per agent, not a scan of the chain's feedback. The tests compare this output with the
// views for every agent after runs with forks.
//
// An agent id registered by two identity registries of one chain (the views join on chain and
// id only) is published once, from the registry with the lowest address.
const (
	agentsQuery = `
WITH ids AS (
    SELECT DISTINCT unnest($2::text[])::numeric AS agent_id
), ` + agentsBody
	allAgentsQuery = `
WITH ids AS (
    SELECT DISTINCT agent_id FROM erc8004_agents WHERE chain_id = $1
), ` + agentsBody
	agentsBody = `agents AS (
    SELECT DISTINCT ON (a.agent_id) a.agent_id, a.owner, a.agent_uri
    FROM erc8004_agents a JOIN ids USING (agent_id)
    WHERE a.chain_id = $1
    ORDER BY a.agent_id, a.registry
), verified AS (
    SELECT f.agent_id, count(*) AS n
    FROM v_erc8004_feedback_payments f JOIN ids USING (agent_id)
    JOIN erc8004_reputation r ON r.chain_id = f.chain_id AND r.block_number = f.block_number AND r.log_index = f.log_index
    WHERE f.chain_id = $1 AND f.payment_verified AND NOT r.is_revoked
    GROUP BY f.agent_id
)
SELECT a.agent_id::text,
       a.owner,
       a.agent_uri,
       coalesce(ag.feedback_count, 0)::bigint,
       coalesce(ag.summary_value, 0)::numeric(39,0)::text,
       coalesce(ag.summary_decimals, 0)::smallint,
       coalesce(ag.validation_count, 0)::bigint,
       CASE WHEN coalesce(ag.responded_count, 0) = 0 THEN 0
            ELSE div(ag.response_sum, ag.responded_count) END::smallint,
       coalesce(vp.n, 0)::bigint,
       g.name, g.image, g.x402_support
FROM agents a
LEFT JOIN erc8004_agent_aggregates ag ON ag.chain_id = $1 AND ag.agent_id = a.agent_id
LEFT JOIN verified vp ON vp.agent_id = a.agent_id
LEFT JOIN erc8004_agent_registrations g ON g.chain_id = $1 AND g.agent_id = a.agent_id
ORDER BY a.agent_id`
)

func scanAgent(r pgx.CollectableRow) (agentRow, error) {
	var a agentRow
	err := r.Scan(&a.ID, &a.Owner, &a.URI, &a.FeedbackCount, &a.SummaryValue, &a.SummaryDecimals,
		&a.ValidationCount, &a.AvgResponse, &a.VerifiedPayments, &a.Name, &a.Image, &a.X402)
	// Cut at once: a resync holds every agent of the chain, each then a few kilobytes at most.
	var was bool
	if a.URI, was = cut(a.URI); was {
		a.Truncated = append(a.Truncated, "agent_uri")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"name", a.Name}, {"image", a.Image}} {
		if f.v != nil {
			if *f.v, was = cut(*f.v); was {
				a.Truncated = append(a.Truncated, f.name)
			}
		}
	}
	return a, err
}
