package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devmode"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

func init() {
	var opts devmode.Options
	register(command{
		name:    "dev",
		summary: "run a local chain with the registries, a traffic generator and the indexer",
		help: `The embedded default: an in-process EVM chain with the project's own ERC-8004 v2.0
registries deployed, a seeded traffic generator that calls every registry function (valid calls and
calls that must revert), a JSON-RPC HTTP+WS endpoint on loopback (its URLs are logged) and the
indexer following it, all writing to DATABASE_URL. With --valkey-url it also publishes the head,
the agents' aggregates, the leaderboard and the event and reorg channels, as 'indexer run' does.

Payments: the chain also deploys a USDC-like token with EIP-3009 (6 decimals), which the indexer
takes as its payment token, and each block carries --payments token transfers (plain transfers,
transferWithAuthorization, receiveWithAuthorization) to agents' owners and wallets and to other
addresses; forks drop or move some of them (see docs/payments.md). The verification recounts them.

With --blocks N it stops the traffic after N blocks, lets the indexer catch up, cross-checks the
database against the contracts' view functions (as 'indexer verify' does), prints
  dev: blocks=N events=N reorgs=N mismatches=N
as its last line and exits non-zero on any mismatch. Without --blocks it runs until interrupted.

Off-chain files: the dev chain's registration and feedback URIs (https://...example.org/...,
ipfs://...) are answered by a local file server, some broken on purpose, and the off-chain worker
parses them within seconds (see docs/offchain.md; --fetch-offchain=false turns it off). With
--blocks, the line before the summary counts them per status:
  dev: off-chain registrations ok=N ...; feedback files ok=N ...

At start it prints, once, where to look: the chain's JSON-RPC URLs, a psql query on the views,
the Valkey keys when publishing, and the metrics and health URLs (--http-addr, as in run).

Examples:
  indexer dev --database-url postgres://postgres@127.0.0.1:5432/postgres
  indexer dev --blocks 500 --reorg-every 25 --seed 7
  indexer dev --valkey-url redis://127.0.0.1:6379/0 --key-prefix dev:`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.MigrateFlags(fs)
			cfg.ValkeyFlags(fs)
			cfg.PublishFlags(fs)
			cfg.HTTPFlags(fs)
			cfg.FetchOffchainFlag(fs)
			fs.Uint64Var(&opts.Blocks, "blocks", 0, "stop after `N` blocks, verify and print a summary (0: run until interrupted)")
			fs.Uint64Var(&opts.ReorgEvery, "reorg-every", 0, "fork the chain every `N` blocks (0: never)")
			fs.Uint64Var(&opts.MaxReorgDepth, "max-reorg-depth", 20, "deepest fork, in `blocks`")
			fs.Int64Var(&opts.Seed, "seed", 1, "`seed` of the traffic generator and of the forks")
			fs.IntVar(&opts.TxPerBlock, "tx-per-block", 8, "transactions per block (`N`)")
			fs.Func("payments", "payment token transfers per block (`N`, default 2; 0: none)", func(v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return fmt.Errorf("not a number of transfers: %q", v)
				}
				opts.Payments = n
				if n == 0 {
					opts.Payments = -1
				}
				return nil
			})
			fs.DurationVar(&opts.BlockInterval, "block-interval", 0, "time between blocks without --blocks (`duration`, default 1s)")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url"); err != nil {
				return err
			}
			log, err := cfg.Logger()
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			pool, err := openDB(ctx, cfg, true)
			if err != nil {
				return err
			}
			defer pool.Close()
			if cfg.ValkeyURL != "" {
				if opts.Valkey, err = publish.ParseURL(cfg.ValkeyURL); err != nil {
					return err
				}
				opts.Publish.Prefix = cfg.KeyPrefix
				opts.Publish.TTL = cfg.PublishTTL()
				redis.SetLogger(publish.RedisLogger(log))
				log.Info("publishing to valkey", zap.String("url", redact.URL(cfg.ValkeyURL)),
					zap.String("key_prefix", cfg.KeyPrefix))
			}
			opts.Metrics = metrics.New()
			srv, err := listenHTTP(cfg, opts.Metrics, pool, log)
			if err != nil {
				return err
			}
			httpAddr := ""
			if srv != nil {
				httpAddr = srv.Addr()
				hctx, stopHTTP := context.WithCancel(ctx)
				httpDone := make(chan error, 1)
				go func() { httpDone <- srv.Run(hctx) }()
				defer func() { stopHTTP(); <-httpDone }()
			}
			opts.Ready = func(httpURL, wsURL string) {
				log.Info("dev chain serving JSON-RPC", zap.String("http", httpURL), zap.String("ws", wsURL))
				printWhereToLook(os.Stdout, cfg, httpURL, wsURL, httpAddr)
			}
			// The off-chain worker runs beside the dev chain, on files served locally.
			dctx, stopWorker := context.WithCancel(ctx)
			defer stopWorker()
			workerDone := make(chan error, 1)
			off := newDevOffchain(cfg.Offchain, pool, log)
			if off != nil {
				defer off.Close()
				opts.Notify = withOffchainWake(opts.Notify, off.worker)
				go func() { workerDone <- off.worker.Run(dctx) }()
			} else {
				close(workerDone)
			}
			sum, err := devmode.Run(ctx, pool, log, opts)
			if err == nil && off != nil && opts.Blocks > 0 {
				err = off.settle(ctx, pool, 30*time.Second)
			}
			stopWorker()
			if werr := <-workerDone; err == nil {
				err = werr
			}
			if err != nil {
				return err
			}
			if opts.Blocks == 0 {
				return nil
			}
			if off != nil {
				if err := printDevOffchain(ctx, pool); err != nil {
					return err
				}
			}
			for _, m := range sum.Report.Mismatches {
				fmt.Println("mismatch:", m)
			}
			fmt.Println(sum)
			if n := len(sum.Report.Mismatches); n > 0 {
				return fmt.Errorf("%d mismatches between the database and the contracts", n)
			}
			return nil
		},
	})
}

// printWhereToLook tells a newcomer, once, where the dev run's results can be seen.
func printWhereToLook(out io.Writer, cfg *config.Config, httpURL, wsURL, httpAddr string) {
	fmt.Fprintf(out, "indexer dev: a local chain with the ERC-8004 registries and traffic, indexed into PostgreSQL\n")
	fmt.Fprintf(out, "  JSON-RPC  %s  (%s)\n", httpURL, wsURL)
	fmt.Fprintf(out, "  tables    psql %s -c %s\n", shellQuote(redact.URL(cfg.DatabaseURL)),
		shellQuote("SET search_path = "+cfg.Schema+"; "+devQuery))
	if cfg.ValkeyURL != "" {
		fmt.Fprintf(out, "  valkey    redis-cli -u %s HGETALL %s%d:head   (agents: %s%d:agent:{id}, %s%d:leaderboard; channels %s%d:events, %s%d:reorgs)\n",
			shellQuote(redact.URL(cfg.ValkeyURL)), cfg.KeyPrefix, devchain.ChainID, cfg.KeyPrefix, devchain.ChainID,
			cfg.KeyPrefix, devchain.ChainID, cfg.KeyPrefix, devchain.ChainID, cfg.KeyPrefix, devchain.ChainID)
	}
	if httpAddr != "" {
		fmt.Fprintf(out, "  metrics   http://%s/metrics   health http://%s/readyz\n", httpAddr, httpAddr)
	}
}

// devQuery is the query printed for a first look at the indexed agents.
const devQuery = `SELECT p.agent_id, p.status, p.name, r.feedback_count, r.summary_value, r.summary_decimals ` +
	`FROM v_erc8004_agent_profiles p LEFT JOIN v_erc8004_agent_reputation r USING (chain_id, agent_id) ` +
	`ORDER BY p.agent_id LIMIT 20`

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
