// Package soak is the reorg soak test: it runs the dev chain with traffic and many random forks
// while the indexer follows it, makes a few forks deeper than the finality depth (each must
// halt the indexer with indexer.ErrDeepReorg and leave the database untouched, after which it is
// rolled back as an operator would with --allow-deep-reorg), and at the end compares every table
// with a fresh index of the final chain and the projection with the contracts' view functions.
//
// The soak runs in segments of SegmentForks forks, each on a new dev chain whose final index is
// compared and verified, both schemas being cleared in between: a difference shows up within
// SegmentForks forks of its cause, and each fresh index covers one segment's chain. Segments
// have no age limit: a dev chain forks at any depth above the registries' deployment for as
// long as it runs (it never marks a block finalized, so go-ethereum's chain freezer moves none
// out of reach of a fork). Should a dev chain fail anyway (Fork cannot seal), the segment cannot
// be compared, as the node may contradict itself: its forks are reported as unverified and the
// soak goes on with a new chain.
//
// It backs cmd/soak (`make soak`: long runs by hand, figures in the report) and a short version in the
// tests.
package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/dbcompare"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// Options configures Run. Zero values take the defaults in brackets.
type Options struct {
	// Forks is the number of forks of depth 1..MaxDepth [1000].
	Forks int
	// MaxDepth is the deepest of those forks [FinalityDepth].
	MaxDepth uint64
	// DeepForks is the number of forks deeper than FinalityDepth (FinalityDepth+1 to
	// FinalityDepth+32), spread at random among the others [0].
	DeepForks int
	// FinalityDepth is the indexer's reorg window [64].
	FinalityDepth uint64
	// Seed drives the traffic, the fork depths and the timing choices [1].
	Seed int64
	// TxPerBlock is the traffic per block [4].
	TxPerBlock int
	// MaxTraffic is the most traffic blocks between two forks (1..MaxTraffic) [3].
	MaxTraffic int
	// CatchUp is the probability of waiting for the indexer to reach the head before a fork,
	// so that the fork replaces indexed blocks; otherwise the fork races the indexer [0.75].
	CatchUp float64
	// Log receives the indexer's and the chain's messages [none].
	Log *zap.Logger
	// SegmentForks is the number of forks made on one dev chain before its index is compared
	// and a new chain is started (see the package comment) [40].
	SegmentForks int
	// Progress, if set, is called after every 50 forks with the report so far.
	Progress func(Report)

	// failFork, when positive, makes the first attempt at that fork (1-based) fail as the dev
	// chain sometimes does, so that tests cover the start of a new segment.
	failFork int
}

func (o Options) withDefaults() Options {
	if o.Forks == 0 {
		o.Forks = 1000
	}
	if o.FinalityDepth == 0 {
		o.FinalityDepth = 64
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = o.FinalityDepth
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.TxPerBlock == 0 {
		o.TxPerBlock = 4
	}
	if o.MaxTraffic == 0 {
		o.MaxTraffic = 3
	}
	if o.SegmentForks == 0 {
		o.SegmentForks = 40
	}
	if o.CatchUp == 0 {
		o.CatchUp = 0.75
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return o
}

// Report is what a soak did and found.
type Report struct {
	Forks       int    // forks of depth 1..MaxDepth made
	ForkBlocks  uint64 // blocks those forks replaced (sum of depths)
	DeepestFork uint64 // deepest of them
	DeepForks   int    // forks deeper than the finality depth made
	DeepHalts   int    // of those, halts with ErrDeepReorg that left the database untouched
	Rollbacks   int    // rollbacks the indexer committed (deep ones included)
	MaxRollback uint64 // deepest rollback
	Commits     int    // batches the indexer committed (rollbacks included)
	Segments    int    // dev chains used (see the package comment)
	Head        uint64 // final chain head (sum over segments)
	Events      int    // rows of erc8004_events in the final index
	Txs         int    // transactions sent by the traffic generator
	Checks      int    // view-function checks made by the final verification
	Mismatches  []string
	Differences []dbcompare.Difference
	// ChainFailures are the dev chain's own failures that ended a segment; the forks of such a
	// segment were made and rolled back but their final index could not be compared.
	ChainFailures   []string
	UnverifiedForks int
	Elapsed         time.Duration
}

// add accumulates a segment's report.
func (r *Report) add(o Report) {
	r.Forks += o.Forks
	r.ForkBlocks += o.ForkBlocks
	r.DeepestFork = max(r.DeepestFork, o.DeepestFork)
	r.DeepForks += o.DeepForks
	r.DeepHalts += o.DeepHalts
	r.Rollbacks += o.Rollbacks
	r.MaxRollback = max(r.MaxRollback, o.MaxRollback)
	r.Commits += o.Commits
	r.Segments++
	r.Head += o.Head
	r.Events += o.Events
	r.Txs += o.Txs
	r.Checks += o.Checks
	r.Mismatches = append(r.Mismatches, o.Mismatches...)
	r.Differences = append(r.Differences, o.Differences...)
}

// OK reports whether the soak found nothing wrong.
func (r Report) OK() bool {
	return len(r.Differences) == 0 && len(r.Mismatches) == 0 && r.DeepHalts == r.DeepForks
}

// String renders the report's figures on one line.
func (r Report) String() string {
	return fmt.Sprintf("soak: forks=%d fork_blocks=%d deepest=%d deep_forks=%d deep_halts=%d rollbacks=%d max_rollback=%d "+
		"commits=%d segments=%d chain_failures=%d unverified_forks=%d blocks=%d events=%d txs=%d checks=%d mismatches=%d "+
		"differences=%d elapsed=%s",
		r.Forks, r.ForkBlocks, r.DeepestFork, r.DeepForks, r.DeepHalts, r.Rollbacks, r.MaxRollback, r.Commits,
		r.Segments, len(r.ChainFailures), r.UnverifiedForks, r.Head, r.Events, r.Txs, r.Checks, len(r.Mismatches),
		len(r.Differences), r.Elapsed.Round(time.Second))
}

// ErrDeepReorgMissed is returned when a fork deeper than the finality depth did not halt the
// indexer, or the halt changed the database.
var ErrDeepReorgMissed = errors.New("deep reorg not handled")

// maxChainFailures bounds the segments a soak may start again: more failures of the dev chain
// than this mean something else is wrong.
const maxChainFailures = 10

// chainError is a failure of the dev chain itself (Fork could not seal), not of the indexer.
type chainError struct{ err error }

func (e *chainError) Error() string { return "dev chain: " + e.err.Error() }
func (e *chainError) Unwrap() error { return e.err }

// Run soaks the indexer: live receives the following indexer's tables, fresh the final
// from-scratch index; both must be migrated schemas without rows of the dev chain. Differences
// and verification mismatches are in the report; an error means the soak could not run or a
// deep fork was mishandled.
func Run(ctx context.Context, live, fresh *pgxpool.Pool, o Options) (Report, error) {
	o = o.withDefaults()
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0xdee9))
	total := o.Forks + o.DeepForks
	// Deep forks go at random positions, never first.
	deep := map[int]bool{}
	for len(deep) < o.DeepForks {
		deep[1+rng.IntN(total-1)] = true
	}
	var rep Report
	for next := 0; next < total; {
		if rep.Segments > 0 {
			if err := clear(ctx, live, fresh); err != nil {
				return rep, err
			}
		}
		s, err := newSoaker(ctx, live, o, rep)
		if err != nil {
			return rep, err
		}
		s.start = start
		done, err := s.run(ctx, next, min(total, next+o.SegmentForks), deep)
		var ce *chainError
		switch {
		case errors.As(err, &ce) && len(rep.ChainFailures) < maxChainFailures:
			// The node contradicts itself: nothing can be compared against it.
			o.failFork = 0 // a simulated failure happens once
			seg := s.report()
			s.close()
			rep.add(seg)
			rep.UnverifiedForks += seg.Forks + seg.DeepForks
			rep.ChainFailures = append(rep.ChainFailures, fmt.Sprintf("segment %d, fork %d: %v", rep.Segments, done+1, ce))
			o.Log.Warn("dev chain failed: segment not compared, going on with a new chain", zap.Error(err))
			next = done
			o.Seed++
			continue
		case err != nil:
			s.close()
			rep.add(s.report())
			rep.Elapsed = time.Since(start)
			return rep, err
		}
		seg, err := s.final(ctx, fresh)
		s.close()
		for i := range seg.Differences {
			seg.Differences[i].Table = fmt.Sprintf("segment %d: %s", rep.Segments+1, seg.Differences[i].Table)
		}
		rep.add(seg)
		rep.Elapsed = time.Since(start)
		if err != nil {
			return rep, err
		}
		next = done
		o.Seed++ // a different chain and traffic for the next segment
	}
	return rep, nil
}

// clear deletes the dev chain's rows from both schemas (a rollback of everything, through the
// sink like any other).
func clear(ctx context.Context, pools ...*pgxpool.Pool) error {
	for _, pool := range pools {
		_, err := sink.NewPostgres(pool, zap.NewNop()).RollBack(ctx, devchain.ChainID, 0, nil, nil, 0)
		if err != nil {
			return fmt.Errorf("clear the previous segment: %w", err)
		}
	}
	return nil
}

// soaker holds one soak's chain, traffic and following indexer.
type soaker struct {
	o      Options
	log    *zap.Logger
	chain  *devchain.Chain
	gen    *devchain.Generator
	spec   daemon.ChainSpec
	client *chain.Client
	db     *sink.Postgres
	rng    *rand.Rand

	mu    sync.Mutex // guards rep's indexer counters, written by notify
	rep   Report     // this segment's
	base  Report     // the previous segments', for progress reports
	start time.Time  // of the whole soak, for progress reports

	follow *follower
}

// follower is the indexer following the chain in its own goroutine.
type follower struct {
	cancel context.CancelFunc
	done   chan error
}

func newSoaker(ctx context.Context, pool *pgxpool.Pool, o Options, base Report) (*soaker, error) {
	c, err := devchain.New(ctx, devchain.Options{Seed: o.Seed, HTTP: true, Log: o.Log.Named("devchain")})
	if err != nil {
		return nil, fmt.Errorf("start dev chain: %w", err)
	}
	regs := c.Registries()
	s := &soaker{o: o, log: o.Log, chain: c, base: base, db: sink.NewPostgres(pool, o.Log.Named("sink.pg")),
		gen: devchain.NewGenerator(c, devchain.GenOptions{Seed: o.Seed, TxPerBlock: o.TxPerBlock}),
		rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x50a6)),
		spec: daemon.ChainSpec{
			Name:          "soak",
			ChainID:       c.ChainID(),
			RPCURLs:       []string{c.WSURL()},
			Registries:    regs,
			FinalityDepth: o.FinalityDepth,
			PollInterval:  20 * time.Millisecond,
			MaxBackoff:    200 * time.Millisecond,
		}}
	if s.client, err = s.spec.Dial(ctx, o.Log.Named("rpc")); err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

func (s *soaker) close() {
	s.stopFollowing()
	s.client.Close()
	_ = s.chain.Close()
}

func (s *soaker) notify(u feed.Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rep.Commits++
	if u.Reorg != nil {
		s.rep.Rollbacks++
		s.rep.MaxRollback = max(s.rep.MaxRollback, u.Reorg.Depth)
	}
}

// startFollowing starts the indexer (deep reorgs not allowed) in its own goroutine.
func (s *soaker) startFollowing(ctx context.Context) error {
	fctx, cancel := context.WithCancel(ctx)
	heads, err := s.client.SubscribeHeads(fctx)
	if err != nil {
		cancel()
		return fmt.Errorf("subscribe to heads: %w", err)
	}
	f := &follower{cancel: cancel, done: make(chan error, 1)}
	ix := daemon.NewIndexer(s.spec, s.client, s.db, s.log.Named("indexer"), s.notify)
	go func() { f.done <- ix.Run(fctx, heads) }()
	s.follow = f
	return nil
}

// stopFollowing stops the indexer and returns why it had stopped if it stopped on its own.
func (s *soaker) stopFollowing() error {
	f := s.follow
	if f == nil {
		return nil
	}
	s.follow = nil
	f.cancel()
	if err := <-f.done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// followerErr returns the indexer's error if it stopped, nil while it runs.
func (s *soaker) followerErr() error {
	select {
	case err := <-s.follow.done:
		s.follow.done <- err // keep it for stopFollowing
		if err == nil {
			err = errors.New("indexer stopped")
		}
		return err
	default:
		return nil
	}
}

// waitCaughtUp waits until the cursor is the chain's head block.
func (s *soaker) waitCaughtUp(ctx context.Context) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		cur, err := s.db.Cursor(ctx, s.spec.ChainID)
		if err == nil && cur.Number == s.chain.Head() && cur.Hash == s.chain.HeadHash() {
			return nil
		}
		if err := s.followerErr(); err != nil {
			return fmt.Errorf("indexer stopped while catching up: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("indexer did not reach head %d (cursor %d)", s.chain.Head(), cur.Number)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// traffic generates n blocks.
func (s *soaker) traffic(ctx context.Context, n int) error {
	for range n {
		if err := s.gen.Step(ctx); err != nil {
			return fmt.Errorf("generate traffic: %w", err)
		}
	}
	return nil
}

// run makes forks next..total-1 of the plan (deep marks the deep ones) and returns the number
// of the next fork to make: total, or the fork at which the dev chain failed.
func (s *soaker) run(ctx context.Context, next, total int, deep map[int]bool) (int, error) {
	// Enough history for the deepest fork above the registries' deployment.
	if err := s.traffic(ctx, int(s.o.FinalityDepth)+40); err != nil {
		return next, err
	}
	if err := s.startFollowing(ctx); err != nil {
		return next, err
	}
	for i := next; i < total; i++ {
		if err := s.traffic(ctx, 1+s.rng.IntN(s.o.MaxTraffic)); err != nil {
			return i, err
		}
		if err := s.followerErr(); err != nil {
			return i, fmt.Errorf("indexer stopped before fork %d: %w", i+1, err)
		}
		var err error
		switch {
		case i+1 == s.o.failFork:
			err = &chainError{errors.New("simulated sealing failure")}
		case deep[i]:
			err = s.deepFork(ctx)
		default:
			err = s.fork(ctx)
		}
		if err != nil {
			return i, fmt.Errorf("fork %d: %w", i+1, err)
		}
		if n := i + 1; n%50 == 0 && s.o.Progress != nil {
			p := s.base
			p.add(s.report())
			p.Segments-- // the current one is not finished
			p.Elapsed = time.Since(s.start)
			s.o.Progress(p)
		}
	}
	return total, nil
}

func (s *soaker) report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rep
	r.Txs = s.gen.Stats().Sent
	r.Head = s.chain.Head()
	return r
}

// final stops the traffic, lets the indexer catch up, then compares its tables with a fresh
// index of the final chain and verifies them against the contracts.
func (s *soaker) final(ctx context.Context, fresh *pgxpool.Pool) (Report, error) {
	// A dev chain that failed in the middle of a deep fork may have halted the indexer.
	if err := s.followerErr(); errors.Is(err, indexer.ErrDeepReorg) {
		if err := s.allowDeep(ctx); err != nil {
			return s.report(), err
		}
	}
	if err := s.waitCaughtUp(ctx); err != nil {
		return s.report(), err
	}
	if err := s.stopFollowing(); err != nil {
		return s.report(), fmt.Errorf("indexer: %w", err)
	}
	rep := s.report()
	ix := daemon.NewIndexer(s.spec, s.client, sink.NewPostgres(fresh, s.log.Named("sink.pg")), s.log.Named("fresh"), nil)
	for {
		progressed, err := ix.Step(ctx)
		if err != nil {
			return rep, fmt.Errorf("fresh index: %w", err)
		}
		if !progressed {
			break
		}
	}
	var err error
	if rep.Differences, err = dbcompare.Compare(ctx, fresh, s.db.Pool(), 5); err != nil {
		return rep, err
	}
	vr, err := verify.New(s.db.Pool(), s.client, s.spec.ChainID, s.spec.Registries).Run(ctx)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	rep.Checks = vr.Checks
	for _, m := range vr.Mismatches {
		rep.Mismatches = append(rep.Mismatches, fmt.Sprint(m))
	}
	err = s.db.Pool().QueryRow(ctx, `SELECT count(*) FROM erc8004_events WHERE chain_id = $1`,
		int64(s.spec.ChainID)).Scan(&rep.Events)
	return rep, err
}
