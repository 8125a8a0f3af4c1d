package chain

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// This file is an in-process JSON-RPC node for the tests: it serves a small
// generated chain over HTTP and injects faults on demand.

// testAddr is the contract that emits every generated log.
var testAddr = common.HexToAddress("0x8004a169fb4a3325136eb29fa0ceb6d2e539a432")

// hashOf derives a deterministic hash from parts.
func hashOf(parts ...any) common.Hash {
	return crypto.Keccak256Hash([]byte(fmt.Sprint(parts...)))
}

// testChain is a generated chain: block i has logsIn(i) logs.
type testChain struct {
	headers []Header
	logs    [][]types.Log
}

// newTestChain generates blocks 0..n-1; fork varies the hashes.
func newTestChain(n int, fork string, logsIn func(block uint64) int) *testChain {
	c := &testChain{}
	var parent common.Hash
	for i := uint64(0); i < uint64(n); i++ {
		h := Header{Number: i, Hash: hashOf("block", fork, i), ParentHash: parent, Time: 1_700_000_000 + 12*i}
		parent = h.Hash
		var ls []types.Log
		for k := 0; k < logsIn(i); k++ {
			data := make([]byte, 64)
			binary.BigEndian.PutUint64(data[24:], i)
			binary.BigEndian.PutUint64(data[56:], uint64(k))
			ls = append(ls, types.Log{
				Address:     testAddr,
				Topics:      []common.Hash{hashOf("topic0"), hashOf("agent", i, k)},
				Data:        data,
				BlockNumber: i,
				TxHash:      hashOf("tx", fork, i, k/2),
				TxIndex:     uint(k / 2),
				BlockHash:   h.Hash,
				Index:       uint(k),
			})
		}
		c.logs = append(c.logs, ls)
		for _, l := range ls {
			h.Bloom.Add(l.Address.Bytes())
			for _, tp := range l.Topics {
				h.Bloom.Add(tp.Bytes())
			}
		}
		h.HasBloom = true
		c.headers = append(c.headers, h)
	}
	return c
}

// logsBetween returns the logs of blocks [from, to].
func (c *testChain) logsBetween(from, to uint64) []types.Log {
	var out []types.Log
	for b := from; b <= to && b < uint64(len(c.logs)); b++ {
		out = append(out, c.logs[b]...)
	}
	return out
}

// fault is one injected misbehaviour.
type fault struct {
	status   int    // HTTP status to answer with (429, 503, ...)
	body     string // body for status, default empty
	hang     bool   // never answer; the client's timeout ends the request
	truncate bool   // cut the JSON answer in half
	rpcCode  int    // answer a JSON-RPC error with this code ...
	rpcMsg   string // ... and message
}

// fakeNode is a JSON-RPC endpoint over a testChain.
type fakeNode struct {
	srv   *httptest.Server
	chain *testChain

	mu       sync.Mutex
	chainID  uint64
	head     uint64  // eth_blockNumber; blocks above are unknown (lagging node)
	final    *uint64 // "finalized" tag; nil answers an invalid-params error
	maxLogs  int     // > 0: more logs than this answer tooMany
	tooMany  func(from, to uint64) (int, string)
	maxBatch int                // > 0: larger batches are refused
	faults   map[string][]fault // per method, consumed in order
	mutate   func([]types.Log) []types.Log
	badHdr   func(Header) map[string]any
	calls    map[string]int
	ranges   [][2]uint64 // eth_getLogs ranges asked
	batches  []int       // sizes of batches received
}

// newFakeNode serves c with head at its last block.
func newFakeNode(t *testing.T, c *testChain) *fakeNode {
	t.Helper()
	n := &fakeNode{chain: c, chainID: 1, head: uint64(len(c.headers) - 1), faults: map[string][]fault{}, calls: map[string]int{}}
	n.srv = httptest.NewServer(http.HandlerFunc(n.serveHTTP))
	t.Cleanup(n.srv.Close)
	return n
}

// url returns the endpoint URL, with a fake API key in the path so that the
// tests can check it never leaks.
func (n *fakeNode) url() string { return n.srv.URL + "/v2/" + testKey }

// testKey is a fake provider key put in every test URL.
const testKey = "s3cr3tK3yAbcdefghijklmnopqrstuv0"

// clearFaults drops all queued faults.
func (n *fakeNode) clearFaults() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = map[string][]fault{}
}

// inject queues faults for method ("*" for any method).
func (n *fakeNode) inject(method string, fs ...fault) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults[method] = append(n.faults[method], fs...)
}

// count returns how many requests for method arrived (batch elements count
// one each).
func (n *fakeNode) count(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[method]
}

// set runs f under the node's lock.
func (n *fakeNode) set(f func(n *fakeNode)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(n)
}

type rpcReq struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type rpcResp struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *jsonRPCError   `json:"error,omitempty"`
}

func (n *fakeNode) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/v2/"+testKey) {
		http.Error(w, "bad key", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var reqs []rpcReq
	batch := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
	if batch {
		if err := json.Unmarshal(body, &reqs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	} else {
		var req rpcReq
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reqs = []rpcReq{req}
	}

	n.mu.Lock()
	if batch {
		n.batches = append(n.batches, len(reqs))
	}
	var f *fault
	for _, key := range []string{reqs[0].Method, "*"} {
		if q := n.faults[key]; len(q) > 0 {
			f, n.faults[key] = &q[0], q[1:]
			break
		}
	}
	tooBig := batch && n.maxBatch > 0 && len(reqs) > n.maxBatch
	for _, req := range reqs {
		n.calls[req.Method]++
	}
	n.mu.Unlock()

	if tooBig {
		// Like geth: one error answer carrying the first call's id.
		writeJSON(w, []rpcResp{{JSONRPC: "2.0", ID: reqs[0].ID,
			Error: &jsonRPCError{Code: -32600, Message: "batch too large"}}})
		return
	}
	if f != nil {
		switch {
		case f.hang:
			<-r.Context().Done()
			return
		case f.status != 0:
			w.WriteHeader(f.status)
			_, _ = io.WriteString(w, f.body)
			return
		case f.rpcMsg != "":
			writeJSON(w, rpcResp{JSONRPC: "2.0", ID: reqs[0].ID, Error: &jsonRPCError{Code: f.rpcCode, Message: f.rpcMsg}})
			return
		}
	}
	resps := make([]rpcResp, len(reqs))
	for i, req := range reqs {
		res, rerr := n.handle(req)
		resps[i] = rpcResp{JSONRPC: "2.0", ID: req.ID, Result: res, Error: rerr}
		if res == nil && rerr == nil {
			resps[i].Result = json.RawMessage("null")
		}
	}
	var out []byte
	if batch {
		out, _ = json.Marshal(resps)
	} else {
		out, _ = json.Marshal(resps[0])
	}
	if f != nil && f.truncate {
		out = out[:len(out)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// handle answers one call.
func (n *fakeNode) handle(req rpcReq) (any, *jsonRPCError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch req.Method {
	case "eth_chainId":
		return hexutil.Uint64(n.chainID), nil
	case "eth_blockNumber":
		return hexutil.Uint64(n.head), nil
	case "eth_getBlockByNumber":
		var tag string
		_ = json.Unmarshal(req.Params[0], &tag)
		var num uint64
		switch tag {
		case "finalized":
			if n.final == nil {
				return nil, &jsonRPCError{Code: -32602, Message: "invalid argument 0: hex string without 0x prefix"}
			}
			num = *n.final
		case "latest":
			num = n.head
		default:
			v, err := hexutil.DecodeUint64(tag)
			if err != nil {
				return nil, &jsonRPCError{Code: -32602, Message: err.Error()}
			}
			num = v
		}
		if num > n.head {
			return nil, nil
		}
		return n.blockJSON(n.chain.headers[num]), nil
	case "eth_getBlockByHash":
		var h common.Hash
		_ = json.Unmarshal(req.Params[0], &h)
		for _, hd := range n.chain.headers[:n.head+1] {
			if hd.Hash == h {
				return n.blockJSON(hd), nil
			}
		}
		return nil, nil
	case "eth_getLogs":
		return n.getLogs(req)
	case "eth_call":
		var arg struct {
			To   common.Address `json:"to"`
			Data hexutil.Bytes  `json:"data"`
		}
		_ = json.Unmarshal(req.Params[0], &arg)
		if len(arg.Data) > 0 && arg.Data[0] == 0xff {
			return nil, &jsonRPCError{Code: 3, Message: "execution reverted", Data: "0x08c379a0"}
		}
		if len(arg.Data) > 0 && arg.Data[0] == 0xee {
			// Throttle this element only, as some providers do in batches.
			if n.calls["eth_call_throttled"]++; n.calls["eth_call_throttled"] <= 1 {
				return nil, &jsonRPCError{Code: -32005, Message: "rate limit exceeded"}
			}
		}
		return hexutil.Bytes(append(arg.To.Bytes(), arg.Data...)), nil
	default:
		return nil, &jsonRPCError{Code: -32601, Message: "the method " + req.Method + " does not exist/is not available"}
	}
}

// blockJSON renders a header as eth_getBlockBy* does.
func (n *fakeNode) blockJSON(h Header) any {
	if n.badHdr != nil {
		if m := n.badHdr(h); m != nil {
			return m
		}
	}
	return map[string]any{
		"number": hexutil.Uint64(h.Number), "hash": h.Hash, "parentHash": h.ParentHash,
		"timestamp": hexutil.Uint64(h.Time), "transactions": []string{}, "miner": common.Address{},
		"logsBloom": h.Bloom,
	}
}

// getLogs answers eth_getLogs like a node whose head is n.head: blocks above
// it are unknown, so a range reaching past it silently returns fewer logs.
func (n *fakeNode) getLogs(req rpcReq) (any, *jsonRPCError) {
	var q struct {
		FromBlock *hexutil.Uint64 `json:"fromBlock"`
		ToBlock   *hexutil.Uint64 `json:"toBlock"`
		BlockHash *common.Hash    `json:"blockHash"`
		Address   []common.Address
	}
	if err := json.Unmarshal(req.Params[0], &q); err != nil {
		return nil, &jsonRPCError{Code: -32602, Message: err.Error()}
	}
	var logs []types.Log
	if q.BlockHash != nil {
		found := false
		for _, hd := range n.chain.headers[:n.head+1] {
			if hd.Hash == *q.BlockHash {
				logs, found = n.chain.logs[hd.Number], true
			}
		}
		if !found {
			return nil, &jsonRPCError{Code: -32000, Message: "unknown block"}
		}
	} else {
		from, to := uint64(*q.FromBlock), uint64(*q.ToBlock)
		n.ranges = append(n.ranges, [2]uint64{from, to})
		logs = n.chain.logsBetween(from, min(to, n.head))
		if n.maxLogs > 0 && len(logs) > n.maxLogs {
			code, msg := -32005, fmt.Sprintf("query returned more than %d results", n.maxLogs)
			if n.tooMany != nil {
				code, msg = n.tooMany(from, to)
			}
			return nil, &jsonRPCError{Code: code, Message: msg}
		}
	}
	if len(q.Address) > 0 && q.Address[0] != testAddr {
		logs = nil
	}
	logs = append([]types.Log{}, logs...)
	if n.mutate != nil {
		logs = n.mutate(logs)
	}
	return logs, nil
}

// dialTest dials urls with fast test timings and a logger that fails the
// test if a secret shows up in any log line.
func dialTest(t *testing.T, o Options) *Client {
	t.Helper()
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 2 * time.Second
	}
	if o.RetryBase == 0 {
		o.RetryBase = time.Millisecond
	}
	if o.RetryMax == 0 {
		o.RetryMax = 5 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = secretCheckingLogger(t)
	}
	c, err := Dial(t.Context(), o)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// secretCheckingLogger returns a debug logger whose output is checked for
// testKey when the test ends.
func secretCheckingLogger(t *testing.T) *zap.Logger {
	t.Helper()
	w := &lockedBuffer{}
	t.Cleanup(func() {
		require.NotContains(t, w.String(), testKey, "secret leaked into the logs")
	})
	enc := zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, w, zap.DebugLevel))
}

// lockedBuffer is a concurrency-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Sync() error { return nil }

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
