package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRun_Offchain runs `indexer run` with the off-chain worker on (its default) against a
// synthetic chain whose agentURIs are ipfs:// files, served by a loopback gateway: parsed names
// land in erc8004_agent_registrations while the backfill is still going, an agent whose URI a
// URIUpdated changed is fetched again at its new URI, and at the head every agent's row
// describes its current URI.
func TestRun_Offchain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := synthchain.New(synthchain.Config{Blocks: 1500, EventEvery: 4, FirstEventBlock: 10, Finality: 10, Seed: 7})
	require.NoError(t, err)
	rpc, err := synthchain.Start(c, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = rpc.Close() })
	// The indexer reaches the RPC through a proxy that slows every call while slow is set, so
	// the backfill is still going when the first files are parsed.
	var slow atomic.Bool
	slow.Store(true)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(40 * time.Millisecond)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		resp, err := http.Post(rpc.URL(), "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)

	// The gateway names each file after its path: agent-<id> v<version>.
	pathRe := regexp.MustCompile(`/agent-(\d+)\.json\?v=(\d+)$`)
	var mu sync.Mutex
	served := map[string]map[string]bool{} // agent id -> versions served
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := pathRe.FindStringSubmatch(r.URL.RequestURI())
		if m == nil {
			_, _ = w.Write([]byte(`{"value":1}`)) // a feedback file
			return
		}
		mu.Lock()
		if served[m[1]] == nil {
			served[m[1]] = map[string]bool{}
		}
		served[m[1]][m[2]] = true
		mu.Unlock()
		_, _ = fmt.Fprintf(w, `{"type":"https://eips.ethereum.org/EIPS/eip-8004#registration-v1","name":"agent-%s v%s",`+
			`"services":[],"x402Support":true,"active":true}`, m[1], m[2])
	}))
	t.Cleanup(gateway.Close)
	refetched := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, vs := range served {
			if len(vs) > 1 {
				return true
			}
		}
		return false
	}

	pool, schema, dsn := testdb.NewWithSchema(t)
	regs := synthchain.DefaultRegistries
	p := startRun(t, ctx, nil, "--database-url", dsn, "--schema", schema, "--http-addr", "127.0.0.1:0",
		"--chain-id", fmt.Sprint(c.Config().ChainID), "--rpc-url", proxy.URL, "--from-block", "0",
		"--identity-registry", regs.Identity.Hex(), "--reputation-registry", regs.Reputation.Hex(),
		"--backfill-span", "10", "--fetch-offchain=true", "--ipfs-gateway", gateway.URL+"/ipfs/",
		"--offchain-allow-private")
	db := sink.NewPostgres(pool, zap.NewNop())
	cursor := func() uint64 {
		cur, err := db.Cursor(ctx, c.Config().ChainID)
		if err != nil {
			return 0
		}
		return cur.Number
	}
	count := func(q string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, q).Scan(&n))
		return n
	}
	const qParsed = `SELECT count(*) FROM erc8004_agent_registrations WHERE status = 'ok' AND name LIKE 'agent-%'`
	waitFor(t, "parsed names and a re-fetch after a URIUpdated", time.Minute, func() bool {
		return count(qParsed) >= 5 && refetched()
	})
	at := cursor()
	require.Less(t, at, c.Head(), "the files are parsed while the backfill goes on")
	t.Logf("%d registration files parsed at cursor %d of %d", count(qParsed), at, c.Head())

	slow.Store(false)
	waitFor(t, "the head", time.Minute, func() bool { return cursor() == c.Head() })
	// Every agent's row is about its current URI, parsed: the name carries the URI's version.
	const qStale = `
		SELECT count(*) FROM erc8004_agents a
		LEFT JOIN erc8004_agent_registrations r USING (chain_id, agent_id)
		WHERE r.uri IS DISTINCT FROM a.agent_uri OR r.status <> 'ok'
		   OR r.name <> 'agent-' || a.agent_id || ' v' || substring(a.agent_uri FROM 'v=(\d+)$')`
	waitFor(t, "every agent's current file parsed", time.Minute, func() bool { return count(qStale) == 0 })
	agents := count(`SELECT count(*) FROM erc8004_agents`)
	updated := count(`SELECT count(*) FROM erc8004_agents WHERE agent_uri LIKE '%v=1'`)
	require.Positive(t, updated, "the chain has URIUpdated events")
	require.Equal(t, agents, count(`SELECT count(*) FROM erc8004_agent_registrations`))
	require.Positive(t, count(`SELECT count(*) FROM erc8004_agent_registration_documents WHERE document->>'name' LIKE '% v0'
		AND agent_id IN (SELECT agent_id FROM erc8004_agents WHERE agent_uri LIKE '%v=1')`),
		"an agent's history keeps the file of its first URI")
	require.Positive(t, p.metric("erc8004_offchain_fetches_total", `file="registration",status="ok"`))
	require.Positive(t, p.metric("erc8004_offchain_fetch_duration_seconds_count", `file="registration"`))
	t.Logf("%d agents (%d with an updated URI) parsed", agents, updated)
	require.NotContains(t, p.Logs(), "x402Support", "no file content is logged")

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-p.done)
}

// TestOffchainCounts: `indexer status` counts the off-chain rows per chain and status, endpoint
// domains included, and prints them on one line per chain.
func TestOffchainCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	_, err := pool.Exec(ctx, `
		INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, status) VALUES
		    (1, 1, '0xr', 'a', 'ok'), (1, 2, '0xr', 'b', 'ok'), (1, 3, '0xr', 'c', 'unreachable'), (2, 1, '0xr', 'd', 'pending');
		INSERT INTO erc8004_feedback_files (chain_id, block_number, log_index, agent_id, client_address, feedback_index,
		    uri, feedback_hash, status) VALUES (1, 10, 0, 1, '0xc', 1, 'f', '0x00', 'ok');
		INSERT INTO erc8004_agent_endpoint_domains (chain_id, agent_id, domain, status) VALUES
		    (1, 1, 'a.example', 'verified'), (1, 2, 'a.example', 'unverified'), (1, 2, 'b.example', 'unverified')`)
	require.NoError(t, err)
	counts, err := queryOffchainCounts(ctx, pool, true)
	require.NoError(t, err)
	rows := []chainStatus{{Chain: "one", Offchain: *counts[1]}, {Chain: "two", Offchain: *counts[2]}}
	var out bytes.Buffer
	printOffchainCounts(&out, rows)
	require.Equal(t, "one: off-chain registrations ok=2 unreachable=1; feedback files ok=1; endpoint domains unverified=2 verified=1\n"+
		"two: off-chain registrations pending=1; feedback files none\n", out.String())
	// A schema from before migration 0012: no domain counts.
	counts, err = queryOffchainCounts(ctx, pool, false)
	require.NoError(t, err)
	require.Nil(t, counts[1].EndpointDomains)
}
