package metrics

import (
	"io"
	"sync"
)

// Bar is a one-line progress bar at the bottom of a terminal that log lines can share: it is
// the logger's writer (a zapcore.WriteSyncer), and every write first erases the bar, prints the
// log line, then draws the bar again below it.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	line  string
	shown bool
}

// NewBar returns a bar drawing on w, which should be a terminal.
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// erase and the bar's drawing use carriage return and "erase line" (ANSI EL), which every
// terminal emulator in use understands.
const erase = "\r\x1b[K"

// Write prints p (one or more complete log lines) above the bar.
func (b *Bar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shown {
		if _, err := io.WriteString(b.w, erase); err != nil {
			return 0, err
		}
		b.shown = false
	}
	n, err := b.w.Write(p)
	if err != nil {
		return n, err
	}
	b.draw()
	return n, nil
}

// Sync does nothing: the bar writes straight through.
func (b *Bar) Sync() error { return nil }

// Set replaces the bar's text; "" removes the bar.
func (b *Bar) Set(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if line == b.line && b.shown == (line != "") {
		return
	}
	b.line = line
	if b.shown || line == "" {
		_, _ = io.WriteString(b.w, erase)
		b.shown = false
	}
	b.draw()
}

func (b *Bar) draw() {
	if b.line == "" {
		return
	}
	if _, err := io.WriteString(b.w, b.line); err == nil {
		b.shown = true
	}
}
