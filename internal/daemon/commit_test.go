package daemon

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

func TestCommitOf(t *testing.T) {
	t.Parallel()
	got := commitOf(feed.Update{ChainID: 8453, From: 1, To: 100, Head: sink.Block{Number: 100}, Finalized: 110,
		Logs: []sink.Log{
			{Event: &erc8004.Registered{}},
			{Event: &erc8004.Transfer{}},
			{DecodeErr: erc8004.ErrUnknownEvent},
			{DecodeErr: fmt.Errorf("%w: NewFeedback: short data", erc8004.ErrMalformed)},
		},
		Stats: sink.Stats{Inserted: 9, Elapsed: 20 * time.Millisecond}})
	require.Equal(t, metrics.Commit{Elapsed: 20 * time.Millisecond, Rows: 9, Backfill: true, Indexed: 100,
		Finalized: 110, Events: []string{"Registered", "Transfer"}, Unknown: 1, Malformed: 1}, got)

	got = commitOf(feed.Update{ChainID: 8453, From: 96, To: 100, Finalized: 90, Reorg: &feed.Reorg{Fork: 95, OldHead: 100, Depth: 5}})
	require.Equal(t, metrics.Commit{Rollback: true, Depth: 5, Indexed: 95, Finalized: 90}, got)
}
