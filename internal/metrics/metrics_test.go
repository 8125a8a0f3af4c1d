package metrics

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestChain_ObserveCommit(t *testing.T) {
	t.Parallel()
	m := New()
	c := m.Chain("base", 8453)
	require.Same(t, c, m.Chain("base", 8453))
	c.SetHead(120)
	c.ObserveCommit(Commit{Backfill: true, Indexed: 100, Finalized: 110,
		Events: []string{"Registered", "Registered", "Transfer"}, Unknown: 1, Malformed: 1,
		Rows: 9, Elapsed: 20 * time.Millisecond})
	c.ObserveCommit(Commit{Rollback: true, Depth: 5, Indexed: 95})

	lbl := func(extra ...string) []string { return append([]string{"base", "8453"}, extra...) }
	require.Equal(t, 2.0, testutil.ToFloat64(m.events.WithLabelValues(lbl("Registered")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.events.WithLabelValues(lbl("Transfer")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.decodeErrors.WithLabelValues(lbl("unknown_event")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.decodeErrors.WithLabelValues(lbl("malformed")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.batches.WithLabelValues(lbl("backfill")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.batches.WithLabelValues(lbl("rollback")...)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.reorgs.WithLabelValues(lbl()...)))
	require.Equal(t, 9.0, testutil.ToFloat64(m.rows.WithLabelValues(lbl()...)))
	require.Equal(t, 95.0, testutil.ToFloat64(m.indexed.WithLabelValues(lbl()...)), "a rollback moves the cursor back")
	require.Equal(t, 25.0, testutil.ToFloat64(m.lag.WithLabelValues(lbl()...)))
	st := c.State()
	require.EqualValues(t, 25, st.Lag())
	require.True(t, st.Backfilling())
	require.False(t, st.LastCommit.IsZero())

	c.ObserveRPC("eth_getLogs", time.Millisecond, nil)
	c.ObserveRPC("eth_getLogs", time.Millisecond, fmt.Errorf("boom"))
	c.ObserveRPC("eth_getLogs", time.Millisecond, fmt.Errorf("stop: %w", errCanceledForTest))
	require.Equal(t, 1.0, testutil.ToFloat64(m.rpcErrors.WithLabelValues(lbl("eth_getLogs")...)), "cancellations are not errors")

	// A halted chain: the gauge, no longer active, and the reason in its state.
	c.SetActive(true)
	c.SetHalted(fmt.Errorf("reorg deeper than the finality depth"))
	require.Equal(t, 1.0, testutil.ToFloat64(m.halted.WithLabelValues(lbl()...)))
	require.Equal(t, 0.0, testutil.ToFloat64(m.active.WithLabelValues(lbl()...)))
	require.Equal(t, "reorg deeper than the finality depth", c.State().Halted)
	require.False(t, c.State().Active)

	// Every family of Names is registered and exported once it has a sample.
	names := map[string]bool{}
	var fams []*dto.MetricFamily
	var err error
	c.SetFinalized(1)
	c.LockLost()
	m.ObserveOffchain("registration", "ok", 20*time.Millisecond)
	m.SetOffchainQueue("registration", 3, 2*time.Second)
	require.Equal(t, 1.0, testutil.ToFloat64(m.offchainFetches.WithLabelValues("registration", "ok")))
	require.Equal(t, 3.0, testutil.ToFloat64(m.offchainDue.WithLabelValues("registration")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.offchainQueueLag.WithLabelValues("registration")))
	fams, err = m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range fams {
		names[f.GetName()] = true
	}
	for _, n := range Names() {
		require.True(t, names[n], n)
	}
}

func TestTrack_Estimate(t *testing.T) {
	t.Parallel()
	var tr track
	t0 := time.Unix(1000, 0)
	s := State{Name: "base", ID: 8453, Start: 100, Head: 10100, HeadAt: t0, Indexed: 1100, HasIndexed: true, Finalized: 10000}
	e := tr.observe(t0, s)
	require.Zero(t, e.rate, "one sample: no rate yet")
	s.Indexed = 3100
	e = tr.observe(t0.Add(10*time.Second), s)
	require.EqualValues(t, 2000, e.done)
	require.EqualValues(t, 7000, e.remaining)
	require.InDelta(t, 200, e.rate, 0.01)
	require.Equal(t, 35*time.Second, e.eta)
	require.InDelta(t, 30.0, e.percent, 0.01)
	require.Equal(t, "base [######--------------]  30.0% 3100/10100 200 blk/s ETA 35s", e.segment())
}

func TestProgress_LogsAndBar(t *testing.T) {
	t.Parallel()
	m := New()
	c := m.Chain("base", 8453)
	c.SetActive(true)
	c.SetStart(0, 0)
	c.SetHead(1000)
	c.SetFinalized(900)
	c.SetIndexed(100)
	core, logs := observer.New(zap.InfoLevel)
	var out bytes.Buffer
	bar := NewBar(&out)
	p := NewProgress(m, zap.New(core), bar)
	p.LogEvery, p.DrawEvery = 20*time.Millisecond, 10*time.Millisecond
	ctx, cancel := testContext(t)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	require.Eventually(t, func() bool { return logs.FilterMessage("backfill progress").Len() > 0 }, 5*time.Second, 5*time.Millisecond)
	c.SetIndexed(950)
	require.Eventually(t, func() bool { return logs.FilterMessage("backfill done").Len() == 1 }, 5*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	first := logs.FilterMessage("backfill progress").All()[0].ContextMap()
	require.Equal(t, "base", first["chain"])
	require.EqualValues(t, 100, first["block"])
	require.EqualValues(t, 1000, first["head"])
	require.Contains(t, out.String(), "base [##")
	require.True(t, strings.HasSuffix(out.String(), erase), "the bar is erased at the end")
}

func TestBar_LogLinesAboveTheBar(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := NewBar(&out)
	_, err := b.Write([]byte("line 1\n"))
	require.NoError(t, err)
	b.Set("[###---]")
	b.Set("[###---]") // unchanged: not redrawn
	_, err = b.Write([]byte("line 2\n"))
	require.NoError(t, err)
	b.Set("")
	require.Equal(t, "line 1\n[###---]"+erase+"line 2\n[###---]"+erase, out.String())
	require.NoError(t, b.Sync())
}

var errCanceledForTest = context.Canceled

func testContext(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}
