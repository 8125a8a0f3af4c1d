package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testpg"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// TestReadReplica indexes a dev chain into a primary of the test's own, streams it to a hot
// standby made with pg_basebackup -R, and reads the standby as an analyst: a LOGIN role whose
// only right is membership of erc8004_reader. Every table and both views must read the same as
// on the primary, every write must be refused (on the standby and, by privilege, on the
// primary too), and the standby's lag must be measurable by the analyst.
func TestReadReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))

	primary := testpg.Start(t, testpg.Options{})
	admin := primary.Pool(t)
	require.NoError(t, migrations.Up(ctx, admin, "public"))
	_, err := admin.Exec(ctx, `CREATE ROLE analyst LOGIN IN ROLE erc8004_reader`)
	require.NoError(t, err)

	c, err := devchain.New(ctx, devchain.Options{Seed: 31, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 31})
	regs := c.Registries()
	spec := daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: regs}
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(admin, log), log, nil)
	index := func(blocks int) {
		for range blocks {
			require.NoError(t, gen.Step(ctx))
		}
		for {
			progressed, err := ix.Step(ctx)
			require.NoError(t, err)
			if !progressed {
				return
			}
		}
	}
	index(60)

	replica := primary.StartReplica(t)
	index(30) // written after the base backup: reaches the standby by streaming only
	waitReplayed(t, ctx, admin, replica.Pool(t))

	// The analyst reads everything on the standby, and it is what the primary holds.
	analyst := replica.PoolAs(t, "analyst", "search_path=public")
	got, want := testdb.Snapshot(t, analyst), testdb.Snapshot(t, admin)
	require.Equal(t, want, got)
	require.NotEmpty(t, got["v_erc8004_agent_reputation"])
	require.NotEmpty(t, got["v_erc8004_agent_stats"])
	require.NotEmpty(t, got["erc8004_events"])

	// Writes are refused on the standby (read-only transactions) and, as a matter of privilege,
	// on the primary too.
	primaryAnalyst := primary.PoolAs(t, "analyst", "search_path=public")
	for _, q := range []string{
		`INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (1, 1, '0x01')`,
		`UPDATE erc8004_agents SET owner = '0x0'`,
		`DELETE FROM erc8004_events`,
		`TRUNCATE erc8004_reputation`,
		`CREATE TABLE analyst_scratch (x int)`,
		`DROP VIEW v_erc8004_agent_stats`,
	} {
		requireSQLState(t, ctx, analyst, q, "25006") // read_only_sql_transaction
		requireSQLState(t, ctx, primaryAnalyst, q, "42501")
	}

	// indexer status on the standby, as the analyst, with the chain's RPC for the lag. It is
	// read-only and cannot see the primary's locks.
	index(5) // the chain moves on and the primary follows; the standby replays it
	waitReplayed(t, ctx, admin, replica.Pool(t))
	require.NoError(t, gen.Step(ctx)) // a block the index has not seen: a lag of 1
	res := runIndexer(t, nil, "status", "--json", "--database-url", replica.URL("analyst"), "--rpc-url", c.HTTPURL())
	require.Zero(t, res.code, "status on the standby: %s", res.stderr)
	var rows []chainStatus // the JSON of `status --json`
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rows), res.stdout)
	require.Len(t, rows, 1)
	var primaryCursor uint64
	require.NoError(t, admin.QueryRow(ctx, `SELECT block_number FROM erc8004_cursors`).Scan(&primaryCursor))
	st := rows[0]
	require.Equal(t, c.ChainID(), st.ChainID)
	require.True(t, st.Indexed)
	require.Equal(t, primaryCursor, *st.Cursor, "the standby shows the primary's cursor")
	require.Equal(t, "-", st.Locked, "locks are not visible on a standby")
	require.Empty(t, st.RPCError)
	require.Equal(t, c.Head(), *st.Head)
	require.Equal(t, c.Head()-primaryCursor, *st.Lag)
	require.True(t, st.Replica)
	require.NotNil(t, st.ReplicaLagSeconds, "status reports the standby's replay lag")
	require.NotNil(t, st.ReplicaBehindBytes)
	require.GreaterOrEqual(t, *st.ReplicaLagSeconds, 0.0)
	require.Less(t, *st.ReplicaLagSeconds, 60.0, "the standby had replayed everything a moment ago")
	require.GreaterOrEqual(t, *st.ReplicaBehindBytes, int64(0))

	// The table output names the replica and its lag.
	res = runIndexer(t, nil, "status", "--database-url", replica.URL("analyst"))
	require.Zero(t, res.code, "status on the standby: %s", res.stderr)
	require.Regexp(t, `(?m)^replica: replay lag [0-9.]+m?s, [0-9]+ WAL bytes received but not replayed$`, res.stdout)

	// On the primary the replica fields are empty.
	res = runIndexer(t, nil, "status", "--json", "--database-url", primary.URL("analyst"))
	require.Zero(t, res.code, "status on the primary: %s", res.stderr)
	rows = nil
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rows), res.stdout)
	require.Len(t, rows, 1)
	require.False(t, rows[0].Replica)
	require.Nil(t, rows[0].ReplicaLagSeconds)
	require.NotContains(t, runIndexer(t, nil, "status", "--database-url", primary.URL("analyst")).stdout, "replica:")

	// The lag, as the analyst can see it on the standby, and as the primary reports it.
	var inRecovery bool
	var replayAge *time.Duration
	var behind int64
	require.NoError(t, analyst.QueryRow(ctx, `SELECT pg_is_in_recovery(), now() - pg_last_xact_replay_timestamp(),
		pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint`).Scan(&inRecovery, &replayAge, &behind))
	require.True(t, inRecovery)
	require.NotNil(t, replayAge, "the standby replayed a transaction")
	require.GreaterOrEqual(t, behind, int64(0))
	var state string
	var replayLag *time.Duration
	require.NoError(t, admin.QueryRow(ctx, `SELECT state, replay_lag FROM pg_stat_replication`).Scan(&state, &replayLag))
	require.Equal(t, "streaming", state)
	t.Logf("standby: last replayed transaction %s ago, %d WAL bytes received but not replayed; primary: %s, replay_lag %v",
		*replayAge, behind, state, replayLag)

	// The primary goes away: the standby's WAL receiver stops, and it is no longer "caught up"
	// (its receive position is frozen where streaming ended) but as far behind as its last
	// replayed transaction is old.
	primary.Stop(t, "fast")
	require.Eventually(t, func() bool {
		var receiving bool
		err := analyst.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL)`).Scan(&receiving)
		return err == nil && !receiving
	}, time.Minute, 50*time.Millisecond, "the standby's WAL receiver did not stop")
	time.Sleep(1100 * time.Millisecond)
	res = runIndexer(t, nil, "status", "--json", "--database-url", replica.URL("analyst"))
	require.Zero(t, res.code, "status on the orphaned standby: %s", res.stderr)
	rows = nil
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &rows), res.stdout)
	require.NotNil(t, rows[0].ReplicaLagSeconds)
	require.Greater(t, *rows[0].ReplicaLagSeconds, 1.0, "a standby that receives nothing is not caught up")
}

// waitReplayed waits until the standby has replayed everything the primary wrote so far.
func waitReplayed(t *testing.T, ctx context.Context, primary, standby *pgxpool.Pool) {
	t.Helper()
	var target string
	require.NoError(t, primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&target))
	require.Eventually(t, func() bool {
		var done bool
		err := standby.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target).Scan(&done)
		return err == nil && done
	}, time.Minute, 20*time.Millisecond, "the standby did not replay up to %s", target)
}

// requireSQLState runs q and requires it to fail with SQLSTATE code.
func requireSQLState(t *testing.T, ctx context.Context, pool *pgxpool.Pool, q, code string) {
	t.Helper()
	_, err := pool.Exec(ctx, q)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "%s: expected SQLSTATE %s, got %v", q, code, err)
	require.Equal(t, code, pgErr.Code, "%s: %s", q, pgErr.Message)
}
