package synthchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// Stats counts what the server answered.
type Stats struct {
	// HTTPRequests is the number of HTTP requests (a batch is one).
	HTTPRequests int64 `json:"http_requests"`
	// Batches is the number of JSON-RPC batch requests.
	Batches int64 `json:"batches"`
	// Calls counts JSON-RPC calls by method (each element of a batch counts).
	Calls map[string]int64 `json:"calls"`
	// Logs is the number of logs served by successful eth_getLogs calls.
	Logs int64 `json:"logs"`
	// RangeRefusals, ResultRefusals and BatchRefusals count eth_getLogs calls refused for their
	// block range or result size, and batches refused for their size.
	RangeRefusals  int64 `json:"range_refusals"`
	ResultRefusals int64 `json:"result_refusals"`
	BatchRefusals  int64 `json:"batch_refusals"`
}

// Server serves a Chain over JSON-RPC on HTTP: eth_chainId, net_version, web3_clientVersion,
// eth_blockNumber, eth_getBlockByNumber (numbers and the latest, pending, safe, finalized and
// earliest tags), eth_getBlockByHash and eth_getLogs (block range or block hash, address and
// topic filters), in single calls and batches. GET /stats returns Stats as JSON.
type Server struct {
	chain *Chain
	srv   *http.Server
	ln    net.Listener
	done  chan struct{}

	mu    sync.Mutex
	stats Stats
}

// Start serves c on addr ("127.0.0.1:0" for a free loopback port) until Close.
func Start(c *Chain, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{chain: c, ln: ln, done: make(chan struct{}), stats: Stats{Calls: map[string]int64{}}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// URL returns the server's http:// URL.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and waits for it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Calls = make(map[string]int64, len(s.stats.Calls))
	for k, v := range s.stats.Calls {
		out.Calls[k] = v
	}
	return out
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Calls: map[string]int64{}}
}

func (s *Server) count(f func(st *Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// request is one JSON-RPC call.
type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return e.Message }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/stats" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Stats())
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	s.count(func(st *Stats) { st.HTTPRequests++ })
	var out []byte
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var reqs []request
		if err := json.Unmarshal(trimmed, &reqs); err != nil {
			out = appendError(nil, nil, &rpcError{Code: -32700, Message: "parse error"})
			writeJSON(w, out)
			return
		}
		s.count(func(st *Stats) { st.Batches++ })
		if len(reqs) > s.chain.cfg.MaxBatch {
			// geth answers an oversized batch with a one-element array: the error, with the
			// id of the first call.
			s.count(func(st *Stats) { st.BatchRefusals++ })
			out = append(out, '[')
			out = appendError(out, reqs[0].ID, &rpcError{Code: -32600, Message: "batch too large"})
			out = append(out, ']')
			writeJSON(w, out)
			return
		}
		out = append(out, '[')
		for i := range reqs {
			if i > 0 {
				out = append(out, ',')
			}
			out = s.call(out, &reqs[i])
		}
		out = append(out, ']')
	} else {
		var req request
		if err := json.Unmarshal(trimmed, &req); err != nil {
			out = appendError(nil, nil, &rpcError{Code: -32700, Message: "parse error"})
		} else {
			out = s.call(nil, &req)
		}
	}
	writeJSON(w, out)
}

// writeJSON writes a JSON answer.
func writeJSON(w http.ResponseWriter, out []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// call appends the answer to one call.
func (s *Server) call(out []byte, req *request) []byte {
	s.count(func(st *Stats) { st.Calls[req.Method]++ })
	start := len(out)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = appendID(out, req.ID)
	out = append(out, `,"result":`...)
	res, err := s.dispatch(out, req)
	if err != nil {
		var re *rpcError
		if !errors.As(err, &re) {
			re = &rpcError{Code: -32602, Message: err.Error()}
		}
		return appendError(out[:start], req.ID, re)
	}
	return append(res, '}')
}

func appendID(out []byte, id json.RawMessage) []byte {
	if len(id) == 0 {
		return append(out, "null"...)
	}
	return append(out, id...)
}

func appendError(out []byte, id json.RawMessage, e *rpcError) []byte {
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = appendID(out, id)
	msg, _ := json.Marshal(e.Message)
	out = append(out, `,"error":{"code":`...)
	out = strconv.AppendInt(out, int64(e.Code), 10)
	out = append(out, `,"message":`...)
	out = append(out, msg...)
	return append(out, "}}"...)
}

// dispatch appends the result of req to out.
func (s *Server) dispatch(out []byte, req *request) ([]byte, error) {
	c := s.chain
	var params []json.RawMessage
	if len(req.Params) > 0 && string(req.Params) != "null" {
		if err := json.Unmarshal(req.Params, &params); err != nil {
			return nil, &rpcError{Code: -32602, Message: "invalid params: " + err.Error()}
		}
	}
	switch req.Method {
	case "eth_chainId":
		return appendQuantity(out, c.cfg.ChainID), nil
	case "net_version":
		return strconv.AppendQuote(out, strconv.FormatUint(c.cfg.ChainID, 10)), nil
	case "web3_clientVersion":
		return append(out, `"erc8004-synthchain/v1"`...), nil
	case "eth_blockNumber":
		return appendQuantity(out, c.Head()), nil
	case "eth_getBlockByNumber":
		if len(params) < 1 {
			return nil, &rpcError{Code: -32602, Message: "missing value for required argument 0"}
		}
		if err := fullTx(params); err != nil {
			return nil, err
		}
		n, ok, err := c.blockParam(params[0])
		if err != nil {
			return nil, err
		}
		if !ok {
			return append(out, "null"...), nil
		}
		return c.appendBlock(out, n), nil
	case "eth_getBlockByHash":
		if len(params) < 1 {
			return nil, &rpcError{Code: -32602, Message: "missing value for required argument 0"}
		}
		if err := fullTx(params); err != nil {
			return nil, err
		}
		var h common.Hash
		if err := json.Unmarshal(params[0], &h); err != nil {
			return nil, &rpcError{Code: -32602, Message: "invalid argument 0: " + err.Error()}
		}
		n, ok := c.byHash[h]
		if !ok {
			return append(out, "null"...), nil
		}
		return c.appendBlock(out, n), nil
	case "eth_getLogs":
		if len(params) != 1 {
			return nil, &rpcError{Code: -32602, Message: "eth_getLogs takes one filter object"}
		}
		return s.getLogs(out, params[0])
	default:
		return nil, &rpcError{Code: -32601, Message: fmt.Sprintf("the method %s does not exist/is not available", req.Method)}
	}
}

func fullTx(params []json.RawMessage) error {
	if len(params) > 1 && strings.TrimSpace(string(params[1])) == "true" {
		return &rpcError{Code: -32602, Message: "the synthetic chain serves no transaction bodies: ask with fullTx false"}
	}
	return nil
}

// blockParam resolves a block number or tag. ok is false for a block above the head.
func (c *Chain) blockParam(raw json.RawMessage) (uint64, bool, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, false, &rpcError{Code: -32602, Message: "invalid block number: " + err.Error()}
	}
	switch s {
	case "latest", "pending":
		return c.Head(), true, nil
	case "finalized", "safe":
		return c.Finalized(), true, nil
	case "earliest":
		return 0, true, nil
	}
	n, err := hexutil.DecodeUint64(s)
	if err != nil {
		return 0, false, &rpcError{Code: -32602, Message: "invalid block number " + strconv.Quote(s)}
	}
	return n, n <= c.Head(), nil
}

// filter is an eth_getLogs filter object.
type filter struct {
	FromBlock json.RawMessage   `json:"fromBlock"`
	ToBlock   json.RawMessage   `json:"toBlock"`
	BlockHash *common.Hash      `json:"blockHash"`
	Address   json.RawMessage   `json:"address"`
	Topics    []json.RawMessage `json:"topics"`
}

// getLogs answers eth_getLogs with the limits of Config.
func (s *Server) getLogs(out []byte, raw json.RawMessage) ([]byte, error) {
	c := s.chain
	var f filter
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, &rpcError{Code: -32602, Message: "invalid filter: " + err.Error()}
	}
	match, err := parseMatch(f.Address, f.Topics)
	if err != nil {
		return nil, err
	}
	var from, to uint64
	ranged := f.BlockHash == nil
	if !ranged {
		if len(f.FromBlock) > 0 || len(f.ToBlock) > 0 {
			return nil, &rpcError{Code: -32602, Message: "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"}
		}
		n, ok := c.byHash[*f.BlockHash]
		if !ok {
			return nil, &rpcError{Code: -32000, Message: "unknown block"}
		}
		from, to = n, n
	} else {
		var err error
		if from, err = c.rangeEnd(f.FromBlock); err != nil {
			return nil, err
		}
		if to, err = c.rangeEnd(f.ToBlock); err != nil {
			return nil, err
		}
		switch {
		case from > to:
			return nil, &rpcError{Code: -32602, Message: "invalid block range params"}
		case to > c.Head():
			return nil, &rpcError{Code: -32000, Message: "block range extends beyond current head block"}
		case c.cfg.MaxRange > 0 && to-from+1 > uint64(c.cfg.MaxRange):
			s.count(func(st *Stats) { st.RangeRefusals++ })
			return nil, &rpcError{Code: -32614, Message: "eth_getLogs is limited to a " + groupThousands(uint64(c.cfg.MaxRange)) + " range"}
		}
	}
	start := len(out)
	if ranged {
		// About 1.7 KB of JSON per log: grow once rather than by doubling through megabytes.
		want := c.Events(to) - c.Events(from-min(from, 1))
		if c.cfg.MaxLogs > 0 {
			want = min(want, uint64(c.cfg.MaxLogs))
		}
		out = slices.Grow(out, int(min(want*1800, 64<<20)))
	}
	out = append(out, '[')
	n := 0
	for b := from; b <= to; b++ {
		overflow := false
		c.eachLog(b, func(l *types.Log) bool {
			if !match(l) {
				return true
			}
			if ranged && c.cfg.MaxLogs > 0 && n == c.cfg.MaxLogs {
				overflow = true
				return false
			}
			if n > 0 {
				out = append(out, ',')
			}
			out = appendLog(out, l)
			n++
			return true
		})
		if overflow {
			s.count(func(st *Stats) { st.ResultRefusals++ })
			// Infura's answer, with the widest range that fits: up to the last whole block.
			last := from
			if b > from {
				last = b - 1
			}
			return out[:start], &rpcError{Code: -32005, Message: fmt.Sprintf(
				"query returned more than %d results. Try with this block range [0x%x, 0x%x].", c.cfg.MaxLogs, from, last)}
		}
	}
	out = append(out, ']')
	s.count(func(st *Stats) { st.Logs += int64(n) })
	return out, nil
}

// rangeEnd resolves fromBlock/toBlock; absent means latest.
func (c *Chain) rangeEnd(raw json.RawMessage) (uint64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return c.Head(), nil
	}
	n, ok, err := c.blockParam(raw)
	if err != nil {
		return 0, err
	}
	if !ok {
		// Above the head: the caller's range check reports it.
		var s string
		_ = json.Unmarshal(raw, &s)
		return hexutil.MustDecodeUint64(s), nil
	}
	return n, nil
}

// parseMatch builds the address and topic filter.
func parseMatch(addrRaw json.RawMessage, topicsRaw []json.RawMessage) (func(*types.Log) bool, error) {
	var addrs []common.Address
	if len(addrRaw) > 0 && string(addrRaw) != "null" {
		if addrRaw[0] == '[' {
			if err := json.Unmarshal(addrRaw, &addrs); err != nil {
				return nil, &rpcError{Code: -32602, Message: "invalid address: " + err.Error()}
			}
		} else {
			var a common.Address
			if err := json.Unmarshal(addrRaw, &a); err != nil {
				return nil, &rpcError{Code: -32602, Message: "invalid address: " + err.Error()}
			}
			addrs = []common.Address{a}
		}
	}
	topics := make([][]common.Hash, len(topicsRaw))
	for i, t := range topicsRaw {
		switch {
		case len(t) == 0 || string(t) == "null":
		case t[0] == '[':
			if err := json.Unmarshal(t, &topics[i]); err != nil {
				return nil, &rpcError{Code: -32602, Message: "invalid topics: " + err.Error()}
			}
		default:
			var h common.Hash
			if err := json.Unmarshal(t, &h); err != nil {
				return nil, &rpcError{Code: -32602, Message: "invalid topics: " + err.Error()}
			}
			topics[i] = []common.Hash{h}
		}
	}
	// Long topic lists (recipients) are matched through a set.
	sets := make([]map[common.Hash]struct{}, len(topics))
	for i, want := range topics {
		if len(want) > 16 {
			sets[i] = make(map[common.Hash]struct{}, len(want))
			for _, h := range want {
				sets[i][h] = struct{}{}
			}
		}
	}
	return func(l *types.Log) bool {
		if len(addrs) > 0 && !containsAddr(addrs, l.Address) {
			return false
		}
		if len(topics) > len(l.Topics) {
			return false
		}
		for i, want := range topics {
			if sets[i] != nil {
				if _, ok := sets[i][l.Topics[i]]; !ok {
					return false
				}
			} else if len(want) > 0 && !containsHash(want, l.Topics[i]) {
				return false
			}
		}
		return true
	}, nil
}

func containsAddr(list []common.Address, a common.Address) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func containsHash(list []common.Hash, h common.Hash) bool {
	for _, x := range list {
		if x == h {
			return true
		}
	}
	return false
}

// groupThousands formats n with comma separators, as providers print their limits.
func groupThousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
