package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// analyticsOptions are the flags of 'bench analytics'.
type analyticsOptions struct {
	dbURL            string
	agents, feedback int
	backfillBlocks   uint64
	samples          int
	keep             bool
}

// runAnalytics measures the consumers' queries on the reputation aggregates and rollups: agents
// and feedback are COPYed into a fresh schema (as 'bench api' does) and the aggregates rebuilt
// from them, then a synthetic chain's batches are written through the sink beside them (the
// backfill rate with the aggregates, rollups and indexes kept up to date on full tables), then
// the queries are timed on one connection. The last line is
//
//	analytics: agent_summary_p99_ms=N tag_summary_p99_ms=N leaderboard_ms=N rollup_day_ms=N backfill_events_per_s=N
//
// leaderboard_ms and rollup_day_ms are the slowest of their samples.
func runAnalytics(ctx context.Context, args []string, out io.Writer) error {
	o := analyticsOptions{}
	fs := flag.NewFlagSet("bench analytics", flag.ContinueOnError)
	defURL := os.Getenv("DATABASE_URL")
	if defURL == "" {
		defURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.dbURL, "database-url", defURL, "PostgreSQL `url` [DATABASE_URL]")
	fs.IntVar(&o.agents, "agents", 100_000, "agents to load")
	fs.IntVar(&o.feedback, "feedback", 1_000_000, "feedback rows to load")
	fs.Uint64Var(&o.backfillBlocks, "backfill-blocks", 30_000, "blocks of the synthetic chain written through the sink (5 events each)")
	fs.IntVar(&o.samples, "samples", 2000, "queries per latency measurement")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench analytics: load %s", loadavg())
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return err
	}
	defer dropSchema(options{keep: o.keep}, pool, schema)
	start := time.Now()
	if err := loadAPIData(ctx, pool, apiOptions{agents: o.agents, feedback: o.feedback}); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench analytics: loaded %d agents, %d feedback and their aggregates into %s in %s\n",
		o.agents, o.feedback, schema, time.Since(start).Round(time.Millisecond))

	events, elapsed, err := analyticsBackfill(ctx, pool, o.backfillBlocks)
	if err != nil {
		return err
	}
	perS := float64(events) / elapsed.Seconds()
	fmt.Fprintf(out, "bench analytics: backfill of %d events through the sink in %s: %.0f events/s\n",
		events, elapsed.Round(time.Millisecond), perS)

	r := rand.New(rand.NewPCG(15, 8004))
	randomAgent := func() []any { return []any{strconv.Itoa(r.IntN(o.agents))} }
	agentP99, err := latency(ctx, pool, o.samples, `SELECT feedback_count, revoked_count, unique_clients, summary_value, summary_decimals
		FROM v_erc8004_agent_reputation WHERE chain_id = 1 AND agent_id = $1::numeric`, randomAgent)
	if err != nil {
		return err
	}
	tagP99, err := latency(ctx, pool, o.samples, `SELECT tag1, tag2, feedback_count, summary_value, summary_decimals
		FROM v_erc8004_agent_tag_reputation WHERE chain_id = 1 AND agent_id = $1::numeric`, randomAgent)
	if err != nil {
		return err
	}
	statsP99, err := latency(ctx, pool, o.samples/4, `SELECT * FROM v_erc8004_agent_stats WHERE chain_id = 1 AND agent_id = $1::numeric`, randomAgent)
	if err != nil {
		return err
	}
	none := func() []any { return nil }
	leader, err := slowest(ctx, pool, 20, `SELECT agent_id, summary_value, summary_decimals, feedback_count FROM erc8004_agent_aggregates
		WHERE chain_id = 1 ORDER BY summary_value DESC, agent_id LIMIT 100`, none)
	if err != nil {
		return err
	}
	leaderView, err := slowest(ctx, pool, 5, `SELECT agent_id, summary_value, summary_decimals, feedback_count FROM v_erc8004_agent_reputation
		WHERE chain_id = 1 ORDER BY summary_value DESC, agent_id LIMIT 100`, none)
	if err != nil {
		return err
	}
	rollup, err := slowest(ctx, pool, 20, `SELECT * FROM v_erc8004_chain_daily WHERE chain_id = 1 ORDER BY day`, none)
	if err != nil {
		return err
	}
	var days int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM v_erc8004_chain_daily WHERE chain_id = 1`).Scan(&days); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench analytics: v_erc8004_agent_stats of one agent p99 %.2f ms; top-100 through v_erc8004_agent_reputation (sorts every agent) %.1f ms; %d days of rollups\n",
		statsP99, leaderView, days)
	fmt.Fprintf(out, "bench analytics: load %s", loadavg())
	fmt.Fprintf(out, "analytics: agent_summary_p99_ms=%.2f tag_summary_p99_ms=%.2f leaderboard_ms=%.2f rollup_day_ms=%.2f backfill_events_per_s=%.0f\n",
		agentP99, tagP99, leader, rollup, perS)
	return nil
}

// analyticsBackfill writes a synthetic chain of blocks blocks (5 registry logs each, chain
// 80004) through sink.Replace in batches of 2,000 blocks, and returns the events written and
// the time the Replaces took (the logs are generated and decoded beforehand).
func analyticsBackfill(ctx context.Context, pool *pgxpool.Pool, blocks uint64) (int, time.Duration, error) {
	c, err := synthchain.New(synthchain.Config{Blocks: blocks, EventsPerBlock: 5})
	if err != nil {
		return 0, 0, err
	}
	regs := synthchain.DefaultRegistries
	kinds := map[common.Address]erc8004.Registry{regs.Identity: erc8004.RegistryIdentity,
		regs.Reputation: erc8004.RegistryReputation, regs.Validation: erc8004.RegistryValidation}
	const span = 2000
	var batches []*sink.Batch
	events := 0
	for from := uint64(1); from <= c.Head(); from += span {
		to := min(from+span-1, c.Head())
		b := &sink.Batch{ChainID: c.Config().ChainID, From: from, To: to}
		withLogs := map[uint64]bool{from: true, to: true}
		for _, l := range c.Logs(from, to) {
			ev, err := erc8004.Decode(&l)
			b.Logs = append(b.Logs, sink.Log{Raw: l, Registry: kinds[l.Address], Event: ev, DecodeErr: err, BlockTime: l.BlockTimestamp})
			withLogs[l.BlockNumber] = true
		}
		for n := from; n <= to; n++ {
			if withLogs[n] {
				h := c.Header(n)
				b.Blocks = append(b.Blocks, sink.Block{Number: n, Hash: h.Hash(), ParentHash: h.ParentHash, Time: h.Time})
			}
		}
		cur := b.Blocks[len(b.Blocks)-1]
		b.Cursor = &cur
		events += len(b.Logs)
		batches = append(batches, b)
	}
	db := sink.NewPostgres(pool, zap.NewNop())
	start := time.Now()
	for _, b := range batches {
		if _, err := db.Replace(ctx, b); err != nil {
			return 0, 0, err
		}
	}
	return events, time.Since(start), nil
}

// latency runs q n times with args from next and returns the 99th percentile in milliseconds.
func latency(ctx context.Context, pool *pgxpool.Pool, n int, q string, next func() []any) (float64, error) {
	ms, err := timeQuery(ctx, pool, n, q, next)
	if err != nil {
		return 0, err
	}
	slices.Sort(ms)
	return ms[min(len(ms)-1, len(ms)*99/100)], nil
}

// slowest runs q n times and returns the slowest run in milliseconds.
func slowest(ctx context.Context, pool *pgxpool.Pool, n int, q string, next func() []any) (float64, error) {
	ms, err := timeQuery(ctx, pool, n, q, next)
	if err != nil {
		return 0, err
	}
	return slices.Max(ms), nil
}

// timeQuery runs q n times on one connection (after one untimed run that prepares it), reading
// every row, and returns each run's duration in milliseconds.
func timeQuery(ctx context.Context, pool *pgxpool.Pool, n int, q string, next func() []any) ([]float64, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	run := func() error {
		rows, err := conn.Query(ctx, q, next()...)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	}
	if err := run(); err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	out := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if err := run(); err != nil {
			return nil, fmt.Errorf("query %q: %w", q, err)
		}
		out = append(out, float64(time.Since(start).Microseconds())/1000)
	}
	return out, nil
}
