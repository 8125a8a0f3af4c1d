package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// shutdownLimit is how long `indexer run` may take to exit after SIGTERM.
const shutdownLimit = 5 * time.Second

// indexerProc is one `indexer run` process.
type indexerProc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan error
}

func startIndexer(t *testing.T, args []string) *indexerProc {
	t.Helper()
	p := &indexerProc{exited: make(chan error, 1)}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = cleanEnv()
	p.cmd.Stderr = &p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// term sends SIGTERM and returns how long the process took to exit, requiring a clean exit
// within shutdownLimit.
func (p *indexerProc) term(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.exited:
		took := time.Since(start)
		require.NoError(t, err, "SIGTERM is a clean exit; stderr:\n%s", p.stderr.String())
		return took
	case <-time.After(shutdownLimit):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("still running %s after SIGTERM; stderr:\n%s", shutdownLimit, p.stderr.String())
		return 0
	}
}

// shutdownRig is a dev chain with 300 blocks of traffic and a schema to index it into.
type shutdownRig struct {
	ctx    context.Context
	log    *zap.Logger
	chain  *devchain.Chain
	gen    *devchain.Generator // the only generator of the chain: a second one would repeat its calls
	pool   *pgxpool.Pool
	schema string
	dsn    string
	spec   daemon.ChainSpec
}

func newShutdownRig(t *testing.T, ctx context.Context, seed int64, blocks int) *shutdownRig {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: seed, HTTP: true, Log: log})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: seed})
	for range blocks {
		require.NoError(t, gen.Step(ctx))
	}
	regs := c.Registries()
	r := &shutdownRig{ctx: ctx, log: log, chain: c, gen: gen}
	r.pool, r.schema, r.dsn = testdb.NewWithSchema(t)
	r.spec = daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: regs}
	return r
}

// args are the flags of `indexer run` on the rig, with RPC endpoint rpc.
func (r *shutdownRig) args(rpc string, extra ...string) []string {
	regs := r.spec.Registries
	return append([]string{"run", "--database-url", r.dsn, "--schema", r.schema, "--rpc-url", rpc,
		"--chain-id", fmt.Sprint(r.spec.ChainID), "--identity-registry", regs.Identity.Hex(),
		"--reputation-registry", regs.Reputation.Hex(), "--validation-registry", regs.Validation.Hex(),
		"--from-block", "0", "--http-addr", "127.0.0.1:0", "--lock-poll", "50ms", "--log-level", "error"}, extra...)
}

func (r *shutdownRig) cursor(t *testing.T) (uint64, bool) {
	t.Helper()
	cur, err := sink.NewPostgres(r.pool, r.log).Cursor(r.ctx, r.spec.ChainID)
	if errors.Is(err, sink.ErrNotFound) {
		return 0, false
	}
	require.NoError(t, err)
	return cur.Number, true
}

// waitCursor waits until the cursor is at least n.
func (r *shutdownRig) waitCursor(t *testing.T, n uint64, p *indexerProc) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if cur, ok := r.cursor(t); ok && cur >= n {
			return
		}
		select {
		case err := <-p.exited:
			t.Fatalf("indexer exited (%v) before block %d; stderr:\n%s", err, n, p.stderr.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "cursor did not reach %d", n)
		time.Sleep(5 * time.Millisecond)
	}
}

// requireConsistent checks that the schema holds exactly an index of the chain up to the
// cursor: a fresh index stopped at the same block has the same tables.
func (r *shutdownRig) requireConsistent(t *testing.T) {
	t.Helper()
	cur, ok := r.cursor(t)
	require.True(t, ok, "no cursor")
	spec := r.spec
	spec.Confirmations = r.chain.Head() - cur // the fresh index stops at the cursor
	client, err := spec.Dial(r.ctx, r.log)
	require.NoError(t, err)
	defer client.Close()
	ref := testdb.New(t)
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(ref, r.log), r.log, nil)
	for {
		progressed, err := ix.Step(r.ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, ref, r.pool)
}

// TestRun_SIGTERMDuringBackfill stops `indexer run` with SIGTERM at random moments of a backfill
// made of many small batches, while an RPC call hangs, and while a batch waits on a database
// lock. Each time the process must exit cleanly within 5 seconds, and the database must hold
// exactly an index up to its cursor: no batch half-written.
func TestRun_SIGTERMDuringBackfill(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := newShutdownRig(t, ctx, 41, 250)
	head := r.chain.Head()
	rng := rand.New(rand.NewPCG(41, 1))

	t.Run("Backfill", func(t *testing.T) {
		var took []time.Duration
		for range 4 {
			from, _ := r.cursor(t)
			p := startIndexer(t, r.args(r.chain.HTTPURL(), "--backfill-span", "2"))
			r.waitCursor(t, from+uint64(4+rng.IntN(20)), p)
			took = append(took, p.term(t))
			cur, _ := r.cursor(t)
			require.Less(t, cur, head, "the SIGTERM landed during the backfill")
			r.requireConsistent(t)
		}
		t.Logf("exits after SIGTERM: %v", took)
	})

	t.Run("RPCHangs", func(t *testing.T) {
		proxy := &hangingRPC{target: r.chain.HTTPURL()}
		srv := httptest.NewServer(proxy)
		defer srv.Close()
		from, _ := r.cursor(t)
		p := startIndexer(t, r.args(srv.URL, "--backfill-span", "2"))
		r.waitCursor(t, from+4, p)
		proxy.hang.Store(true)
		require.Eventually(t, func() bool { return proxy.hung.Load() > 0 }, 30*time.Second, 5*time.Millisecond)
		took := p.term(t)
		t.Logf("exit with an RPC call hanging: %s", took)
		r.requireConsistent(t)
	})

	t.Run("DatabaseLockWait", func(t *testing.T) {
		from, _ := r.cursor(t)
		p := startIndexer(t, r.args(r.chain.HTTPURL(), "--backfill-span", "2"))
		r.waitCursor(t, from+4, p)
		holder, err := r.pool.Acquire(ctx)
		require.NoError(t, err)
		defer holder.Release()
		tx, err := holder.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		_, err = tx.Exec(ctx, "LOCK TABLE erc8004_agents IN EXCLUSIVE MODE")
		require.NoError(t, err)
		var holderPID int
		require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&holderPID))
		waitBlockedBy(t, ctx, r.pool, holderPID)
		before, _ := r.cursor(t)
		took := p.term(t)
		t.Logf("exit with a batch waiting on a lock: %s", took)
		require.NoError(t, tx.Rollback(ctx))
		after, _ := r.cursor(t)
		require.Equal(t, before, after, "the interrupted batch did not commit")
		r.requireConsistent(t)
	})
}

// waitBlockedBy waits until some backend waits on a lock held by pid.
func waitBlockedBy(t *testing.T, ctx context.Context, pool *pgxpool.Pool, pid int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n)
		return err == nil && n > 0
	}, 30*time.Second, 5*time.Millisecond, "no batch waited on the lock")
}

// hangingRPC forwards JSON-RPC to target until hang is set; from then on every request waits
// until its client gives up.
type hangingRPC struct {
	target string
	hang   atomic.Bool
	hung   atomic.Int64
}

func (h *hangingRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if h.hang.Load() {
		h.hung.Add(1)
		<-r.Context().Done()
		return
	}
	resp, err := http.Post(h.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.Copy(w, resp.Body)
}

// TestRun_SIGKILLWhileFollowing kills `indexer run` with SIGKILL at random moments while it
// follows a live dev chain that keeps forking (depths 1-12), restarting it each time; after the
// traffic stops, a last run catches up and the tables must equal a fresh index of the final
// chain, and the contracts' view functions must agree.
func TestRun_SIGKILLWhileFollowing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	r := newShutdownRig(t, ctx, 43, 40)
	// The dev chain has no finalized tag (it forks at any depth): index it as such a chain.
	regs := r.spec.Registries
	cfgFile := filepath.Join(t.TempDir(), "indexer.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(fmt.Sprintf(`chains:
  - chain: "%d"
    rpc_urls: [%s]
    identity_registry: %s
    reputation_registry: %s
    validation_registry: %s
    start_block: 0
    use_finalized_tag: false
    finality_depth: 64
`, r.spec.ChainID, r.chain.WSURL(), regs.Identity.Hex(), regs.Reputation.Hex(), regs.Validation.Hex())), 0o600))
	args := []string{"run", "--config", cfgFile, "--database-url", r.dsn, "--schema", r.schema,
		"--http-addr", "127.0.0.1:0", "--lock-poll", "50ms", "--log-level", "error"}

	// Traffic: a block every 30 ms, a fork of depth 1-12 every 8 blocks.
	gen := r.gen
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var forks atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(43, 2))
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
			if i%8 == 0 {
				if err := r.chain.Fork(min(1+rng.Uint64N(12), r.chain.MaxForkDepth())); err != nil {
					t.Errorf("fork: %v", err)
					return
				}
				forks.Add(1)
			}
			if err := gen.Step(ctx); err != nil {
				t.Errorf("generate: %v", err)
				return
			}
		}
	}()

	rng := rand.New(rand.NewPCG(43, 3))
	kills := 0
	for kills < 15 {
		before, _ := r.cursor(t)
		p := startIndexer(t, args)
		if kills%2 == 0 {
			// Every other kill lands while following: once this run has committed (however slow
			// the start on a loaded machine), at a random moment after. The others may land
			// anywhere, the start and the migrations included.
			for wait := time.Now().Add(time.Minute); time.Now().Before(wait); time.Sleep(10 * time.Millisecond) {
				if c, _ := r.cursor(t); c != before {
					break
				}
			}
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		<-p.exited
		kills++
	}
	close(stop)
	wg.Wait()
	cur, _ := r.cursor(t)
	t.Logf("kills=%d forks=%d head=%d cursor after the kills=%d", kills, forks.Load(), r.chain.Head(), cur)
	require.Positive(t, cur, "the runs between kills indexed something")

	// The last run catches up with the final chain and is stopped cleanly. It runs for at least
	// a second: a SIGTERM before main has installed its handler kills a process the default way.
	p := startIndexer(t, args)
	started := time.Now()
	deadline := started.Add(2 * time.Minute)
	for {
		c, err := sink.NewPostgres(r.pool, r.log).Cursor(ctx, r.spec.ChainID)
		if err == nil && c.Number == r.chain.Head() && c.Hash == r.chain.HeadHash() && time.Since(started) > time.Second {
			break
		}
		require.True(t, time.Now().Before(deadline), "the last run did not reach the head; stderr:\n%s", p.stderr.String())
		time.Sleep(20 * time.Millisecond)
	}
	p.term(t)

	ref := testdb.New(t)
	client, err := r.spec.Dial(ctx, r.log)
	require.NoError(t, err)
	defer client.Close()
	ix := daemon.NewIndexer(r.spec, client, sink.NewPostgres(ref, r.log), r.log, nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, ref, r.pool)
	rep, err := verify.New(r.pool, client, r.spec.ChainID, r.spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
}
