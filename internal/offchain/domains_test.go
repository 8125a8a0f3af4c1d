package offchain

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

func TestEndpointDomains(t *testing.T) {
	t.Parallel()
	svcs := `[{"name":"web","endpoint":"https://Agent.Example/"},{"name":"MCP","endpoint":"https://mcp.example:8443/mcp"},
		{"name":"A2A","endpoint":"https://agent.example/.well-known/agent-card.json"},{"name":"ENS","endpoint":"x.eth"},
		{"name":"plain","endpoint":"http://plain.example/"},{"name":"ip","endpoint":"https://203.0.113.7/"},
		{"name":"ip6","endpoint":"https://[2001:db8::1]/"},{"name":"did","endpoint":"did:web:agent.example"},
		{"name":"odd","endpoint":5},{"name":"dot","endpoint":"https://dot.example./"}]`
	domains, origin := EndpointDomains(json.RawMessage(svcs), "https://files.example/agent.json")
	require.Equal(t, []string{"agent.example", "mcp.example", "dot.example"}, domains)
	require.Equal(t, "files.example", origin)

	_, origin = EndpointDomains(nil, "ipfs://"+testCID)
	require.Empty(t, origin, "only an https agentURI is served by a domain")

	var many []string
	for i := range 3 * MaxDomains {
		many = append(many, fmt.Sprintf(`{"name":"s","endpoint":"https://d%d.example/"}`, i))
	}
	domains, _ = EndpointDomains(json.RawMessage("["+strings.Join(many, ",")+"]"), "")
	require.Len(t, domains, MaxDomains, "a file listing many endpoints costs at most MaxDomains fetches")
	require.Equal(t, "d0.example", domains[0])
}

// hostResolver returns a resolver whose every connection reaches one loopback TLS server that
// answers as the requested host (so any host name can be served without DNS).
func hostResolver(t *testing.T, h http.HandlerFunc) *Resolver {
	t.Helper()
	web := httptest.NewTLSServer(h)
	t.Cleanup(web.Close)
	addr := web.Listener.Addr().String()
	return testResolver(t, func(c *Config) {
		c.Attempts, c.MaxBytes = 1, 4<<10
		c.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		c.TLS = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a loopback stand-in for named hosts
	})
}

// domainRows returns agent id's endpoint domains and their statuses.
func domainRows(t *testing.T, pool *pgxpool.Pool, id int) map[string]string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT domain, status FROM erc8004_agent_endpoint_domains WHERE agent_id = $1`, id)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var d, s string
		require.NoError(t, rows.Scan(&d, &s))
		out[d] = s
	}
	require.NoError(t, rows.Err())
	return out
}

// TestWorker_Domains: every https endpoint domain of a registration file is checked through its
// well-known file, the agentURI's own domain needs none, and the outcome follows the file: a new
// URI replaces the domains, a reorg that removes the agent removes them.
func TestWorker_Domains(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var goodReads atomic.Int32
	mine := `{"registrations":[{"agentId":1,"agentRegistry":"eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"}]}`
	r := hostResolver(t, func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		switch {
		case host == "agent.test" && r.URL.Path == "/reg.json":
			_, _ = fmt.Fprintf(w, `{"type":"%s","name":"n","services":[
				{"name":"web","endpoint":"https://agent.test/"},{"name":"MCP","endpoint":"https://good.test/mcp"},
				{"name":"A2A","endpoint":"https://OTHER.test:8443/a2a"},{"name":"x","endpoint":"https://missing.test/x"},{"name":"d","endpoint":"https://down.test/"},
				{"name":"y","endpoint":"https://junk.test/"},{"name":"z","endpoint":"https://big.test/"},
				{"name":"ENS","endpoint":"agent.eth"},{"name":"p","endpoint":"http://plain.test/"}]}`, RegistrationType)
		case host == "agent.test" && r.URL.Path == "/reg2.json":
			_, _ = fmt.Fprintf(w, `{"type":"%s","name":"n2","services":[{"name":"MCP","endpoint":"https://good.test/v2"}]}`,
				RegistrationType)
		case r.URL.Path != WellKnownPath:
			http.NotFound(w, r)
		case host == "good.test":
			goodReads.Add(1)
			_, _ = w.Write([]byte(mine))
		case host == "other.test":
			_, _ = w.Write([]byte(`{"registrations":[{"agentId":2,"agentRegistry":"eip155:1:` + testRegistry + `"}]}`))
		case host == "down.test":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case host == "junk.test":
			_, _ = w.Write([]byte("<html>parked</html>"))
		case host == "big.test":
			_, _ = w.Write(append([]byte(mine), bytes.Repeat([]byte(" "), 8<<10)...))
		default:
			http.NotFound(w, r)
		}
	})
	putAgent(t, pool, 1, "https://agent.test/reg.json")
	for id := 2; id <= 4; id++ { // other agents claiming the same domain
		putAgent(t, pool, id, fmt.Sprintf(`{"name":"a%d","services":[{"name":"MCP","endpoint":"https://good.test/%d"}]}`, id, id))
	}
	startWorker(t, pool, r, WorkerConfig{RetryBase: time.Hour, RetryMax: time.Hour})
	want := map[string]string{"agent.test": "agent-uri", "good.test": "verified", "other.test": "unverified",
		"missing.test": "unverified", "down.test": "unreachable", "junk.test": "invalid", "big.test": "invalid"}
	require.Eventually(t, func() bool { return fmt.Sprint(domainRows(t, pool, 1)) == fmt.Sprint(want) },
		10*time.Second, 20*time.Millisecond, "got %v", domainRows(t, pool, 1))

	for id := 2; id <= 4; id++ {
		require.Eventually(t, func() bool { return domainRows(t, pool, id)["good.test"] == "unverified" },
			10*time.Second, 20*time.Millisecond, "good.test lists agent 1 only")
	}
	require.EqualValues(t, 1, goodReads.Load(), "one read of a domain's file serves every agent that lists it")
	var errs []string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT errors FROM erc8004_agent_endpoint_domains WHERE domain = 'other.test'`).Scan(&errs))
	require.Equal(t, []string{"no registrations entry for agentId 1 of eip155:1:" + testRegistry}, errs)
	var verified []string
	var byDomain string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT verified_domains, endpoint_domains::text FROM v_erc8004_agent_profiles WHERE agent_id = 1`).
		Scan(&verified, &byDomain))
	require.Equal(t, []string{"agent.test", "good.test"}, verified)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	require.JSONEq(t, string(wantJSON), byDomain)

	// URIUpdated: the domains are the new file's.
	putAgent(t, pool, 1, "https://agent.test/reg2.json")
	require.Eventually(t, func() bool {
		return fmt.Sprint(domainRows(t, pool, 1)) == fmt.Sprint(map[string]string{"good.test": "verified"})
	}, 10*time.Second, 20*time.Millisecond)

	// A reorg that removes the agent removes its domains.
	rollback(t, pool, `DELETE FROM erc8004_agents WHERE agent_id = 1`)
	require.Eventually(t, func() bool { return len(domainRows(t, pool, 1)) == 0 }, 10*time.Second, 20*time.Millisecond)
}

// TestWorker_DomainsGuarded: a well-known file is fetched under the SSRF guard like any file.
func TestWorker_DomainsGuarded(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	putAgent(t, pool, 1, fmt.Sprintf(`{"type":"%s","name":"n","services":[{"name":"MCP","endpoint":"https://localhost/mcp"}]}`,
		RegistrationType))
	r := NewResolver(Config{Attempts: 1, Timeout: time.Second})
	t.Cleanup(r.Close)
	startWorker(t, pool, r, WorkerConfig{RetryBase: time.Hour, RetryMax: time.Hour})
	require.Eventually(t, func() bool { return domainRows(t, pool, 1)["localhost"] == "unreachable" },
		10*time.Second, 20*time.Millisecond)
	var errs []string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT errors FROM erc8004_agent_endpoint_domains WHERE agent_id = 1`).Scan(&errs))
	require.Len(t, errs, 1)
	require.Contains(t, errs[0], ErrBlocked.Error())
}

// TestWorker_NoDomains: with verification off no well-known file is read and an agent's
// endpoint domains go when its file is next parsed.
func TestWorker_NoDomains(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var wellKnown atomic.Int32
	r := hostResolver(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == WellKnownPath {
			wellKnown.Add(1)
		}
		http.NotFound(w, r)
	})
	doc := fmt.Sprintf(`{"type":"%s","name":"n","services":[{"name":"MCP","endpoint":"https://good.test/mcp"}]}`, RegistrationType)
	putAgent(t, pool, 1, doc)
	s := store{pool: pool}
	_, _, err := s.reconcile(context.Background(), nil, true)
	require.NoError(t, err)
	// A row left by an earlier run with verification on.
	_, err = pool.Exec(context.Background(), `INSERT INTO erc8004_agent_endpoint_domains (chain_id, agent_id, domain, status)
		VALUES (1, 1, 'old.test', 'verified')`)
	require.NoError(t, err)
	startWorker(t, pool, r, WorkerConfig{NoDomains: true})
	waitRegs(t, pool, 1)
	require.Eventually(t, func() bool { return len(domainRows(t, pool, 1)) == 0 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // a few polls
	require.Zero(t, wellKnown.Load())
}
