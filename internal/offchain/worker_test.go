package offchain

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

const testRegistry = "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"

// advance moves chain 1's cursor one block up (finalized) in tx, as an indexer's commit does
// with its rows, and returns the new block.
func advance(t *testing.T, tx pgx.Tx) int64 {
	t.Helper()
	const q = `
		INSERT INTO erc8004_cursors (chain_id, block_number, block_hash, finalized_block) VALUES (1, 100, '0x64', 100)
		ON CONFLICT (chain_id) DO UPDATE SET block_number = erc8004_cursors.block_number + 1,
		    block_hash = '0x' || to_hex(erc8004_cursors.block_number + 1), finalized_block = erc8004_cursors.block_number + 1
		RETURNING block_number`
	var b int64
	require.NoError(t, tx.QueryRow(context.Background(), q).Scan(&b))
	return b
}

// commit runs fn in one transaction, as the indexer commits its rows with its cursor.
func commit(t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, pgx.BeginFunc(context.Background(), pool, fn))
}

// rollback runs stmt (what a reorg's rollback removes or changes) and moves chain 1's cursor one
// block down, in one transaction as the indexer's rollback does.
func rollback(t *testing.T, pool *pgxpool.Pool, stmt string, args ...any) {
	t.Helper()
	commit(t, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), stmt, args...); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), `UPDATE erc8004_cursors SET block_number = block_number - 1,
			block_hash = '0x' || to_hex(block_number - 1), finalized_block = block_number - 1 WHERE chain_id = 1`)
		return err
	})
}

// putAgent inserts or updates an agent as the indexer's projection would, in a new block.
func putAgent(t *testing.T, pool *pgxpool.Pool, id int, uri string) {
	t.Helper()
	const q = `
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block, created_tx,
		    created_log_index, updated_block, updated_tx, updated_log_index)
		VALUES (1, $1, $2, '0x00000000000000000000000000000000000000aa', $3, $4, '0x01', 0, $4, '0x01', 0)
		ON CONFLICT (chain_id, registry, agent_id) DO UPDATE SET agent_uri = EXCLUDED.agent_uri,
		    updated_block = EXCLUDED.updated_block`
	commit(t, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), q, testRegistry, id, uri, advance(t, tx))
		return err
	})
}

// putFeedback inserts a feedback as the indexer's projection would, and moves the cursor to the
// feedback's block when it is below, in one transaction.
func putFeedback(t *testing.T, pool *pgxpool.Pool, block int, agent int, uri, hash string) {
	t.Helper()
	const q = `
		INSERT INTO erc8004_reputation (chain_id, registry, agent_id, client_address, feedback_index, value,
		    value_decimals, feedback_uri, feedback_hash, block_number, tx_hash, log_index)
		VALUES (1, $1, $2, '0x00000000000000000000000000000000000000bb', $3, 100, 0, $4, $5, $6, '0x02', 0)`
	commit(t, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE erc8004_cursors SET block_number = $1, block_hash = '0x' || to_hex($1),
			finalized_block = $1 WHERE chain_id = 1 AND block_number < $1`, block)
		if err != nil {
			return err
		}
		_, err = tx.Exec(context.Background(), q, testRegistry, agent, block, uri, hash, block)
		return err
	})
}

// startWorker runs a worker on pool until the test ends and returns it.
func startWorker(t *testing.T, pool *pgxpool.Pool, r *Resolver, cfg WorkerConfig) *Worker {
	t.Helper()
	if cfg.Poll == 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	w := NewWorker(cfg, pool, r, zaptest.NewLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return w
}

// regRow is the part of a registration row the tests look at.
type regRow struct {
	URI, Status, Name string
	X402              *bool
	Errors, Warnings  []string
	Attempts          int
	Due               bool
}

func regRows(t *testing.T, pool *pgxpool.Pool) map[int]regRow {
	t.Helper()
	const q = `SELECT agent_id::int, uri, status, COALESCE(name, ''), x402_support, errors, warnings, attempts,
		next_fetch_at IS NOT NULL AND next_fetch_at <= now() FROM erc8004_agent_registrations`
	rows, err := pool.Query(context.Background(), q)
	require.NoError(t, err)
	defer rows.Close()
	out := map[int]regRow{}
	for rows.Next() {
		var id int
		var r regRow
		require.NoError(t, rows.Scan(&id, &r.URI, &r.Status, &r.Name, &r.X402, &r.Errors, &r.Warnings, &r.Attempts, &r.Due))
		out[id] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// waitRegs waits until no registration is pending and returns the rows.
func waitRegs(t *testing.T, pool *pgxpool.Pool, n int) map[int]regRow {
	t.Helper()
	var rows map[int]regRow
	require.Eventually(t, func() bool {
		rows = regRows(t, pool)
		if len(rows) != n {
			return false
		}
		for _, r := range rows {
			if r.Status == string(StatusPending) {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond)
	return rows
}

func regDoc(name string) string {
	return fmt.Sprintf(`{"type":"%s","name":"%s","description":"d","image":"i","services":[],"x402Support":true,"active":true}`, RegistrationType, name)
}

func TestWorker_Registrations(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var fail atomic.Bool
	fail.Store(true)
	bomb := gz(t, bytes.Repeat([]byte("["), 32<<20))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/ipfs/"):
			_, _ = w.Write([]byte(regDoc("ipfs")))
		case r.URL.Path == "/flaky":
			if fail.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(regDoc("flaky")))
		case r.URL.Path == "/huge":
			_, _ = w.Write(bytes.Repeat([]byte(" "), 2<<20))
		case r.URL.Path == "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb)
		case r.URL.Path == "/slow":
			<-r.Context().Done()
		case r.URL.Path == "/private":
			http.Redirect(w, r, "http://127.0.0.2:1/agent.json", http.StatusFound)
		case r.URL.Path == "/html":
			_, _ = w.Write([]byte("<html>"))
		default:
			_, _ = w.Write([]byte(regDoc(strings.TrimPrefix(r.URL.Path, "/"))))
		}
	}))
	t.Cleanup(srv.Close)
	r := testResolver(t, func(c *Config) {
		c.IPFSGateways = []string{srv.URL + "/ipfs/"}
		c.ArweaveGateways = []string{srv.URL + "/ipfs/"}
		// /slow must time out; every other file must answer within it even on a loaded host
		// (300 ms was too short for the 2 MiB body's headers under load).
		c.Timeout = 2 * time.Second
		c.Attempts = 1
	})
	uris := map[int]string{
		1:  srv.URL + "/alice",
		2:  "ipfs://" + testCID,
		3:  testCID,
		4:  "ar://tx1",
		5:  "data:application/json;base64," + base64.StdEncoding.EncodeToString([]byte(regDoc("b64"))),
		6:  "data:application/json;enc=gzip;level=6;base64," + base64.StdEncoding.EncodeToString(gz(t, []byte(regDoc("gz")))),
		7:  regDoc("inline"),
		8:  "",
		9:  "tinybanana",
		10: srv.URL + "/flaky",
		11: srv.URL + "/huge",
		12: srv.URL + "/bomb",
		13: srv.URL + "/slow",
		14: srv.URL + "/private",
		15: srv.URL + "/html",
		16: `{"name":5}`,
	}
	for id, u := range uris {
		putAgent(t, pool, id, u)
	}
	startWorker(t, pool, r, WorkerConfig{RetryBase: time.Hour, RetryMax: time.Hour})
	rows := waitRegs(t, pool, len(uris))
	want := map[int]struct {
		status Status
		name   string
	}{
		1: {StatusOK, "alice"}, 2: {StatusOK, "ipfs"}, 3: {StatusOK, "ipfs"}, 4: {StatusOK, "ipfs"},
		5: {StatusOK, "b64"}, 6: {StatusOK, "gz"}, 7: {StatusOK, "inline"}, 8: {StatusEmpty, ""},
		9: {StatusUnsupported, ""}, 10: {StatusUnreachable, ""}, 11: {StatusInvalid, ""}, 12: {StatusInvalid, ""},
		13: {StatusUnreachable, ""}, 14: {StatusUnreachable, ""}, 15: {StatusUnsupported, ""}, 16: {StatusInvalid, ""},
	}
	for id, w := range want {
		got := rows[id]
		require.Equal(t, string(w.status), got.Status, "agent %d %q: %v", id, uris[id], got.Errors)
		require.Equal(t, w.name, got.Name, "agent %d", id)
		require.Equal(t, 1, got.Attempts, "agent %d", id)
		require.Equal(t, w.status != StatusOK, len(got.Errors) > 0, "agent %d", id)
	}
	require.Contains(t, rows[14].Errors[0], "blocked")
	require.True(t, *rows[1].X402)

	// The view shows the parsed profile.
	var name string
	var x402 bool
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT name, x402_support FROM v_erc8004_agent_profiles WHERE agent_id = 5`).Scan(&name, &x402))
	require.Equal(t, "b64", name)
	require.True(t, x402)

	// A retry that succeeds turns unreachable into ok.
	fail.Store(false)
	_, err := pool.Exec(context.Background(), `UPDATE erc8004_agent_registrations SET next_fetch_at = now() WHERE agent_id = 10`)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return regRows(t, pool)[10].Status == string(StatusOK) }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, 2, regRows(t, pool)[10].Attempts)

	// URIUpdated (or a reorg rolling one back): the row starts over at the new URI.
	putAgent(t, pool, 1, srv.URL+"/bob")
	require.Eventually(t, func() bool {
		r := regRows(t, pool)[1]
		return r.Status == string(StatusOK) && r.Name == "bob"
	}, 10*time.Second, 20*time.Millisecond)
	var docs int
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT count(*) FROM erc8004_agent_registration_documents WHERE agent_id = 1`).Scan(&docs))
	require.Equal(t, 2, docs, "both documents agent 1 served are in its history")

	// A reorg that removes an agent removes its rows.
	rollback(t, pool, `DELETE FROM erc8004_agents WHERE agent_id = 1`)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(),
			`SELECT (SELECT count(*) FROM erc8004_agent_registrations WHERE agent_id = 1)
			      + (SELECT count(*) FROM erc8004_agent_registration_documents WHERE agent_id = 1)`).Scan(&n))
		return n == 0
	}, 10*time.Second, 20*time.Millisecond)
}

func TestWorker_Revalidate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte(regDoc("etag")))
	}))
	t.Cleanup(srv.Close)
	putAgent(t, pool, 1, srv.URL+"/a")
	startWorker(t, pool, testResolver(t, nil), WorkerConfig{Refresh: 100 * time.Millisecond})
	require.Eventually(t, func() bool { return notModified.Load() >= 2 }, 10*time.Second, 20*time.Millisecond)
	require.EqualValues(t, 1, full.Load())
	r := regRows(t, pool)[1]
	require.Equal(t, string(StatusOK), r.Status)
	require.Equal(t, "etag", r.Name)
}

func TestWorker_Feedback(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	body := []byte(`{"agentRegistry":"eip155:1:` + testRegistry + `","agentId":7,"clientAddress":"eip155:1:0xbb",` +
		`"createdAt":"2025-09-23T12:00:00Z","value":100,"valueDecimals":0,"text":"good","proof_of_payment":{"txHash":"0x1"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	t.Cleanup(srv.Close)
	good := crypto.Keccak256Hash(body).Hex()
	zero := "0x" + strings.Repeat("0", 64)
	bad := "0x" + strings.Repeat("1", 64)
	putAgent(t, pool, 7, "")
	putFeedback(t, pool, 10, 7, srv.URL+"/f", good)
	putFeedback(t, pool, 11, 7, srv.URL+"/f", bad)
	putFeedback(t, pool, 12, 7, srv.URL+"/f", zero)
	putFeedback(t, pool, 13, 7, "data:application/json;enc=gzip;base64,"+base64.StdEncoding.EncodeToString(gz(t, body)), good)
	putFeedback(t, pool, 14, 7, "", zero) // no URI: no file row
	startWorker(t, pool, testResolver(t, nil), WorkerConfig{})

	type fileRow struct {
		Status string
		HashOK *bool
		Text   *string
		PoP    *string
	}
	files := func() map[int]fileRow {
		rows, err := pool.Query(context.Background(),
			`SELECT block_number, status, hash_ok, text, proof_of_payment::text FROM erc8004_feedback_files`)
		require.NoError(t, err)
		defer rows.Close()
		out := map[int]fileRow{}
		for rows.Next() {
			var b int
			var f fileRow
			require.NoError(t, rows.Scan(&b, &f.Status, &f.HashOK, &f.Text, &f.PoP))
			out[b] = f
		}
		return out
	}
	var got map[int]fileRow
	require.Eventually(t, func() bool {
		got = files()
		for _, f := range got {
			if f.Status == string(StatusPending) {
				return false
			}
		}
		return len(got) == 4
	}, 10*time.Second, 20*time.Millisecond)
	require.True(t, *got[10].HashOK)
	require.False(t, *got[11].HashOK)
	require.Nil(t, got[12].HashOK)
	require.True(t, *got[13].HashOK)
	for _, b := range []int{10, 11, 12, 13} {
		require.Equal(t, string(StatusOK), got[b].Status)
		require.Equal(t, "good", *got[b].Text)
		require.JSONEq(t, `{"txHash":"0x1"}`, *got[b].PoP)
	}

	// A reorg replaces the feedback at block 10 with another one: the old file row goes and the
	// new one is fetched.
	rollback(t, pool, `UPDATE erc8004_reputation SET feedback_hash = $1 WHERE block_number = 10`, bad)
	require.Eventually(t, func() bool {
		f, ok := files()[10]
		return ok && f.HashOK != nil && !*f.HashOK
	}, 10*time.Second, 20*time.Millisecond)
	rollback(t, pool, `DELETE FROM erc8004_reputation WHERE block_number = 11`)
	require.Eventually(t, func() bool { _, ok := files()[11]; return !ok }, 10*time.Second, 20*time.Millisecond)
}

// TestWorker_Lease: a worker that dies between claim and record loses nothing: the claimed rows
// are invisible to others until the lease ends, then due again.
func TestWorker_Lease(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	for i := 1; i <= 3; i++ {
		putAgent(t, pool, i, regDoc(fmt.Sprint("a", i)))
	}
	s := store{pool: pool}
	_, _, err := s.reconcile(context.Background(), nil, true)
	require.NoError(t, err)
	ctx := context.Background()
	jobs, err := s.claim(ctx, FileRegistration, 2, 300*time.Millisecond)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	other, err := s.claim(ctx, FileRegistration, 10, 300*time.Millisecond)
	require.NoError(t, err)
	require.Len(t, other, 1, "claimed rows are not claimed twice")
	// The first claimer "dies": after its lease a new worker finishes everything.
	time.Sleep(400 * time.Millisecond)
	startWorker(t, pool, testResolver(t, nil), WorkerConfig{})
	rows := waitRegs(t, pool, 3)
	for i := 1; i <= 3; i++ {
		require.Equal(t, fmt.Sprint("a", i), rows[i].Name)
	}
}
