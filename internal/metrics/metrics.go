// Package metrics holds the indexer's Prometheus metrics and what each chain is doing right now
// (head, indexed block, whether this process is the active indexer), which /metrics, /readyz
// and the backfill progress report all read.
//
// Every metric is prefixed erc8004_ and labelled with chain (the chain's name) and chain_id,
// except the off-chain file worker's (erc8004_offchain_*), which serves every chain at once and
// is labelled with the kind of file.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry of one indexer process and its metric families.
type Metrics struct {
	reg *prometheus.Registry

	head, finalized, indexed, lag, active, lastCommit *prometheus.GaugeVec
	halted                                            *prometheus.GaugeVec
	reorgs, decodeErrors, events, batches, rows       *prometheus.CounterVec
	rpcErrors, lockLosses, foreignLogs                *prometheus.CounterVec
	reorgDepth, rpcSeconds, dbSeconds                 *prometheus.HistogramVec

	offchainFetches               *prometheus.CounterVec
	offchainSeconds               *prometheus.HistogramVec
	offchainDue, offchainQueueLag *prometheus.GaugeVec

	mu     sync.Mutex
	chains []*Chain
}

// Names of the metric families, for dashboards and tests.
const (
	HeadBlock          = "erc8004_chain_head_block"
	FinalizedBlock     = "erc8004_chain_finalized_block"
	IndexedBlock       = "erc8004_indexed_block"
	LagBlocks          = "erc8004_lag_blocks"
	IndexerActive      = "erc8004_indexer_active"
	ChainHalted        = "erc8004_chain_halted"
	LastCommitSeconds  = "erc8004_last_commit_timestamp_seconds"
	ReorgsTotal        = "erc8004_reorgs_total"
	ReorgDepthBlocks   = "erc8004_reorg_depth_blocks"
	DecodeErrorsTotal  = "erc8004_decode_errors_total"
	EventsTotal        = "erc8004_events_total"
	BatchesTotal       = "erc8004_batches_total"
	RowsWrittenTotal   = "erc8004_rows_written_total"
	RPCDurationSeconds = "erc8004_rpc_request_duration_seconds"
	RPCErrorsTotal     = "erc8004_rpc_errors_total"
	DBCommitSeconds    = "erc8004_db_commit_duration_seconds"
	LockLossesTotal    = "erc8004_lock_losses_total"
	ForeignLogsTotal   = "erc8004_rpc_foreign_logs_total"

	OffchainFetchesTotal    = "erc8004_offchain_fetches_total"
	OffchainFetchSeconds    = "erc8004_offchain_fetch_duration_seconds"
	OffchainQueueDue        = "erc8004_offchain_queue_due"
	OffchainQueueLagSeconds = "erc8004_offchain_queue_lag_seconds"
)

// Names returns the name of every erc8004_ metric family (a family appears in /metrics once it
// has a sample).
func Names() []string {
	return []string{HeadBlock, FinalizedBlock, IndexedBlock, LagBlocks, IndexerActive, ChainHalted, LastCommitSeconds,
		ReorgsTotal, ReorgDepthBlocks, DecodeErrorsTotal, EventsTotal, BatchesTotal, RowsWrittenTotal,
		RPCDurationSeconds, RPCErrorsTotal, DBCommitSeconds, LockLossesTotal, ForeignLogsTotal,
		OffchainFetchesTotal, OffchainFetchSeconds, OffchainQueueDue, OffchainQueueLagSeconds}
}

// New returns a registry with the indexer's metrics and the Go runtime and process collectors.
func New() *Metrics {
	chainLabels := []string{"chain", "chain_id"}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, chainLabels)
	}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append(chainLabels, extra...))
	}
	histogram := func(name, help string, buckets []float64, extra ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets},
			append(chainLabels, extra...))
	}
	latency := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		head:      gauge(HeadBlock, "Latest block number reported by the chain's RPC endpoints."),
		finalized: gauge(FinalizedBlock, "Latest finalized block (the finalized tag, else head minus the finality depth)."),
		indexed:   gauge(IndexedBlock, "Last block whose data is committed (the cursor)."),
		lag:       gauge(LagBlocks, "Head minus indexed block."),
		active:    gauge(IndexerActive, "1 while this process holds the chain's lock and indexes it, 0 on a standby."),
		halted: gauge(ChainHalted, "1 when the chain's indexing stopped on an error it cannot recover from (a reorg deeper "+
			"than the finality depth, an endpoint of another chain) while the process goes on with its other chains."),
		lastCommit: gauge(LastCommitSeconds, "Unix time of the last committed batch."),
		reorgs:     counter(ReorgsTotal, "Reorgs rolled back."),
		decodeErrors: counter(DecodeErrorsTotal, "Registry logs stored raw because they could not be decoded, by kind "+
			"(unknown_event: a topic0 outside the catalog; malformed: a known topic0 with bad data; set_aside: a decoded "+
			"event the index cannot apply, such as a repeated validation request or a row the database refused).", "kind"),
		events:     counter(EventsTotal, "Registry events committed, by event name.", "event"),
		batches:    counter(BatchesTotal, "Batches committed, by mode (backfill below finality, live above it, rollback).", "mode"),
		rows:       counter(RowsWrittenTotal, "Rows inserted into the range tables."),
		rpcErrors:  counter(RPCErrorsTotal, "RPC calls that failed after the client's retries, by method.", "method"),
		lockLosses: counter(LockLossesTotal, "Times the chain's lock connection was lost while indexing."),
		foreignLogs: counter(ForeignLogsTotal, "Logs an RPC endpoint returned from an address the query did not ask for "+
			"(dropped, never stored)."),
		reorgDepth: histogram(ReorgDepthBlocks, "Depth of rolled back reorgs, in blocks.",
			[]float64{1, 2, 3, 5, 8, 13, 21, 34, 64, 128, 256}),
		rpcSeconds: histogram(RPCDurationSeconds, "Duration of RPC calls, retries included, by method.", latency, "method"),
		dbSeconds:  histogram(DBCommitSeconds, "Duration of the transaction that commits a batch.", latency),

		offchainFetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: OffchainFetchesTotal,
			Help: "Attempts at off-chain files, by file (registration, feedback, domain) and the status recorded."},
			[]string{"file", "status"}),
		offchainSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: OffchainFetchSeconds,
			Help:    "Duration of one attempt at an off-chain file (fetch, retries and parse), by file.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15, 60}}, []string{"file"}),
		offchainDue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: OffchainQueueDue,
			Help: "Off-chain files due and not yet claimed by a worker, by file."}, []string{"file"}),
		offchainQueueLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: OffchainQueueLagSeconds,
			Help: "How long the oldest due off-chain file has waited, by file (0 when none is due)."}, []string{"file"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.head, m.finalized, m.indexed, m.lag, m.active, m.halted, m.lastCommit, m.reorgs, m.decodeErrors, m.events,
		m.batches, m.rows, m.rpcErrors, m.lockLosses, m.foreignLogs, m.reorgDepth, m.rpcSeconds, m.dbSeconds,
		m.offchainFetches, m.offchainSeconds, m.offchainDue, m.offchainQueueLag)
	return m
}

// ObserveOffchain records one attempt at an off-chain file of kind file and the status it was
// recorded with.
func (m *Metrics) ObserveOffchain(file, status string, d time.Duration) {
	m.offchainFetches.WithLabelValues(file, status).Inc()
	m.offchainSeconds.WithLabelValues(file).Observe(d.Seconds())
}

// SetOffchainQueue records how many files of kind file are due and how long the oldest has
// waited.
func (m *Metrics) SetOffchainQueue(file string, due int64, lag time.Duration) {
	m.offchainDue.WithLabelValues(file).Set(float64(due))
	m.offchainQueueLag.WithLabelValues(file).Set(lag.Seconds())
}

// Registry returns the Prometheus registry (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Chain returns the handle of one chain's metrics, creating it on first use.
func (m *Metrics) Chain(name string, id uint64) *Chain {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.chains {
		if c.id == id {
			return c
		}
	}
	c := &Chain{m: m, name: name, id: id, labels: prometheus.Labels{"chain": name, "chain_id": strconv.FormatUint(id, 10)}}
	// Present every per-chain series from the start, so dashboards show 0 rather than nothing.
	m.active.With(c.labels).Set(0)
	m.halted.With(c.labels).Set(0)
	m.reorgs.With(c.labels)
	m.rows.With(c.labels)
	m.lockLosses.With(c.labels)
	m.foreignLogs.With(c.labels)
	m.chains = append(m.chains, c)
	return c
}

// Chains returns the handles created so far, in creation order.
func (m *Metrics) Chains() []*Chain {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Chain(nil), m.chains...)
}

// Chain is one chain's metrics and live state. Its methods are safe for concurrent use.
type Chain struct {
	m      *Metrics
	name   string
	id     uint64
	labels prometheus.Labels

	mu    sync.Mutex
	state State
}

// State is what a chain's indexer is doing, as last observed.
type State struct {
	Name string
	ID   uint64
	// Head and Finalized are the chain's latest and finalized block numbers; HeadAt is when the
	// head was last read (zero before the first read).
	Head, Finalized uint64
	HeadAt          time.Time
	// Indexed is the cursor; HasIndexed is false until it is known.
	Indexed    uint64
	HasIndexed bool
	// Start is the block the chain's indexing starts from (for progress).
	Start uint64
	// Confirmations is how far behind the head the indexer stays by design.
	Confirmations uint64
	// Active is true while this process holds the chain's lock.
	Active bool
	// LastCommit is the time of the last committed batch.
	LastCommit time.Time
	// Halted is the error that stopped the chain's indexing for good ("" while it runs).
	Halted string
}

// Lag is head minus indexed (0 when either is unknown or the cursor is ahead).
func (s State) Lag() uint64 {
	if s.HeadAt.IsZero() || !s.HasIndexed || s.Indexed >= s.Head {
		return 0
	}
	return s.Head - s.Indexed
}

// Backfilling reports whether the indexer is below the finalized block, where it works in large
// batches.
func (s State) Backfilling() bool {
	return s.HasIndexed && !s.HeadAt.IsZero() && s.Indexed < s.Finalized
}

// Name is the chain's label.
func (c *Chain) Name() string { return c.name }

// ID is the chain id.
func (c *Chain) ID() uint64 { return c.id }

// State returns a copy of the chain's current state.
func (c *Chain) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state
	s.Name, s.ID = c.name, c.id
	return s
}

func (c *Chain) update(f func(s *State)) {
	c.mu.Lock()
	f(&c.state)
	s := c.state
	c.mu.Unlock()
	if !s.HeadAt.IsZero() && s.HasIndexed {
		c.m.lag.With(c.labels).Set(float64(s.Lag()))
	}
}

// SetHead records the chain's latest block number.
func (c *Chain) SetHead(n uint64) {
	c.m.head.With(c.labels).Set(float64(n))
	c.update(func(s *State) { s.Head, s.HeadAt = n, time.Now() })
}

// SetFinalized records the chain's finalized block number.
func (c *Chain) SetFinalized(n uint64) {
	c.m.finalized.With(c.labels).Set(float64(n))
	c.update(func(s *State) { s.Finalized = n })
}

// SetIndexed records the cursor (at start, after a rewind, after each commit).
func (c *Chain) SetIndexed(n uint64) {
	c.m.indexed.With(c.labels).Set(float64(n))
	c.update(func(s *State) { s.Indexed, s.HasIndexed = n, true })
}

// SetStart records where the chain's indexing starts and how many confirmations it keeps.
func (c *Chain) SetStart(start, confirmations uint64) {
	c.update(func(s *State) { s.Start, s.Confirmations = start, confirmations })
}

// SetActive records whether this process holds the chain's lock.
func (c *Chain) SetActive(active bool) {
	v := 0.0
	if active {
		v = 1
	}
	c.m.active.With(c.labels).Set(v)
	c.update(func(s *State) { s.Active = active })
}

// SetHalted records that the chain's indexing stopped for good with err.
func (c *Chain) SetHalted(err error) {
	c.m.halted.With(c.labels).Set(1)
	c.m.active.With(c.labels).Set(0)
	c.update(func(s *State) { s.Halted, s.Active = err.Error(), false })
}

// LockLost counts a lost lock connection.
func (c *Chain) LockLost() { c.m.lockLosses.With(c.labels).Inc() }

// ForeignLogs counts n logs dropped because their address was outside the query.
func (c *Chain) ForeignLogs(n int) { c.m.foreignLogs.With(c.labels).Add(float64(n)) }

// ObserveRPC records one RPC call (retries included) and its outcome. A cancelled call is not
// an endpoint failure and is not counted as an error.
func (c *Chain) ObserveRPC(method string, d time.Duration, err error) {
	l := prometheus.Labels{"chain": c.name, "chain_id": c.labels["chain_id"], "method": method}
	c.m.rpcSeconds.With(l).Observe(d.Seconds())
	if err != nil && !errors.Is(err, context.Canceled) {
		c.m.rpcErrors.With(l).Inc()
	}
}

// Commit is what one committed batch or rollback tells the metrics (the daemon fills it from the
// engine's update, so that metrics depend on no engine package).
type Commit struct {
	Elapsed time.Duration // time spent writing it
	Rows    int64         // rows inserted
	// Backfill marks a batch below finality; Rollback a reorg's rollback, Depth blocks deep.
	Backfill, Rollback bool
	Depth              uint64
	// Indexed is the new cursor (the last block kept after a rollback); Finalized the finalized
	// block seen with it, 0 when unknown.
	Indexed, Finalized uint64
	// Events are the names of the decoded events; Unknown and Malformed count the logs that did
	// not decode (unknown topic0, bad payload), SetAside the decoded ones stored raw because the
	// index cannot apply them.
	Events                       []string
	Unknown, Malformed, SetAside int
}

// ObserveCommit records a committed batch or rollback.
func (c *Chain) ObserveCommit(u Commit) {
	now := time.Now()
	c.m.dbSeconds.With(c.labels).Observe(u.Elapsed.Seconds())
	c.m.lastCommit.With(c.labels).Set(float64(now.UnixNano()) / 1e9)
	mode := "live"
	switch {
	case u.Rollback:
		mode = "rollback"
		c.m.reorgs.With(c.labels).Inc()
		c.m.reorgDepth.With(c.labels).Observe(float64(u.Depth))
	case u.Backfill:
		mode = "backfill"
	}
	c.m.batches.With(prometheus.Labels{"chain": c.name, "chain_id": c.labels["chain_id"], "mode": mode}).Inc()
	c.m.rows.With(c.labels).Add(float64(u.Rows))
	for kind, n := range map[string]int{"unknown_event": u.Unknown, "malformed": u.Malformed, "set_aside": u.SetAside} {
		if n > 0 {
			c.m.decodeErrors.With(prometheus.Labels{"chain": c.name, "chain_id": c.labels["chain_id"], "kind": kind}).Add(float64(n))
		}
	}
	for _, name := range u.Events {
		c.m.events.With(prometheus.Labels{"chain": c.name, "chain_id": c.labels["chain_id"], "event": name}).Inc()
	}
	if u.Finalized > 0 {
		c.SetFinalized(u.Finalized)
	}
	c.SetIndexed(u.Indexed)
	c.update(func(s *State) { s.LastCommit = now })
}
