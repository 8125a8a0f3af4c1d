package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

func init() {
	var fs *flag.FlagSet
	register(command{
		name:    "api",
		summary: "serve the read API (JSON over HTTP) on the indexed database",
		help: `Serves the read-only JSON API under /v1 (chains, agents, feedback, getSummary, validations,
stats), /openapi.json, /healthz, /readyz and /metrics. It only reads: a read replica and a role
with nothing but erc8004_reader are enough, and it starts while the database or the indexer is
down (routes answer 503 until the database is back).

Clients authenticate with 'Authorization: Bearer KEY' or 'X-API-Key: KEY' (keys from
'indexer apikey create'); without a key they are limited per IP by --anonymous-rate (0: a key
is required). Limits are counted in Valkey (--valkey-url), shared by every API process; while
Valkey is unreachable each process counts alone. Responses are cached for --cache-ttl in Valkey
and in memory, keyed by the chain's indexed block hash: a new block or a reorg is a cache miss.
The configuration file's "api:" section (listen, anonymous_rate, key_rate, cache_ttl,
trusted_proxies, request_timeout) sets the same values. See docs/api.md.

Examples:
  indexer api --database-url postgres://api@replica/erc8004 --valkey-url redis://127.0.0.1:6379/0
  indexer api --listen 0.0.0.0:8080 --anonymous-rate 0 --key-rate 1000/m --trusted-proxies 1`,
		flags: func(f *flag.FlagSet, cfg *config.Config) {
			fs = f
			cfg.DatabaseFlags(f)
			cfg.ValkeyFlags(f)
			cfg.APIFlags(f)
			cfg.FileFlags(f)
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if cfg.ConfigFile != "" {
				if err := cfg.LoadFile(fs, os.Getenv); err != nil {
					return err
				}
			}
			return runAPI(ctx, cfg)
		},
	})
}

func runAPI(ctx context.Context, cfg *config.Config) error {
	if err := cfg.Require("database-url"); err != nil {
		return err
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	pool, err := api.OpenDB(ctx, cfg.DatabaseURL, cfg.Schema, cfg.API.RequestTimeout)
	if err != nil {
		return err
	}
	defer pool.Close()
	var rdb *redis.Client
	if cfg.ValkeyURL != "" {
		o, err := redis.ParseURL(cfg.ValkeyURL)
		if err != nil {
			return fmt.Errorf("parse valkey url %s: %w", redact.URL(cfg.ValkeyURL), err)
		}
		// Fail fast on the request path: a slow or absent Valkey falls back to local state.
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries = 250*time.Millisecond, 250*time.Millisecond, 250*time.Millisecond, -1
		rdb = redis.NewClient(o)
		defer rdb.Close()
	}
	srv := api.New(api.Options{DB: pool, Valkey: rdb, Prefix: cfg.KeyPrefix, Log: log.Named("api"), Config: cfg.API})
	if err := srv.Listen(cfg.API.Listen); err != nil {
		return err
	}
	return srv.Run(ctx)
}
