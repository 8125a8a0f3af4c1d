package publish_test

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// TestPublisher_MegabyteStrings: events carrying a megabyte URI (anyone can set one) and a
// megabyte of undecodable data go through Valkey as messages of a few kilobytes, the long strings
// cut on a character boundary and named in "truncated"; and while nothing publishes, the queue of
// such events is bounded by its bytes, not only by its message count.
func TestPublisher_MegabyteStrings(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	core, warnings := observer.New(zap.WarnLevel)
	const chainID = 77
	pub := publish.New(pool, rdb.Options(), zap.New(core), publish.Options{ChainID: chainID, Prefix: prefix,
		MaxPendingBytes: 8 << 20})
	keys := pub.Keys()

	uri := "https://agent.example/" + strings.Repeat("é", 1<<19) // 1 MiB
	data := make([]byte, 1<<20)
	for b := uint64(1); b <= 20; b++ {
		pub.Notify(feed.Update{ChainID: chainID, From: b, To: b, Head: sink.Block{Number: b, Hash: common.Hash{byte(b)}},
			Logs: []sink.Log{
				{Registry: erc8004.RegistryIdentity, BlockTime: 1000 + b, Raw: types.Log{BlockNumber: b, Index: 0},
					Event: &erc8004.URIUpdated{AgentID: big.NewInt(int64(b)), NewURI: uri}},
				{Registry: erc8004.RegistryReputation, BlockTime: 1000 + b, DecodeErr: erc8004.ErrUnknownEvent,
					Raw: types.Log{BlockNumber: b, Index: 1, Topics: []common.Hash{{0xee}}, Data: data}},
			}})
	}

	sub := rdb.Subscribe(ctx, keys.Events())
	defer sub.Close()
	_, err := sub.Receive(ctx)
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(rctx) }()
	require.NoError(t, pub.Synced(ctx))
	require.NoError(t, rdb.Publish(ctx, keys.Events(), "end").Err())
	var blocks []uint64
	for m := range sub.Channel() {
		if m.Payload == "end" {
			break
		}
		require.Less(t, len(m.Payload), 3*publish.MaxMessageString)
		var e publish.EventMessage
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &e))
		if e.Event == "URIUpdated" {
			require.Equal(t, []string{"args.newURI"}, e.Truncated)
			u := e.Args["newURI"].(string)
			require.True(t, strings.HasPrefix(uri, u), "a prefix of the URI")
		} else {
			require.Equal(t, []string{"data"}, e.Truncated)
			blocks = append(blocks, e.Block)
		}
	}
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	// Each block queued about 3 MiB: an 8 MiB queue kept the newest two or three.
	require.NotEmpty(t, blocks)
	require.LessOrEqual(t, len(blocks), 3)
	require.Equal(t, uint64(20), blocks[len(blocks)-1], "the newest are kept")
	require.NotEmpty(t, warnings.FilterMessage("event messages dropped: the publisher fell behind the indexer or valkey was unreachable").All())
}

// TestPublisher_MegabyteAgentURI: an agent whose URI is a megabyte (anyone can set one) is held
// and published with the first 8 KiB of it, and its hash names the cut fields in "truncated".
func TestPublisher_MegabyteAgentURI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	uri := "https://agent.example/" + strings.Repeat("ü", 1<<19)
	_, err := pool.Exec(ctx, `
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block, created_tx,
		    created_log_index, updated_block, updated_tx, updated_log_index)
		VALUES (7, '0xr', 1, '0xo', $1, 1, '0x01', 0, 1, '0x01', 0), (7, '0xr', 2, '0xo', 'ipfs://b', 1, '0x01', 1, 1, '0x01', 1)`, uri)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO erc8004_agent_registrations (chain_id, agent_id, registry, uri, status, name)
		VALUES (7, 1, '0xr', 'x', 'ok', $1)`, strings.Repeat("n", 20_000))
	require.NoError(t, err)
	pub := publish.New(pool, rdb.Options(), zap.NewNop(), publish.Options{ChainID: 7, Prefix: prefix})
	defer pub.Close()
	_, err = pub.Resync(ctx)
	require.NoError(t, err)
	keys := publish.KeysFor(prefix, 7)
	a, err := rdb.HGetAll(ctx, keys.Agent("1")).Result()
	require.NoError(t, err)
	require.LessOrEqual(t, len(a["agent_uri"]), publish.MaxMessageString)
	require.True(t, strings.HasPrefix(uri, a["agent_uri"]))
	require.Len(t, a["name"], publish.MaxMessageString)
	require.Equal(t, "agent_uri,name", a["truncated"])
	b, err := rdb.HGetAll(ctx, keys.Agent("2")).Result()
	require.NoError(t, err)
	require.Equal(t, "ipfs://b", b["agent_uri"])
	require.NotContains(t, b, "truncated")
}
