package publish_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// devPipeline is a dev chain followed by the indexer (over WebSocket heads) and the publisher,
// with the traffic driven by the test.
type devPipeline struct {
	chain  *devchain.Chain
	gen    *devchain.Generator
	pool   *pgxpool.Pool
	pub    *publish.Publisher
	cursor atomic.Uint64 // the indexer's cursor after its last commit
}

// startPipeline starts the chain, the indexer and the publisher (writing to valkey under
// prefix, logging to pubLog); notify, if set, also gets every update. Everything stops at the
// test's end.
func startPipeline(t testing.TB, ctx context.Context, valkey *redis.Options, prefix string, seed int64,
	log, pubLog *zap.Logger, notify func(feed.Update)) *devPipeline {
	t.Helper()
	pool := testdb.New(t)
	c, err := devchain.New(ctx, devchain.Options{Seed: seed, HTTP: true, Log: log.Named("devchain")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	p := &devPipeline{chain: c, gen: devchain.NewGenerator(c, devchain.GenOptions{Seed: seed}), pool: pool}
	p.pub = publish.New(pool, valkey, pubLog, publish.Options{ChainID: c.ChainID(), Prefix: prefix})
	regs := c.Registries()
	spec := daemon.ChainSpec{
		Name:          "dev",
		ChainID:       c.ChainID(),
		RPCURLs:       []string{c.WSURL()},
		Registries:    regs,
		FinalityDepth: 64,
		PollInterval:  100 * time.Millisecond,
	}
	db := sink.NewPostgres(pool, log.Named("sink.pg"))
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		_ = p.pub.Run(rctx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		err := daemon.IndexChain(rctx, spec, db, log, func(u feed.Update) {
			p.cursor.Store(u.Head.Number)
			if notify != nil {
				notify(u)
			}
			p.pub.Notify(u)
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("indexer stopped: %v", err)
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		<-done
	})
	return p
}

// step commits n generator blocks.
func (p *devPipeline) step(t testing.TB, ctx context.Context, n int) {
	t.Helper()
	for range n {
		require.NoError(t, p.gen.Step(ctx))
	}
}

// waitIndexed waits until the indexer's cursor is the chain's head.
func (p *devPipeline) waitIndexed(t testing.TB, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for p.cursor.Load() != p.chain.Head() {
		require.True(t, time.Now().Before(deadline), "indexer stuck at %d, head %d", p.cursor.Load(), p.chain.Head())
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestPublisher_ValkeyOutage kills the Valkey server (a redis-server of the test's own, without
// persistence, so it comes back empty) twice while the chain produces blocks. Indexing must go on
// while it is down, and after each restart the keys must converge to PostgreSQL: within a second
// when PostgreSQL is still, and by the time the publisher caught up when blocks keep coming.
func TestPublisher_ValkeyOutage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := startRedis(t, nil)
	valkey, err := publish.ParseURL("redis://" + srv.Addr() + "/0")
	require.NoError(t, err)
	rdb := redis.NewClient(valkey)
	defer rdb.Close()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	const prefix = "outage:"
	p := startPipeline(t, ctx, valkey, prefix, 5, log, log.Named("publish"), nil)
	pool := p.pool
	keys := publish.KeysFor(prefix, p.chain.ChainID())
	chainID := p.chain.ChainID()

	p.step(t, ctx, 15)
	p.waitIndexed(t, ctx)
	require.NoError(t, p.pub.Synced(ctx))
	requireValkeyEqualsPostgres(t, ctx, rdb, pool, keys, chainID)

	// Outage 1: Valkey dies mid-traffic and comes back while blocks keep coming.
	srv.Kill()
	before := p.cursor.Load()
	p.step(t, ctx, 20)
	p.waitIndexed(t, ctx)
	require.GreaterOrEqual(t, p.cursor.Load(), before+20, "indexing must go on while Valkey is down")
	srv.Start()
	p.step(t, ctx, 10)
	p.waitIndexed(t, ctx)
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	require.NoError(t, p.pub.Synced(sctx))
	scancel()
	requireValkeyEqualsPostgres(t, ctx, rdb, pool, keys, chainID)

	// Outage 2: Valkey comes back once PostgreSQL is still; measure the convergence.
	srv.Kill()
	before = p.cursor.Load()
	p.step(t, ctx, 15)
	p.waitIndexed(t, ctx)
	require.GreaterOrEqual(t, p.cursor.Load(), before+15, "indexing must go on while Valkey is down")
	// PostgreSQL is still: read what Valkey must converge to once, then poll Valkey alone.
	want, err := postgresState(ctx, pool, chainID)
	require.NoError(t, err)
	restart := time.Now()
	srv.Start()
	// A client of its own: the old one's pooled connections died with the server, and its
	// reconnection backoff would be measured instead of the publisher's.
	o := *valkey
	fresh := redis.NewClient(&o)
	defer fresh.Close()
	for {
		got, err := valkeyState(ctx, fresh, keys)
		d := ""
		if err == nil {
			d = want.diff(got)
		}
		if err == nil && d == "" {
			break
		}
		require.Less(t, time.Since(restart), time.Second, "keys did not converge within 1s of the restart: %v %s", err, d)
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("keys converged %s after the restart (head %d)", time.Since(restart).Round(time.Millisecond), p.cursor.Load())
}
