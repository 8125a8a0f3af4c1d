package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// runProc is an `indexer run` process whose JSON log lines are collected.
type runProc struct {
	cmd  *exec.Cmd
	addr string // the HTTP server's address, from its "http server listening" line
	done chan error

	mu   sync.Mutex
	logs bytes.Buffer
}

func startRun(t *testing.T, ctx context.Context, env []string, args ...string) *runProc {
	t.Helper()
	p := &runProc{cmd: exec.CommandContext(ctx, binary, append([]string{"run", "--log-format", "json"}, args...)...),
		done: make(chan error, 1)}
	p.cmd.Env = append(cleanEnv(), env...)
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "http server listening" {
				addr <- rec.Addr
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("logs of pid %d:\n%s", p.cmd.Process.Pid, p.Logs())
		}
	})
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("indexer run exited before serving HTTP: %v\n%s", err, p.Logs())
	case <-time.After(time.Minute):
		t.Fatalf("indexer run did not serve HTTP within a minute\n%s", p.Logs())
	}
	return p
}

// Logs returns the process's log lines so far.
func (p *runProc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *runProc) get(path string) (int, string, error) {
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// metric returns the value of the sample `name{labels}`, or -1 when it is absent or the server
// does not answer.
func (p *runProc) metric(name, labels string) float64 {
	_, body, err := p.get("/metrics")
	if err != nil {
		return -1
	}
	prefix := name + "{" + labels + "} "
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRun_HighAvailability runs two `indexer run` processes on one chain and database while the
// chain grows: one indexes, the other stands by; the active one is SIGKILLed mid-way and the
// standby takes over within seconds; the final tables equal a fresh index (no gap, no
// duplicate). It also checks /metrics and /readyz over HTTP, and the start-block search (no
// --from-block is given).
func TestRun_HighAvailability(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 31, 100)
	pool, schema, dsn := testdb.NewWithSchema(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	cursor := func() uint64 {
		cur, err := db.Cursor(ctx, f.spec.ChainID)
		if err != nil {
			return 0
		}
		return cur.Number
	}
	// The chain keeps growing while the indexers run.
	genCtx, stopGen := context.WithCancel(ctx)
	genDone := make(chan error, 1)
	go func() {
		gen := devchain.NewGenerator(f.chain, devchain.GenOptions{Seed: 131})
		for {
			select {
			case <-genCtx.Done():
				genDone <- nil
				return
			case <-time.After(100 * time.Millisecond):
			}
			if err := gen.Step(genCtx); err != nil && genCtx.Err() == nil {
				genDone <- err
				return
			}
		}
	}()

	args := append([]string{"--database-url", dsn, "--schema", schema, "--http-addr", "127.0.0.1:0",
		"--backfill-span", "2", "--lock-poll", "200ms", "--max-lag", "3"}, f.args...)
	procs := []*runProc{startRun(t, ctx, nil, args...), startRun(t, ctx, nil, args...)}
	labels := fmt.Sprintf(`chain="%d",chain_id="%d"`, f.spec.ChainID, f.spec.ChainID)
	var active, standby *runProc
	waitFor(t, "one active indexer", 30*time.Second, func() bool {
		a, b := procs[0].metric("erc8004_indexer_active", labels), procs[1].metric("erc8004_indexer_active", labels)
		switch {
		case a == 1 && b == 0:
			active, standby = procs[0], procs[1]
		case a == 0 && b == 1:
			active, standby = procs[1], procs[0]
		}
		return active != nil
	})
	require.Contains(t, active.Logs(), `"msg":"found start block"`)
	require.Contains(t, active.Logs(), fmt.Sprintf(`"block":%d`, f.chain.DeployBlock()))
	waitFor(t, "the standby to stand by", 10*time.Second, func() bool {
		return strings.Contains(standby.Logs(), "another indexer holds the chain's lock: standing by")
	})
	code, body, err := standby.get("/readyz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "a standby is ready: %s", body)
	require.Contains(t, body, `"role": "standby"`)

	waitFor(t, "progress", time.Minute, func() bool { return cursor() > f.chain.DeployBlock()+20 })
	killedAt := cursor()
	require.NoError(t, active.cmd.Process.Signal(syscall.SIGKILL))
	killed := time.Now()
	<-active.done
	waitFor(t, "the standby to take over", 10*time.Second, func() bool {
		return standby.metric("erc8004_indexer_active", labels) == 1
	})
	takeover := time.Since(killed)
	waitFor(t, "the new active indexer to commit", 10*time.Second, func() bool { return cursor() > killedAt })
	t.Logf("killed the active indexer at cursor %d (head %d); standby active after %s, committing after %s",
		killedAt, f.chain.Head(), takeover.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	require.Less(t, takeover, 5*time.Second)

	stopGen()
	require.NoError(t, <-genDone)
	head := f.chain.Head()
	waitFor(t, "the head", 2*time.Minute, func() bool { return cursor() == head })
	waitFor(t, "/readyz 200", 10*time.Second, func() bool {
		code, _, err := standby.get("/readyz")
		return err == nil && code == http.StatusOK
	})
	waitFor(t, "the indexed block metric", 10*time.Second, func() bool {
		return standby.metric("erc8004_indexed_block", labels) == float64(head)
	})
	require.Equal(t, float64(head), standby.metric("erc8004_chain_head_block", labels))
	require.Zero(t, standby.metric("erc8004_lag_blocks", labels))
	require.Positive(t, standby.metric("erc8004_events_total", labels+`,event="NewFeedback"`))
	require.Positive(t, standby.metric("erc8004_rpc_request_duration_seconds_count", labels+`,method="eth_blockNumber"`))
	require.Positive(t, standby.metric("erc8004_db_commit_duration_seconds_count", labels))
	code, body, err = standby.get("/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)

	require.NoError(t, standby.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-standby.done, "a SIGTERM is a clean exit")

	ref := testdb.New(t)
	f.index(t, ctx, ref, 0)
	testdb.RequireSameTables(t, ref, pool)
}

// TestRun_RefusesAnotherChain: an endpoint whose eth_chainId is not the configured chain's is
// refused at start, with a one-line error.
func TestRun_RefusesAnotherChain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 32, 1)
	_, schema, dsn := testdb.NewWithSchema(t)
	r := runIndexer(t, nil, "run", "--database-url", dsn, "--schema", schema, "--http-addr", "", "--log-level", "error",
		"--chain", "base", "--rpc-url", f.chain.HTTPURL())
	requireFailure(t, r, fmt.Sprintf("run: chain base: rpc endpoint %s serves chain id 1337, not 8453 (base): refusing to index it",
		f.chain.HTTPURL()))
}

// TestRun_SeveralChains indexes two chains from one --config file in one process and compares
// each with a single-chain index of its own.
func TestRun_SeveralChains(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type synth struct {
		chain *synthchain.Chain
		url   string
	}
	var chains []synth
	for i, id := range []uint64{80004, 80005} {
		c, err := synthchain.New(synthchain.Config{ChainID: id, Blocks: 400, EventEvery: 4, Seed: uint64(i + 1),
			FirstEventBlock: 50, Finality: 10})
		require.NoError(t, err)
		srv, err := synthchain.Start(c, "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		chains = append(chains, synth{c, srv.URL()})
	}
	regs := synthchain.DefaultRegistries
	file := filepath.Join(t.TempDir(), "indexer.yaml")
	text := fmt.Sprintf(`# two chains, one process
database_url: ${TEST_DSN}
log_level: info
chains:
  - chain: 80004
    name: alpha
    rpc_urls:
      - %s
    identity_registry: %s
    reputation_registry: %s
    validation_registry: %s
    start_block: 0
  - chain: "80005"
    name: beta
    rpc_urls: [%s]
    identity_registry: %s
    reputation_registry: %s
    start_block: 40
    confirmations: 2
`, chains[0].url, regs.Identity.Hex(), regs.Reputation.Hex(), regs.Validation.Hex(), chains[1].url, regs.Identity.Hex(), regs.Reputation.Hex())
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))

	pool, schema, dsn := testdb.NewWithSchema(t)
	valkey, prefix := testvalkey.New(t)
	p := startRun(t, ctx, []string{"TEST_DSN=" + dsn}, "--config", file, "--schema", schema, "--http-addr", "127.0.0.1:0",
		"--valkey-url", testvalkey.URL(), "--key-prefix", prefix)
	db := sink.NewPostgres(pool, zap.NewNop())
	for i, want := range []uint64{chains[0].chain.Head(), chains[1].chain.Head() - 2} {
		id := chains[i].chain.Config().ChainID
		waitFor(t, fmt.Sprintf("chain %d at %d", id, want), time.Minute, func() bool {
			cur, err := db.Cursor(ctx, id)
			return err == nil && cur.Number == want
		})
	}
	require.Equal(t, 1.0, p.metric("erc8004_indexer_active", `chain="alpha",chain_id="80004"`))
	require.Equal(t, 1.0, p.metric("erc8004_indexer_active", `chain="beta",chain_id="80005"`))
	// With --valkey-url each chain's head is published.
	for i, want := range []uint64{chains[0].chain.Head(), chains[1].chain.Head() - 2} {
		key := fmt.Sprintf("%s%d:head", prefix, chains[i].chain.Config().ChainID)
		waitFor(t, key, 30*time.Second, func() bool {
			n, err := valkey.HGet(ctx, key, "number").Result()
			return err == nil && n == strconv.FormatUint(want, 10)
		})
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-p.done)

	// Each chain alone, in-process, into one reference schema.
	ref := testdb.New(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	for i, c := range chains {
		spec := daemon.ChainSpec{Name: "ref", ChainID: c.chain.Config().ChainID, RPCURLs: []string{c.url},
			FinalityDepth: 64, UseFinalizedTag: true,
			Registries: erc8004.Registries{Identity: regs.Identity, Reputation: regs.Reputation}}
		if i == 0 {
			spec.Registries.Validation = regs.Validation
		} else {
			spec.StartBlock, spec.Confirmations = 40, 2
		}
		client, err := spec.Dial(ctx, log)
		require.NoError(t, err)
		ix := daemon.NewIndexer(spec, client, sink.NewPostgres(ref, log), log, nil)
		for {
			progressed, err := ix.Step(ctx)
			require.NoError(t, err)
			if !progressed {
				break
			}
		}
		client.Close()
	}
	testdb.RequireSameTables(t, ref, pool)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT chain_id) FROM erc8004_events`).Scan(&n))
	require.Equal(t, 2, n)
	require.NotEqual(t, common.Address{}, regs.Validation)
}
