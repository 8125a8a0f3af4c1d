package daemon

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/lock"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestRunChain_LockLost ends the session that holds the chain's lock (what PostgreSQL does when
// the connection drops): RunChain stops indexing at once, counts the loss, takes the lock again
// and finishes the chain, which then equals a fresh index.
func TestRunChain_LockLost(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 41, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 41})
	for range 60 {
		require.NoError(t, gen.Step(ctx))
	}
	regs := c.Registries()
	pool, schema, _ := testdb.NewWithSchema(t)
	db := sink.NewPostgres(pool, log)
	m := metrics.New()
	spec := ChainSpec{Name: "dev", ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		UseFinalizedTag: true, FindStart: true, BackfillSpan: 1, PollInterval: 50 * time.Millisecond,
		Registries: regs,
		Metrics:    m.Chain("dev", c.ChainID())}

	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- RunChain(rctx, spec, db, log, RunOptions{Schema: schema, LockPoll: 50 * time.Millisecond})
	}()
	cursor := func() uint64 {
		cur, err := db.Cursor(ctx, spec.ChainID)
		if err != nil {
			return 0
		}
		return cur.Number
	}
	require.Eventually(t, func() bool { return cursor() > c.DeployBlock()+5 }, time.Minute, 10*time.Millisecond)

	classID, objID := lock.Split(lock.Key(schema, spec.ChainID))
	var pid int
	require.NoError(t, pool.QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1
		AND objid = $2 AND objsubid = 1 AND granted`, int64(classID), int64(objID)).Scan(&pid))
	_, err = pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid)
	require.NoError(t, err)

	require.Eventually(t, func() bool { return lockLosses(t, m) == 1 }, 10*time.Second, 10*time.Millisecond,
		"the loss is noticed")
	require.Eventually(t, func() bool { return spec.Metrics.State().Active }, 10*time.Second, 10*time.Millisecond,
		"the lock is taken again")
	head := c.Head()
	require.Eventually(t, func() bool { return cursor() == head }, time.Minute, 10*time.Millisecond)
	stop()
	require.True(t, errors.Is(<-done, context.Canceled))
	require.False(t, spec.Metrics.State().Active)

	ref := testdb.New(t)
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	spec.Metrics, spec.StartBlock = nil, 0
	ix := NewIndexer(spec, client, sink.NewPostgres(ref, log), log, nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, ref, pool)
}

func lockLosses(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() == metrics.LockLossesTotal {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}
