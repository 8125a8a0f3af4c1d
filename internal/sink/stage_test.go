package sink_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestPostgres_StagedPipeline stages every batch while the two before it are still open (as
// the backfill does, one connection each) and commits them in order: the tables must equal a
// sequential Replace of the same batches, and no Stage may wait for an open batch (the test's
// deadline would expire). A batch whose predecessor is abandoned must be refused at Commit,
// leaving nothing, and a range with rows stored at or above its start takes the full path.
func TestPostgres_StagedPipeline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := synthchain.New(synthchain.Config{Blocks: 300 * 24 / 8, EventsPerBlock: 8, EventEvery: 1, Seed: 9})
	require.NoError(t, err)
	batches := synthBatches(t, c, 60)
	for i := 1; i < len(batches); i++ {
		batches[i].Expect = batches[i-1].Cursor
		batches[i].Finalized = batches[i-1].To
		batches[i].PruneFrom, batches[i].PruneBelow = batches[i-1].Finalized, batches[i].From
	}
	require.Greater(t, len(batches), 10)

	sequential := testdb.New(t)
	seq := sink.NewPostgres(sequential, zap.NewNop())
	for _, b := range batches {
		_, err := seq.Replace(ctx, b)
		require.NoError(t, err)
	}

	pipelined := testdb.New(t)
	db := sink.NewPostgres(pipelined, zap.NewNop())
	// The first batch names no cursor to build on: it is not staged, Replace takes the cursor
	// lock before anything else.
	s, err := db.Stage(ctx, batches[0], nil)
	require.NoError(t, err)
	require.Nil(t, s)
	st, err := db.Replace(ctx, batches[0])
	require.NoError(t, err)
	inserted := st.Inserted
	var open []*sink.Staged
	for _, b := range batches[1:] {
		s, err := db.Stage(ctx, b, nil)
		require.NoError(t, err)
		require.NotNil(t, s, "blocks %d-%d are above everything stored", b.From, b.To)
		open = append(open, s)
		if len(open) == 3 {
			st, err := open[0].Commit(ctx)
			require.NoError(t, err)
			inserted += st.Inserted
			open = open[1:]
		}
	}
	for _, s := range open {
		st, err := s.Commit(ctx)
		require.NoError(t, err)
		inserted += st.Inserted
	}
	testdb.RequireSameTables(t, sequential, pipelined)
	var events int64
	require.NoError(t, pipelined.QueryRow(ctx, `SELECT count(*) FROM erc8004_events`).Scan(&events))
	require.Greater(t, inserted, events, "Inserted counts the projection rows too")

	// Stored rows at or above the start (a replay of the last range on top of its own cursor):
	// staged without copying anything, committed through the full path, tables unchanged.
	last := *batches[len(batches)-1]
	last.Expect = last.Cursor
	s, err = db.Stage(ctx, &last, nil)
	require.NoError(t, err)
	require.NotNil(t, s)
	st, err = s.Commit(ctx)
	require.NoError(t, err)
	require.Positive(t, st.Deleted, "the full path")
	testdb.RequireSameTables(t, sequential, pipelined)

	// The predecessor is abandoned: its successor, staged meanwhile, is refused and leaves
	// nothing; the chain is as it was after the last committed batch.
	partial := testdb.New(t)
	db = sink.NewPostgres(partial, zap.NewNop())
	k := len(batches) / 2
	for _, b := range batches[:k] {
		_, err := db.Replace(ctx, b)
		require.NoError(t, err)
	}
	before := testdb.Snapshot(t, partial)
	abandoned, err := db.Stage(ctx, batches[k], nil)
	require.NoError(t, err)
	next, err := db.Stage(ctx, batches[k+1], nil)
	require.NoError(t, err)
	abandoned.Abort(ctx)
	_, err = next.Commit(ctx)
	require.ErrorIs(t, err, sink.ErrCursorMoved)
	_, err = next.Commit(ctx)
	require.Error(t, err, "a staged batch commits once")
	require.Equal(t, before, testdb.Snapshot(t, partial))
}
