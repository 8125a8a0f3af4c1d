package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

const (
	chainID  = 1337
	registry = "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"
	repReg   = "0x8004baa17c55a88189ae136b182e5fda19de9b63"
	valReg   = "0x8004cc8439f36fd5f9f049d9ff86523df6daab58"
)

// addr is a deterministic lowercase address.
func addr(n int) string { return fmt.Sprintf("0x%040x", n) }

// hash is a deterministic lowercase 32-byte hash.
func hash(n int) string { return fmt.Sprintf("0x%064x", n) }

// bundle is a test API with its database and Valkey.
type bundle struct {
	pool   *pgxpool.Pool
	rdb    *redis.Client
	prefix string
	srv    *api.Server
	ts     *httptest.Server
}

// setup returns an API over a fresh schema (seeded with seed when non-nil), with Valkey.
func setup(t *testing.T, cfg config.API, seed func(t *testing.T, pool *pgxpool.Pool)) *bundle {
	t.Helper()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	if seed != nil {
		seed(t, pool)
		refreshAggregates(t, pool)
	}
	b := &bundle{pool: pool, rdb: rdb, prefix: prefix}
	b.serve(t, pool, rdb, cfg)
	return b
}

// serve (re)starts the API on pool and rdb.
func (b *bundle) serve(t *testing.T, pool *pgxpool.Pool, rdb *redis.Client, cfg config.API) {
	t.Helper()
	b.srv = api.New(api.Options{DB: pool, Valkey: rdb, Prefix: b.prefix, Log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), Config: cfg})
	b.ts = httptest.NewServer(b.srv.Handler())
	t.Cleanup(b.ts.Close)
}

// testConfig is the default API configuration with generous limits.
func testConfig() config.API {
	c := config.DefaultAPI()
	c.AnonymousRate = config.Rate{Limit: 100000, Per: time.Minute}
	c.KeyRate = config.Rate{}
	return c
}

// get fetches path with optional headers (name, value pairs) and returns the response and body.
func (b *bundle) get(t *testing.T, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.ts.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// getJSON fetches path, requires status, and decodes the body into v (when not nil).
func (b *bundle) getJSON(t *testing.T, path string, status int, v any, headers ...string) *http.Response {
	t.Helper()
	resp, body := b.get(t, path, headers...)
	require.Equal(t, status, resp.StatusCode, "%s: %s", path, body)
	if v != nil {
		require.NoError(t, json.Unmarshal(body, v), "%s: %s", path, body)
	}
	return resp
}

// exec runs SQL statements on pool.
func exec(t *testing.T, pool *pgxpool.Pool, q string, args ...any) {
	t.Helper()
	_, err := pool.Exec(context.Background(), q, args...)
	require.NoError(t, err, q)
}

// setCursor moves the chain's cursor to block n with hash h.
func setCursor(t *testing.T, pool *pgxpool.Pool, n int, h string) {
	t.Helper()
	exec(t, pool, `INSERT INTO erc8004_blocks (chain_id, block_number, block_hash, parent_hash, block_time)
		VALUES ($1, $2, $3, $4, now() - interval '30 seconds') ON CONFLICT (chain_id, block_number) DO UPDATE SET block_hash = $3`,
		chainID, n, h, hash(9999))
	exec(t, pool, `INSERT INTO erc8004_cursors (chain_id, block_number, block_hash, finalized_block) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chain_id) DO UPDATE SET block_number = $2, block_hash = $3, updated_at = now()`, chainID, n, h, max(n-64, 0))
}

// addAgent inserts agent id owned by owner, created at block.
func addAgent(t *testing.T, pool *pgxpool.Pool, id int, owner string, wallet *string, block int) {
	t.Helper()
	exec(t, pool, `INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, agent_wallet, created_block, created_tx,
		created_log_index, created_at, updated_block, updated_tx, updated_log_index, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $7, $8, $9, now())`,
		chainID, registry, id, owner, fmt.Sprintf("ipfs://agent-%d", id), wallet, block, hash(100000+id), id%1000)
}

// fb is one feedback row.
type fb struct {
	agent, client, index int
	value                string
	decimals             int
	tag1, tag2           string
	revoked              bool
	block, log           int
}

func addFeedback(t *testing.T, pool *pgxpool.Pool, f fb) {
	t.Helper()
	exec(t, pool, `INSERT INTO erc8004_reputation (chain_id, registry, agent_id, client_address, feedback_index, value, value_decimals,
		tag1, tag2, feedback_hash, is_revoked, revoked_block, block_number, block_time, tx_hash, log_index)
		VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, $11, CASE WHEN $11 THEN $12::bigint END, $12, now(), $10, $13)`,
		chainID, repReg, f.agent, addr(f.client), f.index, f.value, f.decimals, f.tag1, f.tag2,
		hash(f.block*1000+f.log), f.revoked, f.block, f.log)
}

// seedBasic is a small chain: agents 1-5 (agent 5 with a wallet), feedback with responses and a
// revoked one on agents 1 and 2, metadata on agent 1, validations on agent 1.
func seedBasic(t *testing.T, pool *pgxpool.Pool) {
	setCursor(t, pool, 100, hash(100))
	wallet := addr(500)
	for id := 1; id <= 5; id++ {
		var w *string
		if id == 5 {
			w = &wallet
		}
		addAgent(t, pool, id, addr(10+id%2), w, 10+id)
	}
	for _, f := range []fb{
		{agent: 1, client: 20, index: 1, value: "80", decimals: 0, tag1: "quality", tag2: "fast", block: 20, log: 1},
		{agent: 1, client: 21, index: 1, value: "905", decimals: 1, tag1: "quality", block: 21, log: 1},
		{agent: 1, client: 21, index: 2, value: "10", decimals: 0, tag1: "speed", revoked: true, block: 22, log: 1},
		{agent: 1, client: 22, index: 1, value: "-7", decimals: 0, block: 23, log: 1},
		{agent: 2, client: 20, index: 1, value: "99", decimals: 0, block: 24, log: 1},
	} {
		addFeedback(t, pool, f)
	}
	exec(t, pool, `INSERT INTO erc8004_feedback_responses (chain_id, registry, agent_id, client_address, feedback_index, responder,
		response_uri, response_hash, block_number, tx_hash, log_index) VALUES ($1, $2, 1, $3, 1, $4, 'ipfs://r', $5, 30, $5, 1)`,
		chainID, repReg, addr(20), addr(11), hash(30))
	exec(t, pool, `INSERT INTO erc8004_agent_metadata (chain_id, registry, agent_id, key_hash, key, value, value_text, block_number, tx_hash, log_index)
		VALUES ($1, $2, 1, $3, 'name', '\x416c696365'::bytea, 'Alice', 12, $3, 2)`, chainID, registry, hash(7))
	exec(t, pool, `INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, status, name, description, services,
		x402_support, active, supported_trust, content_hash, fetched_at)
		VALUES ($1, 1, $2, 'ipfs://agent-1', 'ok', 'Alice 100%', 'helps', '[{"name":"A2A","endpoint":"https://a.example"}]', true, true,
		        '{reputation}', $3, now()),
		       ($1, 4, $2, 'ipfs://agent-4', 'ok', 'Bob', NULL, NULL, false, false, NULL, $3, now())`, chainID, registry, hash(8))
	exec(t, pool, `INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, status, errors)
		VALUES ($1, 2, $2, 'ipfs://agent-2', 'invalid', '{"not JSON"}')`, chainID, registry)
	exec(t, pool, `INSERT INTO erc8004_validations (chain_id, registry, request_hash, validator_address, agent_id, request_uri, response,
		response_uri, response_hash, tag, response_count, responded_block, block_number, tx_hash, log_index)
		VALUES ($1, $2, $3, $4, 1, 'ipfs://req', 90, 'ipfs://resp', $5, 'audit', 2, 41, 40, $3, 1),
		       ($1, $2, $6, $4, 1, 'ipfs://req2', NULL, NULL, NULL, NULL, 0, NULL, 42, $6, 1)`,
		chainID, valReg, hash(40), addr(30), hash(41), hash(42))
	exec(t, pool, `INSERT INTO erc8004_validation_responses (chain_id, registry, request_hash, validator_address, agent_id, response,
		response_uri, response_hash, tag, block_number, tx_hash, log_index)
		VALUES ($1, $2, $3, $4, 1, 50, 'ipfs://a', $5, 'audit', 40, $5, 2), ($1, $2, $3, $4, 1, 90, 'ipfs://resp', $6, 'audit', 41, $6, 1)`,
		chainID, valReg, hash(40), addr(30), hash(43), hash(41))
}

// refreshAggregates recomputes, from the rows, the aggregate tables that the sink keeps beside
// them (migration 0015): the fixtures insert rows directly.
func refreshAggregates(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT chain_id FROM erc8004_agents UNION SELECT chain_id FROM erc8004_reputation
		UNION SELECT chain_id FROM erc8004_feedback_responses UNION SELECT chain_id FROM erc8004_validations`)
	require.NoError(t, err)
	chains, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	for _, c := range chains {
		require.NoError(t, sink.RebuildAggregates(ctx, pool, uint64(c)))
	}
}

// pathf builds a path on the test chain.
func pathf(format string, args ...any) string {
	return "/v1/chains/" + fmt.Sprint(chainID) + fmt.Sprintf(format, args...)
}

func errCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.NotEmpty(t, e.Error.Message)
	return e.Error.Code
}

var _ = strings.TrimSpace
