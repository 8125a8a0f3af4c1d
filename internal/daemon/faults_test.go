package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// faultyRPC is a JSON-RPC reverse proxy that misbehaves like real providers do, at random, while
// enabled: HTTP 429 and 503, timeouts, truncated JSON, a lagging node that answers [] to
// eth_getLogs for recent blocks, logs whose block hash disagrees with the header, and duplicated
// log indexes.
type faultyRPC struct {
	target  string
	enabled atomic.Bool
	mu      sync.Mutex
	rng     *rand.Rand
	counts  map[string]int
	delay   time.Duration // the "timeout" fault sleeps this long
	head    func() uint64 // the real chain head: the lagging node lacks the last lagBlocks blocks
}

// lagBlocks is how far behind the head the lagging node is.
const lagBlocks = 30

func (f *faultyRPC) pick(isLogs bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Head polls and header batches fail one time in five, so that the client's backoff leaves
	// room for many eth_getLogs calls.
	faults := []string{"429", "503", "timeout", "truncate", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}
	if isLogs {
		// eth_getLogs calls are few next to the head polls: give them their own faults more often.
		faults = []string{"", "", "lagging", "lagging", "blockhash", "duplicate", "truncate"}
	}
	return faults[f.rng.IntN(len(faults))]
}

var allFaults = []string{"429", "503", "timeout", "truncate", "lagging", "blockhash", "duplicate"}

// allInjected reports whether every kind of fault was injected at least n times.
func (f *faultyRPC) allInjected(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fault := range allFaults {
		if f.counts[fault] < n {
			return false
		}
	}
	return true
}

func (f *faultyRPC) snapshot() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.counts)
}

// applied records that a fault was really injected.
func (f *faultyRPC) applied(fault string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[fault]++
}

func (f *faultyRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	isLogs := bytes.Contains(body, []byte(`"eth_getLogs"`)) && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
	fault := ""
	if f.enabled.Load() {
		fault = f.pick(isLogs)
	}
	switch fault {
	case "429", "503", "timeout":
		f.applied(fault)
	}
	switch fault {
	case "429":
		http.Error(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limit exceeded"}}`, http.StatusTooManyRequests)
		return
	case "503":
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	case "timeout":
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
		}
		return
	}
	resp, err := http.Post(f.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case fault == "truncate":
		f.applied(fault)
		out = out[:len(out)/2]
	case isLogs && fault == "lagging":
		var req struct {
			ID     json.RawMessage `json:"id"`
			Params []struct {
				ToBlock   string `json:"toBlock"`
				BlockHash string `json:"blockHash"`
			} `json:"params"`
		}
		_ = json.Unmarshal(body, &req)
		if len(req.Params) == 1 && req.Params[0].BlockHash == "" {
			to, err := strconv.ParseUint(strings.TrimPrefix(req.Params[0].ToBlock, "0x"), 16, 64)
			if err == nil && to+lagBlocks > f.head() {
				f.applied(fault)
				out = []byte(`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":[]}`)
			}
		}
	case isLogs && (fault == "blockhash" || fault == "duplicate"):
		var changed bool
		if out, changed = corruptLogs(out, fault); changed {
			f.applied(fault)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// corruptLogs changes the first log's block hash, or duplicates it, in an eth_getLogs answer.
func corruptLogs(answer []byte, fault string) ([]byte, bool) {
	var msg map[string]json.RawMessage
	if json.Unmarshal(answer, &msg) != nil {
		return answer, false
	}
	var logs []map[string]any
	if json.Unmarshal(msg["result"], &logs) != nil || len(logs) == 0 {
		return answer, false
	}
	if fault == "blockhash" {
		logs[0]["blockHash"] = "0x" + strings.Repeat("ab", 32)
	} else {
		logs = append(logs, logs[0])
	}
	msg["result"], _ = json.Marshal(logs)
	out, _ := json.Marshal(msg)
	return out, true
}

// TestIndexer_MisbehavingRPC indexes a live dev chain through faultyRPC: no wrong row may ever be
// committed (the chain never forks, so any wrong row would survive to the end) and indexing must
// complete once the faults stop.
func TestIndexer_MisbehavingRPC(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 11, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 11})

	proxy := &faultyRPC{target: c.HTTPURL(), rng: rand.New(rand.NewPCG(11, 1)), counts: map[string]int{},
		delay: 1500 * time.Millisecond, head: c.Head}
	proxy.enabled.Store(true)
	srv := httptest.NewServer(proxy)
	defer srv.Close()

	regs := c.Registries()
	spec := ChainSpec{
		ChainID:        c.ChainID(),
		RPCURLs:        []string{srv.URL},
		Registries:     regs,
		FinalityDepth:  64,
		PollInterval:   50 * time.Millisecond,
		RequestTimeout: time.Second,
		LiveSpan:       4, // many small batches: many eth_getLogs calls to spoil
		MaxBackoff:     300 * time.Millisecond,
	}
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, log)
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	var reorgs atomic.Int64
	ix := NewIndexer(spec, client, db, log, func(u feed.Update) {
		if u.Reorg != nil {
			reorgs.Add(1)
		}
	})
	ictx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ix.Run(ictx, nil) }()

	// Traffic with faults on until every kind was injected at least twice, then 20 blocks
	// without.
	after := 0
	for blocks := 0; after < 20; blocks++ {
		require.Less(t, blocks, 1500, "faults still missing: %v", proxy.snapshot())
		if proxy.enabled.Load() && proxy.allInjected(2) {
			proxy.enabled.Store(false)
		}
		if !proxy.enabled.Load() {
			after++
		}
		require.NoError(t, gen.Step(ctx))
		time.Sleep(120 * time.Millisecond)
	}
	require.NoError(t, WaitCaughtUp(ctx, db, c, 2*time.Minute, done))
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	t.Log("faults injected:", proxy.snapshot())
	require.Zero(t, reorgs.Load(), "the chain never forked: a rollback means a wrong row had been committed")

	direct := spec
	direct.RPCURLs = []string{c.HTTPURL()}
	dclient, err := direct.Dial(ctx, log)
	require.NoError(t, err)
	defer dclient.Close()
	rep, err := verify.New(pool, dclient, spec.ChainID, spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)

	fresh := testdb.New(t)
	fix := NewIndexer(direct, dclient, sink.NewPostgres(fresh, log), log, nil)
	for {
		progressed, err := fix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	testdb.RequireSameTables(t, fresh, pool)
}
