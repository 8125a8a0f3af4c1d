package main

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/offchain"
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

// newOffchainWorker returns the off-chain file worker of run and dev and its resolver (to
// Close), or nils when --fetch-offchain=false.
func newOffchainWorker(o config.Offchain, pool *pgxpool.Pool, poll time.Duration, log *zap.Logger) (*offchain.Worker, *offchain.Resolver) {
	if !o.Fetch {
		log.Info("off-chain files are not fetched (--fetch-offchain=false)")
		return nil, nil
	}
	if o.AllowPrivate {
		log.Warn("off-chain SSRF guard off: files may be fetched from private addresses (--offchain-allow-private)")
	}
	r := offchain.NewResolver(resolverConfig(o))
	w := offchain.NewWorker(offchain.WorkerConfig{Poll: poll, Refresh: o.Refresh}, pool, r, log.Named("offchain"))
	return w, r
}

// withOffchainWake returns notify followed by a wake-up of the off-chain worker w (nil: none),
// so a commit that changed agents or feedback is reconciled without waiting for the poll.
func withOffchainWake(notify func(indexer.Update), w *offchain.Worker) func(indexer.Update) {
	if w == nil {
		return notify
	}
	return func(u indexer.Update) {
		if notify != nil {
			notify(u)
		}
		w.Wake()
	}
}
