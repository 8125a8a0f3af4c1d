package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/httpserver"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRun_OneChainHalts runs two chains in one process, one of them configured with an endpoint
// of another chain (an error indexing cannot recover from): that chain halts, shown in the log,
// in erc8004_chain_halted and in /readyz, while the other one is indexed to its head. When every
// chain halts the process exits 1 with all the reasons on one line.
func TestRun_OneChainHalts(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := synthchain.New(synthchain.Config{ChainID: 80006, Blocks: 300, EventEvery: 3, Seed: 6, Finality: 10})
	require.NoError(t, err)
	srv, err := synthchain.Start(c, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	regs := synthchain.DefaultRegistries
	// config names the chains c0, c1, ... and points every one at the server of chain 80006.
	config := func(ids ...uint64) string {
		file := filepath.Join(t.TempDir(), "indexer.yaml")
		text := "database_url: ${TEST_DSN}\nchains:\n"
		for i, id := range ids {
			text += fmt.Sprintf("  - chain: %d\n    name: c%d\n    rpc_urls: [%s]\n    identity_registry: %s\n"+
				"    reputation_registry: %s\n    validation_registry: %s\n    start_block: 0\n",
				id, i, srv.URL(), regs.Identity.Hex(), regs.Reputation.Hex(), regs.Validation.Hex())
		}
		require.NoError(t, os.WriteFile(file, []byte(text), 0o600))
		return file
	}

	// One good chain (c0, 80006) and one whose endpoint serves 80006, not 80007 (c1).
	pool, schema, dsn := testdb.NewWithSchema(t)
	p := startRun(t, ctx, []string{"TEST_DSN=" + dsn}, "--config", config(80006, 80007), "--schema", schema, "--http-addr", "127.0.0.1:0")
	db := sink.NewPostgres(pool, zap.NewNop())
	waitFor(t, "chain 80006 at its head", time.Minute, func() bool {
		cur, err := db.Cursor(ctx, 80006)
		return err == nil && cur.Number == c.Head()
	})
	require.Equal(t, 1.0, p.metric("erc8004_chain_halted", `chain="c1",chain_id="80007"`))
	require.Equal(t, 0.0, p.metric("erc8004_chain_halted", `chain="c0",chain_id="80006"`))
	require.Equal(t, 1.0, p.metric("erc8004_indexer_active", `chain="c0",chain_id="80006"`))
	code, body, err := p.get("/readyz")
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, code, body)
	var r httpserver.Readiness
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	byName := map[string]httpserver.ChainStatus{}
	for _, cs := range r.Chains {
		byName[cs.Chain] = cs
	}
	require.True(t, byName["c0"].Ready, body)
	require.Equal(t, "halted", byName["c1"].Role, body)
	require.Contains(t, byName["c1"].Reason, "halted: chain c1: rpc endpoint "+srv.URL()+" serves chain id 80006, not 80007", body)
	require.Contains(t, p.Logs(), `"msg":"chain halted: indexing the other chains goes on; fix the cause and restart"`)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-p.done)

	// Every chain halts: exit 1, both reasons on one line.
	_, schema, dsn = testdb.NewWithSchema(t)
	res := runIndexer(t, []string{"TEST_DSN=" + dsn}, "run", "--config", config(80007, 80008), "--schema", schema,
		"--http-addr", "", "--log-level", "error")
	// The first halt is logged as it happens (at error level); the exit reason is the last line.
	require.Equal(t, 1, res.code, res.stderr)
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(last, "indexer: run: every chain halted: chain c"), res.stderr)
	require.Contains(t, last, "not 80007")
	require.Contains(t, last, "not 80008")
	require.NotContains(t, res.stderr, "goroutine ")
}
