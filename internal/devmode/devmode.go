// Package devmode is the embedded development mode (indexer dev): an in-process chain with the
// registries deployed (internal/devchain), a traffic generator with forks, the indexer wired as
// run wires it, and an optional publisher, verified against the contracts at the end of a
// bounded run. It lives beside devchain, outside the daemon's production wiring.
package devmode

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// Options configures the embedded development mode.
type Options struct {
	// Blocks stops the traffic after this many generator blocks; 0 runs until ctx ends.
	Blocks uint64
	// ReorgEvery forks the chain every this many blocks (0: never), to a random depth in
	// [1, MaxReorgDepth].
	ReorgEvery    uint64
	MaxReorgDepth uint64
	Seed          int64
	TxPerBlock    int
	// BlockInterval paces the generator when Blocks is 0 (default 1s); with Blocks set it runs
	// as fast as it can.
	BlockInterval time.Duration
	// CatchUpTimeout bounds the wait for the indexer to reach the head (default 2 minutes).
	CatchUpTimeout time.Duration
	// Ready, if set, is called once the chain serves JSON-RPC, with its URLs.
	Ready func(httpURL, wsURL string)
	// Notify, if set, also receives every indexer update.
	Notify func(feed.Update)
	// Finally, if set, runs after the verification while the chain still serves JSON-RPC
	// (tests index the final chain again through it).
	Finally func(ctx context.Context, spec daemon.ChainSpec) error
	// Valkey, if set, is the server the indexed state is published to, as `indexer run
	// --valkey-url` does (see publish.ParseURL); Publish configures the publisher (Dev sets its
	// ChainID). A bounded run waits until Valkey caught up with PostgreSQL before verifying.
	Valkey  *redis.Options
	Publish publish.Options
}

// Summary is what a bounded dev run did.
type Summary struct {
	Blocks uint64 // chain head at the end
	Events int64  // rows in erc8004_events
	Forks  int    // forks made by the generator
	Reorgs int64  // rollbacks the indexer performed
	Txs    int
	Report *verify.Report
}

// String renders the summary's last line, as `indexer dev` prints it.
func (s Summary) String() string {
	mismatches := 0
	if s.Report != nil {
		mismatches = len(s.Report.Mismatches)
	}
	return fmt.Sprintf("dev: blocks=%d events=%d reorgs=%d mismatches=%d", s.Blocks, s.Events, s.Reorgs, mismatches)
}

// Run runs an in-process chain with the registries, a traffic generator and the indexer, all
// writing to pool. With opts.Blocks set it stops the traffic after that many blocks, waits for the
// indexer to reach the head, verifies the projection against the contracts and returns.
func Run(ctx context.Context, pool *pgxpool.Pool, log *zap.Logger, opts Options) (Summary, error) {
	if opts.MaxReorgDepth == 0 {
		opts.MaxReorgDepth = 20
	}
	if opts.BlockInterval == 0 {
		opts.BlockInterval = time.Second
	}
	if opts.CatchUpTimeout == 0 {
		opts.CatchUpTimeout = 2 * time.Minute
	}
	c, err := devchain.New(ctx, devchain.Options{Seed: opts.Seed, HTTP: true, Log: log.Named("devchain")})
	if err != nil {
		return Summary{}, fmt.Errorf("start dev chain: %w", err)
	}
	defer c.Close()
	if opts.Ready != nil {
		opts.Ready(c.HTTPURL(), c.WSURL())
	}
	regs := c.Registries()
	spec := daemon.ChainSpec{
		Name:          "dev",
		ChainID:       c.ChainID(),
		RPCURLs:       []string{c.WSURL()},
		Registries:    regs,
		FinalityDepth: max(64, 2*opts.MaxReorgDepth),
		PollInterval:  100 * time.Millisecond,
	}
	db := sink.NewPostgres(pool, log.Named("sink.pg"))
	pub, stopPublisher := startPublisher(ctx, pool, log, opts, c.ChainID())
	defer stopPublisher()
	var reorgs atomic.Int64
	notify := func(u feed.Update) {
		if u.Reorg != nil {
			reorgs.Add(1)
		}
		if opts.Notify != nil {
			opts.Notify(u)
		}
		if pub != nil {
			pub.Notify(u)
		}
	}
	ictx, stopIndexer := context.WithCancel(ctx)
	defer stopIndexer()
	indexErr := make(chan error, 1)
	go func() { indexErr <- daemon.IndexChain(ictx, spec, db, log, notify) }()

	sum, err := drive(ctx, c, opts, indexErr, log)
	if err != nil || opts.Blocks == 0 {
		return sum, err
	}
	if err := daemon.WaitCaughtUp(ctx, db, c, opts.CatchUpTimeout, indexErr); err != nil {
		return sum, err
	}
	stopIndexer()
	if err := <-indexErr; err != nil && !errors.Is(err, context.Canceled) {
		return sum, fmt.Errorf("indexer: %w", err)
	}
	if pub != nil {
		sctx, cancel := context.WithTimeout(ctx, opts.CatchUpTimeout)
		err := pub.Synced(sctx)
		cancel()
		if err != nil {
			return sum, fmt.Errorf("valkey publication did not catch up within %s: %w", opts.CatchUpTimeout, err)
		}
	}
	client, err := spec.Dial(ctx, log.Named("rpc"))
	if err != nil {
		return sum, err
	}
	defer client.Close()
	sum.Report, err = verify.New(pool, client, spec.ChainID, spec.Registries).Run(ctx)
	if err != nil {
		return sum, fmt.Errorf("verify: %w", err)
	}
	if opts.Finally != nil {
		if err := opts.Finally(ctx, spec); err != nil {
			return sum, err
		}
	}
	sum.Blocks = c.Head()
	sum.Reorgs = reorgs.Load()
	err = pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_events WHERE chain_id = $1`, int64(spec.ChainID)).Scan(&sum.Events)
	if err != nil {
		return sum, fmt.Errorf("count events: %w", err)
	}
	return sum, nil
}

// startPublisher starts the Valkey publisher when opts.Valkey is set. stop ends it and waits
// for its last publication; pub is nil without Valkey.
func startPublisher(ctx context.Context, pool *pgxpool.Pool, log *zap.Logger, opts Options, chainID uint64) (pub *publish.Publisher, stop func()) {
	if opts.Valkey == nil {
		return nil, func() {}
	}
	popts := opts.Publish
	popts.ChainID = chainID
	pub = publish.New(pool, opts.Valkey, log.Named("publish"), popts)
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = pub.Run(pctx) // returns only pctx's error: outages are logged and retried inside
	}()
	return pub, func() {
		cancel()
		<-done
	}
}

// drive runs the traffic generator (and the forks) until opts.Blocks blocks or ctx ends.
func drive(ctx context.Context, c *devchain.Chain, opts Options, indexErr chan error, log *zap.Logger) (Summary, error) {
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: opts.Seed, TxPerBlock: opts.TxPerBlock})
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x8004))
	var sum Summary
	for i := uint64(1); opts.Blocks == 0 || i <= opts.Blocks; i++ {
		select {
		case err := <-indexErr:
			indexErr <- err // leave it for the caller
			return sum, fmt.Errorf("indexer stopped: %w", err)
		default:
		}
		if opts.ReorgEvery > 0 && i%opts.ReorgEvery == 0 {
			// Early in a run the chain above the registries' deployment is shorter than the drawn depth.
			if depth := min(1+rng.Uint64N(opts.MaxReorgDepth), c.MaxForkDepth()); depth > 0 {
				if err := c.Fork(depth); err != nil {
					return sum, fmt.Errorf("fork %d blocks: %w", depth, err)
				}
				sum.Forks++
				log.Info("chain forked", zap.Uint64("depth", depth), zap.Uint64("head", c.Head()))
			}
		}
		if err := gen.Step(ctx); err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			return sum, fmt.Errorf("generate block %d: %w", i, err)
		}
		if opts.Blocks == 0 {
			if err := retry.Sleep(ctx, opts.BlockInterval); err != nil {
				return sum, err
			}
		}
	}
	sum.Txs = gen.Stats().Sent
	return sum, nil
}
