package lock

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

func setup(t *testing.T) (*pgx.ConnConfig, int64, *pgx.Conn) {
	t.Helper()
	cfg, err := pgx.ParseConfig(testdb.URL())
	require.NoError(t, err)
	// A key of its own per test: tests run in parallel on one server.
	key := Key("t_lock", rand.Uint64())
	admin, err := pgx.ConnectConfig(context.Background(), cfg)
	require.NoError(t, err, "PostgreSQL must be reachable at %s", testdb.URL())
	t.Cleanup(func() { _ = admin.Close(context.Background()) })
	return cfg, key, admin
}

// holderPID returns the backend pid holding key, or 0.
func holderPID(t *testing.T, admin *pgx.Conn, key int64) int {
	t.Helper()
	classID, objID := Split(key)
	var pid int
	err := admin.QueryRow(context.Background(), `SELECT coalesce(max(pid), 0) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted`,
		int64(classID), int64(objID)).Scan(&pid)
	require.NoError(t, err)
	return pid
}

func TestKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, Key("public", 1), Key("public", 1))
	require.NotEqual(t, Key("public", 1), Key("public", 8453))
	require.NotEqual(t, Key("public", 1), Key("other", 1))
	c, o := Split(-2)
	require.Equal(t, uint32(0xffffffff), c)
	require.Equal(t, uint32(0xfffffffe), o)
}

func TestAcquire_StandbyTakesOverAfterRelease(t *testing.T) {
	t.Parallel()
	cfg, key, admin := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Poll: 100 * time.Millisecond, Check: 100 * time.Millisecond}

	a, err := Acquire(ctx, cfg, key, opts)
	require.NoError(t, err)
	require.NotZero(t, holderPID(t, admin, key), "pg_locks shows the lock under Split(key)")

	none, err := TryAcquire(ctx, cfg, key, opts)
	require.NoError(t, err)
	require.Nil(t, none, "held elsewhere")

	waiting := make(chan struct{})
	got := make(chan *Lock, 1)
	go func() {
		o := opts
		o.Waiting = func() { close(waiting) }
		b, err := Acquire(ctx, cfg, key, o)
		if err == nil {
			got <- b
		}
	}()
	<-waiting
	select {
	case <-got:
		t.Fatal("the standby got a held lock")
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, a.Release(ctx))
	require.NoError(t, a.Release(ctx), "Release is idempotent")
	select {
	case b := <-got:
		require.NoError(t, b.Release(ctx))
	case <-time.After(5 * time.Second):
		t.Fatal("the standby did not take the lock after the release")
	}
	require.Zero(t, holderPID(t, admin, key))
}

// A terminated session (what the server does when the holder's process or host dies) frees the
// lock for the standby, and the old holder learns it through Lost.
func TestLock_LostWhenSessionEnds(t *testing.T) {
	t.Parallel()
	cfg, key, admin := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Poll: 100 * time.Millisecond, Check: 100 * time.Millisecond}

	a, err := Acquire(ctx, cfg, key, opts)
	require.NoError(t, err)
	got := make(chan *Lock, 1)
	go func() {
		b, err := Acquire(ctx, cfg, key, opts)
		if err == nil {
			got <- b
		}
	}()

	pid := holderPID(t, admin, key)
	require.NotZero(t, pid)
	start := time.Now()
	_, err = admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid)
	require.NoError(t, err)
	select {
	case <-a.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("Lost not closed after the session ended")
	}
	t.Logf("loss noticed in %s", time.Since(start))
	require.NoError(t, a.Release(ctx), "releasing a lost lock only closes the connection")
	select {
	case b := <-got:
		t.Logf("standby took over in %s", time.Since(start))
		require.NoError(t, b.Release(ctx))
	case <-time.After(5 * time.Second):
		t.Fatal("the standby did not take over")
	}
}

func TestAcquire_CancelWhileWaiting(t *testing.T) {
	t.Parallel()
	cfg, key, _ := setup(t)
	a, err := Acquire(context.Background(), cfg, key, Options{})
	require.NoError(t, err)
	defer a.Release(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = Acquire(ctx, cfg, key, Options{Poll: 50 * time.Millisecond})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestAcquire_UnreachableServer(t *testing.T) {
	t.Parallel()
	cfg, err := pgx.ParseConfig("postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2")
	require.NoError(t, err)
	_, err = TryAcquire(context.Background(), cfg, 1, Options{})
	require.ErrorContains(t, err, "connect for lock")

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = Acquire(ctx, cfg, 1, Options{Poll: 50 * time.Millisecond})
	require.ErrorIs(t, err, context.DeadlineExceeded, "connection failures are retried until ctx ends")
}
