package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestDev_WhereToLook runs a short dev run with Valkey and the HTTP server, as a newcomer would,
// and requires the start banner to name each place to look, with a query that works.
func TestDev_WhereToLook(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pool, schema, dsn := testdb.NewWithSchema(t)
	_, prefix := testvalkey.New(t)
	r := runIndexer(t, nil, "dev", "--blocks", "6", "--seed", "5", "--database-url", dsn, "--schema", schema,
		"--valkey-url", testvalkey.URL(), "--key-prefix", prefix, "--http-addr", "127.0.0.1:0", "--log-level", "error",
		"--fetch-offchain=false")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `(?m)^  JSON-RPC  http://127\.0\.0\.1:\d+  \(ws://127\.0\.0\.1:\d+\)$`, r.stdout)
	require.Contains(t, r.stdout, "  tables    psql '")
	require.Contains(t, r.stdout, "SET search_path = "+schema+"; "+devQuery)
	require.Contains(t, r.stdout, fmt.Sprintf("HGETALL %s1337:head", prefix))
	require.Regexp(t, `(?m)^  metrics   http://127\.0\.0\.1:\d+/metrics   health http://127\.0\.0\.1:\d+/readyz$`, r.stdout)
	require.Regexp(t, `(?m)^dev: blocks=\d+ events=\d+ reorgs=0 mismatches=0$`, r.stdout)

	rows, err := pool.Query(ctx, devQuery)
	require.NoError(t, err, "the printed query runs")
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Err())
	require.Positive(t, n, "the dev run registered agents")
}
