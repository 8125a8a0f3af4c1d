// Command soak is the reorg soak test, for developers: a forking dev chain, deep reorgs, then a
// comparison of every table and view with a fresh index of the final chain. It is a separate
// command so that the shipped indexer binary does not carry it; run it with `make soak`.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/soak"
)

const usage = `Usage: soak [flags]

Runs the embedded dev chain with traffic and --forks random forks of depth 1 to --max-depth while the
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
  go run ./cmd/soak
  go run ./cmd/soak --forks 50 --deep-forks 1 --seed 3

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	var (
		opts     soak.Options
		dbURL    string
		keep     bool
		logLevel string
	)
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(errOut, usage); fs.PrintDefaults() }
	def := os.Getenv("DATABASE_URL")
	if def == "" {
		def = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&dbURL, "database-url", def, "PostgreSQL `url` [DATABASE_URL]")
	fs.IntVar(&opts.Forks, "forks", 1000, "forks of depth 1 to --max-depth (`N`)")
	fs.Uint64Var(&opts.MaxDepth, "max-depth", 64, "deepest of those forks, in `blocks`")
	fs.IntVar(&opts.DeepForks, "deep-forks", 3, "forks deeper than the finality depth (`N`)")
	fs.Uint64Var(&opts.FinalityDepth, "finality-depth", 64, "the indexer's reorg window, in `blocks`")
	fs.Int64Var(&opts.Seed, "seed", 1, "`seed` of the traffic, the forks and the timing")
	fs.IntVar(&opts.TxPerBlock, "tx-per-block", 4, "transactions per traffic block (`N`)")
	fs.IntVar(&opts.MaxTraffic, "max-traffic", 3, "most traffic blocks between two forks (`N`)")
	fs.BoolVar(&keep, "keep-schemas", false, "keep the two schemas for inspection")
	// The indexer logs every batch at info and every rollback at warn; a soak makes thousands.
	fs.StringVar(&logLevel, "log-level", "error", "log `level` of the indexers (debug, info, warn, error)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	level, err := zapcore.ParseLevel(logLevel)
	if err != nil {
		return fmt.Errorf("invalid --log-level %q: %w", logLevel, err)
	}
	lc := zap.NewProductionConfig()
	lc.Level = zap.NewAtomicLevelAt(level)
	log, err := lc.Build()
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	opts.Log = log
	opts.Progress = func(r soak.Report) { fmt.Fprintln(out, r.String()) }
	return soakRun(ctx, dbURL, opts, keep, out, errOut)
}

func soakRun(ctx context.Context, dbURL string, opts soak.Options, keep bool, out, errOut io.Writer) (err error) {
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return fmt.Errorf("random schema name: %w", err)
	}
	base := "soak_" + hex.EncodeToString(suffix[:])
	var pools []*pgxpool.Pool
	for _, name := range []string{base + "_live", base + "_fresh"} {
		pool, err := sink.Open(ctx, dbURL, name, true)
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
		fmt.Fprintf(errOut, "soak: schemas %s_live and %s_fresh are kept\n", base, base)
	}
	rep, err := soak.Run(ctx, pools[0], pools[1], opts)
	for _, d := range rep.Differences {
		fmt.Fprintln(out, "difference:", d)
	}
	for _, m := range rep.Mismatches {
		fmt.Fprintln(out, "mismatch:", m)
	}
	for _, f := range rep.ChainFailures {
		fmt.Fprintln(out, "dev chain failure (segment not compared, its forks unverified; soak continued on a new chain):", f)
	}
	fmt.Fprintln(out, rep.String())
	switch {
	case err != nil:
		return err
	case !rep.OK():
		return fmt.Errorf("%d differences from a fresh index, %d mismatches with the contracts, %d of %d deep reorgs halted",
			len(rep.Differences), len(rep.Mismatches), rep.DeepHalts, rep.DeepForks)
	}
	return nil
}
