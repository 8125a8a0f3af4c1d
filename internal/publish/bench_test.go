package publish_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// BenchmarkPublishLatency measures, on the dev chain with the indexer following WebSocket heads,
// the latency from a block's arrival (its newHeads notification reaching a WebSocket client, as
// it reaches the indexer) to its publication in Valkey (the first message of that block reaching
// a subscriber of the events channel), with the split at the PostgreSQL commit. Blocks without
// events publish no message and are not measured. It runs once whatever b.N is:
//
//	go test -run '^$' -bench PublishLatency -benchtime 1x ./internal/publish/
//
// PUBLISH_BENCH_BLOCKS sets how many blocks to measure (default 1000) and
// PUBLISH_BENCH_INTERVAL_MS the pause between blocks in milliseconds (default 0: as fast as the generator goes).
func BenchmarkPublishLatency(b *testing.B) {
	want := envInt(b, "PUBLISH_BENCH_BLOCKS", 1000)
	interval := time.Duration(envInt(b, "PUBLISH_BENCH_INTERVAL_MS", 0)) * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	rdb, prefix := testvalkey.New(b)

	var mu sync.Mutex
	arrived, committed, published := map[common.Hash]time.Time{}, map[common.Hash]time.Time{}, map[common.Hash]time.Time{}
	core, logs := observer.New(zap.DebugLevel)
	var committedEvents, receivedEvents atomic.Int64
	p := startPipeline(b, ctx, rdb.Options(), prefix, 9, zap.New(core).WithOptions(zap.IncreaseLevel(zap.WarnLevel)), zap.New(core), func(u feed.Update) {
		committedEvents.Add(int64(len(u.Logs)))
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for _, l := range u.Logs {
			if _, ok := committed[l.Raw.BlockHash]; !ok {
				committed[l.Raw.BlockHash] = now
			}
		}
	})
	keys := publish.KeysFor(prefix, p.chain.ChainID())

	sub := rdb.Subscribe(ctx, keys.Events())
	defer sub.Close()
	_, err := sub.Receive(ctx)
	require.NoError(b, err)
	msgs := sub.Channel(redis.WithChannelSize(100_000))
	go func() {
		for m := range msgs {
			now := time.Now()
			receivedEvents.Add(1)
			var e struct {
				BlockHash common.Hash `json:"block_hash"`
			}
			if json.Unmarshal([]byte(m.Payload), &e) != nil {
				continue
			}
			mu.Lock()
			if _, ok := published[e.BlockHash]; !ok {
				published[e.BlockHash] = now
			}
			mu.Unlock()
		}
	}()

	ec, err := ethclient.DialContext(ctx, p.chain.WSURL())
	require.NoError(b, err)
	defer ec.Close()
	heads := make(chan *types.Header, 4096)
	hsub, err := ec.SubscribeNewHead(ctx, heads)
	require.NoError(b, err)
	defer hsub.Unsubscribe()
	go func() {
		for h := range heads {
			now := time.Now()
			mu.Lock()
			arrived[h.Hash()] = now
			mu.Unlock()
		}
	}()

	p.step(b, ctx, 5) // warm up: first agents, connections, plans
	p.waitIndexed(b, ctx)
	require.NoError(b, p.pub.Synced(ctx))
	logs.TakeAll()
	mu.Lock()
	clear(arrived)
	clear(committed)
	clear(published)
	mu.Unlock()

	measured := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for h := range published {
			if _, ok := arrived[h]; ok {
				n++
			}
		}
		return n
	}
	b.ResetTimer()
	start := time.Now()
	steps := 0
	for steps < 3*want && (steps < want || measured() < want) {
		p.step(b, ctx, 1)
		steps++
		if interval > 0 {
			time.Sleep(interval)
		}
	}
	p.waitIndexed(b, ctx)
	require.NoError(b, p.pub.Synced(ctx))
	// The last messages are on their way to the subscriber: an end marker published now arrives
	// after them.
	end := make(chan struct{})
	go func() {
		for measured() < want {
			time.Sleep(time.Millisecond)
		}
		close(end)
	}()
	select {
	case <-end:
	case <-time.After(10 * time.Second):
	}
	elapsed := time.Since(start)
	b.StopTimer()

	mu.Lock()
	var total, index, publish []time.Duration
	for h, tp := range published {
		ta, ok := arrived[h]
		if !ok {
			continue
		}
		total = append(total, tp.Sub(ta))
		if tc, ok := committed[h]; ok {
			index = append(index, tc.Sub(ta))
			publish = append(publish, tp.Sub(tc))
		}
	}
	mu.Unlock()
	var flushes, reads []time.Duration
	for _, e := range logs.FilterMessage("valkey published").All() {
		f := e.ContextMap()
		flushes = append(flushes, f["elapsed"].(time.Duration))
		reads = append(reads, f["read"].(time.Duration))
	}
	b.Logf("events committed %d, messages received %d", committedEvents.Load(), receivedEvents.Load())
	for _, e := range logs.FilterLevelExact(zap.WarnLevel).All() {
		b.Logf("warning: %s %v", e.Message, e.ContextMap())
	}
	pubs := logs.FilterMessage("valkey published").All()
	slices.SortFunc(pubs, func(x, y observer.LoggedEntry) int {
		return int(y.ContextMap()["elapsed"].(time.Duration) - x.ContextMap()["elapsed"].(time.Duration))
	})
	for _, e := range pubs[:min(5, len(pubs))] {
		b.Logf("slowest publication: %v", e.ContextMap())
	}
	require.GreaterOrEqual(b, len(total), want, "blocks measured")
	b.ReportMetric(ms(pct(total, 50)), "p50-ms")
	b.ReportMetric(ms(pct(total, 99)), "p99-ms")
	b.ReportMetric(ms(pct(total, 100)), "max-ms")
	b.ReportMetric(float64(len(total)), "blocks")
	b.Logf("%d blocks in %s (%d steps, %.1f blocks/s); arrival->publish p50 %s p90 %s p99 %s max %s; "+
		"arrival->commit p50 %s p99 %s; commit->publish p50 %s p99 %s; %d publications: p50 %s p99 %s (postgres read p50 %s p99 %s)",
		len(total), elapsed.Round(time.Millisecond), steps, float64(steps)/elapsed.Seconds(),
		pct(total, 50), pct(total, 90), pct(total, 99), pct(total, 100),
		pct(index, 50), pct(index, 99), pct(publish, 50), pct(publish, 99),
		len(flushes), pct(flushes, 50), pct(flushes, 99), pct(reads, 50), pct(reads, 99))
}

// pct returns the q-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, q int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (q*len(s)+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)].Round(10 * time.Microsecond)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(b, err, name)
	return n
}
