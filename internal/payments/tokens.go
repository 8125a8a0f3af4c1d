package payments

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// tokenLogs returns the payment tokens' Transfer logs of [from, to] whose recipient is in set,
// each with the AuthorizationUsed log right before it when the transfer used EIP-3009.
func (f *Fetcher) tokenLogs(ctx context.Context, from, to uint64, set map[common.Address]struct{}) ([]types.Log, error) {
	recipients := make([]common.Address, 0, len(set))
	for a := range set {
		recipients = append(recipients, a)
	}
	slices.SortFunc(recipients, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
	if f.tokenWide(from, to, len(recipients)) {
		logs, err := f.wide.Fetch(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("fetch token logs %d-%d: %w", from, to, err)
		}
		return keepPaying(logs, set), nil
	}
	var transfers []types.Log
	for c := range slices.Chunk(recipients, f.o.RecipientsPerRequest) {
		logs, err := f.fetchOnce(ctx, from, to, [][]common.Hash{{sink.TransferTopic}, nil, topicsOf(c)})
		if err != nil {
			return nil, fmt.Errorf("fetch token transfers %d-%d: %w", from, to, err)
		}
		transfers = append(transfers, logs...)
	}
	if len(transfers) == 0 {
		return nil, nil
	}
	// The nonces: AuthorizationUsed of the transfers' payers, over the blocks that have transfers.
	payers := map[common.Address]struct{}{}
	lo, hi := transfers[0].BlockNumber, transfers[0].BlockNumber
	for _, l := range transfers {
		if len(l.Topics) == 3 {
			payers[common.BytesToAddress(l.Topics[1][:])] = struct{}{}
		}
		lo, hi = min(lo, l.BlockNumber), max(hi, l.BlockNumber)
	}
	list := make([]common.Address, 0, len(payers))
	for a := range payers {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
	out := transfers
	for c := range slices.Chunk(list, f.o.RecipientsPerRequest) {
		auths, err := f.fetchOnce(ctx, lo, hi, [][]common.Hash{{sink.AuthorizationUsedTopic}, topicsOf(c)})
		if err != nil {
			return nil, fmt.Errorf("fetch token authorizations %d-%d: %w", lo, hi, err)
		}
		out = append(out, auths...)
	}
	return keepPaying(out, set), nil
}

// tokenWide decides whether a token-wide scan of [from, to] costs fewer requests than one per
// chunk of n recipients (plus one for the nonces), from the span the wide scan has adapted to.
func (f *Fetcher) tokenWide(from, to uint64, n int) bool {
	switch f.o.Mode {
	case ModeTokenWide:
		return true
	case ModeRecipients:
		return false
	}
	span := max(f.wide.Span(), 1)
	wide := (to - from + span) / span
	byRecipient := uint64((n+f.o.RecipientsPerRequest-1)/f.o.RecipientsPerRequest) + 1
	return wide < byRecipient
}

// fetchOnce fetches the tokens' logs of [from, to] matching topics, the whole range per request
// unless the provider refuses it (then in adaptive spans).
func (f *Fetcher) fetchOnce(ctx context.Context, from, to uint64, topics [][]common.Hash) ([]types.Log, error) {
	rf := &chain.RangeFetcher{Client: f.client, Addresses: f.o.Tokens, Topics: topics,
		InitialSpan: to - from + 1, MaxSpan: to - from + 1}
	return rf.Fetch(ctx, from, to)
}

func topicsOf(addrs []common.Address) []common.Hash {
	out := make([]common.Hash, len(addrs))
	for i, a := range addrs {
		out[i] = common.BytesToHash(a[:])
	}
	return out
}

// keepPaying keeps, from token logs sorted or not, the well-formed Transfers to a recipient of
// set and the AuthorizationUsed logs right before them (same transaction, previous log index,
// authorizer = payer); the result is sorted by (block, log index).
func keepPaying(logs []types.Log, set map[common.Address]struct{}) []types.Log {
	type pos struct {
		block uint64
		index uint
	}
	auth := map[pos]int{}
	for i := range logs {
		if l := &logs[i]; len(l.Topics) == 3 && l.Topics[0] == sink.AuthorizationUsedTopic {
			auth[pos{l.BlockNumber, l.Index}] = i
		}
	}
	var out []types.Log
	for i := range logs {
		l := &logs[i]
		if len(l.Topics) != 3 || l.Topics[0] != sink.TransferTopic || len(l.Data) != 32 {
			continue
		}
		if _, ok := set[common.BytesToAddress(l.Topics[2][:])]; !ok {
			continue
		}
		out = append(out, *l)
		if l.Index == 0 {
			continue
		}
		if j, ok := auth[pos{l.BlockNumber, l.Index - 1}]; ok {
			if a := &logs[j]; a.TxHash == l.TxHash && a.Address == l.Address && a.Topics[1] == l.Topics[1] {
				out = append(out, *a)
			}
		}
	}
	sortLogs(out)
	return out
}
