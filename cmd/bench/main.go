// Command bench measures backfill throughput: it serves a synthetic ERC-8004 chain
// (internal/synthchain) from a child process, indexes it from block 0 into a fresh PostgreSQL
// schema with the production wiring (daemon.NewIndexer), and measures PostgreSQL's raw COPY rate
// for rows of the erc8004_events shape in the same run.
//
// Cases:
//
//	dense   1,000,000 events over 250,000 blocks (5 per block, with quiet stretches of 2,000
//	        empty blocks every 10,000): events/s, blocks/s, RPC requests, peak RSS
//	sparse  100,000 blocks with one event per 500 blocks: eth_getLogs requests per 2,000 blocks
//	        below finality
//
// The last line of output is
//
//	bench: events_per_s=N copy_rows_per_s=N ratio=R rss_mb=N
//
// Usage:
//
//	bench [-case all|dense|sparse] [-database-url URL] [-cpuprofile FILE] [-memprofile FILE]
//	bench serve [chain flags]   (the synthetic chain alone; prints its URL)
//	bench payments [-transfers N] [-mode auto|recipients|token-wide]   (see payments.go)
//	bench api [-agents N] [-feedback N] [-duration D] [-concurrency N]   (the read API; see api.go)
//	bench analytics [-agents N] [-feedback N] [-backfill-blocks N]   (aggregates and rollups: see
//	                             analytics.go; last line "analytics: agent_summary_p99_ms=N
//	                             tag_summary_p99_ms=N leaderboard_ms=N rollup_day_ms=N
//	                             backfill_events_per_s=N")
//	bench offchain [flags]      (the off-chain worker: 10,000 files through a local gateway, then a
//	                             backfill with the worker off and on; last line
//	                             "offchain: files=N per_s=N p99_ms=N")
//
// It is not a test: `make bench` runs it, `make test` does not.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "serve":
		err = serve(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "payments":
		err = runPayments(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "api":
		err = runAPI(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "analytics":
		err = runAnalytics(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "offchain":
		err = runOffchain(ctx, os.Args[2:], os.Stdout)
	default:
		err = run(ctx, os.Args[1:], os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
