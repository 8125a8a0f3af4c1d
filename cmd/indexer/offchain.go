package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/offchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
)

// resolverConfig maps the command's off-chain settings to the resolver's; zero values keep the
// resolver's defaults.
func resolverConfig(o config.Offchain) offchain.Config {
	return offchain.Config{
		IPFSGateways:    o.IPFSGateways,
		ArweaveGateways: o.ArweaveGateways,
		AllowHTTP:       o.AllowHTTP,
		AllowPrivate:    o.AllowPrivate,
		MaxBytes:        int64(min(o.MaxBytes, 1<<40)),
		Timeout:         o.Timeout,
		Concurrency:     int(min(o.Concurrency, 1<<16)),
		PerHost:         int(min(o.PerHost, 1<<16)),
	}
}

// newOffchainWorker returns the off-chain file worker of run and its resolver (to Close), or
// nils when --fetch-offchain=false. It reports its attempts and queue to m.
func newOffchainWorker(o config.Offchain, pool *pgxpool.Pool, m *metrics.Metrics, parsed func(int64, []string), log *zap.Logger) (*offchain.Worker, *offchain.Resolver) {
	if !o.Fetch {
		log.Info("off-chain files are not fetched (--fetch-offchain=false)")
		return nil, nil
	}
	if o.AllowPrivate {
		log.Warn("off-chain SSRF guard off: files may be fetched from private addresses (--offchain-allow-private)")
	}
	r := offchain.NewResolver(resolverConfig(o))
	w := offchain.NewWorker(offchain.WorkerConfig{Refresh: o.Refresh, Parsed: parsed, NoDomains: !o.VerifyDomains,
		Observe: func(file string, d time.Duration, s offchain.Status) { m.ObserveOffchain(file, string(s), d) },
		Backlog: m.SetOffchainQueue,
	}, pool, r, log.Named("offchain"))
	return w, r
}

// withOffchainWake returns notify followed by a wake-up of the off-chain worker w (nil: none),
// so a commit that changed agents or feedback is reconciled without waiting for the poll.
func withOffchainWake(notify func(feed.Update), w *offchain.Worker) func(feed.Update) {
	if w == nil {
		return notify
	}
	return func(u feed.Update) {
		if notify != nil {
			notify(u)
		}
		w.Wake()
	}
}

// devOffchain is dev mode's off-chain worker, fed by a local file server (offchain.DevFiles)
// that answers for every host of the dev chain's URIs.
type devOffchain struct {
	files    *offchain.DevFiles
	resolver *offchain.Resolver
	worker   *offchain.Worker
}

// newDevOffchain starts the file server and builds the worker; nil when --fetch-offchain=false.
func newDevOffchain(o config.Offchain, pool *pgxpool.Pool, log *zap.Logger) *devOffchain {
	if !o.Fetch {
		return nil
	}
	files := offchain.NewDevFiles()
	r := offchain.NewResolver(files.Config())
	w := offchain.NewWorker(offchain.WorkerConfig{Poll: 500 * time.Millisecond, Refresh: time.Minute,
		RetryBase: 2 * time.Second, RetryMax: 30 * time.Second}, pool, r, log.Named("offchain"))
	log.Info("dev off-chain files served locally (some broken on purpose); see them with: " +
		"SELECT agent_id, status, name, x402_support FROM v_erc8004_agent_profiles ORDER BY agent_id")
	return &devOffchain{files: files, resolver: r, worker: w}
}

// Close stops the file server and the resolver's connections.
func (d *devOffchain) Close() {
	d.resolver.Close()
	d.files.Close()
}

// settle waits (up to timeout) until no registration or feedback file is pending, so a bounded
// run's summary counts what the worker made of every file.
func (d *devOffchain) settle(ctx context.Context, pool *pgxpool.Pool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		d.worker.Wake()
		const q = `SELECT (SELECT count(*) FROM erc8004_agents a WHERE NOT EXISTS (
		                       SELECT 1 FROM erc8004_agent_registrations r
		                       WHERE r.chain_id = a.chain_id AND r.agent_id = a.agent_id AND r.status <> 'pending'))
		                + (SELECT count(*) FROM erc8004_feedback_files WHERE status = 'pending')`
		var pending int64
		if err := pool.QueryRow(ctx, q).Scan(&pending); err != nil {
			return fmt.Errorf("count pending off-chain files: %w", err)
		}
		if pending == 0 || time.Now().After(deadline) {
			return nil
		}
		if err := retry.Sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// printDevOffchain prints a bounded dev run's off-chain counts per status.
func printDevOffchain(ctx context.Context, pool *pgxpool.Pool) error {
	counts, err := queryOffchainCounts(ctx, pool, true)
	if err != nil {
		return err
	}
	for _, c := range counts { // one dev chain
		printOffchainCounts(os.Stdout, []chainStatus{{Chain: "dev", Offchain: *c}})
	}
	return nil
}
