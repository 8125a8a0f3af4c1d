package testdb

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/dbcompare"
)

// Snapshot returns every table and view of the schema contract, as ordered JSON rows, read with
// dbcompare's queries (which leave out what legitimately differs between two indexes).
func Snapshot(t testing.TB, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	out, err := dbcompare.Snapshot(context.Background(), pool)
	require.NoError(t, err)
	return out
}

// RequireSameTables fails the test when two schemas' tables differ, naming the first differing row.
func RequireSameTables(t testing.TB, want, got *pgxpool.Pool) {
	t.Helper()
	a, b := Snapshot(t, want), Snapshot(t, got)
	for _, table := range dbcompare.Tables() {
		require.Equal(t, len(a[table]), len(b[table]), "row count of %s", table)
		for i := range a[table] {
			require.Equal(t, a[table][i], b[table][i], "%s row %d", table, i)
		}
	}
}
