// Package daemon wires the indexer's parts together for the commands: one chain's RPC client,
// log fetcher and converge loop (IndexChain, RunChain under the chain's lock), the start-block
// search and operator replays. The development mode that drives it lives in internal/devmode.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/lock"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/payments"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// ChainSpec is everything needed to index one chain.
type ChainSpec struct {
	// Name labels the chain in logs and metrics (the built-in name, else the chain id).
	Name            string
	ChainID         uint64
	RPCURLs         []string
	Registries      erc8004.Registries // a zero address means the chain has no such registry
	StartBlock      uint64
	Confirmations   uint64
	FinalityDepth   uint64
	UseFinalizedTag bool
	AllowDeepReorg  bool
	// FindStart asks RunChain to search for the start block (FindStartBlock) when the chain has
	// no cursor yet, because StartBlock is not known to be the registries' deployment.
	FindStart bool
	// PollInterval overrides the default head polling period (tests and dev use a short one).
	PollInterval time.Duration
	// RequestTimeout overrides the RPC client's per-request timeout.
	RequestTimeout time.Duration
	// MaxBackoff caps the waits between retries of RPC calls and of failed batches.
	MaxBackoff time.Duration
	// BackfillSpan and LiveSpan override the most blocks per batch below and above finality.
	BackfillSpan, LiveSpan uint64
	// Metrics, when set, receives the indexer's RPC timings, heads and commits.
	Metrics *metrics.Chain
	// PaymentTokens are the tokens whose transfers to agents are indexed (none: payments off);
	// PaymentOwners counts transfers to owners too; PaymentMode chooses how token logs are
	// asked for (docs/payments.md).
	PaymentTokens []config.PaymentToken
	PaymentOwners bool
	PaymentMode   payments.Mode
}

// Dial connects to the chain's RPC endpoints; the client refuses an endpoint that serves
// another chain id (see CheckEndpoints to fail fast at start).
func (s ChainSpec) Dial(ctx context.Context, log *zap.Logger) (*chain.Client, error) {
	o := chain.Options{URLs: s.RPCURLs, Log: log, ChainID: s.ChainID,
		PollInterval: s.PollInterval, RequestTimeout: s.RequestTimeout, RetryMax: s.MaxBackoff}
	if s.Metrics != nil {
		o.ForeignLogs = s.Metrics.ForeignLogs
	}
	client, err := chain.Dial(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("dial chain %d: %w", s.ChainID, err)
	}
	return client, nil
}

// IndexChain backfills and then follows one chain until ctx ends or a deep reorg halts it.
// notify, if not nil, is called after every commit and must not block. It takes no lock: see
// RunChain for several processes on one database.
func IndexChain(ctx context.Context, spec ChainSpec, db *sink.Postgres, log *zap.Logger, notify func(feed.Update)) error {
	client, err := spec.Dial(ctx, log.Named("rpc"))
	if err != nil {
		return err
	}
	defer client.Close()
	if err := preparePayments(ctx, &spec, client, db); err != nil {
		return err
	}
	ix := NewIndexer(spec, client, db, log, notify)
	heads, err := client.SubscribeHeads(ctx)
	if err != nil {
		return fmt.Errorf("subscribe to heads of chain %d: %w", spec.ChainID, err)
	}
	return ix.Run(ctx, heads)
}

// NewIndexer builds the converge loop of spec's chain on an existing client. With spec.Metrics
// set, its RPC calls are timed and its commits recorded.
func NewIndexer(spec ChainSpec, client *chain.Client, db *sink.Postgres, log *zap.Logger, notify func(feed.Update)) *indexer.Indexer {
	addrs, kinds := spec.Registries.Kinds()
	fetcher := &chain.RangeFetcher{Client: client, Addresses: addrs}
	cfg := indexer.Config{
		ChainID:         spec.ChainID,
		Registries:      kinds,
		StartBlock:      spec.StartBlock,
		Confirmations:   spec.Confirmations,
		FinalityDepth:   spec.FinalityDepth,
		UseFinalizedTag: spec.UseFinalizedTag,
		AllowDeepReorg:  spec.AllowDeepReorg,
		PollInterval:    spec.PollInterval,
		BackfillSpan:    spec.BackfillSpan,
		LiveSpan:        spec.LiveSpan,
		MaxBackoff:      spec.MaxBackoff,
		PaymentTokens:   tokenSet(spec.PaymentTokens),
		PaymentOwners:   spec.PaymentOwners,
	}
	var logs indexer.Logs = fetcher
	if pf := paymentFetcher(spec, fetcher, client, db); pf != nil {
		logs = pf
	}
	if m := spec.Metrics; m != nil {
		inner := notify
		notify = func(u feed.Update) {
			m.ObserveCommit(commitOf(u))
			if inner != nil {
				inner(u)
			}
		}
		return indexer.New(cfg, observedClient{client, m}, observedLogs{logs, m}, db, log.Named("indexer"), notify)
	}
	return indexer.New(cfg, client, logs, db, log.Named("indexer"), notify)
}

// observedClient times the calls the converge loop makes and records the heads it reads. The
// embedded client keeps every other method available.
type observedClient struct {
	*chain.Client
	m *metrics.Chain
}

func (o observedClient) HeadNumber(ctx context.Context) (uint64, error) {
	start := time.Now()
	n, err := o.Client.HeadNumber(ctx)
	o.m.ObserveRPC("eth_blockNumber", time.Since(start), err)
	if err == nil {
		o.m.SetHead(n)
	}
	return n, err
}

func (o observedClient) Finalized(ctx context.Context) (uint64, bool, error) {
	start := time.Now()
	n, ok, err := o.Client.Finalized(ctx)
	o.m.ObserveRPC("eth_getBlockByNumber_finalized", time.Since(start), err)
	return n, ok, err
}

func (o observedClient) Headers(ctx context.Context, nums []uint64) ([]chain.Header, error) {
	start := time.Now()
	hs, err := o.Client.Headers(ctx, nums)
	o.m.ObserveRPC("eth_getBlockByNumber", time.Since(start), err)
	return hs, err
}

func (o observedClient) Logs(ctx context.Context, q chain.LogQuery) ([]types.Log, error) {
	start := time.Now()
	logs, err := o.Client.Logs(ctx, q)
	o.m.ObserveRPC("eth_getLogs", time.Since(start), err)
	return logs, err
}

// observedLogs times whole range fetches (one or more eth_getLogs requests of adaptive span) and
// the fetcher's header requests. It implements all of indexer.Logs, so the engine keeps the
// fetcher's adaptive span and cheap headers with metrics on.
type observedLogs struct {
	f indexer.Logs
	m *metrics.Chain
}

func (o observedLogs) Span() uint64 { return o.f.Span() }

func (o observedLogs) Headers(ctx context.Context, nums []uint64) ([]chain.Header, error) {
	start := time.Now()
	hs, err := o.f.Headers(ctx, nums)
	o.m.ObserveRPC("eth_getBlockByNumber", time.Since(start), err)
	return hs, err
}

func (o observedLogs) Fetch(ctx context.Context, from, to uint64) ([]types.Log, error) {
	start := time.Now()
	logs, err := o.f.Fetch(ctx, from, to)
	o.m.ObserveRPC("eth_getLogs_range", time.Since(start), err)
	return logs, err
}

// RunOptions configures RunChain.
type RunOptions struct {
	// Schema is the database schema of the tables; it scopes the chain's lock.
	Schema string
	// LockPoll is how often a standby tries to take the chain's lock (default 1s).
	LockPoll time.Duration
	// Notify, if set, also receives every committed update; it must not block.
	Notify func(feed.Update)
}

// errLockLost cancels indexing when the chain's lock connection breaks.
var errLockLost = errors.New("lock connection lost")

// RunChain indexes one chain for as long as ctx lasts, under the chain's PostgreSQL advisory
// lock, so that several processes can run against one database and exactly one indexes each
// chain: it waits for the lock (a standby), indexes while it holds it, and when the lock's
// connection breaks it stops indexing at once and waits for the lock again. Endpoints serving
// another chain id fail it at start. It returns ctx's error when ctx ends, or an error indexing
// cannot recover from (a deep reorg, a start block that cannot be found).
func RunChain(ctx context.Context, spec ChainSpec, db *sink.Postgres, log *zap.Logger, o RunOptions) error {
	if spec.Metrics == nil {
		spec.Metrics = metrics.New().Chain(spec.Name, spec.ChainID)
	}
	// The indexer's own lines carry chain_id; the name tells the chains of one process apart.
	log = log.With(zap.String("chain", spec.Name))
	if err := CheckEndpoints(ctx, spec, log.Named("rpc")); err != nil {
		return err
	}
	spec.Metrics.SetActive(false)
	key := lock.Key(o.Schema, spec.ChainID)
	connCfg := db.Pool().Config().ConnConfig
	for {
		l, err := lock.Acquire(ctx, connCfg, key, lock.Options{Poll: o.LockPoll, Log: log.Named("lock"),
			Waiting: func() { log.Info("another indexer holds the chain's lock: standing by") }})
		if err != nil {
			return err
		}
		log.Info("chain lock acquired: indexing")
		spec.Metrics.SetActive(true)
		err = indexHeld(ctx, spec, db, log, o.Notify, l)
		spec.Metrics.SetActive(false)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if rerr := l.Release(rctx); rerr != nil && !errors.Is(err, errLockLost) {
			log.Warn("release chain lock", zap.Error(rerr))
		}
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errLockLost):
			spec.Metrics.LockLost()
			log.Error("chain lock lost: stopped indexing, waiting for the lock again")
			continue
		}
		return err
	}
}

// indexHeld indexes while l is held; it returns errLockLost as soon as l is lost.
func indexHeld(ctx context.Context, spec ChainSpec, db *sink.Postgres, log *zap.Logger, notify func(feed.Update), l *lock.Lock) error {
	ictx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-l.Lost():
			cancel(errLockLost)
		case <-ictx.Done():
		}
	}()
	err := indexChain(ictx, spec, db, log, notify)
	if errors.Is(context.Cause(ictx), errLockLost) {
		return errLockLost
	}
	return err
}

func indexChain(ctx context.Context, spec ChainSpec, db *sink.Postgres, log *zap.Logger, notify func(feed.Update)) error {
	client, err := spec.Dial(ctx, log.Named("rpc"))
	if err != nil {
		return err
	}
	defer client.Close()
	cur, err := db.Cursor(ctx, spec.ChainID)
	switch {
	case err == nil:
		spec.Metrics.SetIndexed(cur.Number)
	case errors.Is(err, sink.ErrNotFound):
		if spec.FindStart {
			start, err := FindStartBlock(ctx, spec, client, log)
			if err != nil {
				return err
			}
			log.Info("found start block", zap.Uint64("block", start))
			spec.StartBlock = start
		}
		if spec.StartBlock > 0 {
			spec.Metrics.SetIndexed(spec.StartBlock - 1)
		}
	default:
		return fmt.Errorf("read cursor of chain %d: %w", spec.ChainID, err)
	}
	spec.Metrics.SetStart(spec.StartBlock, spec.Confirmations)
	if err := preparePayments(ctx, &spec, client, db); err != nil {
		return err
	}
	ix := NewIndexer(spec, client, db, log, notify)
	heads, err := client.SubscribeHeads(ctx)
	if err != nil {
		return fmt.Errorf("subscribe to heads of chain %d: %w", spec.ChainID, err)
	}
	return ix.Run(ctx, heads)
}

// ErrWrongChain is returned by CheckEndpoints for an endpoint that serves another chain id.
var ErrWrongChain = errors.New("refusing to index it")

// CheckEndpoints asks every RPC endpoint of spec for its chain id and fails when one serves
// another chain: indexing it would be silent corruption, and the client would only skip the
// endpoint later. An endpoint that does not answer now is logged and left to the client's
// failover.
func CheckEndpoints(ctx context.Context, spec ChainSpec, log *zap.Logger) error {
	answered := 0
	for i, u := range spec.RPCURLs {
		c, err := chain.Dial(ctx, chain.Options{URLs: []string{u}, MaxRetries: -1, RequestTimeout: 10 * time.Second})
		if err != nil {
			return fmt.Errorf("check rpc endpoint %d: %w", i+1, err)
		}
		id, err := c.ChainID(ctx)
		c.Close()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Warn("rpc endpoint not answering at start", zap.String("endpoint", redact.URL(u)), zap.Error(err))
			continue
		}
		answered++
		if id != spec.ChainID {
			return fmt.Errorf("rpc endpoint %s serves chain id %d, not %d (%s): %w",
				redact.URL(u), id, spec.ChainID, spec.Name, ErrWrongChain)
		}
	}
	if answered == 0 && len(spec.RPCURLs) > 0 {
		log.Warn("no rpc endpoint answered at start: retrying while indexing")
	}
	return nil
}

// The fetchers and the metrics wrapper implement the whole engine interface.
var (
	_ indexer.Logs = (*chain.RangeFetcher)(nil)
	_ indexer.Logs = (*payments.Fetcher)(nil)
	_ indexer.Logs = observedLogs{}
)

// commitOf is what an update tells the metrics.
func commitOf(u feed.Update) metrics.Commit {
	c := metrics.Commit{Elapsed: u.Stats.Elapsed, Rows: u.Stats.Inserted, Backfill: u.To <= u.Finalized,
		Indexed: u.Head.Number, Finalized: u.Finalized}
	if u.Reorg != nil {
		c.Rollback, c.Depth, c.Indexed = true, u.Reorg.Depth, u.Reorg.Fork
	}
	for i := range u.Logs {
		switch l := &u.Logs[i]; {
		case l.Event != nil:
			c.Events = append(c.Events, l.Event.Name())
		case errors.Is(l.DecodeErr, erc8004.ErrUnknownEvent):
			c.Unknown++
		case errors.Is(l.DecodeErr, sink.ErrSetAside):
			c.SetAside++
		default:
			c.Malformed++
		}
	}
	return c
}
