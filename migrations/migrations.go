// Package migrations embeds the indexer's SQL schema and applies it.
//
// Migrations are files named NNNN_name.up.sql in this directory. They are forward-only: a change
// to the schema is a new file, never an edit of an applied one. Up applies the pending ones in
// version order into a configurable schema, each in its own transaction, while holding a
// PostgreSQL advisory lock so that several indexers starting at once migrate exactly once.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed *.sql
var files embed.FS

// lockTimeout bounds each migration's wait for a table lock (a variable for the tests).
var lockTimeout = 30 * time.Second

// readerRole is the read-only role the migrations grant SELECT to.
const readerRole = "erc8004_reader"

// Migration is one embedded schema migration.
type Migration struct {
	// Version is the NNNN prefix of the file name; versions are unique and ascending.
	Version int
	// Name is the part of the file name between the version and ".up.sql".
	Name string
	// SQL is the file's content, run as one multi-statement script.
	SQL string
}

// all holds the embedded migrations in version order, parsed once at start-up.
var all = mustLoad(files)

// Versions returns every embedded migration in version order. The slice is a copy.
func Versions() []Migration {
	return append([]Migration(nil), all...)
}

var fileRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.up\.sql$`)

// mustLoad parses the embedded files. A malformed name or a duplicate version is a build mistake,
// not an operator's, so it panics at package initialisation (a test covers it).
func mustLoad(fsys fs.FS) []Migration {
	ms, err := load(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

func load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := fileRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.up.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits: cannot fail
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration files %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: m[2], SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// lockKey derives the advisory lock key for schema. It is per schema so that tests migrating
// their own schemas do not queue behind each other, and namespaced so that it cannot collide with
// another application's advisory locks by accident.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("erc8004-indexer migrations\x00" + schema))
	return int64(h.Sum64())
}

// Up applies every pending migration to schema, creating the schema if it is missing. A second
// call is a no-op. It is safe to call concurrently from several processes.
func Up(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	_, err := Apply(ctx, pool, schema)
	return err
}

// Apply is Up that also returns the migrations this call applied (empty when the schema was
// already up to date), for callers that report what they did.
func Apply(ctx context.Context, pool *pgxpool.Pool, schema string) ([]Migration, error) {
	return apply(ctx, pool, schema, all)
}

// apply is Apply over an explicit migration list, so tests can exercise a failing migration.
func apply(ctx context.Context, pool *pgxpool.Pool, schema string, ms []Migration) (applied []Migration, err error) {
	if schema == "" {
		return nil, errors.New("apply migrations: empty schema name")
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: acquire connection: %w", err)
	}
	defer conn.Release()

	// A session-level advisory lock on this one connection serialises concurrent migrators for the
	// whole run, including the schema and bookkeeping table creation below, which would otherwise
	// race (CREATE ... IF NOT EXISTS is not safe against a concurrent creator).
	key := lockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return nil, fmt.Errorf("apply migrations: take advisory lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx is done; if that fails, closing the connection ends the session and
		// with it the lock, and the pool discards a closed connection on Release.
		uctx := context.WithoutCancel(ctx)
		if _, uerr := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", key); uerr != nil {
			_ = conn.Conn().Close(uctx)
		}
	}()

	ident := pgx.Identifier{schema}.Sanitize()
	table := pgx.Identifier{schema, "schema_migrations"}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident); err != nil {
		return nil, fmt.Errorf("apply migrations: create schema %s: %w", ident, err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("apply migrations: create %s: %w", table, err)
	}

	rows, err := conn.Query(ctx, "SELECT version FROM "+table)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: read %s: %w", table, err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("apply migrations: read %s: %w", table, err)
	}
	have := make(map[int]bool, len(done))
	for _, v := range done {
		have[int(v)] = true
	}

	var pending []Migration
	for _, m := range ms {
		if !have[m.Version] {
			pending = append(pending, m)
		}
	}
	if err := checkReader(ctx, conn.Conn(), pending, readerRole); err != nil {
		return nil, err
	}
	for _, m := range pending {
		if err := applyOne(ctx, conn.Conn(), ident, table, m); err != nil {
			return applied, fmt.Errorf("apply migration %04d_%s to schema %s: %w", m.Version, m.Name, ident, err)
		}
		applied = append(applied, m)
	}
	return applied, nil
}

// checkReader fails, saying what to do, when a pending migration grants to the reader role, the
// role does not exist, and the migrating role may not create it (no CREATEROLE): roles are
// cluster-wide, so an administrator creates it once and the migrations then only grant to it.
func checkReader(ctx context.Context, conn *pgx.Conn, pending []Migration, readerRole string) error {
	need := false
	for _, m := range pending {
		need = need || strings.Contains(m.SQL, readerRole)
	}
	if !need {
		return nil
	}
	const q = `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
		(SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user)`
	var exists, may bool
	if err := conn.QueryRow(ctx, q, readerRole).Scan(&exists, &may); err != nil {
		return fmt.Errorf("apply migrations: look up role %s: %w", readerRole, err)
	}
	if exists || may {
		return nil
	}
	return fmt.Errorf("apply migrations: the role %s does not exist and this role may not create roles: "+
		"have an administrator run CREATE ROLE %s NOLOGIN once, then migrate again", readerRole, readerRole)
}

// applyOne runs m and records it in one transaction, so a failed migration leaves no trace.
func applyOne(ctx context.Context, conn *pgx.Conn, ident, table string, m Migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// SET LOCAL: the migration's unqualified names land in the schema, and the connection's
		// search_path is back to normal after the transaction.
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
		// A migration that rebuilds an index or alters a table waits for its lock at most this
		// long, instead of queueing behind a long analyst query while every later reader of the
		// table queues behind it; it fails and is applied at the next start.
		if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", strconv.FormatInt(lockTimeout.Milliseconds(), 10)); err != nil {
			return fmt.Errorf("set lock_timeout: %w", err)
		}
		// Exec without arguments uses the simple protocol, which accepts multi-statement scripts.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return fmt.Errorf("record version: %w", err)
		}
		return nil
	})
}

// Pending returns the embedded migrations schema has not applied yet, in version order, without
// changing anything (all of them when the schema or its bookkeeping table does not exist). A
// process that runs without migrating (--skip-migrate) checks that it is empty.
func Pending(ctx context.Context, pool *pgxpool.Pool, schema string) ([]Migration, error) {
	var exists bool
	const q = `SELECT to_regclass(quote_ident($1) || '.schema_migrations') IS NOT NULL`
	if err := pool.QueryRow(ctx, q, schema).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	if !exists {
		return Versions(), nil
	}
	rows, err := pool.Query(ctx, "SELECT version FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	have := make(map[int]bool, len(done))
	for _, v := range done {
		have[int(v)] = true
	}
	var out []Migration
	for _, m := range all {
		if !have[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}
