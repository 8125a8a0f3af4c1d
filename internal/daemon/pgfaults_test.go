package daemon

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testpg"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// pgFaultApp is the application_name of the indexer's connections, to find their backends.
const pgFaultApp = "pgfaults-indexer"

// pgFaultRig is a live dev chain with traffic, an indexer following it into a PostgreSQL cluster
// of the test's own, and the means to hurt that cluster.
type pgFaultRig struct {
	t       *testing.T
	ctx     context.Context
	cluster *testpg.Cluster
	pool    *pgxpool.Pool // the indexer's
	db      *sink.Postgres
	chain   *devchain.Chain
	commits atomic.Int64
	logs    *observer.ObservedLogs
}

// waitBlocked waits until one of the indexer's backends waits on a lock inside a transaction
// that has written (it has a transaction id): the middle of a batch. It returns its pid.
func (r *pgFaultRig) waitBlocked(admin *pgx.Conn) int {
	r.t.Helper()
	const q = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'
		AND backend_xid IS NOT NULL LIMIT 1`
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pid int
		err := admin.QueryRow(r.ctx, q, pgFaultApp).Scan(&pid)
		if err == nil {
			return pid
		}
		require.ErrorIs(r.t, err, pgx.ErrNoRows)
		require.True(r.t, time.Now().Before(deadline), "the indexer never blocked inside a batch")
		time.Sleep(10 * time.Millisecond)
	}
}

// lockAgents opens a transaction on a fresh connection that holds erc8004_agents in EXCLUSIVE
// mode: the indexer's batches read freely but block when they recompute agents, after their
// deletes and inserts.
func (r *pgFaultRig) lockAgents() *pgx.Conn {
	r.t.Helper()
	conn, err := pgx.Connect(r.ctx, r.cluster.URL("postgres", "application_name=pgfaults-locker"))
	require.NoError(r.t, err)
	_, err = conn.Exec(r.ctx, "BEGIN; LOCK TABLE erc8004_agents IN EXCLUSIVE MODE")
	require.NoError(r.t, err)
	return conn
}

// waitProgress waits until the indexer has committed n more batches.
func (r *pgFaultRig) waitProgress(n int64) {
	r.t.Helper()
	want := r.commits.Load() + n
	require.Eventually(r.t, func() bool { return r.commits.Load() >= want }, 60*time.Second, 20*time.Millisecond,
		"the indexer did not resume (server log:\n%s)", tailString(r.cluster.Log(), 2000))
}

// terminate kills every backend of the indexer and returns how many there were.
func (r *pgFaultRig) terminate(admin *pgx.Conn) int {
	r.t.Helper()
	var n int
	require.NoError(r.t, admin.QueryRow(r.ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, pgFaultApp).Scan(&n))
	return n
}

// TestIndexer_PostgresFaults indexes a live dev chain into a cluster that is restarted (clean
// and crashed) in the middle of a batch, whose connections are killed with
// pg_terminate_backend in the middle of a batch and at random moments, and whose statements
// time out behind a lock. The indexer must reconnect and continue after each, and the final
// tables must equal a fresh index of the chain: nothing lost, nothing duplicated.
func TestIndexer_PostgresFaults(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	core, logs := observer.New(zap.WarnLevel)
	log := zap.New(zapcore.NewTee(zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel)).Core(), core))

	cluster := testpg.Start(t, testpg.Options{})
	admin := cluster.Pool(t)
	require.NoError(t, migrations.Up(ctx, admin, "public"))
	// The indexer's pool: statements that wait longer than 1.5 s are cancelled by the server.
	pc, err := pgxpool.ParseConfig(cluster.URL("postgres", "application_name="+pgFaultApp, "statement_timeout=1500"))
	require.NoError(t, err)
	pc.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	require.NoError(t, err)
	defer pool.Close()

	c, err := devchain.New(ctx, devchain.Options{Seed: 23, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	regs := c.Registries()
	spec := ChainSpec{
		ChainID:       c.ChainID(),
		RPCURLs:       []string{c.HTTPURL()},
		Registries:    regs,
		FinalityDepth: 64,
		PollInterval:  50 * time.Millisecond,
		LiveSpan:      4,
		MaxBackoff:    300 * time.Millisecond,
	}
	r := &pgFaultRig{t: t, ctx: ctx, cluster: cluster, pool: pool, db: sink.NewPostgres(pool, log), chain: c, logs: logs}
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	ix := NewIndexer(spec, client, r.db, log, func(feed.Update) { r.commits.Add(1) })
	ictx, stopIndexer := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ix.Run(ictx, nil) }()

	// Traffic: a block every 40 ms until the faults are over.
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 23, TxPerBlock: 6})
	var traffic sync.WaitGroup
	stopTraffic := make(chan struct{})
	traffic.Add(1)
	go func() {
		defer traffic.Done()
		for {
			select {
			case <-stopTraffic:
				return
			case <-time.After(40 * time.Millisecond):
			}
			if err := gen.Step(ctx); err != nil {
				t.Errorf("generate: %v", err)
				return
			}
		}
	}()
	r.waitProgress(5)

	locker, err := pgx.Connect(ctx, cluster.URL("postgres", "application_name=pgfaults-admin"))
	require.NoError(t, err)
	reconnect := func() {
		locker.Close(ctx)
		locker, err = pgx.Connect(ctx, cluster.URL("postgres", "application_name=pgfaults-admin"))
		require.NoError(t, err)
	}

	t.Run("RestartMidBatch", func(t *testing.T) {
		for _, mode := range []string{"fast", "immediate"} {
			hold := r.lockAgents()
			pid := r.waitBlocked(locker)
			t.Logf("%s restart while backend %d is inside a batch", mode, pid)
			cluster.Restart(t, mode) // also ends hold's session
			hold.Close(ctx)
			reconnect()
			r.waitProgress(5)
		}
	})
	t.Run("TerminateMidBatch", func(t *testing.T) {
		for range 3 {
			hold := r.lockAgents()
			pid := r.waitBlocked(locker)
			var ok bool
			require.NoError(t, locker.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok))
			require.True(t, ok)
			require.NoError(t, hold.Close(ctx)) // releases the lock (rollback)
			r.waitProgress(3)
		}
	})
	t.Run("TerminateAnytime", func(t *testing.T) {
		killed := 0
		for i := range 8 {
			time.Sleep(time.Duration(30+37*i) * time.Millisecond)
			killed += r.terminate(locker)
		}
		require.Positive(t, killed)
		r.waitProgress(3)
	})
	t.Run("StatementTimeout", func(t *testing.T) {
		before := logs.FilterMessage("batch failed").FilterFieldKey("error").Len()
		hold := r.lockAgents()
		r.waitBlocked(locker)
		// Longer than two statement timeouts: the blocked batch fails and its retry too.
		time.Sleep(4 * time.Second)
		require.NoError(t, hold.Close(ctx))
		timeouts := 0
		for _, e := range logs.FilterMessage("batch failed").All()[before:] {
			if strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "statement timeout") {
				timeouts++
			}
		}
		require.Positive(t, timeouts, "no batch hit the statement timeout")
		r.waitProgress(5)
	})

	close(stopTraffic)
	traffic.Wait()
	locker.Close(ctx)
	require.NoError(t, WaitCaughtUp(ctx, r.db, c, 2*time.Minute, done))
	stopIndexer()
	require.ErrorIs(t, <-done, context.Canceled)
	t.Logf("commits=%d, batch failures logged=%d, head=%d", r.commits.Load(), logs.FilterMessage("batch failed").Len(), c.Head())

	// Nothing lost, nothing duplicated: the same tables as an undisturbed index, and the
	// contracts agree.
	fresh := testdb.New(t)
	fix := NewIndexer(spec, client, sink.NewPostgres(fresh, log), log, nil)
	for {
		progressed, err := fix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, fresh, pool)
	rep, err := verify.New(pool, client, spec.ChainID, spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
