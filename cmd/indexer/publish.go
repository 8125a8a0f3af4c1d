package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

func init() {
	var (
		chain  string
		resync bool
		ttl    time.Duration
	)
	register(command{
		name:    "publish",
		summary: "rebuild a chain's Valkey keys from the database",
		help: `With --resync, rewrites every Valkey key of the chain from PostgreSQL in the layout that
'indexer run' maintains: the head hash, one hash per agent (with its TTL), and the leaderboard
(rebuilt from scratch); agent keys of agents the database does not have are deleted. Nothing is
published on the channels. Use it after restoring Valkey, changing the key prefix or TTL, or
whenever Valkey is suspected to be out of date; a running indexer also does this by itself when
Valkey comes back after an outage, and every TTL/3.

It is safe while an indexer runs: both write what PostgreSQL holds; a key written from an older
snapshot is corrected by the indexer's next change of that agent or its next periodic resync.

Examples:
  indexer publish --resync --chain base --database-url postgres://... --valkey-url rediss://:PASSWORD@valkey.example:6380/0
  indexer publish --resync --chain 1337 --key-prefix dev:`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ValkeyFlags(fs)
			fs.StringVar(&chain, "chain", "", "`chain` whose keys to rebuild: a built-in name (ethereum, base, sepolia, ...) or a chain id [CHAIN]")
			fs.BoolVar(&resync, "resync", false, "rewrite every key of the chain from the database")
			fs.DurationVar(&ttl, "agent-ttl", 24*time.Hour, "lifetime of the agent hashes (`duration`; 0: none)")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url", "valkey-url"); err != nil {
				return err
			}
			if !resync {
				return errors.New("nothing to do: give --resync (see 'indexer publish --help')")
			}
			chainID, err := chainIDOf(chain)
			if err != nil {
				return err
			}
			log, err := cfg.Logger()
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			redis.SetLogger(publish.RedisLogger(log))
			valkey, err := publish.ParseURL(cfg.ValkeyURL)
			if err != nil {
				return err
			}
			pool, err := openDB(ctx, cfg, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			if ttl == 0 {
				ttl = -1 // publish.Options: negative is "no expiry", zero the default
			}
			pub := publish.New(pool, valkey, log.Named("publish"), publish.Options{ChainID: chainID, Prefix: cfg.KeyPrefix, TTL: ttl})
			defer pub.Close()
			st, err := pub.Resync(ctx)
			if err != nil {
				return fmt.Errorf("resync chain %d to %s: %w", chainID, redact.URL(cfg.ValkeyURL), err)
			}
			log.Debug("resync done", zap.Duration("elapsed", st.Elapsed))
			fmt.Printf("publish: chain=%d head=%d agents=%d ranked=%d stale_deleted=%d\n",
				chainID, st.Head, st.Agents, st.Ranked, st.Stale)
			return nil
		},
	})
}

// chainIDOf resolves --chain: a built-in chain name or a chain id.
func chainIDOf(chain string) (uint64, error) {
	if chain == "" {
		return 0, &config.FieldError{Field: "chain", Msg: "missing: give a chain name or id"}
	}
	id, _, _, err := config.ResolveChain(chain)
	if err != nil {
		return 0, &config.FieldError{Field: "chain", Value: chain, Msg: "unknown chain; use a chain id or a built-in name (see 'indexer run --help')"}
	}
	return id, nil
}
