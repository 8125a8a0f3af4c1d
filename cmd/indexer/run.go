package main

import (
	"context"
	"flag"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

func init() {
	var backfillSpan uint64
	register(command{
		name:    "run",
		summary: "index a chain's ERC-8004 registries and keep following it",
		help: `Applies the migrations, then backfills the chain's registries from their start block (or
from the cursor of an earlier run) and follows the head. Every batch commits its events, projections,
block hashes and cursor in one transaction: kill it at any moment and the next run resumes exactly
where the last commit ended. Reorgs are detected by parent hashes and rolled back; one deeper than
the finality depth halts the indexer unless --allow-deep-reorg is given.

Examples:
  indexer run --chain ethereum --rpc-url https://eth.example/v2/KEY --database-url postgres://...
  indexer run --chain-id 1337 --identity-registry 0x... --reputation-registry 0x... \
      --rpc-url ws://127.0.0.1:8546 --from-block 0 --confirmations 2`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
			cfg.IndexFlags(fs)
			fs.Uint64Var(&backfillSpan, "backfill-span", 0, "most `blocks` per batch below finality (default 10000)")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url", "rpc-url"); err != nil {
				return err
			}
			spec, err := daemon.SpecFromConfig(cfg)
			if err != nil {
				return err
			}
			spec.BackfillSpan = backfillSpan
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
			log.Info("indexing", zap.String("chain", spec.Name), zap.Uint64("chain_id", spec.ChainID),
				zap.Uint64("start_block", spec.StartBlock))
			return daemon.IndexChain(ctx, spec, sink.NewPostgres(pool, log.Named("sink.pg")), log, nil)
		},
	})
}
