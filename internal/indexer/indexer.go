// Package indexer is the converge loop of one chain: cursor → fetch → verify the chain → decode →
// replace the range in PostgreSQL (data, headers and cursor in one transaction) → notify.
package indexer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// ErrDeepReorg is returned (and stops Run) when the chain reorganised below the finality depth and
// the operator did not allow deep reorgs.
var ErrDeepReorg = errors.New("reorg deeper than the finality depth")

// Headers is what the engine needs to read block headers, the chain's progress and one block's
// logs by hash (satisfied by *chain.Client).
type Headers interface {
	HeadNumber(ctx context.Context) (uint64, error)
	Finalized(ctx context.Context) (uint64, bool, error)
	Headers(ctx context.Context, nums []uint64) ([]chain.Header, error)
	Logs(ctx context.Context, q chain.LogQuery) ([]types.Log, error)
}

// Logs fetches every registry log of a block range, sorted and validated, and the headers the
// backfill checks them against (satisfied by *chain.RangeFetcher and payments.Fetcher). Its three
// methods are one explicit interface, not optional ones, so that a wrapper (metrics) cannot hide
// the adaptive span or the cheap header path from the engine.
type Logs interface {
	Fetch(ctx context.Context, from, to uint64) ([]types.Log, error)
	// Span is the most blocks one eth_getLogs request covers now (it adapts to the provider's
	// limits): the backfill cuts chunks to it so that a chunk is usually one request.
	Span() uint64
	// Headers returns the headers of nums, decoding only the fields a header needs (cheaper than
	// a full block decode; the backfill fetches one header per block with logs).
	Headers(ctx context.Context, nums []uint64) ([]chain.Header, error)
}

// Config is one chain's indexing configuration.
type Config struct {
	ChainID    uint64
	Registries map[common.Address]erc8004.Registry
	// StartBlock is the first block indexed when the chain has no cursor yet.
	StartBlock uint64
	// Confirmations keeps the indexer this many blocks behind the head.
	Confirmations uint64
	// FinalityDepth is how far below the head a block counts as final when the node has no
	// "finalized" tag (or UseFinalizedTag is false), and the deepest reorg handled without
	// AllowDeepReorg.
	FinalityDepth   uint64
	UseFinalizedTag bool
	AllowDeepReorg  bool
	// BackfillSpan is the most blocks one batch covers below finality; LiveSpan above it.
	BackfillSpan uint64
	LiveSpan     uint64
	// PollInterval is how long Run waits for a new head before it asks again.
	PollInterval time.Duration
	// MaxBackoff caps the wait between failed batches (default 30s).
	MaxBackoff time.Duration
	// PaymentTokens are the token contracts whose logs the Logs fetcher adds to the registries'
	// (payments.Fetcher): they go to Batch.Payments instead of being decoded as registry logs.
	PaymentTokens map[common.Address]bool
	// PaymentOwners counts transfers to an agent's owner as payments too (Batch.PaymentOwners).
	PaymentOwners bool
}

func (c Config) withDefaults() Config {
	if c.FinalityDepth == 0 {
		c.FinalityDepth = 64
	}
	if c.BackfillSpan == 0 {
		c.BackfillSpan = 10_000
	}
	if c.LiveSpan == 0 {
		c.LiveSpan = 100
	}
	if c.PollInterval == 0 {
		c.PollInterval = 2 * time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	return c
}

// Indexer indexes one chain into PostgreSQL.
type Indexer struct {
	cfg     Config
	headers Headers
	logs    Logs
	db      *sink.Postgres
	log     *zap.Logger
	notify  func(feed.Update)
}

// New returns an indexer. notify, if not nil, is called after every commit; it must not block.
func New(cfg Config, headers Headers, logs Logs, db *sink.Postgres, log *zap.Logger, notify func(feed.Update)) *Indexer {
	if notify == nil {
		notify = func(feed.Update) {}
	}
	return &Indexer{cfg: cfg.withDefaults(), headers: headers, logs: logs, db: db, log: log, notify: notify}
}

// Run indexes until ctx ends or a deep reorg halts it. wake, if not nil, delivers new head numbers
// as a hint; polling stays the source of truth.
func (ix *Indexer) Run(ctx context.Context, wake <-chan uint64) error {
	failures := 0
	for {
		progressed, err := ix.Step(ctx)
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrDeepReorg):
			return err
		default:
			failures++
			delay := retry.Backoff(failures, 200*time.Millisecond, ix.cfg.MaxBackoff)
			ix.log.Warn("batch failed", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Error(err),
				zap.Int("failures", failures), zap.Duration("retry_in", delay))
			if err := retry.Sleep(ctx, delay); err != nil {
				return err
			}
			continue
		}
		if progressed {
			continue
		}
		timer := time.NewTimer(ix.cfg.PollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Step moves the cursor once: below the finalized block it backfills up to it (many batches,
// each committed on its own, see backfill.go), above it commits at most one batch of LiveSpan
// blocks, or it rolls back a reorg. It reports whether it moved the cursor (forward or back).
func (ix *Indexer) Step(ctx context.Context) (bool, error) {
	cur, err := ix.db.Cursor(ctx, ix.cfg.ChainID)
	var expect *sink.Block
	from := ix.cfg.StartBlock
	switch {
	case err == nil:
		expect = &sink.Block{Number: cur.Number, Hash: cur.Hash}
		from = cur.Number + 1
	case errors.Is(err, sink.ErrNotFound):
	default:
		return false, fmt.Errorf("read cursor: %w", err)
	}
	head, err := ix.headers.HeadNumber(ctx)
	if err != nil {
		return false, fmt.Errorf("read head: %w", err)
	}
	if head < ix.cfg.Confirmations {
		return false, nil
	}
	target := head - ix.cfg.Confirmations
	if from > target {
		if expect != nil && from > head+1 {
			// The node's head is below our cursor: either it lags or the chain got shorter
			// (a reorg to a shorter fork). Check our cursor block is still canonical.
			return ix.checkCursor(ctx, cur, head)
		}
		return false, nil
	}
	finalized, err := ix.finalized(ctx, head)
	if err != nil {
		return false, err
	}
	return ix.advance(ctx, expect, from, target, finalized, cur.Finalized)
}

// advance indexes from block from on: below finality the whole way to the finalized block
// through the backfill pipeline (backfill.go), above it the next batch of at most LiveSpan blocks.
func (ix *Indexer) advance(ctx context.Context, expect *sink.Block, from, target, finalized, prevFinalized uint64) (bool, error) {
	if from <= finalized {
		return ix.backfill(ctx, expect, from, min(finalized, target), finalized, prevFinalized)
	}
	to := min(target, from+ix.cfg.LiveSpan-1)
	// Above finality every header is fetched and stored: they are the reorg window.
	want := make([]uint64, 0, to-from+1)
	for n := from; n <= to; n++ {
		want = append(want, n)
	}
	headers, err := ix.fetchHeaders(ctx, want)
	if err != nil {
		return false, err
	}
	first := headers[from]
	if expect != nil && first.ParentHash != expect.Hash {
		return ix.rollback(ctx, expect, finalized)
	}
	for n := from + 1; n <= to; n++ {
		if headers[n].ParentHash != headers[n-1].Hash {
			return false, fmt.Errorf("%w: header %d does not link to %d (reorg in progress)", chain.ErrInconsistent, n, n-1)
		}
	}
	raw, err := ix.logs.Fetch(ctx, from, to)
	if err != nil {
		return false, fmt.Errorf("fetch logs %d-%d: %w", from, to, err)
	}
	if err := chain.Validate(raw, from, to, headers); err != nil {
		return false, fmt.Errorf("validate logs %d-%d: %w", from, to, err)
	}
	if err := ix.checkBlooms(ctx, raw, headers, from, to); err != nil {
		return false, err
	}
	logs, payments := ix.decode(raw, headers)
	batch := &sink.Batch{
		ChainID:       ix.cfg.ChainID,
		From:          from,
		To:            to,
		Logs:          logs,
		Payments:      payments,
		PaymentOwners: ix.cfg.PaymentOwners,
		Expect:        expect,
		Finalized:     finalized,
	}
	last := headers[to]
	batch.Cursor = &sink.Block{Number: last.Number, Hash: last.Hash, ParentHash: last.ParentHash, Time: last.Time}
	for _, h := range headers {
		batch.Blocks = append(batch.Blocks, sink.Block{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash, Time: h.Time})
	}
	sortBlocks(batch.Blocks)
	if finalized > prevFinalized {
		batch.PruneFrom, batch.PruneBelow = prevFinalized, min(finalized, from)
	}
	st, err := ix.replace(ctx, batch)
	if err != nil {
		return false, err
	}
	ix.log.Info("batch committed", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("from", from),
		zap.Uint64("to", to), zap.Int("logs", len(raw)), zap.Int64("rows", st.Inserted),
		zap.Int("keys", st.Touched), zap.Bool("backfill", false), zap.Duration("elapsed", st.Elapsed))
	ix.notify(feed.Update{ChainID: ix.cfg.ChainID, From: from, To: to, Head: *batch.Cursor, Finalized: finalized,
		Logs: batch.Logs, Stats: st})
	return true, nil
}

// checkBlooms guards against a lagging node behind a load balancer that answers eth_getLogs with
// [] for blocks it does not have yet: a block whose header bloom says a registry may have logged
// but for which the answer has no log is asked again by block hash (EIP-234), which such a node
// must refuse. Logs found that way mean the range answer was incomplete: the batch is retried.
// None found means the bloom matched by chance.
func (ix *Indexer) checkBlooms(ctx context.Context, raw []types.Log, headers map[uint64]chain.Header, from, to uint64) error {
	has := make(map[uint64]bool, len(raw))
	for _, l := range raw {
		has[l.BlockNumber] = true
	}
	addrs := make([]common.Address, 0, len(ix.cfg.Registries))
	for a := range ix.cfg.Registries {
		addrs = append(addrs, a)
	}
	for n := from; n <= to; n++ {
		h := headers[n]
		if has[n] || !h.HasBloom || !bloomMatches(h.Bloom, addrs) {
			continue
		}
		hash := h.Hash
		logs, err := ix.headers.Logs(ctx, chain.LogQuery{BlockHash: &hash, Addresses: addrs})
		if err != nil {
			return fmt.Errorf("recheck logs of block %d: %w", n, err)
		}
		if len(logs) > 0 {
			return fmt.Errorf("%w: eth_getLogs %d-%d returned no log for block %d, which has %d", chain.ErrInconsistent,
				from, to, n, len(logs))
		}
	}
	return nil
}

func bloomMatches(b types.Bloom, addrs []common.Address) bool {
	for _, a := range addrs {
		if types.BloomLookup(b, a) {
			return true
		}
	}
	return false
}

// decode turns raw logs into sink logs; a log that fails to decode is kept raw with the error.
// The payment tokens' logs are returned apart, undecoded.
func (ix *Indexer) decode(raw []types.Log, headers map[uint64]chain.Header) (logs, payments []sink.Log) {
	logs = make([]sink.Log, 0, len(raw))
	for i := range raw {
		l := &raw[i]
		sl := sink.Log{Raw: *l, Registry: ix.cfg.Registries[l.Address], BlockTime: headers[l.BlockNumber].Time}
		if ix.cfg.PaymentTokens[l.Address] {
			payments = append(payments, sl)
			continue
		}
		ev, err := erc8004.Decode(l)
		if err != nil {
			sl.DecodeErr = err
			if !errors.Is(err, erc8004.ErrUnknownEvent) {
				ix.log.Warn("undecodable log", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("block", l.BlockNumber),
					zap.Uint("log_index", l.Index), zap.Error(err))
			}
		} else {
			sl.Event = ev
		}
		logs = append(logs, sl)
	}
	return logs, payments
}

// finalized returns the block below which the chain is considered final.
func (ix *Indexer) finalized(ctx context.Context, head uint64) (uint64, error) {
	if ix.cfg.UseFinalizedTag {
		n, ok, err := ix.headers.Finalized(ctx)
		if err != nil {
			return 0, fmt.Errorf("read finalized block: %w", err)
		}
		if ok {
			return n, nil
		}
	}
	if head < ix.cfg.FinalityDepth {
		return 0, nil
	}
	return head - ix.cfg.FinalityDepth, nil
}

func (ix *Indexer) fetchHeaders(ctx context.Context, nums []uint64) (map[uint64]chain.Header, error) {
	return fetchHeaders(ctx, ix.headers.Headers, nums)
}

// fetchHeaders gets the headers of nums with get, all of them or an error.
func fetchHeaders(ctx context.Context, get func(context.Context, []uint64) ([]chain.Header, error), nums []uint64) (map[uint64]chain.Header, error) {
	hs, err := get(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("fetch %d headers from %d: %w", len(nums), nums[0], err)
	}
	out := make(map[uint64]chain.Header, len(hs))
	for _, h := range hs {
		out[h.Number] = h
	}
	for _, n := range nums {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%w: header %d missing from the answer", chain.ErrInconsistent, n)
		}
	}
	return out, nil
}

const fieldChainID = "chain_id"
