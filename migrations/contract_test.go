package migrations_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// TestApply_LockTimeout: a migration that needs a table an analyst's transaction holds gives up
// after the lock timeout (and is applied at a later start) instead of queueing every later
// reader of the table behind it. Not parallel: it shortens the package's lock timeout.
func TestApply_LockTimeout(t *testing.T) {
	migrations.SetLockTimeout(t, 500*time.Millisecond)
	ctx := context.Background()
	pool, schema := testdb.New(t), ""
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
	analyst, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer analyst.Rollback(ctx) //nolint:errcheck // the analyst's read-only transaction
	_, err = analyst.Exec(ctx, "SELECT count(*) FROM erc8004_events")
	require.NoError(t, err)

	start := time.Now()
	_, err = migrations.ApplyList(ctx, pool, schema, []migrations.Migration{{Version: 9001, Name: "rebuild",
		SQL: "DROP INDEX erc8004_events_tx_idx; CREATE INDEX erc8004_events_tx_idx ON erc8004_events USING hash (tx_hash)"}})
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "%v", err)
	require.Equal(t, "55P03", pgErr.Code, "lock_not_available")
	require.Less(t, time.Since(start), 10*time.Second)
}

// TestCheckReader: when the read-only role is missing and the migrating role may not create
// roles, the migrations stop before changing anything with a message that gives the one
// statement an administrator runs; a role that may create it passes.
func TestCheckReader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	suffix := make([]byte, 5)
	_, _ = rand.Read(suffix)
	login, missing := "t_migrator_"+hex.EncodeToString(suffix), "t_reader_"+hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, testdb.URL())
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{login}.Sanitize()+" LOGIN")
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.URL())
		require.NoError(t, err)
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), "DROP ROLE "+pgx.Identifier{login}.Sanitize())
		require.NoError(t, err)
	})
	pending := []migrations.Migration{{Version: 9002, Name: "grant", SQL: "GRANT SELECT ON x TO " + missing}}

	require.NoError(t, migrations.CheckReader(ctx, admin, pending, missing), "a superuser creates it")
	u, err := url.Parse(testdb.URL())
	require.NoError(t, err)
	u.User = url.User(login)
	plain, err := pgx.Connect(ctx, u.String())
	require.NoError(t, err)
	defer plain.Close(ctx)
	err = migrations.CheckReader(ctx, plain, pending, missing)
	require.ErrorContains(t, err, "have an administrator run CREATE ROLE "+missing+" NOLOGIN once")
	require.NoError(t, migrations.CheckReader(ctx, plain, pending[:0], missing), "nothing to grant")
}
