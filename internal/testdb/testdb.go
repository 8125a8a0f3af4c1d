// Package testdb gives each test its own migrated PostgreSQL schema on the real database.
//
// The database is TEST_DATABASE_URL, by default the loopback development server
// (postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; `make test` starts it). A test
// that cannot reach it fails with a message saying so: it never skips, because a skipped database
// test is a test that silently stopped testing.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// DefaultURL is the database used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// URL returns TEST_DATABASE_URL, or DefaultURL when it is unset.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a pool on a fresh schema t_<random> with every migration applied. The pool's
// connections have search_path set to that schema, so unqualified table names resolve there.
// The schema is dropped and the pool closed when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _, _ := NewWithSchema(t)
	return pool
}

// NewWithSchema is New that also returns the schema name and a connection string whose
// search_path is that schema, so a test can point the indexer binary at the same data.
func NewWithSchema(t testing.TB) (*pgxpool.Pool, string, string) {
	t.Helper()
	pool, schema, dsn := NewEmpty(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := migrations.Up(ctx, pool, schema); err != nil {
		t.Fatalf("testdb: migrate schema %s: %v", schema, err)
	}
	return pool, schema, dsn
}

// NewEmpty is NewWithSchema without the migrations: the schema name is reserved (and dropped at
// cleanup if anything created it) but the schema itself does not exist yet. It is for tests of
// code that migrates on its own, such as `indexer migrate`.
func NewEmpty(t testing.TB) (*pgxpool.Pool, string, string) {
	t.Helper()
	schema := "t_" + randomHex(t, 8)
	base := URL()

	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		t.Fatalf("testdb: parse TEST_DATABASE_URL: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	// Tests run in parallel against one server (max_connections 100 by default): keep each
	// test's share small.
	cfg.MaxConns = 4

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("testdb: open pool: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		t.Fatalf("testdb: PostgreSQL is not reachable at %s (start it with `make test` or scripts/services.sh, or set TEST_DATABASE_URL): %v",
			redact.URL(base), err)
	}
	t.Cleanup(func() {
		defer pool.Close()
		// t.Context() is already cancelled when cleanups run; keep its values, drop its cancellation.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("testdb: drop schema %s: %v", schema, err)
		}
	})
	return pool, schema, withSearchPath(base, schema)
}

// Tx returns a transaction on a fresh migrated schema, rolled back when the test ends: for pure
// query tests that need no commit.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	pool := New(t)
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("testdb: begin: %v", err)
	}
	// Registered after New's cleanup, so it runs before the schema is dropped.
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(t.Context())) })
	return tx
}

// withSearchPath adds search_path to a URL or keyword/value connection string. pgx passes an
// unknown URL parameter or keyword to the server as a run-time parameter.
func withSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " search_path=" + schema
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testdb: random: %v", err)
	}
	return hex.EncodeToString(b)
}
