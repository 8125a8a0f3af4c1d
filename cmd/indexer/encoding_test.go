package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRun_Latin1Database: on a database whose encoding is not UTF8, where PostgreSQL would refuse
// chain strings it cannot represent and stop the chain, run and migrate exit 1 at once with a
// one-line reason that says how to fix it, and create nothing.
func TestRun_Latin1Database(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, testdb.URL())
	require.NoError(t, err)
	defer admin.Close()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "t_latin1_" + hex.EncodeToString(suffix)
	ident := pgx.Identifier{name}.Sanitize()
	_, err = admin.Exec(ctx, "CREATE DATABASE "+ident+" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	require.NoError(t, err)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), testdb.URL())
		require.NoError(t, err)
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		require.NoError(t, err)
	})
	u, err := url.Parse(testdb.URL())
	require.NoError(t, err)
	u.Path = "/" + name
	dbURL := u.String()

	r := runIndexer(t, nil, "run", "--database-url", dbURL, "--chain-id", "1337", "--rpc-url", "http://127.0.0.1:1",
		"--identity-registry", "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "--http-addr", "127.0.0.1:0", "--log-level", "error")
	requireFailure(t, r, "the database has encoding LATIN1, the indexer needs UTF8")
	require.Contains(t, r.stderr, "ENCODING 'UTF8' TEMPLATE template0")

	r = runIndexer(t, nil, "migrate", "--database-url", dbURL)
	requireFailure(t, r, "has encoding LATIN1, the indexer needs UTF8")

	db, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close(ctx)
	var tables int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables))
	require.Zero(t, tables, "nothing was created")
}
