package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testpg"
)

// devFixture is a dev chain with traffic, served over HTTP.
type devFixture struct {
	chain *devchain.Chain
	spec  daemon.ChainSpec
	// args selects the chain on an indexer command line (--chain-id, registries, --rpc-url).
	args []string
}

func newDevFixture(t *testing.T, ctx context.Context, seed int64, blocks int) *devFixture {
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
	return &devFixture{
		chain: c,
		spec: daemon.ChainSpec{Name: "dev", ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
			UseFinalizedTag: true,
			Registries:      regs},
		args: []string{"--chain-id", fmt.Sprint(c.ChainID()), "--identity-registry", regs.Identity.Hex(),
			"--reputation-registry", regs.Reputation.Hex(), "--validation-registry", regs.Validation.Hex(),
			"--rpc-url", c.HTTPURL()},
	}
}

// index indexes the chain into pool in-process, until the indexer reaches the head.
func (f *devFixture) index(t *testing.T, ctx context.Context, pool *pgxpool.Pool, span uint64) {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	spec := f.spec
	spec.BackfillSpan = span
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(pool, log), log, nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			return
		}
	}
}

func cursorOf(t *testing.T, pool *pgxpool.Pool, chainID uint64) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT block_number FROM erc8004_cursors WHERE chain_id = $1`,
		int64(chainID)).Scan(&n))
	return n
}

func maxEventBlock(t *testing.T, pool *pgxpool.Pool) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT coalesce(max(block_number), 0) FROM erc8004_events`).Scan(&n))
	return n
}

// TestRewindReplay rewinds an indexed chain, replays it (up to the head, a middle range below the
// cursor, a range reaching the cursor) and requires the tables to equal a fresh index each time.
func TestRewindReplay(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 21, 120)
	head := f.chain.Head()
	ref := testdb.New(t)
	f.index(t, ctx, ref, 0)
	pool, schema, dsn := testdb.NewWithSchema(t)
	f.index(t, ctx, pool, 25)
	testdb.RequireSameTables(t, ref, pool)
	require.Equal(t, head, cursorOf(t, pool, f.spec.ChainID))
	db := []string{"--database-url", dsn, "--schema", schema}
	chainID := fmt.Sprint(f.spec.ChainID)

	// Without --yes, and stdin not a terminal: refused before anything is printed.
	r := runIndexer(t, nil, append([]string{"rewind", "--chain", chainID, "--to-block", "60"}, db...)...)
	requireFailure(t, r, "rewind: stdin is not a terminal: confirm with --yes (or look first with --dry-run)")

	// A dry run prints the plan and changes nothing.
	r = runIndexer(t, nil, append([]string{"rewind", "--chain", chainID, "--to-block", "60", "--dry-run"}, db...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, fmt.Sprintf("rewind: chain %s (%s): cursor %d -> 60 (0x", chainID, chainID, head))
	require.Contains(t, r.stdout, "rows to delete, blocks 61 and above:\n  erc8004_events ")
	require.Contains(t, r.stdout, "dry run: nothing changed\n")
	testdb.RequireSameTables(t, ref, pool)

	// The rewind, with the hash of block 60 from the stored headers or (with --rpc-url) the node.
	r = runIndexer(t, nil, append([]string{"rewind", "--chain", chainID, "--to-block", "60", "--yes",
		"--rpc-url", f.chain.HTTPURL()}, db...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "rewind: done in ")
	require.Contains(t, r.stdout, "cursor at block 60; 'indexer run' re-indexes from 61\n")
	require.EqualValues(t, 60, cursorOf(t, pool, f.spec.ChainID))
	require.LessOrEqual(t, maxEventBlock(t, pool), uint64(60))
	r = runIndexer(t, nil, append([]string{"rewind", "--chain", chainID, "--to-block", "70", "--yes"}, db...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "is indexed up to block 60, not above 70: nothing to do")

	// Replay from 61 to the head: rewind (nothing left to delete) + index again.
	replay := func(extra ...string) result {
		args := append(append([]string{"replay", "--yes", "--log-level", "warn"}, f.args...), db...)
		return runIndexer(t, nil, append(args, extra...)...)
	}
	r = replay("--from-block", "61")
	requireFailure(t, r, "--from-block 61 is above the cursor (60) of chain 1337: give --to-block")
	r = replay("--from-block", "61", "--to-block", fmt.Sprint(head))
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, fmt.Sprintf("replay: done in "))
	require.Contains(t, r.stdout, fmt.Sprintf("cursor at %d\n", head))
	testdb.RequireSameTables(t, ref, pool)

	// A middle range, below the cursor, in small batches: idempotent, cursor unchanged.
	r = replay("--from-block", "20", "--to-block", "100", "--backfill-span", "7")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "blocks 20-100 are fetched again and replaced; the cursor ("+fmt.Sprint(head)+") stays")
	require.Contains(t, r.stdout, "replay: done in ")
	require.Contains(t, r.stdout, "; cursor unchanged at "+fmt.Sprint(head))
	// The dev chain has no finalized tag, so blocks up to head-64 = 64 are final: 20-64 in
	// batches of 7 (the one crossing finality stops at 64), then 65-100 in one.
	require.Contains(t, r.stdout, " 8 batches, ")
	testdb.RequireSameTables(t, ref, pool)

	// A range reaching the cursor (no --to-block): rewind to 89 and index again to the old cursor.
	r = replay("--from-block", "90")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, fmt.Sprintf("reach the cursor (%d): rewind to block 89, then index up to %d", head, head))
	testdb.RequireSameTables(t, ref, pool)

	// From block 0: the cursor is dropped and the chain indexed again from its start.
	r = replay("--from-block", "0", "--to-block", fmt.Sprint(head))
	require.Equal(t, 0, r.code, r.stderr)
	testdb.RequireSameTables(t, ref, pool)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from-block", fmt.Sprint(head + 5)}, fmt.Sprintf("--from-block %d is above the cursor (%d)", head+5, head)},
		{[]string{"--from-block", "10", "--to-block", "5"}, `invalid --to-block "5": is below --from-block 10`},
		{nil, "--from-block is required"},
	} {
		requireFailure(t, replay(tc.args...), tc.want)
	}
}

// TestStatus reads the cursor table as a read-only role with the RPC head, as a table and JSON.
func TestStatus(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 22, 15)
	pool, schema, dsn := testdb.NewWithSchema(t)
	f.index(t, ctx, pool, 0)
	head := f.chain.Head()

	// A login role with nothing but erc8004_reader, as analysts and replicas have.
	role := "t_reader_" + strings.TrimPrefix(schema, "t_")
	_, err := pool.Exec(ctx, `CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN IN ROLE erc8004_reader`)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DROP ROLE IF EXISTS `+pgx.Identifier{role}.Sanitize())
	})
	readerDSN := strings.Replace(dsn, "postgres://postgres@", "postgres://"+role+"@", 1)
	require.NotEqual(t, dsn, readerDSN)
	var before int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&before))

	r := runIndexer(t, nil, "status", "--database-url", readerDSN, "--schema", schema, "--rpc-url", f.chain.HTTPURL())
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2, r.stdout)
	require.Regexp(t, `^\s*CHAIN\s+ID\s+CURSOR\s+FINALIZED\s+HEAD\s+LAG\s+UPDATED\s+LOCKED$`, lines[0])
	require.Regexp(t, fmt.Sprintf(`^\s*1337\s+1337\s+%d\s+\d+\s+%d\s+0\s+\d+s ago\s+no$`, head, head), lines[1])

	// More blocks: the lag shows; JSON for scripts.
	gen := devchain.NewGenerator(f.chain, devchain.GenOptions{Seed: 22})
	for range 3 {
		require.NoError(t, gen.Step(ctx))
	}
	r = runIndexer(t, nil, "status", "--database-url", readerDSN, "--schema", schema, "--rpc-url", f.chain.HTTPURL(), "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rows []chainStatus
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows), r.stdout)
	require.Len(t, rows, 1)
	require.Equal(t, head, *rows[0].Cursor)
	require.Equal(t, f.chain.Head(), *rows[0].Head)
	require.EqualValues(t, 3, *rows[0].Lag)
	require.Equal(t, "no", rows[0].Locked)
	require.True(t, rows[0].Indexed)

	// A chain asked for that is not indexed; no RPC: no head.
	r = runIndexer(t, nil, "status", "--database-url", readerDSN, "--schema", schema, "--chain", "base", "--chain", "1337")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `(?m)^\s*base\s+8453\s+not indexed\s+-\s+-\s+-\s+-\s+no$`, r.stdout)
	require.Regexp(t, fmt.Sprintf(`(?m)^\s*1337\s+1337\s+%d\s+\d+\s+-\s+-\s+`, head), r.stdout)

	var after int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&after))
	require.Equal(t, before, after, "status migrates nothing")

	// An unmigrated schema: a clear error, and still nothing created.
	_, empty, emptyDSN := testdb.NewEmpty(t)
	r = runIndexer(t, nil, "status", "--database-url", emptyDSN, "--schema", empty)
	requireFailure(t, r, fmt.Sprintf("status: schema %s has no erc8004_cursors table: run 'indexer migrate'", empty))
	var exists bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, empty).Scan(&exists))
	require.False(t, exists)
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	for answer, want := range map[string]bool{"y\n": true, "YES\n": true, " yes \n": true, "n\n": false, "\n": false, "": false, "yep\n": false} {
		var out bytes.Buffer
		ok, err := confirm(context.Background(), strings.NewReader(answer), &out, "Go?")
		require.NoError(t, err)
		require.Equal(t, want, ok, "%q", answer)
		require.Equal(t, "Go? [y/N] ", out.String())
	}
	// Interrupted while waiting for an answer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	blocked, w := io.Pipe()
	defer w.Close()
	ok, err := confirm(ctx, blocked, &bytes.Buffer{}, "Go?")
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, ok)

	con := console{in: strings.NewReader("n\n"), out: &bytes.Buffer{}, terminal: true}
	_, err = con.proceed(context.Background(), confirmFlags{}, "Go?")
	require.EqualError(t, err, "not confirmed: nothing changed")
	con.in = strings.NewReader("y\n")
	ok, err = con.proceed(context.Background(), confirmFlags{}, "Go?")
	require.NoError(t, err)
	require.True(t, ok)
}

// TestStatus_StreamingReplica runs `indexer run` on a primary and `indexer status` on its
// streaming replica: the replica shows the replicated cursor (the lock column "-": the primary's
// locks are not visible there), while a rewind, which writes, is refused by the replica.
func TestStatus_StreamingReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := newDevFixture(t, ctx, 23, 20)
	primary := testpg.Start(t, testpg.Options{Settings: []string{"wal_level = replica", "max_wal_senders = 4"}})
	replica := primary.StartReplica(t)
	head := f.chain.Head()

	p := startRun(t, ctx, nil, append([]string{"--database-url", primary.URL("postgres"), "--http-addr", "127.0.0.1:0",
		"--from-block", "0"}, f.args...)...)
	pool := replica.Pool(t)
	waitFor(t, "the replica to see the head", time.Minute, func() bool {
		var n uint64
		err := pool.QueryRow(ctx, `SELECT block_number FROM erc8004_cursors WHERE chain_id = $1`, int64(f.spec.ChainID)).Scan(&n)
		return err == nil && n == head
	})

	r := runIndexer(t, nil, "status", "--database-url", primary.URL("postgres"), "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rows []chainStatus
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows), r.stdout)
	require.Equal(t, "yes", rows[0].Locked, "the running indexer holds the chain's lock")

	r = runIndexer(t, nil, "status", "--database-url", replica.URL("postgres"), "--rpc-url", f.chain.HTTPURL())
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, fmt.Sprintf(`(?m)^\s*1337\s+1337\s+%d\s+\d+\s+%d\s+0\s+\S+ ago\s+-$`, head, head), r.stdout)

	r = runIndexer(t, nil, "rewind", "--database-url", replica.URL("postgres"), "--chain", "1337", "--to-block", "5", "--yes")
	requireFailure(t, r, "rewind: the database is read-only (a replica, or read-only transactions): connect to the primary")

	// A replay up to the cursor while the indexer runs: it only rewinds, the running indexer
	// (which holds the chain's lock) indexes the range again.
	r = runIndexer(t, nil, append([]string{"replay", "--database-url", primary.URL("postgres"), "--from-block", "10",
		"--yes", "--log-level", "warn"}, f.args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "replay: rewound chain 1337 to block 9; a running indexer holds its lock and indexes it again from 10\n")
	primaryPool := primary.Pool(t)
	waitFor(t, "the running indexer to index the range again", time.Minute, func() bool {
		var n uint64
		err := primaryPool.QueryRow(ctx, `SELECT block_number FROM erc8004_cursors`).Scan(&n)
		return err == nil && n == head
	})

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-p.done)
}
