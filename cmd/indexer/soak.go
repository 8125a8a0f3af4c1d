package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/soak"
)

func init() {
	var (
		opts soak.Options
		keep bool
		fs   *flag.FlagSet
	)
	register(command{
		name:    "soak",
		summary: "reorg soak test: a forking dev chain, deep reorgs, then a comparison with a fresh index (for developers)",
		help: `Runs the embedded dev chain with traffic and --forks random forks of depth 1 to --max-depth while the
indexer follows it, plus --deep-forks forks deeper than --finality-depth: each of those must halt the
indexer with "reorg deeper than the finality depth" and leave the database exactly as it was, after
which the soak rolls it back as an operator would (deep reorgs allowed for one step) and follows
again. At the end it indexes the final chain again from scratch and compares every table and view
row by row, and checks the projection against the contracts' view functions.

It writes to two new schemas soak_<random>_live and soak_<random>_fresh of --database-url and drops
them at the end unless --keep-schemas. A progress line is printed every 50 forks and the figures as
the last line:
  soak: forks=N fork_blocks=N deepest=N deep_forks=N deep_halts=N rollbacks=N ... differences=N
It exits non-zero on any difference, mismatch or mishandled deep reorg.

Examples:
  indexer soak --database-url postgres://postgres@127.0.0.1:5432/postgres
  indexer soak --forks 50 --deep-forks 1 --seed 3`,
		flags: func(f *flag.FlagSet, cfg *config.Config) {
			fs = f
			cfg.DatabaseFlags(f)
			f.IntVar(&opts.Forks, "forks", 1000, "forks of depth 1 to --max-depth (`N`)")
			f.Uint64Var(&opts.MaxDepth, "max-depth", 64, "deepest of those forks, in `blocks`")
			f.IntVar(&opts.DeepForks, "deep-forks", 3, "forks deeper than the finality depth (`N`)")
			f.Uint64Var(&opts.FinalityDepth, "finality-depth", 64, "the indexer's reorg window, in `blocks`")
			f.Int64Var(&opts.Seed, "seed", 1, "`seed` of the traffic, the forks and the timing")
			f.IntVar(&opts.TxPerBlock, "tx-per-block", 4, "transactions per traffic block (`N`)")
			f.IntVar(&opts.MaxTraffic, "max-traffic", 3, "most traffic blocks between two forks (`N`)")
			f.BoolVar(&keep, "keep-schemas", false, "keep the two schemas for inspection")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url"); err != nil {
				return err
			}
			// The indexer logs every batch at info and every rollback at warn; a soak makes thousands.
			levelSet := false
			fs.Visit(func(f *flag.Flag) { levelSet = levelSet || f.Name == "log-level" })
			if !levelSet {
				cfg.LogLevel = "error"
			}
			log, err := cfg.Logger()
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			opts.Log = log
			opts.Progress = func(r soak.Report) { fmt.Println(r.String()) }
			return runSoak(ctx, cfg, opts, keep)
		},
	})
}

func runSoak(ctx context.Context, cfg *config.Config, opts soak.Options, keep bool) (err error) {
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return fmt.Errorf("random schema name: %w", err)
	}
	base := "soak_" + hex.EncodeToString(suffix[:])
	var pools []*pgxpool.Pool
	for _, name := range []string{base + "_live", base + "_fresh"} {
		c := *cfg
		c.Schema = name
		pool, err := openDB(ctx, &c, true)
		if err != nil {
			return err
		}
		defer pool.Close()
		pools = append(pools, pool)
		if !keep {
			defer func() {
				// Dropped even after an interrupt: the soak's own context is gone by then.
				dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				if _, derr := pool.Exec(dctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); derr != nil {
					err = errors.Join(err, fmt.Errorf("drop schema %s: %w", name, derr))
				}
			}()
		}
	}
	if keep {
		fmt.Fprintf(os.Stderr, "soak: schemas %s_live and %s_fresh are kept\n", base, base)
	}
	rep, err := soak.Run(ctx, pools[0], pools[1], opts)
	for _, d := range rep.Differences {
		fmt.Println("difference:", d)
	}
	for _, m := range rep.Mismatches {
		fmt.Println("mismatch:", m)
	}
	for _, f := range rep.ChainFailures {
		fmt.Println("dev chain failure (segment not compared, its forks unverified; soak continued on a new chain):", f)
	}
	fmt.Println(rep.String())
	switch {
	case err != nil:
		return err
	case !rep.OK():
		return fmt.Errorf("%d differences from a fresh index, %d mismatches with the contracts, %d of %d deep reorgs halted",
			len(rep.Differences), len(rep.Mismatches), rep.DeepHalts, rep.DeepForks)
	}
	return nil
}
