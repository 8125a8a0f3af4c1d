package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
)

// upgradedTopic is topic0 of ERC-1967's Upgraded(address), which every registry proxy emits in
// its constructor: the block of a proxy's first Upgraded log is its deployment.
var upgradedTopic = crypto.Keccak256Hash([]byte("Upgraded(address)"))

// FindStartBlock returns the first block to index for a chain whose registries' deployment
// blocks are not known: the block of the proxies' first Upgraded log, found with one eth_getLogs
// over the whole chain (filtered by address and topic, so the answer is tiny). A provider that
// refuses so wide a range, or registries that are not ERC-1967 proxies, fall back to a binary
// search for the first block where a registry address has code (eth_getCode, which needs an
// archive node for old blocks).
func FindStartBlock(ctx context.Context, spec ChainSpec, client *chain.Client, log *zap.Logger) (uint64, error) {
	head, err := client.HeadNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("find start block of chain %d: %w", spec.ChainID, err)
	}
	addrs, _ := spec.Registries.Kinds()
	logs, logsErr := client.Logs(ctx, chain.LogQuery{From: 0, To: head, Addresses: addrs, Topics: [][]common.Hash{{upgradedTopic}}})
	if logsErr == nil && len(logs) > 0 {
		first := logs[0].BlockNumber
		for _, l := range logs {
			first = min(first, l.BlockNumber)
		}
		return first, nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if logsErr == nil {
		logsErr = errors.New("no Upgraded log: the registries are not ERC-1967 proxies")
	}
	log.Info("searching the start block by eth_getCode", zap.NamedError("get_logs", logsErr))
	block, codeErr := findByCode(ctx, client, addrs, head)
	if codeErr == nil {
		return block, nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return 0, fmt.Errorf("find start block of chain %d: eth_getLogs over blocks 0-%d: %v; eth_getCode search: %v; "+
		"give the start block (--from-block, or start_block in the config file)", spec.ChainID, head, logsErr, codeErr)
}

// findByCode binary-searches, for each address, the first block at which it has code, and
// returns the lowest. Code, once deployed, stays (the registries cannot self-destruct).
// Every call goes through client: bounded in time and size, retried and failed over like the
// indexer's own.
func findByCode(ctx context.Context, client *chain.Client, addrs []common.Address, head uint64) (uint64, error) {
	hasCode := func(a common.Address, n uint64) (bool, error) {
		code, err := client.CodeAt(ctx, a, n)
		return len(code) > 0, err
	}
	best, found := head, false
	for _, a := range addrs {
		ok, err := hasCode(a, head)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		lo, hi := uint64(0), head // invariant: code at hi; none below lo
		for lo < hi {
			mid := lo + (hi-lo)/2
			ok, err := hasCode(a, mid)
			if err != nil {
				return 0, err
			}
			if ok {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		best, found = min(best, hi), true
	}
	if !found {
		return 0, fmt.Errorf("no registry address has code at block %d", head)
	}
	return best, nil
}
