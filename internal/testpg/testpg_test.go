package testpg

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestCluster_RestartAndReplica starts a cluster, writes, crashes and restarts it, then streams
// it to a replica that sees the write and refuses its own.
func TestCluster_RestartAndReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := Start(t, Options{})
	c.Exec(t, "CREATE TABLE x (v int)")
	c.Exec(t, "INSERT INTO x VALUES (1)")
	c.Restart(t, "immediate")

	pool := c.Pool(t)
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n))
	require.Equal(t, 1, n, "a committed row survives a crash of the server")

	r := c.StartReplica(t)
	require.True(t, r.Replica)
	c.Exec(t, "INSERT INTO x VALUES (2)")
	rpool := r.Pool(t)
	require.Eventually(t, func() bool {
		return rpool.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n) == nil && n == 2
	}, 30*time.Second, 50*time.Millisecond, "the replica replays the primary's write")
	var inRecovery bool
	require.NoError(t, rpool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery))
	require.True(t, inRecovery)
	_, err := rpool.Exec(ctx, "INSERT INTO x VALUES (3)")
	require.ErrorContains(t, err, "read-only transaction")
}

// TestCluster_Password starts a cluster whose TCP connections need a password.
func TestCluster_Password(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := Start(t, Options{Password: "pw with spaces/and@signs"})
	var one int
	require.NoError(t, c.Pool(t).QueryRow(ctx, "SELECT 1").Scan(&one))
	conn, err := pgx.Connect(ctx, "postgres://postgres:wrong@127.0.0.1:"+strconv.Itoa(c.Port)+"/postgres?sslmode=disable")
	if err == nil {
		conn.Close(ctx)
	}
	require.ErrorContains(t, err, "password authentication failed")
}
