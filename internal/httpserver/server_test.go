package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// setup starts a server on a free loopback port and returns its base URL.
func setup(t *testing.T, db Pinger, maxLag uint64) (*metrics.Metrics, *Server, string) {
	t.Helper()
	m := metrics.New()
	s := New(m, db, maxLag, zaptest.NewLogger(t))
	require.NoError(t, s.Listen("127.0.0.1:0"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done, "a clean shutdown")
	})
	return m, s, "http://" + s.Addr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func readiness(t *testing.T, base string) (int, Readiness) {
	t.Helper()
	code, body := get(t, base+"/readyz")
	var r Readiness
	require.NoError(t, json.Unmarshal([]byte(body), &r), body)
	return code, r
}

func TestServer_Endpoints(t *testing.T) {
	t.Parallel()
	m, _, base := setup(t, testdb.New(t), 10)

	code, body := get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", body)
	code, _ = get(t, base+"/nope")
	require.Equal(t, http.StatusNotFound, code)

	// No chain yet: the database answers, nothing to wait for.
	code, r := readiness(t, base)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", r.Database)
	require.Empty(t, r.Chains)

	base8453 := m.Chain("base", 8453)
	sep := m.Chain("sepolia", 11155111)
	code, r = readiness(t, base)
	require.Equal(t, http.StatusOK, code, "standbys are ready")
	require.Equal(t, "standby", r.Chains[0].Role)

	base8453.SetActive(true)
	code, r = readiness(t, base)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "no head read from the RPC yet", r.Chains[0].Reason)

	base8453.SetStart(100, 2)
	base8453.SetHead(1000)
	base8453.SetIndexed(900)
	code, r = readiness(t, base)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.False(t, r.Ready)
	require.Equal(t, ChainStatus{Chain: "base", ChainID: 8453, Role: "active", Head: 1000, Indexed: 900, Lag: 100,
		MaxLag: 12, Reason: "lag 100 blocks > 12"}, r.Chains[0])
	require.True(t, r.Chains[1].Ready, "the standby chain")

	// A commit brings the cursor within max-lag + confirmations.
	base8453.ObserveCommit(metrics.Commit{Indexed: 988, Finalized: 950, Rows: 5, Elapsed: 3 * time.Millisecond})
	code, r = readiness(t, base)
	require.Equal(t, http.StatusOK, code, "%+v", r)
	require.EqualValues(t, 12, r.Chains[0].Lag)

	sep.SetActive(true)
	sep.SetHead(50)
	sep.SetIndexed(50)
	code, _ = readiness(t, base)
	require.Equal(t, http.StatusOK, code)

	code, body = get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{
		`erc8004_chain_head_block{chain="base",chain_id="8453"} 1000`,
		`erc8004_indexed_block{chain="base",chain_id="8453"} 988`,
		`erc8004_lag_blocks{chain="base",chain_id="8453"} 12`,
		`erc8004_chain_finalized_block{chain="base",chain_id="8453"} 950`,
		`erc8004_indexer_active{chain="sepolia",chain_id="11155111"} 1`,
		`erc8004_batches_total{chain="base",chain_id="8453",mode="live"} 1`,
		`erc8004_rows_written_total{chain="base",chain_id="8453"} 5`,
		`erc8004_reorgs_total{chain="sepolia",chain_id="11155111"} 0`,
		`erc8004_db_commit_duration_seconds_count{chain="base",chain_id="8453"} 1`,
		"go_goroutines ",
	} {
		require.Contains(t, body, want)
	}
}

func TestServer_DatabaseDown(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres:hunter2@127.0.0.1:1/postgres?connect_timeout=2")
	require.NoError(t, err)
	defer pool.Close()
	_, _, base := setup(t, pool, 10)
	code, r := readiness(t, base)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.True(t, strings.HasPrefix(r.Database, "unreachable: "), r.Database)
	require.NotContains(t, r.Database, "hunter2")
	code, _ = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code, "the process itself is fine")
}

func TestServer_StaleHead(t *testing.T) {
	t.Parallel()
	m, s, _ := setup(t, testdb.New(t), 10)
	c := m.Chain("base", 8453)
	c.SetActive(true)
	c.SetIndexed(10)
	c.SetHead(10)
	require.True(t, s.Check(context.Background()).Ready)
	// Three minutes later without a new head: the RPC stopped answering.
	s.now = func() time.Time { return time.Now().Add(3 * time.Minute) }
	r := s.Check(context.Background())
	require.False(t, r.Ready)
	require.Equal(t, "last head read 3m0s ago", r.Chains[0].Reason)
}

func TestServer_ListenBusy(t *testing.T) {
	t.Parallel()
	_, s, _ := setup(t, testdb.New(t), 1)
	other := New(metrics.New(), testdb.New(t), 1, zaptest.NewLogger(t))
	require.ErrorContains(t, other.Listen(s.Addr()), "listen on "+s.Addr())
	require.ErrorContains(t, other.Run(context.Background()), "Listen was not called")
}

// TestServer_HaltedChain: a chain whose indexing stopped for good makes /readyz fail with the
// reason (endpoint URLs redacted), while the process's other chains stay ready.
func TestServer_HaltedChain(t *testing.T) {
	t.Parallel()
	m, s, base := setup(t, testdb.New(t), 10)
	ok := m.Chain("base", 8453)
	ok.SetActive(true)
	ok.SetIndexed(10)
	ok.SetHead(10)
	bad := m.Chain("sepolia", 11155111)
	bad.SetActive(true)
	bad.SetHalted(errors.New("rpc endpoint https://user:secret@rpc.example/key serves chain id 1, not 11155111"))
	code, r := readiness(t, base)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.True(t, r.Chains[0].Ready)
	require.Equal(t, "halted", r.Chains[1].Role)
	require.False(t, r.Chains[1].Ready)
	require.Contains(t, r.Chains[1].Reason, "halted: rpc endpoint https://")
	require.NotContains(t, r.Chains[1].Reason, "secret")
	require.False(t, s.Check(context.Background()).Ready)
	_, body := get(t, base+"/metrics")
	require.Contains(t, body, `erc8004_chain_halted{chain="sepolia",chain_id="11155111"} 1`)
	require.Contains(t, body, `erc8004_chain_halted{chain="base",chain_id="8453"} 0`)
}

// countingPinger counts the database checks.
type countingPinger struct{ n atomic.Int64 }

func (c *countingPinger) Ping(context.Context) error { c.n.Add(1); return nil }

// TestServer_ReadinessCached: a burst of /readyz requests pings the shared database pool once a
// second, not once per request.
func TestServer_ReadinessCached(t *testing.T) {
	t.Parallel()
	db := &countingPinger{}
	_, s, base := setup(t, db, 10)
	now := time.Unix(1_800_000_000, 0)
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := get(t, base+"/readyz")
			require.Equal(t, http.StatusOK, code)
		}()
	}
	wg.Wait()
	// The burst's spare keep-alive connections never carried a request: close them, or the
	// server's graceful shutdown waits for them.
	http.DefaultClient.CloseIdleConnections()
	require.EqualValues(t, 1, db.n.Load())
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	get(t, base+"/readyz")
	http.DefaultClient.CloseIdleConnections()
	require.EqualValues(t, 2, db.n.Load(), "a second later the database is checked again")
}

// TestServer_SlowClient: a client that sends its request slowly, or holds an idle connection, is
// cut off by the server's bounds instead of holding a connection and a goroutine forever.
func TestServer_SlowClient(t *testing.T) {
	t.Parallel()
	_, s, _ := setup(t, &countingPinger{}, 10)
	require.Equal(t, readTimeout, s.srv.ReadTimeout)
	require.Equal(t, writeTimeout, s.srv.WriteTimeout)
	require.Equal(t, idleTimeout, s.srv.IdleTimeout)
	require.Positive(t, s.srv.ReadHeaderTimeout)
}
