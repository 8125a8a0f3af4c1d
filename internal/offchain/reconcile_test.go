package offchain

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestWorker_Incremental: between full reconciles the worker looks only above each chain's mark;
// a rollback below the mark makes the next reconcile a full one.
func TestWorker_Incremental(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	s := store{pool: pool}
	putAgent(t, pool, 1, regDoc("a1"))
	c, marks, err := s.reconcile(ctx, nil, false)
	require.NoError(t, err)
	require.EqualValues(t, 1, c.RegsAdded, "no mark yet: a full reconcile")
	require.Equal(t, map[int64]mark{1: {block: 100, hash: "0x64"}}, marks)

	// A row the index committed at or below the mark without a rollback (which never happens)
	// is not looked at: the incremental pass reads only above the mark.
	_, err = pool.Exec(ctx, `INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block,
		created_tx, created_log_index, updated_block, updated_tx, updated_log_index)
		VALUES (1, $1, 2, '0xaa', 'x', 100, '0x01', 0, 100, '0x01', 0)`, testRegistry)
	require.NoError(t, err)
	c, marks, err = s.reconcile(ctx, marks, false)
	require.NoError(t, err)
	require.Equal(t, reconcileCounts{}, c)

	// Above the mark: a new agent and a changed URI.
	putAgent(t, pool, 3, regDoc("a3"))
	putAgent(t, pool, 1, regDoc("a1bis"))
	c, marks, err = s.reconcile(ctx, marks, false)
	require.NoError(t, err)
	require.Equal(t, reconcileCounts{RegsAdded: 1, RegsChanged: 1}, c)
	require.EqualValues(t, 102, marks[1].block)

	// A rollback below the mark: the next reconcile is a full one (it finds agent 2, and removes
	// agent 3, which the rollback took away).
	rollback(t, pool, `DELETE FROM erc8004_agents WHERE agent_id = 3`)
	c, marks, err = s.reconcile(ctx, marks, false)
	require.NoError(t, err)
	require.Equal(t, reconcileCounts{RegsAdded: 1, RegsRemoved: 1}, c)

	// Another block at the mark's height (a reorg of the same length) is a rollback too.
	_, err = pool.Exec(ctx, `UPDATE erc8004_cursors SET block_hash = '0xother' WHERE chain_id = 1`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DELETE FROM erc8004_agents WHERE agent_id = 2`)
	require.NoError(t, err)
	c, _, err = s.reconcile(ctx, marks, false)
	require.NoError(t, err)
	require.Equal(t, reconcileCounts{RegsRemoved: 1}, c)
}

func TestNeedsFull(t *testing.T) {
	t.Parallel()
	marks := map[int64]mark{1: {block: 10, hash: "0xa"}}
	for _, tc := range []struct {
		name string
		c    cursorState
		want bool
	}{
		{"new chain", cursorState{chainID: 2, cur: mark{5, "0x5"}}, true},
		{"unchanged", cursorState{chainID: 1, cur: mark{10, "0xa"}}, false},
		{"same height, other block", cursorState{chainID: 1, cur: mark{10, "0xb"}}, true},
		{"went back", cursorState{chainID: 1, cur: mark{9, "0x9"}}, true},
		{"ahead, same header at the mark", cursorState{chainID: 1, cur: mark{12, "0xc"}, hashAt: "0xa"}, false},
		{"ahead, other header at the mark", cursorState{chainID: 1, cur: mark{12, "0xc"}, hashAt: "0xb"}, true},
		{"ahead, mark finalized and pruned", cursorState{chainID: 1, cur: mark{12, "0xc"}, finalized: 10}, false},
		{"ahead, unfinalized header gone", cursorState{chainID: 1, cur: mark{12, "0xc"}, finalized: 9}, true},
	} {
		require.Equal(t, tc.want, needsFull(tc.c, marks), tc.name)
	}
}

// TestWorker_Observe: every attempt is reported with its kind of file and status, and every poll
// the depth of the queues.
func TestWorker_Observe(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	putAgent(t, pool, 1, regDoc("a"))
	putAgent(t, pool, 2, "tinybanana")
	putFeedback(t, pool, 200, 1, `{"agentId":1,"value":1}`, "0x"+strings.Repeat("0", 64))
	// Before any worker: every row is due, the oldest for an hour.
	s := store{pool: pool}
	_, _, err := s.reconcile(context.Background(), nil, true)
	require.NoError(t, err)
	_, err = pool.Exec(context.Background(), `UPDATE erc8004_agent_registrations SET next_fetch_at = now() - interval '1 hour'
		WHERE agent_id = 1`)
	require.NoError(t, err)
	due, lag, err := s.queue(context.Background(), FileRegistration)
	require.NoError(t, err)
	require.EqualValues(t, 2, due)
	require.Greater(t, lag, 59*time.Minute)

	var mu sync.Mutex
	seen := map[string]int{}
	queues := map[string]int64{}
	startWorker(t, pool, testResolver(t, nil), WorkerConfig{
		Observe: func(file string, d time.Duration, s Status) {
			mu.Lock()
			defer mu.Unlock()
			seen[file+" "+string(s)]++
		},
		Backlog: func(file string, due int64, lag time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			queues[file] = due
		},
	})
	want := map[string]int{"registration ok": 1, "registration unsupported": 1, "feedback ok": 1}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprint(seen) == fmt.Sprint(want) && len(queues) == 3 && queues[FileRegistration] == 0 && queues[FileFeedback] == 0 && queues[FileDomain] == 0
	}, 10*time.Second, 20*time.Millisecond)

}
