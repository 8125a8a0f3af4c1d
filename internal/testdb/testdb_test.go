package testdb

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

func schemaExists(t *testing.T, schema string) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), URL())
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var ok bool
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&ok))
	return ok
}

func TestNewWithSchema(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("Inner", func(t *testing.T) {
		pool, s, dsn := NewWithSchema(t)
		schema = s
		ctx := context.Background()
		require.Regexp(t, `^t_[0-9a-f]{16}$`, schema)

		var path string
		require.NoError(t, pool.QueryRow(ctx, "SHOW search_path").Scan(&path))
		require.Equal(t, schema, path)
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n))
		require.Equal(t, len(migrations.Versions()), n)

		// The DSN reaches the same schema without further configuration.
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (7, 1, '0x01')")
		require.NoError(t, err)
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM erc8004_cursors WHERE chain_id = 7").Scan(&n))
		require.Equal(t, 1, n)
	})
	require.NotEmpty(t, schema)
	require.False(t, schemaExists(t, schema), "schema dropped at cleanup")
}

func TestTx(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("Inner", func(t *testing.T) {
		tx := Tx(t)
		ctx := context.Background()
		require.NoError(t, tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
		_, err := tx.Exec(ctx, "INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (1, 1, '0x01')")
		require.NoError(t, err)
	})
	require.Regexp(t, `^t_`, schema)
	require.False(t, schemaExists(t, schema))
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	require.Equal(t, "postgres://u@h/db?search_path=t_1&sslmode=disable",
		withSearchPath("postgres://u@h/db?sslmode=disable", "t_1"))
	require.Equal(t, "host=h user=u search_path=t_1", withSearchPath("host=h user=u ", "t_1"))
}

// fatalTB records the first Fatalf and stops the goroutine like testing.T does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func TestMissingDatabaseFails(t *testing.T) {
	// Not parallel: it changes TEST_DATABASE_URL for the process.
	t.Setenv("TEST_DATABASE_URL", "postgres://postgres:hunter2@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(f)
	}()
	<-done
	require.Contains(t, f.msg, "PostgreSQL is not reachable at postgres://postgres:xxxxx@127.0.0.1:1/")
	require.NotContains(t, f.msg, "hunter2")
}
