package migrations_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// contract lists, per table and view, the columns DESIGN.md's schema contract names. Readers
// depend on them: a migration may add columns but must keep these.
var contract = map[string][]string{
	"erc8004_events": {"chain_id", "block_number", "block_hash", "tx_hash", "log_index", "address",
		"event", "args", "topics", "data", "decode_error"},
	"erc8004_agents": {"chain_id", "agent_id", "registry", "owner", "agent_uri", "agent_wallet",
		"approved", "created_block", "created_tx", "created_at", "updated_block", "updated_tx", "updated_at"},
	"erc8004_agent_metadata": {"chain_id", "agent_id", "key", "value", "block_number", "tx_hash", "log_index"},
	"erc8004_reputation": {"chain_id", "agent_id", "client_address", "feedback_index", "value",
		"value_decimals", "tag1", "tag2", "endpoint", "feedback_uri", "feedback_hash", "is_revoked",
		"revoked_block", "block_number", "tx_hash", "log_index"},
	"erc8004_feedback_responses": {"chain_id", "agent_id", "client_address", "feedback_index",
		"responder", "response_uri", "response_hash", "block_number", "tx_hash", "log_index"},
	"erc8004_validations": {"chain_id", "request_hash", "validator_address", "agent_id", "request_uri",
		"response", "response_uri", "response_hash", "tag", "block_number", "tx_hash", "log_index"},
	"erc8004_validation_responses": {"chain_id", "request_hash", "validator_address", "agent_id",
		"response", "response_uri", "response_hash", "tag", "block_number", "tx_hash", "log_index"},
	"erc8004_agent_payments": {"chain_id", "agent_id", "block_number", "tx_hash", "log_index"},
	"erc8004_blocks":         {"chain_id", "block_number", "block_hash", "parent_hash", "block_time"},
	"erc8004_cursors":        {"chain_id", "block_number", "block_hash", "finalized_block", "updated_at"},
	"v_erc8004_agent_reputation": {"chain_id", "agent_id", "feedback_count", "revoked_count",
		"unique_clients", "summary_value", "summary_decimals", "response_count",
		"last_feedback_block", "last_feedback_at"},
	"v_erc8004_agent_stats": {"chain_id", "agent_id", "owner", "agent_uri", "agent_wallet",
		"feedback_count", "summary_value", "summary_decimals", "validation_count", "responded_count",
		"avg_response", "metadata_key_count", "payment_count", "payers", "payments_by_token", "last_payment_block",
		"last_payment_at", "verified_payment_count"},
	"v_erc8004_feedback_payments": {"chain_id", "block_number", "log_index", "agent_id", "client_address",
		"feedback_index", "payment_tx_hash", "payment_verified"},
	"v_erc8004_payment_totals": {"chain_id", "token", "symbol", "decimals", "transfers", "agents", "payers",
		"amount_raw", "amount"},
	"erc8004_agent_registrations": {"chain_id", "agent_id", "uri", "status", "name", "description", "image",
		"services", "x402_support", "active", "supported_trust", "document", "content_hash", "errors",
		"warnings", "fetched_at", "attempts", "next_fetch_at"},
	"erc8004_agent_registration_documents": {"chain_id", "agent_id", "content_hash", "document"},
	"erc8004_feedback_files": {"chain_id", "block_number", "log_index", "uri", "status", "hash_ok",
		"document", "proof_of_payment", "tag1", "tag2", "endpoint", "text", "fetched_at"},
	"v_erc8004_agent_profiles": {"chain_id", "agent_id", "status", "name", "image", "x402_support", "active",
		"verified_domains", "endpoint_domains"},
	"erc8004_agent_endpoint_domains": {"chain_id", "agent_id", "domain", "status", "well_known_url", "errors",
		"checked_at", "next_fetch_at"},
}

// column is one row of information_schema.columns, the unit of the schema snapshot.
type column struct {
	Table     string
	Column    string
	Type      string
	Precision *int32
	Scale     *int32
	Nullable  string
}

// snapshot describes everything a migration run could change in schema: columns with their
// types, routines, indexes and the recorded versions (with their application times).
type snapshot struct {
	Columns  []column
	Routines []string
	Indexes  []string
	Applied  []string
}

func takeSnapshotIn(t *testing.T, pool *pgxpool.Pool, schema string) snapshot {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
		SELECT table_name, column_name, data_type, numeric_precision, numeric_scale, is_nullable
		FROM information_schema.columns WHERE table_schema = $1
		ORDER BY table_name, ordinal_position`, schema)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[column])
	require.NoError(t, err)

	strs := func(q string) []string {
		rows, err := pool.Query(ctx, q, schema)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}
	return snapshot{
		Columns:  cols,
		Routines: strs(`SELECT routine_name FROM information_schema.routines WHERE routine_schema = $1 ORDER BY 1`),
		Indexes:  strs(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`),
		Applied: strs(`SELECT version || ' ' || name || ' ' || applied_at::text
			FROM ` + pgx.Identifier{schema, "schema_migrations"}.Sanitize() + `
			WHERE $1::text IS NOT NULL ORDER BY version`),
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	vs := migrations.Versions()
	require.GreaterOrEqual(t, len(vs), 2)
	// Versions ascend from 1 without duplicates. They need not be contiguous: numbers are handed
	// out to parallel work ahead of time, so 0006 may land before 0004, and Apply applies every
	// version a schema has not recorded, wherever it falls.
	require.Equal(t, 1, vs[0].Version)
	for i, m := range vs {
		if i > 0 {
			require.Greater(t, m.Version, vs[i-1].Version, "versions ascend")
		}
		require.NotEmpty(t, m.Name)
		require.NotEmpty(t, m.SQL)
	}
	require.Equal(t, "init", vs[0].Name)

	vs[0].Name = "changed"
	require.Equal(t, "init", migrations.Versions()[0].Name, "Versions returns a copy")
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ms, err := migrations.Load(fstest.MapFS{
		"0002_b.up.sql": {Data: []byte("select 2")},
		"0001_a.up.sql": {Data: []byte("select 1")},
	})
	require.NoError(t, err)
	require.Equal(t, []migrations.Migration{{1, "a", "select 1"}, {2, "b", "select 2"}}, ms)

	for name, fsys := range map[string]fstest.MapFS{
		"BadName":   {"0001_a.sql": {}},
		"DownFile":  {"0001_a.down.sql": {}},
		"Duplicate": {"0001_a.up.sql": {}, "0001_b.up.sql": {}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := migrations.Load(fsys)
			require.Error(t, err)
		})
	}
}

func TestUp(t *testing.T) {
	t.Parallel()

	t.Run("AppliesAllThenNoOp", func(t *testing.T) {
		t.Parallel()
		pool, schema, _ := testdb.NewEmpty(t)
		ctx := context.Background()

		applied, err := migrations.Apply(ctx, pool, schema)
		require.NoError(t, err)
		require.Equal(t, migrations.Versions(), applied)
		before := takeSnapshotIn(t, pool, schema)
		require.Len(t, before.Applied, len(migrations.Versions()))

		applied, err = migrations.Apply(ctx, pool, schema)
		require.NoError(t, err)
		require.Empty(t, applied)
		require.NoError(t, migrations.Up(ctx, pool, schema))
		require.Equal(t, before, takeSnapshotIn(t, pool, schema))
	})

	t.Run("SchemaContract", func(t *testing.T) {
		t.Parallel()
		pool, schema, _ := testdb.NewWithSchema(t)
		snap := takeSnapshotIn(t, pool, schema)

		have := map[string]map[string]column{}
		for _, c := range snap.Columns {
			if have[c.Table] == nil {
				have[c.Table] = map[string]column{}
			}
			have[c.Table][c.Column] = c
		}
		for table, cols := range contract {
			require.Contains(t, have, table, "table or view %s", table)
			for _, c := range cols {
				require.Contains(t, have[table], c, "%s.%s", table, c)
			}
		}
		// Types the contract fixes, wherever the column appears.
		for table, cols := range have {
			// The migrator's bookkeeping and the read API's keys are not chain data.
			if table == "schema_migrations" || table == "erc8004_api_keys" {
				continue
			}
			require.Equal(t, "bigint", cols["chain_id"].Type, "%s.chain_id", table)
			if c, ok := cols["agent_id"]; ok {
				require.Equal(t, "numeric", c.Type, "%s.agent_id", table)
				require.EqualValues(t, 78, *c.Precision, "%s.agent_id", table)
				require.EqualValues(t, 0, *c.Scale, "%s.agent_id", table)
			}
		}
		rep := have["erc8004_reputation"]
		require.EqualValues(t, 39, *rep["value"].Precision)
		require.EqualValues(t, 0, *rep["value"].Scale)
		require.Equal(t, "smallint", rep["value_decimals"].Type)
	})

	t.Run("ConcurrentSameSchema", func(t *testing.T) {
		t.Parallel()
		pool, schema, _ := testdb.NewEmpty(t)
		var g errgroup.Group
		counts := make([]int, 4)
		for i := range counts {
			g.Go(func() error {
				applied, err := migrations.Apply(context.Background(), pool, schema)
				counts[i] = len(applied)
				return err
			})
		}
		require.NoError(t, g.Wait())
		sort.Ints(counts)
		require.Equal(t, []int{0, 0, 0, len(migrations.Versions())}, counts, "exactly one caller applies")
		require.Len(t, takeSnapshotIn(t, pool, schema).Applied, len(migrations.Versions()))
	})

	t.Run("ConcurrentSchemas", func(t *testing.T) {
		// Migrations into different schemas do not share the lock and race on the cluster-wide
		// reader role; all of them must succeed.
		t.Parallel()
		var g errgroup.Group
		for range 4 {
			pool, schema, _ := testdb.NewEmpty(t)
			g.Go(func() error { return migrations.Up(context.Background(), pool, schema) })
		}
		require.NoError(t, g.Wait())
	})

	t.Run("FailedMigrationLeavesNoTrace", func(t *testing.T) {
		t.Parallel()
		pool, schema, _ := testdb.NewEmpty(t)
		ctx := context.Background()
		ms := []migrations.Migration{
			{Version: 1, Name: "good", SQL: "CREATE TABLE a (x int)"},
			{Version: 2, Name: "bad", SQL: "CREATE TABLE b (x int); SELECT no_such_column FROM a"},
			{Version: 3, Name: "after", SQL: "CREATE TABLE c (x int)"},
		}
		applied, err := migrations.ApplyList(ctx, pool, schema, ms)
		require.ErrorContains(t, err, "0002_bad")
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "the PostgreSQL error is wrapped: %v", err)
		require.Equal(t, ms[:1], applied)

		var tables []string
		rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = $1 ORDER BY 1`, schema)
		require.NoError(t, err)
		tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Equal(t, []string{"a", "schema_migrations"}, tables)

		// Fixed, the list resumes where it stopped.
		ms[1].SQL = "CREATE TABLE b (x int)"
		applied, err = migrations.ApplyList(ctx, pool, schema, ms)
		require.NoError(t, err)
		require.Equal(t, ms[1:], applied)
	})

	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		pool, schema, _ := testdb.NewEmpty(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, migrations.Up(ctx, pool, schema), context.Canceled)
	})

	t.Run("EmptySchemaName", func(t *testing.T) {
		t.Parallel()
		pool, _, _ := testdb.NewEmpty(t)
		require.Error(t, migrations.Up(context.Background(), pool, ""))
	})
}

func TestReaderRole(t *testing.T) {
	t.Parallel()
	pool, schema, _ := testdb.NewWithSchema(t)
	ctx := context.Background()

	for table := range contract {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, asReader(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, "SELECT * FROM "+pgx.Identifier{schema, table}.Sanitize()+" LIMIT 1")
				return err
			}))
		})
	}
	t.Run("CannotWrite", func(t *testing.T) {
		t.Parallel()
		for _, q := range []string{
			"INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (1, 1, '0x')",
			"DELETE FROM erc8004_events",
			"UPDATE erc8004_agents SET owner = ''",
			"CREATE TABLE reader_table (x int)",
		} {
			err := asReader(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, q)
				return err
			})
			var pgErr *pgconn.PgError
			require.True(t, errors.As(err, &pgErr), "%s: %v", q, err)
			require.Equal(t, "42501", pgErr.Code, "%s: insufficient_privilege", q)
		}
	})
}

// asReader runs f in a transaction as the erc8004_reader role, then rolls back.
func asReader(ctx context.Context, pool *pgxpool.Pool, f func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rollback of a finished test transaction
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE erc8004_reader"); err != nil {
		return err
	}
	return f(tx)
}

// TestEventLookupsUseIndexes requires the analysts' lookups of erc8004_events (by transaction,
// by agent, by event name) to be index scans on the migrated schema, whatever the index type.
func TestEventLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	for q, index := range map[string]string{
		`SELECT * FROM erc8004_events WHERE tx_hash = '0x01'`:                                             "erc8004_events_tx_idx",
		`SELECT * FROM erc8004_events WHERE chain_id = 1 AND registry = 'identity' AND agent_id = 7`:      "erc8004_events_agent_idx",
		`SELECT * FROM erc8004_events WHERE chain_id = 1 AND event = 'NewFeedback' AND block_number > 10`: "erc8004_events_event_idx",
	} {
		var plan strings.Builder
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, "EXPLAIN "+q)
			if err != nil {
				return err
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			plan.WriteString(strings.Join(lines, "\n"))
			return err
		})
		require.NoError(t, err)
		require.Contains(t, plan.String(), index, "%s:\n%s", q, plan.String())
	}
}
