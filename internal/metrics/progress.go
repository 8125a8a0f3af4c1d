package metrics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Progress reports the backfill of every chain of a Metrics: while a chain is below its
// finalized block it logs "backfill progress" (blocks done, blocks/s, ETA) every LogEvery, and
// redraws Bar, when there is one, a few times a second. When a chain reaches the finalized
// block it logs "backfill done" once.
type Progress struct {
	m   *Metrics
	log *zap.Logger
	bar *Bar
	// LogEvery is the period of the progress log lines (default 15s).
	LogEvery time.Duration
	// DrawEvery is the period of the bar's redraws (default 250ms).
	DrawEvery time.Duration
}

// NewProgress returns a reporter for m's chains; bar may be nil (no terminal).
func NewProgress(m *Metrics, log *zap.Logger, bar *Bar) *Progress {
	return &Progress{m: m, log: log, bar: bar, LogEvery: 15 * time.Second, DrawEvery: 250 * time.Millisecond}
}

// rateWindow is how far back the blocks/s estimate looks.
const rateWindow = time.Minute

type sample struct {
	at    time.Time
	block uint64
}

// track is the progress state of one chain.
type track struct {
	samples  []sample
	first    uint64 // indexed block when tracking began
	began    bool
	backfill bool // was backfilling at the last look
}

// estimate is what the reporter knows about one chain at one instant.
type estimate struct {
	State
	done, remaining uint64
	rate            float64 // blocks per second
	eta             time.Duration
	percent         float64
}

func (t *track) observe(now time.Time, s State) estimate {
	if !t.began && s.HasIndexed {
		t.first, t.began = s.Indexed, true
	}
	t.samples = append(t.samples, sample{now, s.Indexed})
	for len(t.samples) > 2 && now.Sub(t.samples[0].at) > rateWindow {
		t.samples = t.samples[1:]
	}
	e := estimate{State: s}
	if s.Indexed > t.first {
		e.done = s.Indexed - t.first
	}
	if s.Head > s.Indexed {
		e.remaining = s.Head - s.Indexed
	}
	if old := t.samples[0]; now.Sub(old.at) > time.Second && s.Indexed > old.block {
		e.rate = float64(s.Indexed-old.block) / now.Sub(old.at).Seconds()
		e.eta = time.Duration(float64(e.remaining)/e.rate) * time.Second
	}
	if s.Head > s.Start {
		e.percent = 100 * float64(min(s.Indexed, s.Head)-min(s.Start, s.Indexed)) / float64(s.Head-s.Start)
	}
	return e
}

// Run reports until ctx ends; it returns nil then, so that it can share an errgroup.
func (p *Progress) Run(ctx context.Context) error {
	draw := time.NewTicker(p.DrawEvery)
	defer draw.Stop()
	tracks := map[uint64]*track{}
	lastLog := time.Now()
	for {
		select {
		case <-ctx.Done():
			if p.bar != nil {
				p.bar.Set("")
			}
			return nil
		case <-draw.C:
		}
		now := time.Now()
		logNow := now.Sub(lastLog) >= p.LogEvery
		if logNow {
			lastLog = now
		}
		var segments []string
		for _, c := range p.m.Chains() {
			s := c.State()
			t := tracks[s.ID]
			if t == nil {
				t = &track{}
				tracks[s.ID] = t
			}
			if !s.Active || !s.HasIndexed || s.HeadAt.IsZero() {
				t.backfill = false
				continue
			}
			e := t.observe(now, s)
			if !s.Backfilling() {
				if t.backfill {
					p.log.Info("backfill done", zap.String("chain", s.Name), zap.Uint64("chain_id", s.ID),
						zap.Uint64("block", s.Indexed), zap.Uint64("head", s.Head), zap.Uint64("done", e.done))
				}
				t.backfill = false
				continue
			}
			t.backfill = true
			segments = append(segments, e.segment())
			if logNow {
				p.log.Info("backfill progress", zap.String("chain", s.Name), zap.Uint64("chain_id", s.ID),
					zap.Uint64("block", s.Indexed), zap.Uint64("head", s.Head), zap.Uint64("done", e.done),
					zap.Uint64("remaining", e.remaining), zap.String("percent", fmt.Sprintf("%.1f", e.percent)),
					zap.Float64("blocks_per_s", float64(int64(e.rate*10))/10), zap.Duration("eta", e.eta))
			}
		}
		if p.bar != nil {
			p.bar.Set(joinSegments(segments))
		}
	}
}

// segment renders one chain's part of the bar: "base [#####-----]  45.1%  512 blk/s  ETA 3m12s".
func (e estimate) segment() string {
	const width = 20
	filled := min(width, int(e.percent/100*width))
	eta := "ETA ?"
	if e.rate > 0 {
		eta = "ETA " + e.eta.Round(time.Second).String()
	}
	return fmt.Sprintf("%s [%s%s] %5.1f%% %d/%d %.0f blk/s %s", e.Name, strings.Repeat("#", filled),
		strings.Repeat("-", width-filled), e.percent, e.Indexed, e.Head, e.rate, eta)
}

// maxSegments bounds the bar to one terminal line.
const maxSegments = 2

func joinSegments(segs []string) string {
	if len(segs) > maxSegments {
		more := len(segs) - maxSegments
		segs = append(segs[:maxSegments:maxSegments], fmt.Sprintf("+%d more", more))
	}
	return strings.Join(segs, " | ")
}
