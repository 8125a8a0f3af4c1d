package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/httpserver"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// runFlags are the options of `indexer run` that are not in config.Config.
type runFlags struct {
	fs           *flag.FlagSet // the parsed flag set, to tell set flags from defaults
	backfillSpan uint64
	lockPoll     time.Duration
}

func init() {
	var rf runFlags
	register(command{
		name:    "run",
		summary: "index the configured chains and keep following them",
		help: `Applies the migrations, then backfills each chain's registries from their start block (or
from the cursor of an earlier run) and follows the head, one goroutine per chain. Every batch commits
its events, projections, block hashes and cursor in one transaction: kill it at any moment and the
next run resumes exactly where the last commit ended. Reorgs are detected by parent hashes and rolled
back; one deeper than the finality depth halts the indexer unless --allow-deep-reorg is given.

Chains: one from the command line (--chain with a built-in deployment, or --chain-id with registry
addresses), or several from a YAML file (--config; see docs/configuration.md). A built-in chain
whose start block is not known, and a custom deployment without --from-block, start at the
registries' first Upgraded log, found with one eth_getLogs (else a binary search over eth_getCode).
An RPC endpoint that serves another chain id is refused at start.

With several chains, such an endpoint (or a deep reorg) halts that chain only: it is logged, shown
by erc8004_chain_halted and /readyz, and the other chains go on. The process exits 1 when no chain
is left, and at once on any other error that stops a chain (a supervisor restart retries it).

High availability: each chain is indexed under a PostgreSQL advisory lock (per schema and chain id)
held on a dedicated connection. Start the same command twice (two hosts, two Render instances): one
process indexes each chain, the other stands by and takes over within about --lock-poll when the
first dies. If the lock's connection breaks, the chain stops indexing at once and waits for the
lock again. The connection must reach PostgreSQL directly (or through a session-mode pooler).

Observability: JSON logs (console on a terminal) with one "batch committed" line per batch,
"backfill progress" lines (blocks done, blocks/s, ETA) and a progress bar on a terminal;
/metrics (Prometheus), /healthz and /readyz (database reachable, every chain this process indexes
within --max-lag blocks of its head) on --http-addr. With --valkey-url, the head, agent aggregates,
leaderboard and event/reorg channels are published to Valkey after every commit.

Examples:
  indexer run --chain base --rpc-url https://base.example/v2/KEY --database-url postgres://...
  indexer run --config /etc/indexer.yaml --http-addr 0.0.0.0:9090
  indexer run --config /etc/indexer.yaml --chain sepolia          # only this chain of the file
  indexer run --chain-id 1337 --identity-registry 0x... --reputation-registry 0x... \
      --rpc-url ws://127.0.0.1:8546 --from-block 0 --confirmations 2`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			rf.fs = fs
			cfg.DatabaseFlags(fs)
			cfg.MigrateFlags(fs)
			cfg.ChainFlags(fs)
			cfg.IndexFlags(fs)
			cfg.FileFlags(fs)
			cfg.HTTPFlags(fs)
			cfg.ValkeyFlags(fs)
			cfg.PublishFlags(fs)
			cfg.PaymentFlags(fs)
			cfg.OffchainFlags(fs)
			fs.Uint64Var(&rf.backfillSpan, "backfill-span", 0, "most `blocks` per batch below finality (default 10000)")
			fs.DurationVar(&rf.lockPoll, "lock-poll", time.Second, "how often a standby tries to take a chain's lock (`duration`)")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			return runChains(ctx, cfg, rf)
		},
	})
}

func runChains(ctx context.Context, cfg *config.Config, rf runFlags) error {
	if err := cfg.LoadFile(rf.fs, os.Getenv); err != nil {
		return err
	}
	required := []string{"database-url", "chain", "rpc-url"}
	if len(cfg.FileChains) > 0 {
		required = required[:1]
	}
	if err := cfg.Require(required...); err != nil {
		return err
	}
	specs, err := daemon.SpecsFromConfig(cfg)
	if err != nil {
		return err
	}
	var valkey *redis.Options
	if cfg.ValkeyURL != "" {
		if valkey, err = publish.ParseURL(cfg.ValkeyURL); err != nil {
			return err
		}
	}

	// On a terminal, log lines and the progress bar share stderr.
	var bar *metrics.Bar
	log, err := cfg.Logger()
	if config.IsTerminal(os.Stderr) {
		bar = metrics.NewBar(os.Stderr)
		log, err = config.NewLoggerTo(bar, true, cfg.LogFormat, cfg.LogLevel)
	}
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if valkey != nil {
		redis.SetLogger(publish.RedisLogger(log))
	}
	log.Info("starting", zap.Object("config", cfg), zap.Int("chains", len(specs)))

	pool, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := sink.NewPostgres(pool, log.Named("sink.pg"))
	m := metrics.New()

	g, gctx := errgroup.WithContext(ctx)
	srv, err := listenHTTP(cfg, m, pool, log)
	if err != nil {
		return err
	}
	if srv != nil {
		g.Go(func() error { return srv.Run(gctx) })
	}
	halts := &chainHalts{running: len(specs)}
	progress := metrics.NewProgress(m, log.Named("progress"), bar)
	g.Go(func() error { return progress.Run(gctx) })
	// The off-chain worker tells each chain's publisher which agents' parsed files changed; the
	// map is filled below, before the worker starts.
	pubs := map[int64]*publish.Publisher{}
	ow, resolver := newOffchainWorker(cfg.Offchain, pool, m, func(chainID int64, ids []string) {
		if p := pubs[chainID]; p != nil {
			p.Touch(ids)
		}
	}, log)
	if ow != nil {
		defer resolver.Close()
	}
	for _, spec := range specs {
		spec.BackfillSpan = rf.backfillSpan
		spec.Metrics = m.Chain(spec.Name, spec.ChainID)
		var notify func(feed.Update)
		if valkey != nil {
			pub := publish.New(pool, valkey, log.Named("publish").With(zap.String("chain", spec.Name)),
				publish.Options{ChainID: spec.ChainID, Prefix: cfg.KeyPrefix, TTL: cfg.PublishTTL()})
			g.Go(func() error { return pub.Run(gctx) })
			notify = pub.Notify
			pubs[int64(spec.ChainID)] = pub
		}
		notify = withOffchainWake(notify, ow)
		log.Info("chain configured", zap.String("chain", spec.Name), zap.Uint64("chain_id", spec.ChainID),
			zap.Uint64("start_block", spec.StartBlock), zap.Bool("find_start", spec.FindStart),
			zap.Uint64("confirmations", spec.Confirmations), zap.Uint64("finality_depth", spec.FinalityDepth))
		g.Go(func() error {
			err := daemon.RunChain(gctx, spec, db, log, daemon.RunOptions{Schema: cfg.Schema, LockPoll: rf.lockPoll, Notify: notify})
			if err == nil || errors.Is(err, context.Canceled) {
				return err
			}
			err = fmt.Errorf("chain %s: %w", spec.Name, err)
			if !errors.Is(err, indexer.ErrDeepReorg) && !errors.Is(err, daemon.ErrWrongChain) {
				// Possibly transient (the database or the RPC failed while the chain started):
				// end the process, as a supervisor restart retries it.
				return err
			}
			return halts.halt(spec, err, log)
		})
	}
	if ow != nil {
		g.Go(func() error { return ow.Run(gctx) })
	}
	return g.Wait()
}

// chainHalts lets one chain of several stop on an error it cannot recover from (a reorg deeper
// than the finality depth, an endpoint of another chain) while the others go on: the process
// fails only when no chain is left.
type chainHalts struct {
	mu      sync.Mutex
	running int
	errs    []error
}

// halt records that spec's chain stopped with err. It returns nil while other chains run (the
// halt shows in the log, in erc8004_chain_halted and in /readyz), else every chain's error.
func (h *chainHalts) halt(spec daemon.ChainSpec, err error, log *zap.Logger) error {
	spec.Metrics.SetHalted(err)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running--
	h.errs = append(h.errs, err)
	if h.running > 0 {
		log.Error("chain halted: indexing the other chains goes on; fix the cause and restart",
			zap.String("chain", spec.Name), zap.Uint64("chain_id", spec.ChainID), zap.Error(err))
		return nil
	}
	if len(h.errs) == 1 {
		return err
	}
	msgs := make([]string, len(h.errs))
	for i, e := range h.errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("every chain halted: %s", strings.Join(msgs, "; "))
}

// listenHTTP opens the /metrics, /healthz and /readyz server on --http-addr for run and dev. It
// returns nil without an address, or when the default address is taken: nobody asked for it,
// and another process (a second indexer on this host) may well have it, so indexing goes on
// without the endpoints (logged).
func listenHTTP(cfg *config.Config, m *metrics.Metrics, pool *pgxpool.Pool, log *zap.Logger) (*httpserver.Server, error) {
	if cfg.HTTPAddr == "" {
		return nil, nil
	}
	srv := httpserver.New(m, pool, cfg.MaxLag, log.Named("http"))
	switch err := srv.Listen(cfg.HTTPAddr); {
	case err == nil:
		return srv, nil
	case cfg.HTTPAddr == config.DefaultHTTPAddr:
		log.Warn("http server disabled: the default address is in use; set --http-addr", zap.Error(err))
		return nil, nil
	default:
		return nil, err
	}
}
