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
// final tables must equal a fresh index and the contracts, chain by chain. A dev chain failure is
// simulated at fork 27, so the soak goes on with a new chain as it would if a dev chain failed.
// cmd/soak (make soak) runs the long one.
func TestRun_Short(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, testdb.New(t), testdb.New(t), Options{
		Forks:     50,
		MaxDepth:  64,
		DeepForks: 1,
		Seed:      3,
		// Two chains of 25 forks, and between them one whose second fork fails.
		SegmentForks: 25,
		failFork:     27,
		Log:          zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel)),
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
	// Segments end by fork count only: forks 1-25, then 26 and the failing 27, then 27-50.
	require.Equal(t, 3, rep.Segments)
	require.Len(t, rep.ChainFailures, 1)
	require.Contains(t, rep.ChainFailures[0], "fork 27: dev chain: simulated sealing failure")
	require.Less(t, rep.UnverifiedForks, 27)
}
