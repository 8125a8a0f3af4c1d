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
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// options are the bench command's flags.
type options struct {
	dbURL      string
	which      string
	cpuProfile string
	memProfile string
	// serverProfile is where the synthetic chain of the dense case writes its CPU profile.
	serverProfile string
	keep          bool
	verbose       bool
	// valkeyURL, when set, runs the publisher as indexer run does with Valkey (its hook on every
	// commit and its aggregate queries), under a key prefix of its own.
	valkeyURL string
	dense     synthchain.Config
	sparse    synthchain.Config
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o := options{
		dense:  synthchain.Config{Blocks: 250_000, EventsPerBlock: 5, GapEvery: 10_000, GapLength: 2_000},
		sparse: synthchain.Config{Blocks: 100_000, EventsPerBlock: 1, EventEvery: 500},
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	defURL := os.Getenv("DATABASE_URL")
	if defURL == "" {
		defURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.dbURL, "database-url", defURL, "PostgreSQL `url` [DATABASE_URL]")
	fs.StringVar(&o.which, "case", "all", "`case` to run: all, dense or sparse")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the dense backfill to `file`")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile after the dense backfill to `file`")
	fs.StringVar(&o.serverProfile, "server-cpuprofile", "", "write a CPU profile of the dense case's synthetic chain to `file`")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark schemas")
	fs.StringVar(&o.valkeyURL, "valkey-url", "redis://127.0.0.1:6379/0",
		"publish to this Valkey `url` during the backfills, as indexer run does (empty: no publisher)")
	fs.BoolVar(&o.verbose, "v", false, "log every committed batch")
	fs.Uint64Var(&o.dense.Blocks, "dense-blocks", o.dense.Blocks, "blocks of the dense case")
	fs.Uint64Var(&o.dense.EventsPerBlock, "dense-events-per-block", o.dense.EventsPerBlock, "logs per block of the dense case")
	if err := fs.Parse(args); err != nil {
		return err
	}

	fmt.Fprintf(out, "bench: load %s", loadavg())
	var res denseResult
	switch o.which {
	case "all", "dense", "sparse":
	default:
		return fmt.Errorf("unknown case %q", o.which)
	}
	if o.which != "sparse" {
		var err error
		if res, err = runDense(ctx, o, out); err != nil {
			return fmt.Errorf("dense case: %w", err)
		}
	}
	if o.which != "dense" {
		if err := runSparse(ctx, o, out); err != nil {
			return fmt.Errorf("sparse case: %w", err)
		}
	}
	fmt.Fprintf(out, "bench: load %s", loadavg())
	if o.which != "sparse" {
		ratio := res.eventsPerS / res.copyRowsPerS
		fmt.Fprintf(out, "bench: events_per_s=%.0f copy_rows_per_s=%.0f ratio=%.2f rss_mb=%.0f\n",
			res.eventsPerS, res.copyRowsPerS, ratio, peakRSSMB())
	}
	return nil
}

type denseResult struct {
	eventsPerS, copyRowsPerS float64
}

// backfillResult is what one backfill measured.
type backfillResult struct {
	elapsed, replace time.Duration // wall time; summed Replace time
	batches          int
	// cpu is the CPU time used meanwhile by the indexer (this process), the PostgreSQL backends
	// of its connections and the synthetic chain's process.
	cpuIndexer, cpuPostgres, cpuServer time.Duration
}

func (r backfillResult) cpu() string {
	return fmt.Sprintf("cpu indexer=%.1fs postgres=%.1fs server=%.1fs wall=%.1fs", r.cpuIndexer.Seconds(),
		r.cpuPostgres.Seconds(), r.cpuServer.Seconds(), r.elapsed.Seconds())
}

// backfill indexes the child's chain from block 0 into a fresh schema until the indexer has
// nothing left to do. It wires the engine as indexer run does: metrics observe every RPC call
// and commit, and with o.valkeyURL the publisher's hook sees every commit while the publisher
// runs beside the backfill.
func backfill(ctx context.Context, o options, ch *child, pool *pgxpool.Pool, log *zap.Logger) (backfillResult, error) {
	var r backfillResult
	spec := daemon.ChainSpec{
		Name: "synthetic", ChainID: 80_004, RPCURLs: []string{ch.url},
		Registries:    synthchain.DefaultRegistries,
		FinalityDepth: 64, UseFinalizedTag: true,
	}
	spec.Metrics = metrics.New().Chain(spec.Name, spec.ChainID)
	client, err := spec.Dial(ctx, log)
	if err != nil {
		return r, err
	}
	defer client.Close()
	hook := func(feed.Update) {}
	if o.valkeyURL != "" {
		stop, notify, err := startPublisher(ctx, o.valkeyURL, spec.ChainID, pool, log)
		if err != nil {
			return r, err
		}
		defer stop()
		hook = notify
	}
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(pool, log), log, func(u feed.Update) {
		r.replace += u.Stats.Elapsed
		r.batches++
		hook(u)
	})
	pgStart := backendCPU(ctx, pool)
	selfStart := processCPU()
	serverStart := ch.cpu()
	start := time.Now()
	for {
		progressed, err := ix.Step(ctx)
		if err != nil {
			return r, err
		}
		if !progressed {
			break
		}
	}
	r.elapsed = time.Since(start)
	r.cpuIndexer, r.cpuPostgres, r.cpuServer = processCPU()-selfStart, backendCPU(ctx, pool)-pgStart, ch.cpu()-serverStart
	return r, nil
}

func runDense(ctx context.Context, o options, out io.Writer) (denseResult, error) {
	var res denseResult
	ch, err := startChild(ctx, o.dense, o.serverProfile)
	if err != nil {
		return res, err
	}
	defer ch.stop()
	fmt.Fprintf(out, "dense: chain blocks=%d events=%d finalized=%d\n", ch.head, ch.event, ch.final)
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return res, err
	}
	defer dropSchema(o, pool, schema)
	log := benchLogger(o.verbose)

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
	}
	r, err := backfill(ctx, o, ch, pool, log)
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return res, err
	}
	rss := peakRSSMB()
	if o.memProfile != "" {
		if err := writeProfile("allocs", o.memProfile); err != nil {
			return res, err
		}
	}
	var stored int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_events`).Scan(&stored); err != nil {
		return res, err
	}
	if uint64(stored) != ch.event {
		return res, fmt.Errorf("indexed %d events, the chain has %d", stored, ch.event)
	}
	st, err := ch.stats(ctx)
	if err != nil {
		return res, err
	}
	res.eventsPerS = float64(ch.event) / r.elapsed.Seconds()
	fmt.Fprintf(out, "dense: elapsed=%s events_per_s=%.0f blocks_per_s=%.0f batches=%d replace=%s rss_mb=%.0f\n",
		r.elapsed.Round(time.Millisecond), res.eventsPerS, float64(ch.head)/r.elapsed.Seconds(), r.batches,
		r.replace.Round(time.Millisecond), rss)
	fmt.Fprintf(out, "dense: %s\n", r.cpu())
	fmt.Fprintf(out, "dense: rpc http_requests=%d batches=%d %s refusals(range/result/batch)=%d/%d/%d\n",
		st.HTTPRequests, st.Batches, calls(st), st.RangeRefusals, st.ResultRefusals, st.BatchRefusals)

	rates, err := copyRate(ctx, o, ch.event, out)
	if err != nil {
		return res, fmt.Errorf("measure copy rate: %w", err)
	}
	res.copyRowsPerS = rates.two
	fmt.Fprintf(out, "dense: copy erc8004_events rows_per_s=%.0f with two streams (the backfill's concurrency), %.0f with one "+
		"(same table definition, indexes included); without indexes rows_per_s=%.0f (one stream)\n", rates.two, rates.one, rates.bare)
	return res, nil
}

func runSparse(ctx context.Context, o options, out io.Writer) error {
	ch, err := startChild(ctx, o.sparse, "")
	if err != nil {
		return err
	}
	defer ch.stop()
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return err
	}
	defer dropSchema(o, pool, schema)
	r, err := backfill(ctx, o, ch, pool, benchLogger(o.verbose))
	if err != nil {
		return err
	}
	st, err := ch.stats(ctx)
	if err != nil {
		return err
	}
	getLogs := st.Calls["eth_getLogs"]
	fmt.Fprintf(out, "sparse: blocks=%d events=%d elapsed=%s batches=%d rpc http_requests=%d %s\n", ch.head, ch.event,
		r.elapsed.Round(time.Millisecond), r.batches, st.HTTPRequests, calls(st))
	fmt.Fprintf(out, "sparse: eth_getLogs=%d below_finality_blocks=%d getlogs_per_2000_blocks=%.2f\n",
		getLogs, ch.final, float64(getLogs)/(float64(ch.final)/2000))
	return nil
}

func calls(st synthchain.Stats) string {
	var parts []string
	for _, m := range []string{"eth_getLogs", "eth_getBlockByNumber", "eth_getBlockByHash", "eth_blockNumber", "eth_chainId"} {
		if n := st.Calls[m]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", m, n))
		}
	}
	return strings.Join(parts, " ")
}

// freshSchema creates a new schema, migrated when migrate is set, and a pool on it.
func freshSchema(ctx context.Context, url string, migrate bool) (*pgxpool.Pool, string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, "", fmt.Errorf("parse database url: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.ConnConfig.RuntimeParams["application_name"] = benchApp
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("open database: %w", err)
	}
	if migrate {
		err = migrations.Up(ctx, pool, schema)
	} else {
		_, err = pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	}
	if err != nil {
		pool.Close()
		return nil, "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	return pool, schema, nil
}

func dropSchema(o options, pool *pgxpool.Pool, schema string) {
	defer pool.Close()
	if o.keep {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := pool.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: drop schema %s: %v\n", schema, err)
	}
}

func benchLogger(verbose bool) *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(zap.WarnLevel)
	if verbose {
		cfg.Level = zap.NewAtomicLevelAt(zap.InfoLevel)
	}
	log, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return log
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	p := pprof.Lookup(name)
	if p == nil {
		return errors.New("no profile " + name)
	}
	return p.WriteTo(f, 0)
}
