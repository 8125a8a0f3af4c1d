package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// Chain is one indexed chain: its cursor (the last indexed block) and how old that block is.
type Chain struct {
	ChainID          uint64     `json:"chainId"`
	Name             string     `json:"name"`
	IndexedBlock     int64      `json:"indexedBlock"`
	IndexedBlockHash string     `json:"indexedBlockHash"`
	IndexedBlockTime *time.Time `json:"indexedBlockTime"`
	FinalizedBlock   int64      `json:"finalizedBlock"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	// LagSeconds is the age of the indexed block (now minus its timestamp): how far behind the
	// chain's head the data is, in time; null when the block's time is unknown.
	LagSeconds *float64 `json:"lagSeconds"`
}

// ChainList is GET /v1/chains.
type ChainList struct {
	Chains []Chain `json:"chains"`
}

const chainQuery = `SELECT c.chain_id, c.block_number, c.block_hash, b.block_time, c.finalized_block, c.updated_at
	FROM erc8004_cursors c
	LEFT JOIN erc8004_blocks b ON b.chain_id = c.chain_id AND b.block_number = c.block_number
	WHERE $1::bigint IS NULL OR c.chain_id = $1
	ORDER BY c.chain_id`

func (s *Server) chains(ctx context.Context, only *int64) ([]Chain, error) {
	rows, err := s.db.Query(ctx, chainQuery, only)
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	out := []Chain{}
	now := time.Now()
	var c Chain
	_, err = pgx.ForEachRow(rows, []any{&c.ChainID, &c.IndexedBlock, &c.IndexedBlockHash, &c.IndexedBlockTime,
		&c.FinalizedBlock, &c.UpdatedAt}, func() error {
		c.Name = chainName(c.ChainID)
		if c.IndexedBlockTime != nil {
			lag := max(now.Sub(*c.IndexedBlockTime).Seconds(), 0)
			c.LagSeconds = &lag
		}
		out = append(out, c)
		c = Chain{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	return out, nil
}

// listChains serves GET /v1/chains.
func (s *Server) listChains(r *http.Request) (any, error) {
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	cs, err := s.chains(r.Context(), nil)
	if err != nil {
		return nil, err
	}
	return ChainList{Chains: cs}, nil
}

// getChain serves GET /v1/chains/{chain}.
func (s *Server) getChain(r *http.Request) (any, error) {
	chainID, err := parseChain(r.PathValue("chain"))
	if err != nil {
		return nil, err
	}
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	id := int64(chainID)
	cs, err := s.chains(r.Context(), &id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound(fmt.Sprintf("chain %d is not indexed in this database", chainID))
	}
	return cs[0], nil
}

// ChainStats are one chain's totals.
type ChainStats struct {
	ChainID          uint64 `json:"chainId"`
	Name             string `json:"name"`
	IndexedBlock     int64  `json:"indexedBlock"`
	Agents           int64  `json:"agents"`
	Feedback         int64  `json:"feedback"`
	RevokedFeedback  int64  `json:"revokedFeedback"`
	Responses        int64  `json:"responses"`
	Validations      int64  `json:"validations"`
	ValidationsDone  int64  `json:"validationsResponded"`
	MetadataEntries  int64  `json:"metadataEntries"`
	FeedbackClients  int64  `json:"feedbackClients"`
	AgentsWithReview int64  `json:"agentsWithFeedback"`
}

// Stats is GET /v1/stats.
type Stats struct {
	Chains []ChainStats `json:"chains"`
}

// stats serves GET /v1/stats: per indexed chain, totals over the tables.
func (s *Server) stats(r *http.Request) (any, error) {
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	const q = `SELECT c.chain_id, c.block_number,
			(SELECT count(*) FROM erc8004_agents a WHERE a.chain_id = c.chain_id),
			f.live, f.revoked, f.clients, f.agents,
			(SELECT count(*) FROM erc8004_feedback_responses x WHERE x.chain_id = c.chain_id),
			v.requests, v.responded,
			(SELECT count(*) FROM erc8004_agent_metadata m WHERE m.chain_id = c.chain_id)
		FROM erc8004_cursors c
		CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE NOT is_revoked) AS live, count(*) FILTER (WHERE is_revoked) AS revoked,
			count(DISTINCT client_address) AS clients, count(DISTINCT agent_id) FILTER (WHERE NOT is_revoked) AS agents
			FROM erc8004_reputation f WHERE f.chain_id = c.chain_id) f
		CROSS JOIN LATERAL (SELECT count(*) AS requests, count(*) FILTER (WHERE response IS NOT NULL) AS responded
			FROM erc8004_validations v WHERE v.chain_id = c.chain_id) v
		ORDER BY c.chain_id`
	rows, err := s.db.Query(r.Context(), q)
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	out := Stats{Chains: []ChainStats{}}
	var c ChainStats
	_, err = pgx.ForEachRow(rows, []any{&c.ChainID, &c.IndexedBlock, &c.Agents, &c.Feedback, &c.RevokedFeedback,
		&c.FeedbackClients, &c.AgentsWithReview, &c.Responses, &c.Validations, &c.ValidationsDone, &c.MetadataEntries}, func() error {
		c.Name = chainName(c.ChainID)
		out.Chains = append(out.Chains, c)
		c = ChainStats{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	return out, nil
}
