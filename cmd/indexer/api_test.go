package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestAPI_SummaryEqualsContract indexes a dev chain with generated traffic and checks that the
// API's summary route equals the Reputation registry's own getSummary (eth_call at the indexed
// block) for every agent with feedback, over many client lists and tag filters.
func TestAPI_SummaryEqualsContract(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 8004, 250)
	pool := testdb.New(t)
	f.index(t, ctx, pool, 50)
	block := cursorOf(t, pool, f.chain.ChainID())

	cfg := config.DefaultAPI()
	cfg.AnonymousRate, cfg.KeyRate = config.Rate{}, config.Rate{}
	srv := api.New(api.Options{DB: pool, Log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), Config: cfg})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	type agentFeedback struct {
		clients []string
		tags1   map[string]bool
		tags2   map[string]bool
	}
	rows, err := pool.Query(ctx, `SELECT agent_id::text, client_address, tag1, tag2 FROM erc8004_reputation
		ORDER BY agent_id, block_number, log_index`)
	require.NoError(t, err)
	agents := map[string]*agentFeedback{}
	var order []string
	for rows.Next() {
		var id, client, t1, t2 string
		require.NoError(t, rows.Scan(&id, &client, &t1, &t2))
		a := agents[id]
		if a == nil {
			a = &agentFeedback{tags1: map[string]bool{"": true}, tags2: map[string]bool{"": true}}
			agents[id] = a
			order = append(order, id)
		}
		if !strings.Contains(strings.Join(a.clients, ","), client) {
			a.clients = append(a.clients, client)
		}
		// A tag with NUL bytes or invalid UTF-8 is stored with U+FFFD in their place: the API
		// cannot send the contract's raw bytes for it (see the summary route's doc).
		if !strings.ContainsRune(t1, '\uFFFD') {
			a.tags1[t1] = true
		}
		if !strings.ContainsRune(t2, '\uFFFD') {
			a.tags2[t2] = true
		}
	}
	require.NoError(t, rows.Err())
	require.GreaterOrEqual(t, len(order), 5, "the traffic gives feedback to several agents")

	key, err := api.CreateKey(ctx, pool, "summary-test")
	require.NoError(t, err)
	rep := contracts.NewReputationRegistry()
	regs := f.chain.Registries()
	checked := 0
	for _, id := range order {
		a := agents[id]
		lists := [][]string{a.clients, a.clients[:1], {a.clients[len(a.clients)-1], a.clients[0]}, append([]string{a.clients[0]}, a.clients...)}
		for _, clients := range lists {
			for t1 := range a.tags1 {
				for t2 := range a.tags2 {
					addrs := make([]common.Address, len(clients))
					for i, c := range clients {
						addrs[i] = common.HexToAddress(c)
					}
					agentID, _ := new(big.Int).SetString(id, 10)
					to := regs.Reputation
					out, err := f.chain.Client().CallContract(ctx, ethereum.CallMsg{To: &to,
						Data: rep.PackGetSummary(agentID, addrs, t1, t2)}, new(big.Int).SetUint64(block))
					require.NoError(t, err)
					want, err := rep.UnpackGetSummary(out)
					require.NoError(t, err)

					q := url.Values{"clients": {strings.Join(clients, ",")}, "tag1": {t1}, "tag2": {t2}}
					var got api.Summary
					getJSON(t, ts.URL+fmt.Sprintf("/v1/chains/%d/agents/%s/summary?%s", f.chain.ChainID(), id, q.Encode()), key, &got)
					require.Equal(t, []any{want.Count, want.SummaryValue.String(), want.SummaryValueDecimals},
						[]any{uint64(got.Count), got.SummaryValue, uint8(got.SummaryValueDecimals)},
						"agent %s clients %v tag1 %q tag2 %q", id, clients, t1, t2)
					checked++
				}
			}
		}
	}
	t.Logf("%d getSummary calls equal over %d agents", checked, len(order))
	require.Greater(t, checked, 50)
}

func getJSON(t *testing.T, u, key string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", u, body)
	require.NoError(t, json.Unmarshal(body, v))
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestAPICommand runs the binary: 'indexer apikey' creates, lists and revokes a key; 'indexer
// api' starts with the database down (healthz up, routes 503), serves with a key once it is up,
// and exits 0 on SIGTERM.
func TestAPICommand(t *testing.T) {
	t.Parallel()
	_, schema, dsn := testdb.NewWithSchema(t)
	_, prefix := testvalkey.New(t)
	env := []string{"DATABASE_URL=" + dsn, "DB_SCHEMA=" + schema}

	r := runIndexer(t, env, "apikey", "create", "--name", "cli")
	require.Equal(t, 0, r.code, r.stderr)
	key := strings.TrimSpace(r.stdout)
	require.True(t, strings.HasPrefix(key, api.KeyPrefix), r.stdout)
	r = runIndexer(t, env, "apikey", "list")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "cli")
	require.NotContains(t, r.stdout, key)
	r = runIndexer(t, env, "apikey", "create")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "--name")
	r = runIndexer(t, env, "api", "--anonymous-rate", "twenty")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "anonymous-rate")

	get := func(base, path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitUp := func(base string) {
		require.Eventually(t, func() bool { c, _ := get(base, "/healthz"); return c == http.StatusOK }, 30*time.Second, 50*time.Millisecond)
	}

	// The database is down: the API starts anyway.
	addr := freePort(t)
	down := startIndexer(t, []string{"api", "--listen", addr, "--database-url", "postgres://postgres@127.0.0.1:1/x?connect_timeout=1",
		"--log-level", "error"})
	waitUp("http://" + addr)
	code, body := get("http://"+addr, "/v1/chains")
	require.Equal(t, http.StatusServiceUnavailable, code, body)
	require.NoError(t, down.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-down.exited)

	addr = freePort(t)
	p := startIndexer(t, []string{"api", "--listen", addr, "--database-url", dsn, "--schema", schema, "--valkey-url", testvalkey.URL(),
		"--key-prefix", prefix, "--anonymous-rate", "0", "--log-level", "error"})
	waitUp("http://" + addr)
	code, body = get("http://"+addr, "/v1/chains")
	require.Equal(t, http.StatusOK, code, body)
	require.JSONEq(t, `{"chains":[]}`, body)
	r = runIndexer(t, env, "apikey", "revoke", "--name", "cli")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-p.exited, "graceful shutdown exits 0")
}
