// Package payments adds the payment tokens' logs to the registry logs of each block range the
// engine fetches (docs/payments.md): the ERC-20 Transfer logs whose recipient may be an agent's
// wallet (or owner) somewhere in the range, and the EIP-3009 AuthorizationUsed logs that go with
// them. The engine stores them in the range's own transaction, where the sink resolves each
// transfer against the wallet history at its position, so the payments of a range commit, roll
// back and replay with the range's registry events.
//
// Which recipients to ask for: every address that any event up to the range's end made an
// agent's wallet. The Fetcher takes them from three places, so that none is missing however far
// the fetch runs ahead of the commits (the backfill fetches chunks ahead of the committer):
//   - the committed events, up to the cursor (sink.PaymentRecipients, cached below finality);
//   - the registry logs between the cursor and the range, fetched again for this purpose only
//     when there are any (the ranges in flight), with a filter that returns wallet and owner
//     changes only;
//   - the range's own registry logs.
//
// The list is a superset (an address that stopped being a wallet stays on it): the sink keeps
// only the transfers that pay an agent at their position.
package payments

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// Mode selects how token logs are asked for.
type Mode int

const (
	// ModeAuto asks by recipient unless scanning the tokens whole costs fewer requests.
	ModeAuto Mode = iota
	// ModeRecipients always filters Transfer logs by recipient (topics[2], in chunks).
	ModeRecipients
	// ModeTokenWide always fetches every Transfer and AuthorizationUsed of the tokens and
	// filters the recipients locally.
	ModeTokenWide
)

// DefaultRecipientsPerRequest is the most addresses in one eth_getLogs topics[2] list: large
// enough to keep requests few, small enough for providers' filter limits.
const DefaultRecipientsPerRequest = 500

// Recipients reads the committed recipients (satisfied by *sink.Postgres).
type Recipients interface {
	PaymentRecipients(ctx context.Context, chainID, after uint64, owners bool) (sink.Recipients, error)
}

// Options configure a Fetcher.
type Options struct {
	ChainID uint64
	// Identity is the Identity registry, whose logs change wallets and owners.
	Identity common.Address
	// Tokens are the payment tokens; none makes the Fetcher return the registry logs alone.
	Tokens []common.Address
	// Owners asks for transfers to agents' owners too.
	Owners bool
	// StartBlock is the chain's first indexed block (where the history begins without a cursor).
	StartBlock uint64
	// RecipientsPerRequest bounds a topics[2] list (default DefaultRecipientsPerRequest).
	RecipientsPerRequest int
	Mode                 Mode
}

// Fetcher fetches a range's registry logs (Inner) and adds its payment logs.
type Fetcher struct {
	inner  *chain.RangeFetcher
	client *chain.Client
	db     Recipients
	o      Options

	// wide scans the tokens whole; its span adapts to their density and tells ModeAuto what a
	// token-wide scan costs.
	wide *chain.RangeFetcher

	mu    sync.Mutex
	known map[common.Address]struct{} // committed recipients up to block after
	after uint64                      // known holds every recipient of stored events at or below it
}

// New returns a Fetcher of inner's registry logs plus the payment logs of o.Tokens.
func New(inner *chain.RangeFetcher, client *chain.Client, db Recipients, o Options) *Fetcher {
	if o.RecipientsPerRequest <= 0 {
		o.RecipientsPerRequest = DefaultRecipientsPerRequest
	}
	f := &Fetcher{inner: inner, client: client, db: db, o: o, known: map[common.Address]struct{}{}}
	f.wide = &chain.RangeFetcher{Client: client, Addresses: o.Tokens,
		Topics: [][]common.Hash{{sink.TransferTopic, sink.AuthorizationUsedTopic}}}
	return f
}

// Span is the registry fetcher's span (the engine cuts chunks to it).
func (f *Fetcher) Span() uint64 { return f.inner.Span() }

// Headers fetches headers like the registry fetcher.
func (f *Fetcher) Headers(ctx context.Context, nums []uint64) ([]chain.Header, error) {
	return f.inner.Headers(ctx, nums)
}

// Fetch returns the registry logs of [from, to] and the payment logs that may pay an agent
// there, sorted by (block, log index).
func (f *Fetcher) Fetch(ctx context.Context, from, to uint64) ([]types.Log, error) {
	regs, err := f.inner.Fetch(ctx, from, to)
	if err != nil || len(f.o.Tokens) == 0 || f.o.Identity == (common.Address{}) {
		return regs, err
	}
	set, err := f.recipients(ctx, from, regs)
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return regs, nil
	}
	pays, err := f.tokenLogs(ctx, from, to, set)
	if err != nil {
		return nil, err
	}
	all := append(regs, pays...)
	sortLogs(all)
	return all, nil
}

// sortLogs sorts logs by (block, log index).
func sortLogs(logs []types.Log) {
	slices.SortFunc(logs, func(a, b types.Log) int {
		return cmp.Or(cmp.Compare(a.BlockNumber, b.BlockNumber), cmp.Compare(a.Index, b.Index))
	})
}

// recipients returns every address that an event before block from, or a log of regs, made an
// agent's wallet (or owner).
func (f *Fetcher) recipients(ctx context.Context, from uint64, regs []types.Log) (map[common.Address]struct{}, error) {
	f.mu.Lock()
	after := f.after
	f.mu.Unlock()
	r, err := f.db.PaymentRecipients(ctx, f.o.ChainID, after, f.o.Owners)
	if err != nil {
		return nil, err
	}
	base := f.o.StartBlock
	if r.HasCursor {
		base = r.Cursor + 1
	}
	var gap []types.Log
	if base < from {
		// Ranges fetched ahead of the commits: their wallet changes are not stored yet.
		if gap, err = f.changes(ctx, base, from-1); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	set := make(map[common.Address]struct{}, len(f.known)+len(r.Addresses))
	for a := range f.known {
		set[a] = struct{}{}
	}
	// Only what is final is cached: above it a reorg may replace the stored events.
	stable := r.HasCursor && min(r.Finalized, r.Cursor) > f.after
	for _, a := range r.Addresses {
		set[a] = struct{}{}
		if stable {
			f.known[a] = struct{}{}
		}
	}
	if stable {
		// The next read starts above the finalized block: it returns its addresses again, the
		// ones above it that a reorg may have changed, and everything newer.
		f.after = min(r.Finalized, r.Cursor)
	}
	f.mu.Unlock()
	for _, logs := range [][]types.Log{gap, regs} {
		for i := range logs {
			if a, ok := f.recipientOf(&logs[i]); ok {
				set[a] = struct{}{}
			}
		}
	}
	return set, nil
}

// The topic0s of the Identity logs that change a wallet or an owner.
var metadataSetTopics, transferTopic = func() ([]common.Hash, common.Hash) {
	var ms []common.Hash
	var tr common.Hash
	for _, v := range erc8004.Variants() {
		switch {
		case v.Name == "MetadataSet" && v.Registry == erc8004.RegistryIdentity:
			ms = append(ms, v.Topic0)
		case v.Name == "Transfer" && v.Registry == erc8004.RegistryIdentity:
			tr = v.Topic0
		}
	}
	return ms, tr
}()

// walletKey is keccak256("agentWallet"), topics[2] of the wallet's MetadataSet.
var walletKey = common.HexToHash("0x2ac6109326e720d1435c0db66f7e35eda7839f52b6f1f5520a60788e132b4e39")

// changes fetches the Identity registry's wallet (and with Owners, owner) changes of [from, to].
func (f *Fetcher) changes(ctx context.Context, from, to uint64) ([]types.Log, error) {
	topics := [][]common.Hash{metadataSetTopics, nil, {walletKey}}
	if f.o.Owners {
		topics = [][]common.Hash{append(slices.Clone(metadataSetTopics), transferTopic)}
	}
	rf := &chain.RangeFetcher{Client: f.client, Addresses: []common.Address{f.o.Identity}, Topics: topics,
		InitialSpan: to - from + 1, MaxSpan: max(to-from+1, 1)}
	logs, err := rf.Fetch(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("fetch wallet changes %d-%d: %w", from, to, err)
	}
	return logs, nil
}

// recipientOf returns the address an Identity log makes a wallet (or, with Owners, an owner).
func (f *Fetcher) recipientOf(l *types.Log) (common.Address, bool) {
	if l.Address != f.o.Identity || len(l.Topics) == 0 {
		return common.Address{}, false
	}
	ev, err := erc8004.Decode(l)
	if err != nil {
		return common.Address{}, false
	}
	switch ev := ev.(type) {
	case *erc8004.MetadataSet:
		var a common.Address
		copy(a[:], ev.Value)
		return a, ev.KeyHash == walletKey && a != (common.Address{})
	case *erc8004.Transfer:
		return ev.To, f.o.Owners && ev.To != (common.Address{})
	}
	return common.Address{}, false
}
