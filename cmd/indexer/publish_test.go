package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestPublish_Resync fills a schema and Valkey with `indexer dev --valkey-url`, damages Valkey
// (a changed field, a stale agent key, a stale leaderboard member, no head) and requires
// `indexer publish --resync` to put back exactly what dev had published.
func TestPublish_Resync(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, schema, dsn := testdb.NewWithSchema(t)
	rdb, prefix := testvalkey.New(t)
	url := testvalkey.URL()
	common := []string{"--database-url", dsn, "--schema", schema, "--key-prefix", prefix, "--log-level", "error"}

	r := runIndexer(t, []string{"VALKEY_URL=" + url}, append([]string{"dev", "--blocks", "12", "--seed", "3"}, common...)...)
	require.Equal(t, 0, r.code, r.stderr)
	keys := publish.KeysFor(prefix, 1337)
	dump := func() map[string]map[string]string {
		out := map[string]map[string]string{}
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			switch k {
			case keys.Leaderboard():
				zs, err := rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
				require.NoError(t, err)
				m := map[string]string{}
				for _, z := range zs {
					m[z.Member.(string)] = fmt.Sprint(z.Score)
				}
				out[k] = m
			case keys.Synced():
			default:
				h, err := rdb.HGetAll(ctx, k).Result()
				require.NoError(t, err)
				out[k] = h
			}
		}
		require.NoError(t, iter.Err())
		return out
	}
	before := dump()
	require.Contains(t, before, keys.Head())
	require.Greater(t, len(before), 3, "dev published agents")

	var agent string
	for k := range before {
		if strings.HasPrefix(k, keys.AgentPrefix()) {
			agent = k
			break
		}
	}
	require.NoError(t, rdb.HSet(ctx, agent, "owner", "0xdead").Err())
	require.NoError(t, rdb.HSet(ctx, keys.Agent("424242"), "owner", "0xdead").Err())
	require.NoError(t, rdb.ZAdd(ctx, keys.Leaderboard(), redis.Z{Score: 1, Member: "424242"}).Err())
	require.NoError(t, rdb.Del(ctx, keys.Head()).Err())
	require.NotEqual(t, before, dump())

	r = runIndexer(t, []string{"VALKEY_URL=" + url}, append([]string{"publish", "--resync", "--chain", "1337"}, common...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `^publish: chain=1337 head=\d+ agents=\d+ ranked=\d+ stale_deleted=1\n$`, r.stdout)
	require.Equal(t, before, dump())

	t.Run("Failures", func(t *testing.T) {
		requireFailure(t, runIndexer(t, nil, append([]string{"publish", "--chain", "1337", "--valkey-url", url}, common...)...),
			"give --resync")
		requireFailure(t, runIndexer(t, nil, append([]string{"publish", "--resync", "--chain", "1337"}, common...)...),
			"valkey-url")
		requireFailure(t, runIndexer(t, nil, append([]string{"publish", "--resync", "--valkey-url", url}, common...)...),
			"--chain")
		requireFailure(t, runIndexer(t, nil, append([]string{"publish", "--resync", "--chain", "nowhere", "--valkey-url", url}, common...)...),
			"unknown chain")
		r := runIndexer(t, nil, append([]string{"publish", "--resync", "--chain", "1337",
			"--valkey-url", "redis://:hunter2@127.0.0.1:1/0"}, common...)...)
		requireFailure(t, r, "resync chain 1337")
		require.NotContains(t, r.stderr, "hunter2")
	})
}
