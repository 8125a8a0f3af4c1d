package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// AgentDetail is GET /v1/chains/{chain}/agents/{id}.
type AgentDetail struct {
	ChainID      uint64        `json:"chainId"`
	AgentID      string        `json:"agentId"`
	Registry     string        `json:"registry"`
	Owner        string        `json:"owner"`
	AgentURI     string        `json:"agentURI"`
	AgentWallet  *string       `json:"agentWallet"`
	Approved     *string       `json:"approved"`
	CreatedBlock int64         `json:"createdBlock"`
	CreatedTx    string        `json:"createdTx"`
	CreatedAt    *time.Time    `json:"createdAt"`
	UpdatedBlock int64         `json:"updatedBlock"`
	UpdatedAt    *time.Time    `json:"updatedAt"`
	Metadata     []Metadata    `json:"metadata"`
	Registration *Registration `json:"registration"`
	Reputation   Reputation    `json:"reputation"`
	Validations  ValStats      `json:"validations"`
}

// Registration is the parsed registration file behind the agent's URI, as the off-chain worker
// last read it (erc8004_agent_registrations). Status is pending until the worker has tried the
// current URI; the fields are those of the last document parsed from URI (kept while a later
// re-fetch fails), null when none was.
type Registration struct {
	Status         string          `json:"status"`
	URI            string          `json:"uri"`
	Name           *string         `json:"name"`
	Description    *string         `json:"description"`
	Image          *string         `json:"image"`
	Services       json.RawMessage `json:"services"`
	X402Support    *bool           `json:"x402Support"`
	Active         *bool           `json:"active"`
	SupportedTrust []string        `json:"supportedTrust"`
	ContentHash    *string         `json:"contentHash"`
	Errors         []string        `json:"errors"`
	FetchedAt      *time.Time      `json:"fetchedAt"`
}

// Metadata is one current metadata entry of an agent: the raw value as 0x hex, and as text
// when it is valid UTF-8.
type Metadata struct {
	Key         string  `json:"key"`
	Value       string  `json:"value"`
	ValueText   *string `json:"valueText"`
	BlockNumber int64   `json:"blockNumber"`
}

// Reputation is the agent's reputation summary: count, summaryValue and summaryValueDecimals
// are getSummary(agent, getClients(agent), "", "").
type Reputation struct {
	Count                int64  `json:"count"`
	SummaryValue         string `json:"summaryValue"`
	SummaryValueDecimals int16  `json:"summaryValueDecimals"`
	RevokedCount         int64  `json:"revokedCount"`
	UniqueClients        int64  `json:"uniqueClients"`
	ResponseCount        int64  `json:"responseCount"`
}

// ValStats are the agent's validation counts; avgResponse is the Validation registry's
// getSummary(agent, [], "").
type ValStats struct {
	Count          int64 `json:"count"`
	RespondedCount int64 `json:"respondedCount"`
	AvgResponse    int16 `json:"avgResponse"`
}

// getAgent serves GET /v1/chains/{chain}/agents/{id}.
func (s *Server) getAgent(r *http.Request) (any, error) {
	chainID, id, err := agentPath(r)
	if err != nil {
		return nil, err
	}
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	// The per-agent view, read through its public name: its faster implementations reach the
	// API without a change here.
	const q = `SELECT s.agent_id::text, s.registry, s.owner, s.agent_uri, s.agent_wallet, a.approved,
			s.created_block, a.created_tx, s.created_at, s.updated_block, s.updated_at,
			s.feedback_count, s.summary_value::text, s.summary_decimals, s.revoked_count, s.unique_clients, s.response_count,
			s.validation_count, s.responded_count, s.avg_response
		FROM v_erc8004_agent_stats s
		JOIN erc8004_agents a ON a.chain_id = s.chain_id AND a.registry = s.registry AND a.agent_id = s.agent_id
		WHERE s.chain_id = $1 AND s.agent_id = $2
		ORDER BY s.registry
		LIMIT 1`
	d := AgentDetail{ChainID: chainID, Metadata: []Metadata{}}
	err = s.db.QueryRow(r.Context(), q, int64(chainID), id).Scan(&d.AgentID, &d.Registry, &d.Owner, &d.AgentURI,
		&d.AgentWallet, &d.Approved, &d.CreatedBlock, &d.CreatedTx, &d.CreatedAt, &d.UpdatedBlock, &d.UpdatedAt,
		&d.Reputation.Count, &d.Reputation.SummaryValue, &d.Reputation.SummaryValueDecimals, &d.Reputation.RevokedCount,
		&d.Reputation.UniqueClients, &d.Reputation.ResponseCount,
		&d.Validations.Count, &d.Validations.RespondedCount, &d.Validations.AvgResponse)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no agent " + id + " on chain " + fmt.Sprint(chainID))
	}
	if err != nil {
		return nil, fmt.Errorf("read agent: %w", err)
	}
	if d.Metadata, err = s.metadata(r.Context(), chainID, d.Registry, id); err != nil {
		return nil, err
	}
	if d.Registration, err = s.registration(r.Context(), chainID, d.Registry, id, d.AgentURI); err != nil {
		return nil, err
	}
	return d, nil
}

// registration reads the agent's parsed registration file; an agent the worker has not seen yet
// is pending on its current URI.
func (s *Server) registration(ctx context.Context, chainID uint64, registry, id, uri string) (*Registration, error) {
	const q = `SELECT status, uri, name, description, image, services, x402_support, active, supported_trust, content_hash,
			errors, fetched_at
		FROM erc8004_agent_registrations WHERE chain_id = $1 AND agent_id = $2 AND registry = $3`
	g := Registration{}
	var services []byte
	err := s.db.QueryRow(ctx, q, int64(chainID), id, registry).Scan(&g.Status, &g.URI, &g.Name, &g.Description, &g.Image,
		&services, &g.X402Support, &g.Active, &g.SupportedTrust, &g.ContentHash, &g.Errors, &g.FetchedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return &Registration{Status: "pending", URI: uri, Services: json.RawMessage("null"), Errors: []string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read registration: %w", err)
	}
	g.Services = json.RawMessage("null")
	if services != nil {
		g.Services = services
	}
	if g.Errors == nil {
		g.Errors = []string{}
	}
	return &g, nil
}

func (s *Server) metadata(ctx context.Context, chainID uint64, registry, id string) ([]Metadata, error) {
	const q = `SELECT key, value, value_text, block_number FROM erc8004_agent_metadata
		WHERE chain_id = $1 AND registry = $2 AND agent_id = $3 ORDER BY key`
	rows, err := s.db.Query(ctx, q, int64(chainID), registry, id)
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	out := []Metadata{}
	var m Metadata
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&m.Key, &raw, &m.ValueText, &m.BlockNumber}, func() error {
		m.Value = "0x" + hex.EncodeToString(raw)
		out = append(out, m)
		m = Metadata{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	return out, nil
}

// agentPath parses {chain} and {id}.
func agentPath(r *http.Request) (uint64, string, error) {
	chainID, err := parseChain(r.PathValue("chain"))
	if err != nil {
		return 0, "", err
	}
	id, err := parseAgentID(r.PathValue("id"))
	if err != nil {
		return 0, "", err
	}
	return chainID, id, nil
}

// requireAgent answers 404 unless the agent exists on the chain.
func (s *Server) requireAgent(ctx context.Context, chainID uint64, id string) error {
	const q = `SELECT EXISTS (SELECT 1 FROM erc8004_agents WHERE chain_id = $1 AND agent_id = $2)`
	var ok bool
	if err := s.db.QueryRow(ctx, q, int64(chainID), id).Scan(&ok); err != nil {
		return fmt.Errorf("find agent: %w", err)
	}
	if !ok {
		return notFound("no agent " + id + " on chain " + fmt.Sprint(chainID))
	}
	return nil
}
