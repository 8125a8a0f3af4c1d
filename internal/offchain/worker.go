package offchain

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
)

// WorkerConfig sets the worker's pace; zero fields take DefaultWorkerConfig's values.
type WorkerConfig struct {
	// Poll is how often the worker reconciles with the index and looks for due files when
	// nothing wakes it: the source of truth, wake-ups are only hints.
	Poll time.Duration
	// Refresh is how long a mutable (http/https) file is trusted before it is fetched again
	// (revalidated with ETag/Last-Modified). Content-addressed and inline files never are.
	Refresh time.Duration
	// RetryBase and RetryMax shape the backoff between attempts at an unreachable file.
	RetryBase, RetryMax time.Duration
	// Lease is how long a claimed file stays invisible to other workers: past it, a file whose
	// worker died is due again.
	Lease time.Duration
	// NoDomains turns endpoint-domain verification off: no well-known file is read, and an
	// agent's endpoint domains go when its file is next parsed.
	NoDomains bool
	// FullReconcile is how often the worker compares the whole file tables with the index, as a
	// safety net: in between it looks only at what each chain committed since its last look,
	// unless a chain went back (a reorg, a rewind).
	FullReconcile time.Duration
	// InFlight bounds the files claimed and not yet recorded.
	InFlight int
	// Parsed, if set, is called after a batch of outcomes is committed with the agents whose
	// registration row or feedback files it changed, per chain (the publisher refreshes their
	// Valkey hashes: a feedback file's proofOfPayment changes verified_payments). It must not
	// block.
	Parsed func(chainID int64, agentIDs []string)
	// Observe, if set, is called after each attempt with the kind of file (FileRegistration,
	// FileFeedback, FileDomain), its duration (fetch and parse) and outcome, for metrics and
	// benchmarks. It must not block.
	Observe func(file string, elapsed time.Duration, status Status)
	// Backlog, if set, is called every poll with, per kind of file, how many are due and not
	// claimed and how long the oldest of them has waited. It must not block.
	Backlog func(file string, due int64, lag time.Duration)
}

// The kinds of file, as passed to WorkerConfig.Observe and Backlog.
const (
	FileRegistration = "registration"
	FileFeedback     = "feedback"
)

// DefaultWorkerConfig polls every 2 s, refreshes mutable files every 6 h, retries unreachable
// ones from 1 min up to 6 h, leases for 5 min, reconciles fully every 10 min and keeps up to 256
// files in flight.
func DefaultWorkerConfig() WorkerConfig {
	return WorkerConfig{Poll: 2 * time.Second, Refresh: 6 * time.Hour, RetryBase: time.Minute, RetryMax: 6 * time.Hour,
		Lease: 5 * time.Minute, FullReconcile: 10 * time.Minute, InFlight: 256}
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	d := DefaultWorkerConfig()
	if c.Poll <= 0 {
		c.Poll = d.Poll
	}
	if c.Refresh <= 0 {
		c.Refresh = d.Refresh
	}
	if c.RetryBase <= 0 {
		c.RetryBase = d.RetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = d.RetryMax
	}
	if c.Lease <= 0 {
		c.Lease = d.Lease
	}
	if c.FullReconcile <= 0 {
		c.FullReconcile = d.FullReconcile
	}
	if c.InFlight <= 0 {
		c.InFlight = d.InFlight
	}
	return c
}

// Worker keeps the off-chain file tables in line with the index: it reconciles them with
// erc8004_agents and erc8004_reputation, fetches due files through a Resolver, parses them and
// records every attempt's outcome. It reads and writes only through its own queries, never
// inside the indexing transaction, so it cannot slow or block indexing.
type Worker struct {
	cfg      WorkerConfig
	resolver *Resolver
	db       store
	log      *zap.Logger
	domains  *domainCache
	wake     chan struct{}
	freed    chan struct{} // the writer freed slots: claim again without waiting for a tick
}

// NewWorker returns a worker over pool's schema (the migrated tables) using resolver.
func NewWorker(cfg WorkerConfig, pool *pgxpool.Pool, resolver *Resolver, log *zap.Logger) *Worker {
	cfg = cfg.withDefaults()
	return &Worker{cfg: cfg, resolver: resolver, db: store{pool: pool}, log: log,
		domains: newDomainCache(min(cfg.Refresh, 10*time.Minute), min(cfg.RetryBase, time.Minute)),
		wake:    make(chan struct{}, 1), freed: make(chan struct{}, 1)}
}

// Wake hints that the index changed (a commit), so the worker reconciles now rather than at
// the next poll. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends. Database errors are logged and retried with backoff: the worker
// never stops the process.
func (w *Worker) Run(ctx context.Context) error {
	outs := make(chan outcome, w.cfg.InFlight)
	slots := make(chan struct{}, w.cfg.InFlight) // one per claimed, unrecorded file
	g, gctx := errgroup.WithContext(ctx)
	// Several writers: a batch's commit is mostly waiting on PostgreSQL, so a few in parallel
	// keep the fetches flowing (they touch different rows).
	for range writers {
		g.Go(func() error { return w.writer(gctx, outs, slots) })
	}
	g.Go(func() error { return w.loop(gctx, outs, slots) })
	err := g.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// files are the kinds of file, in the order the worker claims them.
var files = []string{FileRegistration, FileFeedback, FileDomain}

// writers is how many goroutines record outcomes at once.
const writers = 4

// loop reconciles, claims what is due while slots are free, and fetches each claimed file in its
// own goroutine (the Resolver bounds the real concurrency per host and overall).
func (w *Worker) loop(ctx context.Context, outs chan<- outcome, slots chan struct{}) error {
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	failures := 0
	reconcile, last := true, time.Time{}
	var marks map[int64]mark // nil until the first (full) reconcile
	var lastFull time.Time
	for {
		if reconcile {
			full := marks == nil || time.Since(lastFull) >= w.cfg.FullReconcile
			c, next, err := w.db.reconcile(ctx, marks, full)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failures++
				w.log.Warn("off-chain reconcile failed", zap.Error(err), zap.Int("failures", failures))
				if err := retry.Sleep(ctx, retry.Backoff(failures, time.Second, time.Minute)); err != nil {
					return err
				}
				continue
			}
			failures, last, marks = 0, time.Now(), next
			if full {
				lastFull = last
			}
			if c != (reconcileCounts{}) {
				w.log.Info("off-chain files reconciled", zap.Int64("registrations_added", c.RegsAdded),
					zap.Int64("registrations_requeued", c.RegsChanged), zap.Int64("registrations_removed", c.RegsRemoved),
					zap.Int64("feedback_files_added", c.FilesAdded), zap.Int64("feedback_files_removed", c.FilesRemoved))
			}
			reconcile = false
		}
		claimed := 0
		for _, file := range files {
			free := cap(slots) - len(slots)
			if free == 0 {
				break
			}
			if file == FileDomain && w.cfg.NoDomains {
				continue
			}
			jobs, err := w.db.claim(ctx, file, free, w.cfg.Lease)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				w.log.Warn("off-chain claim failed", zap.Error(err))
				break
			}
			for _, j := range jobs {
				slots <- struct{}{}
				go func() { outs <- w.process(ctx, j) }()
			}
			claimed += len(jobs)
		}
		if claimed > 0 && len(slots) < cap(slots) {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
			// During a backfill commits come many times a second: reconcile at most every half
			// poll period.
			reconcile = time.Since(last) >= w.cfg.Poll/2
		case <-tick.C:
			reconcile = true
			w.observeQueue(ctx)
		case <-w.freed:
		}
	}
}

// observeQueue reports the queue's depth and lag to cfg.Backlog. A failed read is skipped: the
// next poll tries again.
func (w *Worker) observeQueue(ctx context.Context) {
	if w.cfg.Backlog == nil {
		return
	}
	for _, file := range files {
		due, lag, err := w.db.queue(ctx, file)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("off-chain queue depth not read", zap.Error(err))
			}
			return
		}
		w.cfg.Backlog(file, due, lag)
	}
}

// writer records outcomes in batches: whatever has arrived, up to 500, at most 100 ms after the
// first of them, so each attempt is recorded at once without one transaction per file.
func (w *Worker) writer(ctx context.Context, outs <-chan outcome, slots chan struct{}) error {
	const maxBatch = 500
	batch := make([]outcome, 0, maxBatch)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case o := <-outs:
			batch = append(batch[:0], o)
		}
		deadline := time.NewTimer(100 * time.Millisecond)
	fill:
		for len(batch) < maxBatch {
			select {
			case o := <-outs:
				batch = append(batch, o)
			case <-deadline.C:
				break fill
			}
		}
		deadline.Stop()
		for attempt := 1; ; attempt++ {
			err := w.db.record(ctx, batch)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.log.Warn("off-chain record failed", zap.Error(err), zap.Int("files", len(batch)))
			if err := retry.Sleep(ctx, retry.Backoff(attempt, time.Second, time.Minute)); err != nil {
				return err
			}
		}
		for range batch {
			<-slots
		}
		select {
		case w.freed <- struct{}{}:
		default:
		}
		if w.cfg.Parsed != nil {
			byChain := map[int64][]string{}
			for i := range batch {
				// Registration rows change the hash's name, image and x402; feedback files its
				// verified_payments. Endpoint-domain checks change no published field.
				if batch[i].domain == "" {
					byChain[batch[i].chainID] = append(byChain[batch[i].chainID], batch[i].agentID)
				}
			}
			for id, agents := range byChain {
				w.cfg.Parsed(id, agents)
			}
		}
	}
}

// process makes one attempt at a job. It never fails: every way a file can be wrong is an
// outcome to record. It logs no content.
func (w *Worker) process(ctx context.Context, j job) outcome {
	o := outcome{job: j, kind: string(erc8004.ClassifyURI(j.uri))}
	if w.cfg.Observe != nil {
		defer func(start time.Time) { w.cfg.Observe(j.file(), time.Since(start), o.status) }(time.Now())
	}
	// Bound the whole attempt (several gateways, retries) well inside the lease.
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Lease/2)
	defer cancel()
	if j.domain != "" {
		w.verifyDomain(ctx, &o)
		if o.status == StatusUnreachable {
			d := retry.Backoff(j.failures+1, w.cfg.RetryBase, w.cfg.RetryMax)
			o.next = &d
		} else {
			o.next = &w.cfg.Refresh
		}
		return o
	}
	res, err := w.resolver.Resolve(ctx, j.uri, j.prev)
	o.sourceURL = res.URL
	if err != nil {
		o.status, o.errors = StatusOf(err), []string{err.Error()}
		if o.status == StatusUnreachable {
			d := retry.Backoff(j.failures+1, w.cfg.RetryBase, w.cfg.RetryMax)
			o.next = &d
		} else if !res.Immutable && (res.Kind == erc8004.URIHTTPS || res.Kind == erc8004.URIHTTP) && o.status == StatusInvalid {
			o.next = &w.cfg.Refresh // too large today, perhaps fixed tomorrow
		}
		return o
	}
	if !res.Immutable {
		o.next = &w.cfg.Refresh
	}
	if res.NotModified {
		o.notModified = true
		return o
	}
	o.parsed, o.validators, o.contentHash = true, res.Validators, ContentHash(res.Body)
	if j.feedback {
		o.fb = ParseFeedback(res.Body)
		o.status, o.errors, o.warnings = o.fb.Status, o.fb.Errors, o.fb.Warnings
		o.hashOK = HashOK(j.hash, res)
		if o.hashOK != nil && !*o.hashOK {
			o.warnings = append(o.warnings, "keccak256 of the file does not match feedbackHash")
		}
		if o.fb.AgentID != "" && o.fb.AgentID != j.agentID {
			o.warnings = append(o.warnings, "agentId in the file is not the feedback's agent")
		}
		o.next = nil // a feedback file is read once: its hash pins it
		return o
	}
	o.reg = ParseRegistration(res.Body)
	o.status, o.errors, o.warnings = o.reg.Status, o.reg.Errors, o.reg.Warnings
	if !w.cfg.NoDomains {
		o.domains, o.origin = EndpointDomains(o.reg.Services, j.uri)
	}
	return o
}
