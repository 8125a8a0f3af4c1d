package indexer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// The backfill below finality is a pipeline: a planner cuts the range into chunks, fetch workers
// get each chunk's logs and the headers they need, validate and decode them (concurrently, up
// to fetchAhead chunks ahead), and the committer takes the chunks in order, groups them into
// batches and hands each batch to a flight that commits it in the background while the next
// chunks are being fetched. A batch is what has been fetched when the committer is free, up to
// batchLogs logs: PostgreSQL never waits for a batch to fill, and batches grow when fetching is
// faster than committing. Up to maxInFlight flights run at once: each stages its batch (COPY of
// its block-keyed rows on its own connection, sink.Stage) while the one before it commits, and
// commits (sink.Staged.Commit) once that one has. Every batch is still one transaction (data,
// headers and cursor) that expects the previous one's cursor, and the first header of every
// chunk must name the previous chunk's last header as its parent: a chain that changed under
// the pipeline stops it before anything inconsistent is committed.

const (
	// fetchAhead is how many chunks are fetched and decoded ahead of the committer.
	fetchAhead = 2
	// chunkLogs is the number of logs a chunk aims at: a chunk is fetched, decoded and held
	// whole, so its size bounds the pipeline's memory (about 2 KiB per log between the answer
	// and the decoded rows).
	chunkLogs = 2_500
	// batchLogs is the number of logs a batch aims at. Larger batches spread the fixed cost of
	// a transaction (about ten statements) over more rows; smaller ones hold less memory.
	batchLogs = 5_000
	// maxInFlight is how many batches may be staged or committing at once, each on its own
	// connection: two let one batch copy its rows while the one before it completes.
	maxInFlight = 2
)

// chunk is one fetched, validated and decoded piece of the backfill.
type chunk struct {
	from, to uint64
	headers  map[uint64]chain.Header // from, to and every block with logs
	logs     []sink.Log
	payments []sink.Log // the payment tokens' logs (sink.Batch.Payments)
	err      error
}

// plan decides chunk spans from the log density seen so far, so that a chunk holds about
// chunkLogs logs, within the fetcher's span and the batch span.
type plan struct {
	mu     sync.Mutex
	blocks uint64 // blocks fetched so far
	logs   uint64 // logs in them
}

func (p *plan) observe(c *chunk) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocks += c.to - c.from + 1
	p.logs += uint64(len(c.logs))
}

// span returns the next chunk's span: at most limit, about chunkLogs logs at the density seen.
func (p *plan) span(limit uint64) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.logs == 0 || p.blocks == 0 {
		return limit
	}
	want := chunkLogs * p.blocks / p.logs
	return max(1, min(limit, want))
}

// backfill indexes [from, end] (end <= finalized) through the pipeline, committing as it goes.
// It returns when the range is done, at the first error (after committing the chunks before
// it) or after a rollback.
func (ix *Indexer) backfill(ctx context.Context, expect *sink.Block, from, end, finalized, prevFinalized uint64) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	queue := make(chan chan chunk, fetchAhead)
	var density plan
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(queue)
		for cur := from; cur <= end; {
			limit := min(ix.cfg.BackfillSpan, max(ix.logs.Span(), 1))
			to := min(end, cur+density.span(limit)-1)
			fut := make(chan chunk, 1)
			select {
			case queue <- fut:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(from, to uint64) {
				defer wg.Done()
				c := ix.fetchChunk(ctx, from, to)
				if c.err == nil {
					density.observe(&c)
				}
				fut <- c
			}(cur, to)
			cur = to + 1
		}
	}()

	progressed := false
	var pending []chunk
	pendingLogs := 0
	// Batches committing in the background, oldest first. Each one stages its bulk rows on its
	// own connection as soon as it is made (sink.Stage), so that up to maxInFlight batches copy
	// their rows at once, and commits when the one before it has committed.
	var inFlight []*flight
	settle := func() error { // waits for the oldest batch in flight
		f := inFlight[0]
		inFlight = inFlight[1:]
		<-f.done
		if f.err == nil {
			progressed = true
		}
		return f.err
	}
	settleAll := func() error {
		var first error
		for len(inFlight) > 0 {
			if err := settle(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	defer func() { _ = settleAll() }()
	commit := func() (bool, error) {
		if len(pending) == 0 {
			return false, nil
		}
		cs := pending
		pending, pendingLogs = nil, 0
		batch, err := ix.batchOf(cs, expect, finalized, prevFinalized)
		if err != nil {
			if serr := settleAll(); serr != nil {
				return false, serr
			}
			if !errors.Is(err, errFork) {
				return false, err
			}
			// The chain changed below the batch: roll back what is committed above the fork.
			_, err := ix.rollback(ctx, expect, finalized)
			return err == nil, err
		}
		if len(inFlight) == maxInFlight {
			if err := settle(); err != nil {
				_ = settleAll() // the younger batches fail with the same error
				return false, err
			}
		}
		var prev *flight
		if len(inFlight) > 0 {
			prev = inFlight[len(inFlight)-1]
		}
		f := &flight{done: make(chan struct{}), connected: make(chan struct{})}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(f.done)
			f.err = ix.stageAndCommit(ctx, batch, prev, f)
		}()
		inFlight = append(inFlight, f)
		expect, prevFinalized = batch.Cursor, finalized
		return false, nil
	}
	for fut := range queue {
		var c chunk
		got := false
		if len(pending) > 0 {
			select {
			case c = <-fut:
				got = true
			default:
				// The next chunk is not there yet: commit what is, rather than let PostgreSQL
				// wait. Batches grow to batchLogs while fetching keeps ahead of committing.
				if rolledBack, err := commit(); err != nil || rolledBack {
					return progressed || rolledBack, err
				}
			}
		}
		if !got {
			select {
			case c = <-fut:
			case <-ctx.Done():
				return progressed, ctx.Err()
			}
		}
		if c.err != nil {
			// Keep what was fetched before the failure: it is valid and saves the retry work.
			if _, err := commit(); err != nil {
				return progressed, err
			}
			if err := settleAll(); err != nil {
				return progressed, err
			}
			return progressed, c.err
		}
		if len(pending) > 0 && c.to-pending[0].from+1 > ix.cfg.BackfillSpan {
			if rolledBack, err := commit(); err != nil || rolledBack {
				return progressed || rolledBack, err
			}
		}
		pending = append(pending, c)
		pendingLogs += len(c.logs)
		if pendingLogs >= batchLogs || c.to == end {
			if rolledBack, err := commit(); err != nil || rolledBack {
				return progressed || rolledBack, err
			}
		}
	}
	if rolledBack, err := commit(); err != nil || rolledBack {
		return progressed || rolledBack, err
	}
	if err := settleAll(); err != nil {
		return progressed, err
	}
	return progressed, ctx.Err()
}

// flight is a batch committing in the background; err is set when done is closed.
type flight struct {
	// connected is closed once the flight no longer needs a new connection to finish: it holds
	// its staged transaction, or it has finished.
	connected chan struct{}
	done      chan struct{}
	err       error
}

// stageAndCommit stages batch (sink.Stage: its bulk rows, concurrently with the batch before
// it), waits until prev (the batch before it, if still in flight) has committed, and commits
// it. If prev failed, batch is rolled back and prev's error is returned.
//
// Connections are taken in batch order: a flight stages only once prev holds its transaction
// (prev.connected). Otherwise, with several chains on one pool, the younger flights of every
// chain could hold all the connections while waiting for older ones that wait for a connection.
// A batch that is not staged is Replaced on a new connection after prev, so its successor waits
// until it is done.
func (ix *Indexer) stageAndCommit(ctx context.Context, batch *sink.Batch, prev, f *flight) error {
	connected := sync.OnceFunc(func() { close(f.connected) })
	defer connected()
	if prev != nil {
		select {
		case <-prev.connected:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Once this flight's transaction has its connection, the next one may take one, and the two
	// COPY at once. A batch that is not staged (no Expect: the chain's first) is Replaced on a
	// new connection after prev, and the next one waits until it is done (the defer).
	staged, err := ix.db.Stage(ctx, batch, connected)
	if prev != nil {
		<-prev.done
		if prev.err != nil {
			if staged != nil {
				staged.Abort(ctx)
			}
			return prev.err
		}
	}
	if err != nil && !sink.IsDataError(err) {
		return err
	}
	// A batch whose rows the database refused while staging is Replaced: commitBatch sets the
	// refused logs aside.
	return ix.commitBatch(ctx, batch, staged)
}

// fetchChunk gets the logs of [from, to] and the headers of its first and last block and of
// every block with logs, validates the logs against those headers and decodes them.
func (ix *Indexer) fetchChunk(ctx context.Context, from, to uint64) chunk {
	c := chunk{from: from, to: to}
	raw, err := ix.logs.Fetch(ctx, from, to)
	if err != nil {
		c.err = fmt.Errorf("fetch logs %d-%d: %w", from, to, err)
		return c
	}
	want := []uint64{from}
	for _, l := range raw {
		if n := l.BlockNumber; n != want[len(want)-1] {
			want = append(want, n)
		}
	}
	if to != want[len(want)-1] {
		want = append(want, to)
	}
	if c.headers, err = fetchHeaders(ctx, ix.logs.Headers, want); err != nil {
		c.err = err
		return c
	}
	if err := chain.Validate(raw, from, to, c.headers); err != nil {
		c.err = fmt.Errorf("validate logs %d-%d: %w", from, to, err)
		return c
	}
	c.logs, c.payments = ix.decode(raw, c.headers)
	return c
}

// errFork is returned by batchOf when the first header of the chunks does not follow the
// expected cursor: the chain reorganised below them.
var errFork = errors.New("chunks do not follow the cursor")

// batchOf makes one batch of consecutive chunks on top of expect, checking that every chunk
// links to the one before it.
func (ix *Indexer) batchOf(cs []chunk, expect *sink.Block, finalized, prevFinalized uint64) (*sink.Batch, error) {
	first, last := &cs[0], &cs[len(cs)-1]
	from, to := first.from, last.to
	if expect != nil && first.headers[from].ParentHash != expect.Hash {
		return nil, errFork
	}
	total := 0
	for i := range cs {
		total += len(cs[i].logs)
		if i > 0 {
			prev := cs[i-1].headers[cs[i-1].to]
			if h := cs[i].headers[cs[i].from]; h.ParentHash != prev.Hash {
				return nil, fmt.Errorf("%w: header %d does not link to %d (reorg below the finalized block?)",
					chain.ErrInconsistent, h.Number, prev.Number)
			}
		}
	}
	batch := &sink.Batch{ChainID: ix.cfg.ChainID, From: from, To: to, Expect: expect, Finalized: finalized,
		Logs: make([]sink.Log, 0, total), PaymentOwners: ix.cfg.PaymentOwners}
	for i := range cs {
		batch.Logs = append(batch.Logs, cs[i].logs...)
		batch.Payments = append(batch.Payments, cs[i].payments...)
		for n, h := range cs[i].headers {
			// The first and last header of the batch, and those of blocks with logs.
			if n == from || n == to || hasLogs(cs[i].logs, n) {
				batch.Blocks = append(batch.Blocks, sink.Block{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash, Time: h.Time})
			}
		}
	}
	sortBlocks(batch.Blocks)
	lastH := last.headers[to]
	batch.Cursor = &sink.Block{Number: lastH.Number, Hash: lastH.Hash, ParentHash: lastH.ParentHash, Time: lastH.Time}
	if finalized > prevFinalized {
		batch.PruneFrom, batch.PruneBelow = prevFinalized, min(finalized, from)
	}
	return batch, nil
}

// commitBatch commits a batch, staged or not (Replace), and announces it.
func (ix *Indexer) commitBatch(ctx context.Context, batch *sink.Batch, staged *sink.Staged) error {
	var st sink.Stats
	var err error
	if staged != nil {
		if st, err = staged.Commit(ctx); sink.IsDataError(err) {
			st, err = ix.setAsideRefused(ctx, batch, err)
		}
	} else {
		st, err = ix.replace(ctx, batch)
	}
	if err != nil {
		return err
	}
	ix.log.Info("batch committed", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("from", batch.From),
		zap.Uint64("to", batch.To), zap.Int("logs", len(batch.Logs)), zap.Int64("rows", st.Inserted),
		zap.Int("keys", st.Touched), zap.Bool("backfill", true), zap.Duration("elapsed", st.Elapsed))
	ix.notify(feed.Update{ChainID: ix.cfg.ChainID, From: batch.From, To: batch.To, Head: *batch.Cursor,
		Finalized: batch.Finalized, Logs: batch.Logs, Stats: st})
	return nil
}

// hasLogs reports whether logs (sorted by block) has a log of block n.
func hasLogs(logs []sink.Log, n uint64) bool {
	_, found := slices.BinarySearchFunc(logs, n, func(l sink.Log, n uint64) int {
		switch {
		case l.Raw.BlockNumber < n:
			return -1
		case l.Raw.BlockNumber > n:
			return 1
		}
		return 0
	})
	return found
}
