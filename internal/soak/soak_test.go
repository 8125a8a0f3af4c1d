package soak

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRun_Short is the soak in small: 50 forks of depth 1-64 while the indexer follows, one fork
// deeper than the finality depth that must halt it without touching the database, then the
// final tables must equal a fresh index and the contracts. A dev chain failure is simulated at
// fork 30, so the soak compares that chain and continues on a second one, as it does when the
// simulated beacon fails. `indexer soak` runs the long one.
func TestRun_Short(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, testdb.New(t), testdb.New(t), Options{
		Forks:     50,
		MaxDepth:  64,
		DeepForks: 1,
		Seed:      3,
		failFork:  30, // the soak goes on with a second chain from fork 30
		Log:       zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel)),
	})
	t.Log(rep.String())
	require.NoError(t, err)
	for _, d := range rep.Differences {
		t.Error(d)
	}
	require.Empty(t, rep.Mismatches)
	require.True(t, rep.OK())
	require.Equal(t, 50, rep.Forks)
	require.Equal(t, 1, rep.DeepHalts)
	require.Greater(t, rep.Rollbacks, 25, "most forks replaced indexed blocks")
	require.Greater(t, rep.MaxRollback, uint64(64), "the deep reorg was rolled back once allowed")
	require.Greater(t, rep.Checks, 500)
	require.GreaterOrEqual(t, rep.Segments, 2)
	require.Contains(t, rep.ChainFailures[0], "segment 1, fork 30: dev chain: simulated sealing failure")
	require.LessOrEqual(t, len(rep.ChainFailures), 2, "the dev chain failed more than once of its own: %v", rep.ChainFailures)
}
