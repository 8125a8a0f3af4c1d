package publish_test

import (
	"context"
	"encoding/json"
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

// TestPublisher_BoundedQueue notifies more messages than MaxPending while nothing publishes
// (as during an outage): the oldest event messages are dropped with a warning, rollback messages
// are all kept, and Run publishes what is left, in commit order, with its first resync.
func TestPublisher_BoundedQueue(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := testdb.New(t)
	rdb, prefix := testvalkey.New(t)
	core, logs := observer.New(zap.WarnLevel)
	const chainID, maxPending = 99, 50
	pub := publish.New(pool, rdb.Options(), zap.New(core), publish.Options{ChainID: chainID, Prefix: prefix, MaxPending: maxPending})
	keys := pub.Keys()

	// 30 blocks of 10 undecodable logs each, a rollback every 10 blocks; another chain's update
	// in between must be ignored.
	type want struct {
		reorg      bool
		block, idx uint64
	}
	var all []want
	for b := uint64(1); b <= 30; b++ {
		u := feed.Update{ChainID: chainID, From: b, To: b, Head: sink.Block{Number: b, Hash: common.Hash{byte(b)}}}
		if b%10 == 0 {
			u.Reorg = &feed.Reorg{Fork: b - 2, OldHead: b - 1, Depth: 1}
			all = append(all, want{reorg: true, block: b - 2})
		}
		for i := range uint(10) {
			u.Logs = append(u.Logs, sink.Log{Registry: erc8004.RegistryReputation, BlockTime: 1000 + b,
				DecodeErr: erc8004.ErrUnknownEvent, Raw: types.Log{BlockNumber: b, Index: i,
					BlockHash: common.Hash{byte(b)}, Topics: []common.Hash{{0xee}}, Data: []byte{byte(i)}}})
			all = append(all, want{block: b, idx: uint64(i)})
		}
		pub.Notify(u)
		pub.Notify(feed.Update{ChainID: chainID + 1, Logs: u.Logs})
	}
	// The queue keeps every rollback message and the newest event messages that fit beside them.
	var kept []want
	events := 0
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].reorg || events < maxPending-3 {
			kept = append([]want{all[i]}, kept...)
		}
		if !all[i].reorg {
			events++
		}
	}

	sub := rdb.Subscribe(ctx, keys.Events(), keys.Reorgs())
	defer sub.Close()
	for range 2 {
		_, err := sub.Receive(ctx)
		require.NoError(t, err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(rctx) }()
	require.NoError(t, pub.Synced(ctx))
	require.NoError(t, rdb.Publish(ctx, keys.Events(), "end").Err())

	var got []want
	for m := range sub.Channel() {
		if m.Payload == "end" {
			break
		}
		if m.Channel == keys.Reorgs() {
			var r publish.ReorgMessage
			require.NoError(t, json.Unmarshal([]byte(m.Payload), &r))
			got = append(got, want{reorg: true, block: uint64(r.ForkBlock)})
			continue
		}
		var e publish.EventMessage
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &e))
		require.Equal(t, uint64(chainID), e.ChainID)
		require.Equal(t, "", e.Event)
		require.NotEmpty(t, e.DecodeError)
		require.Len(t, e.Topics, 1)
		got = append(got, want{block: e.Block, idx: uint64(e.LogIndex)})
	}
	require.Equal(t, kept, got)
	var dropped int64
	for _, e := range logs.FilterMessage("event messages dropped: the publisher fell behind the indexer or valkey was unreachable").All() {
		dropped += e.ContextMap()["dropped"].(int64)
	}
	require.EqualValues(t, 300-(maxPending-3), dropped)

	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	n, err := rdb.Exists(ctx, keys.Synced()).Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}
