package chain

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"
)

// Span defaults of RangeFetcher.
const (
	defaultMinSpan     = 1
	defaultMaxSpan     = 10_000
	defaultInitialSpan = 1_000
	// growPause is the number of successful requests after a shrink before
	// the span grows again, so that a span right at the provider's limit
	// does not alternate between failing and succeeding.
	growPause = 4
)

// RangeFetcher fetches logs for [from, to] in eth_getLogs requests of an
// adaptive span: the span doubles (up to MaxSpan) after successful requests
// and shrinks on ErrTooManyResults, to the provider's hint when there is one,
// else by half, down to MinSpan. A range of MinSpan blocks that is still too
// large is an error. The span carries over between Fetch calls, which may run
// concurrently (the indexer fetches several ranges ahead). A RangeFetcher must
// not be copied after first use.
type RangeFetcher struct {
	Client    *Client
	Addresses []common.Address
	// Topics filters like eth_getLogs topics; nil means all.
	Topics [][]common.Hash
	// MinSpan is the smallest span tried (default 1).
	MinSpan uint64
	// MaxSpan is the largest span (default 10000).
	MaxSpan uint64
	// InitialSpan is the first span (default 1000, clamped to [MinSpan, MaxSpan]).
	InitialSpan uint64

	span  atomic.Uint64
	pause atomic.Int32 // successes to wait before growing again
}

// limits returns the effective MinSpan and MaxSpan.
func (f *RangeFetcher) limits() (lo, hi uint64) {
	lo, hi = f.MinSpan, f.MaxSpan
	if lo == 0 {
		lo = defaultMinSpan
	}
	if hi == 0 {
		hi = defaultMaxSpan
	}
	return lo, max(hi, lo)
}

// Span returns the span the next request will use.
func (f *RangeFetcher) Span() uint64 {
	if s := f.span.Load(); s != 0 {
		return s
	}
	lo, hi := f.limits()
	init := f.InitialSpan
	if init == 0 {
		init = defaultInitialSpan
	}
	return min(max(init, lo), hi)
}

// Fetch returns all logs in [from, to] matching the fetcher's filter, sorted
// by (block, log index) and checked by Validate (without headers).
func (f *RangeFetcher) Fetch(ctx context.Context, from, to uint64) ([]types.Log, error) {
	if from > to {
		return nil, fmt.Errorf("fetch logs %d-%d: empty range", from, to)
	}
	lo, hi := f.limits()
	var all []types.Log
	foreign := 0
	// One line and one count per batch, however many requests it took.
	defer func() { f.Client.reportForeign(LogQuery{From: from, To: to}, foreign) }()
	for cur := from; ; {
		raw := f.span.Load() // 0 until the first change: Span then returns the initial span
		span := f.Span()
		end := to
		if to-cur >= span {
			end = cur + span - 1
		}
		logs, dropped, err := f.Client.logs(ctx, LogQuery{From: cur, To: end, Addresses: f.Addresses, Topics: f.Topics})
		foreign += dropped
		if err != nil {
			if !errors.Is(err, ErrTooManyResults) {
				return nil, fmt.Errorf("fetch logs %d-%d: %w", from, to, err)
			}
			n := end - cur + 1
			if n <= lo {
				return nil, fmt.Errorf("fetch logs %d-%d: %d-block range %d-%d still too large: %w", from, to, n, cur, end, err)
			}
			next := n / 2
			var hint *RangeHintError
			if errors.As(err, &hint) && hint.From == cur && hint.To >= cur && hint.To < end {
				next = hint.To - cur + 1
			}
			next = max(next, lo)
			f.span.Store(next)
			f.pause.Store(growPause)
			f.Client.log.Debug("shrinking log range", zap.Uint64(fieldBlock, cur), zap.Uint64("span", next), zap.Error(err))
			continue
		}
		all = append(all, logs...)
		if p := f.pause.Load(); p > 0 {
			f.pause.CompareAndSwap(p, p-1)
		} else if end-cur+1 == span && span < hi {
			// Another Fetch may have shrunk the span meanwhile: grow only from the value
			// this request used.
			f.span.CompareAndSwap(raw, min(span*2, hi))
		}
		if end == to {
			break
		}
		cur = end + 1
	}
	slices.SortFunc(all, compareLogs)
	if err := Validate(all, from, to, nil); err != nil {
		return nil, fmt.Errorf("fetch logs %d-%d: %w", from, to, err)
	}
	return all, nil
}

// compareLogs orders logs by block number, then log index.
func compareLogs(a, b types.Log) int {
	if c := cmp.Compare(a.BlockNumber, b.BlockNumber); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// Validate checks logs returned for the block range [from, to]: each log is
// inside the range, not marked removed and has a block hash; no two logs share
// (block, log index); log and transaction indexes fit the schema's int32; all logs of one
// block carry the same block hash; and,
// when headers is not nil, every log's block hash equals the hash of the
// header of its block (a log of a block missing from headers is an error).
// It returns ErrInconsistent wrapped with a one-line reason.
func Validate(logs []types.Log, from, to uint64, headers map[uint64]Header) error {
	sorted := slices.IsSortedFunc(logs, compareLogs)
	var seen map[[2]uint64]struct{}
	if !sorted {
		seen = make(map[[2]uint64]struct{}, len(logs))
	}
	hashes := map[uint64]common.Hash{}
	for i := range logs {
		l := &logs[i]
		switch {
		case l.Removed:
			return fmt.Errorf("%w: log %d of block %d is marked removed", ErrInconsistent, l.Index, l.BlockNumber)
		case l.BlockNumber < from || l.BlockNumber > to:
			return fmt.Errorf("%w: log %d of block %d is outside blocks %d-%d", ErrInconsistent, l.Index, l.BlockNumber, from, to)
		case l.BlockHash == (common.Hash{}):
			return fmt.Errorf("%w: log %d of block %d has no block hash", ErrInconsistent, l.Index, l.BlockNumber)
		case l.Index > math.MaxInt32 || l.TxIndex > math.MaxInt32:
			// The schema stores both as integer; no real block comes near 2^31 logs. A cast
			// would wrap and collide with another log's key.
			return fmt.Errorf("%w: log %d (transaction %d) of block %d: index beyond 2^31-1", ErrInconsistent, l.Index, l.TxIndex, l.BlockNumber)
		}
		if sorted {
			if i > 0 && logs[i-1].BlockNumber == l.BlockNumber && logs[i-1].Index == l.Index {
				return fmt.Errorf("%w: duplicate log index %d in block %d", ErrInconsistent, l.Index, l.BlockNumber)
			}
		} else {
			k := [2]uint64{l.BlockNumber, uint64(l.Index)}
			if _, dup := seen[k]; dup {
				return fmt.Errorf("%w: duplicate log index %d in block %d", ErrInconsistent, l.Index, l.BlockNumber)
			}
			seen[k] = struct{}{}
		}
		if h, ok := hashes[l.BlockNumber]; !ok {
			hashes[l.BlockNumber] = l.BlockHash
		} else if h != l.BlockHash {
			return fmt.Errorf("%w: logs of block %d carry two block hashes %s and %s", ErrInconsistent, l.BlockNumber, h.Hex(), l.BlockHash.Hex())
		}
		if headers != nil {
			h, ok := headers[l.BlockNumber]
			switch {
			case !ok:
				return fmt.Errorf("%w: no header for block %d of log %d", ErrInconsistent, l.BlockNumber, l.Index)
			case h.Hash != l.BlockHash:
				return fmt.Errorf("%w: log %d of block %d has block hash %s, header has %s", ErrInconsistent, l.Index, l.BlockNumber, l.BlockHash.Hex(), h.Hash.Hex())
			}
		}
	}
	return nil
}

// Headers returns the headers of blocks nums, like Client.Headers, for the backfill. Over HTTP it
// sends each batch of eth_getBlockByNumber itself and decodes the answer with a scanner that reads
// only the fields a Header has and skips the rest (transaction hashes, roots, ...): go-ethereum's
// rpc client decodes a batch answer twice with encoding/json, which was 40% of the indexer's CPU
// on a 1M-event backfill (one header per block with logs). The headers are checked exactly like
// Client.Headers checks them. Anything unusual (a WS endpoint, an error element, a null block,
// an answer outside the scanner's JSON subset, an HTTP error) sends that batch through
// Client.Headers, which retries, fails over and reports the error.
func (f *RangeFetcher) Headers(ctx context.Context, nums []uint64) ([]Header, error) {
	c := f.Client
	out := make([]Header, len(nums))
	for start := 0; start < len(nums); {
		end := min(start+max(int(c.batch.Load()), 1), len(nums))
		part, dst := nums[start:end], out[start:end]
		fast := false
		if ep := c.current(); ep != nil && !ep.ws && !c.closed.Load() {
			err := c.attempt(ctx, ep, classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
				return c.headersHTTP(ctx, ep, part, dst)
			})
			fast = err == nil
		}
		if !fast {
			hs, err := c.Headers(ctx, part)
			if err != nil {
				return nil, err
			}
			copy(dst, hs)
		}
		start = end
	}
	return out, nil
}

// headersHTTP fetches the headers of nums from an HTTP endpoint in one batch into out.
func (c *Client) headersHTTP(ctx context.Context, ep *endpoint, nums []uint64, out []Header) error {
	body := make([]byte, 0, 96*len(nums))
	body = append(body, '[')
	for i, n := range nums {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"jsonrpc":"2.0","id":`...)
		body = strconv.AppendInt(body, int64(i), 10)
		body = append(body, `,"method":"eth_getBlockByNumber","params":["0x`...)
		body = strconv.AppendUint(body, n, 16)
		body = append(body, `",false]}`...)
	}
	body = append(body, ']')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return rpc.HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: b}
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyPool.Put(buf)
		}
	}()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if n > c.opts.MaxResponseBytes {
		return errSlowPath
	}
	s := logScanner{b: buf.Bytes()}
	return s.headerBatch(nums, out)
}

// headerFields are the block fields a Header is made of.
var headerFields = [][]byte{[]byte("number"), []byte("hash"), []byte("parentHash"), []byte("timestamp"), []byte("logsBloom")}

// headerBatch scans a batch answer of eth_getBlockByNumber calls with ids 0..len(nums)-1 and
// checks each header like Client.Headers. Any error element or unexpected shape fails.
func (s *logScanner) headerBatch(nums []uint64, out []Header) error {
	seen := make([]bool, len(nums))
	s.space()
	if !s.eat('[') {
		return errSlowPath
	}
	for k := 0; ; k++ {
		s.space()
		if k == 0 && s.eat(']') {
			break
		}
		id, h, ok := s.headerResponse()
		if !ok || id < 0 || id >= len(nums) || seen[id] {
			return errSlowPath
		}
		n := nums[id]
		hd, err := h.header(&n)
		if err != nil {
			return err
		}
		out[id], seen[id] = hd, true
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			break
		}
		return errSlowPath
	}
	s.space()
	if s.i != len(s.b) {
		return errSlowPath
	}
	for _, ok := range seen {
		if !ok {
			return errSlowPath
		}
	}
	return nil
}

// headerResponse scans one {"jsonrpc":"2.0","id":N,"result":{block}} element.
func (s *logScanner) headerResponse() (int, *rpcHeader, bool) {
	if !s.eat('{') {
		return 0, nil, false
	}
	id, h := -1, (*rpcHeader)(nil)
	for {
		s.space()
		key, ok := s.key()
		if !ok {
			return 0, nil, false
		}
		s.space()
		if !s.eat(':') {
			return 0, nil, false
		}
		s.space()
		switch string(key) {
		case "jsonrpc":
			ok = s.skipValue(0)
		case "id":
			start := s.i
			if !s.digits() || s.i-start > 9 {
				return 0, nil, false
			}
			v, err := strconv.Atoi(string(s.b[start:s.i]))
			if err != nil {
				return 0, nil, false
			}
			id = v
		case "result":
			h, ok = s.blockHeader()
		default:
			// An error element, or a key encoding/json would match case-insensitively.
			return 0, nil, false
		}
		if !ok {
			return 0, nil, false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return id, h, h != nil
		}
		return 0, nil, false
	}
}

// blockHeader scans a block object, keeping the Header fields.
func (s *logScanner) blockHeader() (*rpcHeader, bool) {
	if !s.eat('{') {
		return nil, false // null: a block the endpoint does not have
	}
	var (
		h                  rpcHeader
		number, timestamp  hexutil.Uint64
		hash, parentHash   common.Hash
		bloom              types.Bloom
		seenNum, seenTime  bool
		seenHash, seenPar  bool
		seenBloom, scanned bool
	)
	for {
		s.space()
		if !scanned && s.eat('}') {
			break
		}
		scanned = true
		key, ok := s.key()
		if !ok {
			return nil, false
		}
		s.space()
		if !s.eat(':') {
			return nil, false
		}
		s.space()
		dup := false
		switch string(key) {
		case "number":
			var v uint64
			v, ok = s.quantity()
			number, dup, seenNum = hexutil.Uint64(v), seenNum, true
		case "timestamp":
			var v uint64
			v, ok = s.quantity()
			timestamp, dup, seenTime = hexutil.Uint64(v), seenTime, true
		case "hash":
			ok = s.fixedHex(hash[:])
			dup, seenHash = seenHash, true
		case "parentHash":
			ok = s.fixedHex(parentHash[:])
			dup, seenPar = seenPar, true
		case "logsBloom":
			ok = s.fixedHex(bloom[:])
			dup, seenBloom = seenBloom, true
		default:
			for _, f := range headerFields {
				if bytes.EqualFold(key, f) {
					return nil, false
				}
			}
			ok = s.skipValue(0)
		}
		if !ok || dup {
			return nil, false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			break
		}
		return nil, false
	}
	if seenNum {
		h.Number = &number
	}
	if seenTime {
		h.Time = &timestamp
	}
	if seenHash {
		h.Hash = &hash
	}
	if seenPar {
		h.ParentHash = &parentHash
	}
	if seenBloom {
		h.Bloom = &bloom
	}
	return &h, true
}
