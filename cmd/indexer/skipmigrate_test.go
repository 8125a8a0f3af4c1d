package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRun_SkipMigrate: with --skip-migrate (or SKIP_MIGRATE) the indexer changes no schema: on a
// schema that lacks migrations it exits 1 saying to run 'indexer migrate' and creates nothing, and
// on a migrated schema it indexes as a role that has no DDL right at all.
func TestRun_SkipMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty, emptySchema, emptyDSN := testdb.NewEmpty(t)
	for _, tc := range []struct {
		env  []string
		args []string
	}{
		{args: []string{"--skip-migrate"}},
		{env: []string{"SKIP_MIGRATE=true"}},
	} {
		r := runIndexer(t, tc.env, append([]string{"dev", "--blocks", "2", "--database-url", emptyDSN, "--schema", emptySchema,
			"--log-level", "error", "--fetch-offchain=false"}, tc.args...)...)
		requireFailure(t, r, "lacks")
		require.Contains(t, r.stderr, "--skip-migrate is set: run 'indexer migrate' as the schema's owner first")
		var created bool
		require.NoError(t, empty.QueryRow(ctx, `SELECT to_regclass(quote_ident($1) || '.schema_migrations') IS NOT NULL`,
			emptySchema).Scan(&created))
		require.False(t, created, "no migration was applied")
	}

	_, schema, _ := testdb.NewWithSchema(t)
	suffix := make([]byte, 5)
	_, _ = rand.Read(suffix)
	role := "t_writer_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, testdb.URL())
	require.NoError(t, err)
	defer admin.Close(ctx)
	r, s := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize()
	_, err = admin.Exec(ctx, "CREATE ROLE "+r+" LOGIN NOCREATEROLE; GRANT USAGE ON SCHEMA "+s+" TO "+r+
		"; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "+s+" TO "+r+
		"; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "+s+" TO "+r)
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.URL())
		require.NoError(t, err)
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), "DROP OWNED BY "+r+"; DROP ROLE "+r)
		require.NoError(t, err)
	})
	u, err := url.Parse(testdb.URL())
	require.NoError(t, err)
	u.User = url.User(role)
	res := runIndexer(t, nil, "dev", "--blocks", "3", "--database-url", u.String(), "--schema", schema,
		"--log-level", "error", "--fetch-offchain=false", "--skip-migrate")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "mismatches=0")
}
