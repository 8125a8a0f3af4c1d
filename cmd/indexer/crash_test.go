package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// TestRun_SIGKILLDuringBackfill kills `indexer run` with SIGKILL at 20 random moments of a
// backfill, restarting it each time, and requires the final tables to equal those of an
// uninterrupted index of the same chain.
func TestRun_SIGKILLDuringBackfill(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 5, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 5})
	for range 600 {
		require.NoError(t, gen.Step(ctx))
	}
	head := c.Head()
	regs := c.Registries()

	pool, schema, dsn := testdb.NewWithSchema(t)
	args := []string{"run", "--database-url", dsn, "--schema", schema, "--rpc-url", c.HTTPURL(),
		"--chain-id", fmt.Sprint(c.ChainID()), "--identity-registry", regs.Identity.Hex(),
		"--reputation-registry", regs.Reputation.Hex(), "--validation-registry", regs.Validation.Hex(),
		"--from-block", "0", "--backfill-span", "2", "--log-level", "error"}
	db := sink.NewPostgres(pool, log)
	cursor := func() uint64 {
		cur, err := db.Cursor(ctx, c.ChainID())
		if err != nil {
			return 0
		}
		return cur.Number
	}

	rng := rand.New(rand.NewPCG(5, 8004))
	kills, midway := 0, 0
	for kills < 20 {
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Env = cleanEnv()
		before := cursor()
		require.NoError(t, cmd.Start())
		// Kill at a random moment after the process has committed at least one batch, so that
		// every kill lands in a running backfill however fast the machine is.
		deadline := time.Now().Add(time.Minute)
		for cursor() == before && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		kills++
		if n := cursor(); n > 0 && n < head {
			midway++
		}
	}
	t.Logf("kills=%d (mid-backfill: %d), cursor after the kills: %d of %d", kills, midway, cursor(), head)
	require.GreaterOrEqual(t, midway, 15, "most kills must land during the backfill")

	// The last run finishes the backfill and is stopped cleanly once it has committed (its signal
	// handler is installed by then).
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv()
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(3 * time.Minute)
	for cursor() < head && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "a SIGTERM is a clean exit")
	require.Equal(t, head, cursor())

	// An uninterrupted index of the same chain.
	spec := daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: regs}
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	ref := testdb.New(t)
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(ref, log), log, nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, ref, pool)
	rep, err := verify.New(pool, client, spec.ChainID, spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
}
