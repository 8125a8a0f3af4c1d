// Package daemon wires the indexer's parts together for the commands: one chain's RPC client,
// log fetcher and converge loop (IndexChain), and the embedded development mode (Dev).
package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// ChainSpec is everything needed to index one chain.
type ChainSpec struct {
	Name            string
	ChainID         uint64
	RPCURLs         []string
	Registries      verify.Registries // a zero address means the chain has no such registry
	StartBlock      uint64
	Confirmations   uint64
	FinalityDepth   uint64
	UseFinalizedTag bool
	AllowDeepReorg  bool
	// PollInterval overrides the default head polling period (tests and dev use a short one).
	PollInterval time.Duration
	// RequestTimeout overrides the RPC client's per-request timeout.
	RequestTimeout time.Duration
	// MaxBackoff caps the waits between retries of RPC calls and of failed batches.
	MaxBackoff time.Duration
	// BackfillSpan and LiveSpan override the most blocks per batch below and above finality.
	BackfillSpan, LiveSpan uint64
}

// addresses returns the registry addresses to filter logs by, and their kinds.
func (s ChainSpec) addresses() ([]common.Address, map[common.Address]erc8004.Registry) {
	kinds := map[common.Address]erc8004.Registry{}
	var addrs []common.Address
	add := func(a common.Address, r erc8004.Registry) {
		if a != (common.Address{}) {
			kinds[a] = r
			addrs = append(addrs, a)
		}
	}
	add(s.Registries.Identity, erc8004.RegistryIdentity)
	add(s.Registries.Reputation, erc8004.RegistryReputation)
	add(s.Registries.Validation, erc8004.RegistryValidation)
	return addrs, kinds
}

// Dial connects to the chain's RPC endpoints and checks they serve the configured chain id.
func (s ChainSpec) Dial(ctx context.Context, log *zap.Logger) (*chain.Client, error) {
	client, err := chain.Dial(ctx, chain.Options{URLs: s.RPCURLs, Log: log, ChainID: s.ChainID,
		PollInterval: s.PollInterval, RequestTimeout: s.RequestTimeout, RetryMax: s.MaxBackoff})
	if err != nil {
		return nil, fmt.Errorf("dial chain %d: %w", s.ChainID, err)
	}
	return client, nil
}

// IndexChain backfills and then follows one chain until ctx ends or a deep reorg halts it.
// notify, if not nil, is called after every commit and must not block.
func IndexChain(ctx context.Context, spec ChainSpec, db *sink.Postgres, log *zap.Logger, notify func(indexer.Update)) error {
	client, err := spec.Dial(ctx, log.Named("rpc"))
	if err != nil {
		return err
	}
	defer client.Close()
	ix := NewIndexer(spec, client, db, log, notify)
	heads, err := client.SubscribeHeads(ctx)
	if err != nil {
		return fmt.Errorf("subscribe to heads of chain %d: %w", spec.ChainID, err)
	}
	return ix.Run(ctx, heads)
}

// NewIndexer builds the converge loop of spec's chain on an existing client.
func NewIndexer(spec ChainSpec, client *chain.Client, db *sink.Postgres, log *zap.Logger, notify func(indexer.Update)) *indexer.Indexer {
	addrs, kinds := spec.addresses()
	fetcher := &chain.RangeFetcher{Client: client, Addresses: addrs}
	cfg := indexer.Config{
		ChainID:         spec.ChainID,
		Registries:      kinds,
		StartBlock:      spec.StartBlock,
		Confirmations:   spec.Confirmations,
		FinalityDepth:   spec.FinalityDepth,
		UseFinalizedTag: spec.UseFinalizedTag,
		AllowDeepReorg:  spec.AllowDeepReorg,
		PollInterval:    spec.PollInterval,
		BackfillSpan:    spec.BackfillSpan,
		LiveSpan:        spec.LiveSpan,
		MaxBackoff:      spec.MaxBackoff,
	}
	return indexer.New(cfg, client, fetcher, db, log.Named("indexer"), notify)
}
