package publish_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devmode"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestPublisher_DevWithForks runs the dev chain for 150 blocks with a fork every 25 while the
// indexer follows it and publishes to Valkey. A subscriber that subscribed before the run must
// receive, in commit order, exactly one message per event of every committed update (events
// that a later reorg retracted included: they were committed, hence published) and one per
// rollback; replaying that stream with the reconciliation rule of docs/valkey.md must give exactly the
// events PostgreSQL holds; and the head, every agent hash and the leaderboard must equal
// PostgreSQL. Then Valkey is damaged by hand and a resync must repair it.
func TestPublisher_DevWithForks(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	chainID := uint64(devchain.ChainID)
	keys := publish.KeysFor(prefix, chainID)

	sub := rdb.Subscribe(ctx, keys.Events(), keys.Reorgs())
	defer sub.Close()
	for range 2 { // both subscriptions are confirmed before the run starts
		m, err := sub.Receive(ctx)
		require.NoError(t, err)
		require.IsType(t, &redis.Subscription{}, m)
	}
	received := make(chan []*redis.Message, 1)
	go func() {
		var msgs []*redis.Message
		for m := range sub.Channel(redis.WithChannelSize(100_000)) {
			if m.Payload == "end of test" {
				break
			}
			msgs = append(msgs, m)
		}
		received <- msgs
	}()

	var (
		mu       sync.Mutex
		expected []string // one line per message the subscriber must get, in order
		events   int
		reorgs   int
	)
	const ttl = 10 * time.Minute
	sum, err := devmode.Run(ctx, pool, log, devmode.Options{
		Blocks:     150,
		ReorgEvery: 25,
		Seed:       11,
		Valkey:     rdb.Options(),
		Publish:    publish.Options{Prefix: prefix, TTL: ttl},
		Notify: func(u feed.Update) {
			mu.Lock()
			defer mu.Unlock()
			if u.Reorg != nil {
				expected = append(expected, fmt.Sprintf("reorg fork=%d old=%d depth=%d", u.Reorg.Fork, u.Reorg.OldHead, u.Reorg.Depth))
				reorgs++
			}
			for _, l := range u.Logs {
				name := ""
				if l.Event != nil {
					name = l.Event.Name()
				}
				expected = append(expected, fmt.Sprintf("event %d %s %d %s %s", l.Raw.BlockNumber, l.Raw.BlockHash.Hex(),
					l.Raw.Index, l.Raw.TxHash.Hex(), name))
				events++
			}
		},
	})
	require.NoError(t, err)
	require.Empty(t, sum.Report.Mismatches)
	require.Positive(t, sum.Reorgs, "the run must roll back at least once")

	// Dev returned after the publisher caught up, so every message was published before this one.
	require.NoError(t, rdb.Publish(ctx, keys.Events(), "end of test").Err())
	var msgs []*redis.Message
	select {
	case msgs = <-received:
	case <-ctx.Done():
		t.Fatal("the subscriber did not get the end marker")
	}

	var got []string
	live := map[[2]uint64]publish.EventMessage{} // the consumer's view: (block, log index) -> event
	for _, m := range msgs {
		switch m.Channel {
		case keys.Reorgs():
			var r publish.ReorgMessage
			require.NoError(t, json.Unmarshal([]byte(m.Payload), &r))
			require.Equal(t, chainID, r.ChainID)
			require.Equal(t, uint64(r.ForkBlock+1), r.FromBlock)
			require.Equal(t, r.OldHead, r.ToBlock)
			got = append(got, fmt.Sprintf("reorg fork=%d old=%d depth=%d", r.ForkBlock, r.OldHead, r.Depth))
			// Reconciliation (docs/valkey.md): drop every event above the fork block.
			maps.DeleteFunc(live, func(k [2]uint64, _ publish.EventMessage) bool { return k[0] > uint64(r.ForkBlock) })
		case keys.Events():
			var e publish.EventMessage
			require.NoError(t, json.Unmarshal([]byte(m.Payload), &e))
			require.Equal(t, chainID, e.ChainID)
			got = append(got, fmt.Sprintf("event %d %s %d %s %s", e.Block, e.BlockHash, e.LogIndex, e.Tx, e.Event))
			live[[2]uint64{e.Block, uint64(e.LogIndex)}] = e
		default:
			t.Fatalf("message on unexpected channel %s", m.Channel)
		}
	}
	mu.Lock()
	require.Equal(t, len(expected), events+reorgs)
	require.Equal(t, expected, got, "one message per committed event and per rollback, in commit order")
	mu.Unlock()
	t.Logf("%s; messages: %d events, %d reorgs", sum, events, reorgs)

	// The reconciled stream is exactly what PostgreSQL holds.
	rows, err := pool.Query(ctx, `SELECT block_number, block_hash, log_index, tx_hash, event, coalesce(args::text, 'null')
		FROM erc8004_events WHERE chain_id = $1 ORDER BY block_number, log_index`, int64(chainID))
	require.NoError(t, err)
	var inDB []string
	var blk, idx int64
	var bhash, tx, event, args string
	_, err = pgx.ForEachRow(rows, []any{&blk, &bhash, &idx, &tx, &event, &args}, func() error {
		inDB = append(inDB, fmt.Sprintf("%d %s %d %s %s", blk, bhash, idx, tx, event))
		if e, ok := live[[2]uint64{uint64(blk), uint64(idx)}]; ok {
			require.JSONEq(t, args, string(mustJSON(t, e.Args)), "args of block %d log %d", blk, idx)
		}
		return nil
	})
	require.NoError(t, err)
	var reconciled []string
	for _, k := range slices.SortedFunc(maps.Keys(live), func(a, b [2]uint64) int {
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		return int(a[1]) - int(b[1])
	}) {
		e := live[k]
		reconciled = append(reconciled, fmt.Sprintf("%d %s %d %s %s", e.Block, e.BlockHash, e.LogIndex, e.Tx, e.Event))
	}
	require.Equal(t, inDB, reconciled)
	require.EqualValues(t, sum.Events, len(inDB))

	requireValkeyEqualsPostgres(t, ctx, rdb, pool, keys, chainID)
	ids := scanKeys(t, ctx, rdb, keys.AgentPrefix()+"*")
	require.NotEmpty(t, ids)
	for _, k := range ids {
		left, err := rdb.TTL(ctx, k).Result()
		require.NoError(t, err)
		require.True(t, left > 0 && left <= ttl, "TTL of %s is %s", k, left)
	}

	t.Run("ResyncRepairs", func(t *testing.T) {
		first := ids[0]
		require.NoError(t, rdb.HSet(ctx, first, "feedback_count", 999).Err())
		require.NoError(t, rdb.HSet(ctx, keys.Agent("999999999"), "owner", "0xdead").Err())
		require.NoError(t, rdb.ZAdd(ctx, keys.Leaderboard(), redis.Z{Score: 1e9, Member: "999999999"}).Err())
		require.NoError(t, rdb.Del(ctx, keys.Head()).Err())
		d, err := diffValkey(ctx, rdb, pool, keys, chainID)
		require.NoError(t, err)
		require.NotEmpty(t, d)

		pub := publish.New(pool, rdb.Options(), log, publish.Options{ChainID: chainID, Prefix: prefix, TTL: ttl})
		defer pub.Close()
		st, err := pub.Resync(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st.Stale)
		require.Equal(t, len(ids), st.Agents)
		require.Zero(t, st.Messages)
		requireValkeyEqualsPostgres(t, ctx, rdb, pool, keys, chainID)
	})
}

func scanKeys(t *testing.T, ctx context.Context, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var out []string
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	require.NoError(t, iter.Err())
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
