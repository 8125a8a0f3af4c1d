// Package publish keeps Valkey (or Redis) current with what the indexer committed to PostgreSQL:
// the head block, one hash of hot aggregates per agent, a reputation leaderboard, and pub/sub
// messages for every committed event and every rollback. The key layout is the Valkey contract
// of DESIGN.md; docs/valkey.md documents it for consumers.
//
// The indexer calls Notify after each commit; Notify only queues the update and wakes Run
// (shovel's non-blocking send), so indexing never waits for Valkey. Run recomputes the touched
// agents' aggregates from PostgreSQL (one REPEATABLE READ snapshot, never inside the indexer's
// transaction) and writes them, the head and the queued messages in one MULTI/EXEC pipeline.
// When Valkey is unreachable Run retries with backoff, keeps queueing, and on recovery rewrites
// every key of the chain from PostgreSQL (Resync), which `indexer publish --resync` also does by
// hand. Valkey is derived state: it can always be rebuilt.
package publish

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// Options configures a Publisher.
type Options struct {
	// ChainID is the chain whose updates are published; updates of other chains are ignored.
	ChainID uint64
	// Prefix prefixes every key and channel (default DefaultPrefix, "erc8004:").
	Prefix string
	// TTL is the lifetime of an agent hash (default 24h; negative: no expiry). Run rewrites
	// every key of the chain every ResyncInterval, so live agents never expire while the
	// publisher runs; the TTL only removes what a stopped publisher left behind.
	TTL time.Duration
	// ResyncInterval is how often Run rewrites every key from PostgreSQL (default TTL/3, or 1h
	// without a TTL).
	ResyncInterval time.Duration
	// MaxBackoff caps the wait between attempts while Valkey is unreachable (default 200ms:
	// keys converge within about that long, plus one resync, after Valkey returns). An attempt
	// against a server that is down costs one failed connection: a resync pings before it reads
	// PostgreSQL.
	MaxBackoff time.Duration
	// MaxPending bounds the messages queued while Valkey is unreachable (default 10000); the
	// oldest are dropped beyond it, with a warning. Keys never depend on the queue.
	MaxPending int
	// MaxPendingBytes bounds the same queue by the approximate memory of its logs (default 64
	// MiB): a few megabyte-sized events must not hold the heap during an outage.
	MaxPendingBytes int
	// ShutdownTimeout bounds the last publication Run attempts when its context ends, so that
	// the final commits of a stopping indexer still reach Valkey (default 2s).
	ShutdownTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.TTL == 0 {
		o.TTL = 24 * time.Hour
	}
	if o.ResyncInterval <= 0 {
		o.ResyncInterval = time.Hour
		if o.TTL > 0 {
			o.ResyncInterval = o.TTL / 3
		}
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 200 * time.Millisecond
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10_000
	}
	if o.MaxPendingBytes <= 0 {
		o.MaxPendingBytes = 64 << 20
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 2 * time.Second
	}
	return o
}

// Publisher publishes one chain's indexed state to Valkey. Notify may be called from any
// goroutine; Run and Resync must not run at the same time.
type Publisher struct {
	pool   *pgxpool.Pool
	valkey *redis.Options // template of the clients Run creates
	log    *zap.Logger
	opts   Options
	keys   Keys

	wake chan struct{} // capacity 1: a pending wake-up, coalesced

	mu        sync.Mutex // guards the fields below
	queue     work       // notified, not yet published
	notified  uint64     // updates notified so far
	published uint64     // updates published (or dropped) so far
	synced    bool       // a full resync succeeded since New
	dropped   int        // messages dropped from the queue since the last warning
	changed   chan struct{}

	// rdb is the client of the current connection attempt; only Run's (or Resync's) goroutine
	// uses it. It is replaced after every failure: go-redis stops dialing for up to a second
	// once a pool has failed PoolSize dials, which would delay the recovery after an outage.
	rdb *redis.Client
}

// work is a queue of committed updates and the agents they touched.
type work struct {
	updates []feed.Update
	agents  map[string]struct{}
	msgs    int    // messages the updates will publish
	bytes   int    // approximate memory of the updates' logs (logBytes)
	upTo    uint64 // notified count when the work was taken
}

// New returns a publisher of opts.ChainID that reads pool and writes to the server valkey
// describes (see ParseURL). It connects only when Run or Resync needs to.
func New(pool *pgxpool.Pool, valkey *redis.Options, log *zap.Logger, opts Options) *Publisher {
	opts = opts.withDefaults()
	return &Publisher{
		pool:    pool,
		valkey:  valkey,
		log:     log,
		opts:    opts,
		keys:    KeysFor(opts.Prefix, opts.ChainID),
		wake:    make(chan struct{}, 1),
		queue:   work{agents: map[string]struct{}{}},
		changed: make(chan struct{}),
	}
}

// Keys returns the names of the publisher's keys and channels.
func (p *Publisher) Keys() Keys { return p.keys }

// Notify queues a committed update and wakes Run. It never blocks on I/O, so it is safe as the
// indexer's notify function.
func (p *Publisher) Notify(u feed.Update) {
	if u.ChainID != p.opts.ChainID {
		return
	}
	p.mu.Lock()
	p.notified++
	p.queue.updates = append(p.queue.updates, u)
	p.queue.msgs += messageCount(&u)
	for i := range u.Logs {
		p.queue.bytes += logBytes(&u.Logs[i])
	}
	for _, id := range u.Stats.Agents {
		p.queue.agents[id] = struct{}{}
	}
	p.boundLocked()
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is already pending; Run will see this update too
	}
}

// Touch queues agents whose hash changed outside the index (the off-chain worker parsed their
// registration file), to be published with the next publication. It never blocks.
func (p *Publisher) Touch(ids []string) {
	if len(ids) == 0 {
		return
	}
	p.mu.Lock()
	for _, id := range ids {
		p.queue.agents[id] = struct{}{}
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// boundLocked drops the oldest queued event messages beyond MaxPending queued messages or
// MaxPendingBytes of their logs, and then the updates
// left with nothing to publish (their agents stay queued), so that a long outage holds bounded
// memory. Rollback messages are kept: they are few and a consumer needs them to retract what it
// saw. p.mu must be held.
func (p *Publisher) boundLocked() {
	q := &p.queue
	over := func() bool { return q.msgs > p.opts.MaxPending || q.bytes > p.opts.MaxPendingBytes }
	if !over() {
		return
	}
	for i := 0; over() && i < len(q.updates); i++ {
		logs := q.updates[i].Logs
		n := 0
		for n < len(logs) && over() {
			q.msgs--
			q.bytes -= logBytes(&logs[n])
			n++
		}
		q.updates[i].Logs = logs[n:]
		p.dropped += n
	}
	q.updates = slices.DeleteFunc(q.updates, func(u feed.Update) bool { return len(u.Logs) == 0 && u.Reorg == nil })
}

// logBytes estimates the memory a queued log holds: its raw data, the decoded copies of its
// strings, its topics and a fixed overhead.
func logBytes(l *sink.Log) int {
	return 2*len(l.Raw.Data) + 32*len(l.Raw.Topics) + 512
}

func messageCount(u *feed.Update) int {
	n := len(u.Logs)
	if u.Reorg != nil {
		n++
	}
	return n
}

// take removes the queued work for one publication.
func (p *Publisher) take() work {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.queue
	w.upTo = p.notified
	p.queue = work{agents: map[string]struct{}{}}
	return w
}

// putBack returns work whose publication failed to the front of the queue.
func (p *Publisher) putBack(w work) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := &p.queue
	q.updates = append(w.updates, q.updates...)
	q.msgs += w.msgs
	q.bytes += w.bytes
	for id := range w.agents {
		q.agents[id] = struct{}{}
	}
	p.boundLocked()
}

// done records a successful publication of w (and, after a resync, of every key).
func (p *Publisher) done(w work, resynced bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = max(p.published, w.upTo)
	p.synced = p.synced || resynced
	close(p.changed)
	p.changed = make(chan struct{})
}

// Synced waits until every update notified before the call has been published, after at least
// one full resync. Dev mode and tests use it to know that Valkey caught up with PostgreSQL.
func (p *Publisher) Synced(ctx context.Context) error {
	p.mu.Lock()
	target := p.notified
	p.mu.Unlock()
	for {
		p.mu.Lock()
		ok, ch := p.synced && p.published >= target, p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Run publishes until ctx ends: a full resync first (Valkey may hold anything), then one
// publication per wake-up, and a full resync again every ResyncInterval and after any failure.
// Valkey and PostgreSQL errors are logged and retried with backoff, never returned: Run returns
// only ctx's error, so that an outage cannot stop the indexer it runs beside.
func (p *Publisher) Run(ctx context.Context) error {
	defer p.closeClient()
	ticker := time.NewTicker(p.opts.ResyncInterval)
	defer ticker.Stop()
	resync := true
	failures := 0
	var downSince, lastWarn time.Time
	for {
		var err error
		if resync {
			var st ResyncStats
			if st, err = p.Resync(ctx); err == nil {
				resync = false
				p.log.Info("valkey resynced", zap.Uint64(fieldChainID, p.opts.ChainID), zap.Int("agents", st.Agents),
					zap.Int("stale", st.Stale), zap.Int("messages", st.Messages), zap.Duration("elapsed", st.Elapsed))
			}
		} else {
			resync, err = p.flush(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			resync = true
			p.closeClient()
			now := time.Now()
			if failures == 1 {
				downSince = now
			}
			// Log the first failure and then at most every 30s: an outage is one story.
			if failures == 1 || now.Sub(lastWarn) >= 30*time.Second {
				lastWarn = now
				p.log.Warn("valkey publication failed", zap.Uint64(fieldChainID, p.opts.ChainID), zap.Error(err),
					zap.Int("failures", failures), zap.Duration("down_for", now.Sub(downSince)))
			}
			if err := retry.Sleep(ctx, retry.Backoff(failures, 50*time.Millisecond, p.opts.MaxBackoff)); err != nil {
				return err
			}
			continue
		}
		if failures > 0 {
			p.log.Info("valkey publication recovered", zap.Uint64(fieldChainID, p.opts.ChainID),
				zap.Int("failures", failures), zap.Duration("down_for", time.Since(downSince)))
			failures = 0
		}
		p.warnDropped()
		if resync {
			continue
		}
		select {
		case <-ctx.Done():
			p.lastFlush(ctx)
			return ctx.Err()
		case <-p.wake:
		case <-ticker.C:
			resync = true
		}
	}
}

// lastFlush publishes what the indexer committed just before ctx ended, within
// ShutdownTimeout, so that a clean stop does not lose the last messages.
func (p *Publisher) lastFlush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.ShutdownTimeout)
	defer cancel()
	if _, err := p.flush(ctx); err != nil {
		p.log.Warn("valkey publication at shutdown failed", zap.Uint64(fieldChainID, p.opts.ChainID), zap.Error(err))
	}
}

func (p *Publisher) warnDropped() {
	p.mu.Lock()
	n := p.dropped
	p.dropped = 0
	p.mu.Unlock()
	if n > 0 {
		p.log.Warn("event messages dropped: the publisher fell behind the indexer or valkey was unreachable", zap.Uint64(fieldChainID, p.opts.ChainID),
			zap.Int("dropped", n), zap.Int("max_pending", p.opts.MaxPending), zap.Int("max_pending_bytes", p.opts.MaxPendingBytes))
	}
}

// client returns the client of the current attempt, creating it if needed. Its commands are
// not retried by go-redis: a MULTI/EXEC whose reply was lost may have been applied, and retrying
// it would publish its messages twice. Run retries, after a resync.
func (p *Publisher) client() *redis.Client {
	if p.rdb == nil {
		o := *p.valkey
		o.MaxRetries = -1
		p.rdb = redis.NewClient(&o)
	}
	return p.rdb
}

func (p *Publisher) closeClient() {
	if p.rdb != nil {
		_ = p.rdb.Close()
		p.rdb = nil
	}
}

// Close releases the publisher's connection. Run closes it on return; Close is for callers of
// Resync alone.
func (p *Publisher) Close() error {
	p.closeClient()
	return nil
}

const fieldChainID = "chain_id"
