package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Agent is one agent in a listing.
type Agent struct {
	AgentID              string     `json:"agentId"`
	Registry             string     `json:"registry"`
	Owner                string     `json:"owner"`
	AgentURI             string     `json:"agentURI"`
	AgentWallet          *string    `json:"agentWallet"`
	Name                 *string    `json:"name"`
	X402Support          *bool      `json:"x402Support"`
	Active               *bool      `json:"active"`
	CreatedBlock         int64      `json:"createdBlock"`
	CreatedAt            *time.Time `json:"createdAt"`
	FeedbackCount        int64      `json:"feedbackCount"`
	SummaryValue         string     `json:"summaryValue"`
	SummaryValueDecimals int16      `json:"summaryValueDecimals"`
}

// AgentPage is a page of agents.
type AgentPage struct {
	Agents     []Agent `json:"agents"`
	NextCursor *string `json:"nextCursor"`
}

// agentSorts are the orders of the agent listing: the sort key expression, the default
// direction, and whether the key comes from v_erc8004_agent_reputation. The key is unique
// together with (agent_id, registry), which keyset pagination needs; reputation compares the
// summaries scaled to 18 decimals, so 95 (0 decimals) ranks above 9.5 (1 decimal).
var agentSorts = map[string]struct {
	key, dir   string
	reputation bool
}{
	"id":           {`a.agent_id`, "asc", false},
	"registration": {`a.created_block::numeric`, "desc", false},
	"feedback":     {`r.feedback_count::numeric`, "desc", true},
	"reputation":   {`(r.summary_value * (10::numeric ^ (18 - r.summary_decimals))::numeric(78,0))`, "desc", true},
}

// agentListQueries holds one query per sort and direction, composed once from constant parts
// (no value ever enters the SQL text). Sorts on identity columns page through erc8004_agents
// alone (its indexes) and read the page's reputation afterwards (agentReputationQuery); sorts on
// reputation read the chain's rows of the view once (MATERIALIZED: never re-evaluated per agent
// by a nested loop) and join them to the agents.
var agentListQueries = func() map[string]string {
	const filters = `
	WHERE a.chain_id = $1
	  AND ($2::text IS NULL OR a.owner = $2)
	  AND ($3::text IS NULL OR a.agent_wallet = $3)
	  AND ($4::boolean IS NULL OR $4 = EXISTS (SELECT 1 FROM erc8004_reputation f
	       WHERE f.chain_id = a.chain_id AND f.agent_id = a.agent_id AND NOT f.is_revoked))
	  AND ($9::boolean IS NULL OR g.x402_support = $9)
	  AND ($10::boolean IS NULL OR g.active = $10)
	  AND ($11::text IS NULL OR g.name ILIKE $11)
	  AND ($5::numeric IS NULL OR (`
	const identity = `SELECT a.agent_id::text, a.registry, a.owner, a.agent_uri, a.agent_wallet, g.name, g.x402_support, g.active,
		a.created_block, a.created_at,
		0::bigint, '0', 0::smallint, `
	const reputation = `WITH r AS MATERIALIZED (
		SELECT agent_id, feedback_count, summary_value, summary_decimals FROM v_erc8004_agent_reputation WHERE chain_id = $1)
	SELECT a.agent_id::text, a.registry, a.owner, a.agent_uri, a.agent_wallet, g.name, g.x402_support, g.active,
		a.created_block, a.created_at, r.feedback_count, r.summary_value::text, r.summary_decimals, `
	// The parsed registration file (off-chain worker): at most one row per agent.
	const registration = `
	LEFT JOIN erc8004_agent_registrations g ON g.chain_id = a.chain_id AND g.agent_id = a.agent_id AND g.registry = a.registry`
	const fromIdentity = ` AS sort_key
	FROM erc8004_agents a` + registration
	const fromReputation = ` AS sort_key
	FROM erc8004_agents a
	JOIN r ON r.agent_id = a.agent_id` + registration
	const tail = `, a.agent_id, a.registry) `
	const page = ` ($5::numeric, $6::numeric, $7::text))
	ORDER BY `
	m := map[string]string{}
	for name, s := range agentSorts {
		head, from := identity, fromIdentity
		if s.reputation {
			head, from = reputation, fromReputation
		}
		q := head + s.key + "::text" + from + filters + s.key + tail
		m[name+":asc"] = q + ">" + page + s.key + ", a.agent_id, a.registry LIMIT $8"
		m[name+":desc"] = q + "<" + page + s.key + " DESC, a.agent_id DESC, a.registry DESC LIMIT $8"
	}
	return m
}()

// agentReputationQuery reads the reputation of a page of agents listed by an identity sort.
const agentReputationQuery = `SELECT agent_id::text, feedback_count, summary_value::text, summary_decimals
	FROM v_erc8004_agent_reputation WHERE chain_id = $1 AND agent_id = ANY($2::numeric[])`

// likeEscaper escapes the wildcards of a name search (ILIKE's default escape is the backslash).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// listAgents serves GET /v1/chains/{chain}/agents.
func (s *Server) listAgents(r *http.Request) (any, error) {
	chainID, err := parseChain(r.PathValue("chain"))
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(r, "owner", "wallet", "has_feedback", "x402", "active", "name", "sort", "order", "cursor", "limit")
	if err != nil {
		return nil, err
	}
	owner, err := q.address("owner")
	if err != nil {
		return nil, err
	}
	wallet, err := q.address("wallet")
	if err != nil {
		return nil, err
	}
	hasFeedback, err := q.boolean("has_feedback")
	if err != nil {
		return nil, err
	}
	x402, err := q.boolean("x402")
	if err != nil {
		return nil, err
	}
	active, err := q.boolean("active")
	if err != nil {
		return nil, err
	}
	var namePattern *string
	if q.has("name") {
		p := "%" + likeEscaper.Replace(erc8004.SafeText(q.get("name"))) + "%"
		namePattern = &p
	}
	sortName := "id"
	if q.has("sort") {
		sortName = q.get("sort")
	}
	srt, ok := agentSorts[sortName]
	if !ok {
		return nil, badRequest("sort must be one of id, registration, feedback, reputation")
	}
	dir := srt.dir
	if q.has("order") {
		dir = q.get("order")
		if dir != "asc" && dir != "desc" {
			return nil, badRequest("order must be asc or desc")
		}
	}
	limit, err := q.limit()
	if err != nil {
		return nil, err
	}
	kind := "agents:" + sortName + ":" + dir
	cur, err := q.cursor(kind)
	if err != nil {
		return nil, err
	}
	var key, id, registry *string
	if cur != nil {
		if !decimalRe.MatchString(cur.ID) {
			return nil, badRequest("cursor is not a cursor of this listing (use the nextCursor of its previous page)")
		}
		key, id, registry = &cur.Key, &cur.ID, &cur.Sub
	}
	rows, err := s.db.Query(r.Context(), agentListQueries[sortName+":"+dir],
		int64(chainID), owner, wallet, hasFeedback, key, id, registry, limit+1, x402, active, namePattern)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	page := AgentPage{Agents: []Agent{}}
	var last pageCursor
	for rows.Next() {
		var a Agent
		var sortKey string
		if err := rows.Scan(&a.AgentID, &a.Registry, &a.Owner, &a.AgentURI, &a.AgentWallet, &a.Name, &a.X402Support, &a.Active,
			&a.CreatedBlock, &a.CreatedAt,
			&a.FeedbackCount, &a.SummaryValue, &a.SummaryValueDecimals, &sortKey); err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		if len(page.Agents) == limit {
			next := last.encode()
			page.NextCursor = &next
			break
		}
		page.Agents = append(page.Agents, a)
		last = pageCursor{Kind: kind, Key: sortKey, ID: a.AgentID, Sub: a.Registry}
	}
	// Give the connection back before reading the page's reputation: a page cut short by the
	// limit leaves its rows open, and holding one connection while waiting for a second
	// deadlocks a small pool under concurrency.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	if !srt.reputation && len(page.Agents) > 0 {
		if err := s.pageReputation(r.Context(), chainID, page.Agents); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// pageReputation fills the reputation columns of a page of agents.
func (s *Server) pageReputation(ctx context.Context, chainID uint64, agents []Agent) error {
	idx := make(map[string][]int, len(agents))
	list := make([]string, 0, len(agents))
	for i, a := range agents {
		if _, seen := idx[a.AgentID]; !seen {
			list = append(list, a.AgentID)
		}
		idx[a.AgentID] = append(idx[a.AgentID], i)
	}
	rows, err := s.db.Query(ctx, agentReputationQuery, int64(chainID), list)
	if err != nil {
		return fmt.Errorf("read reputation: %w", err)
	}
	var id, value string
	var count int64
	var decimals int16
	_, err = pgx.ForEachRow(rows, []any{&id, &count, &value, &decimals}, func() error {
		for _, i := range idx[id] {
			agents[i].FeedbackCount, agents[i].SummaryValue, agents[i].SummaryValueDecimals = count, value, decimals
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read reputation: %w", err)
	}
	return nil
}
