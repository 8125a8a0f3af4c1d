package chain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
)

// endpointCooldown is how long an endpoint that failed with a transient error
// is passed over when choosing where to fail over to.
const endpointCooldown = 10 * time.Second

// headCacheTTL is how long an endpoint's eth_blockNumber answer is trusted by
// the lagging-node guard of range log queries.
const headCacheTTL = time.Second

// errClosed is returned by calls on a closed Client.
var errClosed = errors.New("client closed")

// Client is a multi-endpoint JSON-RPC client with retries and failover. Calls
// go to the active endpoint; when it fails with a transient error the client
// backs off and moves to the next healthy endpoint in Options.URLs order, and
// stays there while it works. It is safe for concurrent use.
type Client struct {
	log    *zap.Logger
	opts   Options
	eps    []*endpoint
	httpc  *http.Client
	active atomic.Int32 // index of the sticky endpoint
	batch  atomic.Int64 // current batch size limit, <= opts.MaxBatch
	closed atomic.Bool

	chainMu sync.Mutex
	chainID uint64 // expected chain id, 0 until the first endpoint answered
}

// endpoint is one JSON-RPC URL and its state.
type endpoint struct {
	idx  int
	url  string // raw, with secrets: never log or print it
	name string // redact.URL(url)
	red  redact.Scrubber
	ws   bool

	mu       sync.Mutex
	rc       *rpc.Client // nil until dialed (ws dials lazily after a failure)
	verified bool        // chain id checked

	bad       atomic.Bool  // serves another chain: never used
	downUntil atomic.Int64 // unix nanos; passed over for failover until then
	head      atomic.Uint64
	headAt    atomic.Int64 // unix nanos of head
}

// Dial creates a Client for o.URLs. HTTP endpoints need no connection; a WS
// endpoint that cannot be reached now is dialed again when it is next used,
// so Dial fails only on invalid options.
func Dial(ctx context.Context, o Options) (*Client, error) {
	o = o.withDefaults()
	if len(o.URLs) == 0 {
		return nil, errors.New("dial rpc: no endpoint urls")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	c := &Client{
		log:  o.Log,
		opts: o,
		// Every HTTP answer, the go-ethereum rpc client's included, is cut at MaxResponseBytes.
		httpc:   &http.Client{Transport: limitTransport{base: tr, max: o.MaxResponseBytes}},
		chainID: o.ChainID,
	}
	c.batch.Store(int64(o.MaxBatch))
	for i, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil {
			// The *url.Error would print the raw URL with its secrets.
			return nil, fmt.Errorf("dial rpc: parse endpoint %d %s: invalid url", i, redact.URL(raw))
		}
		ep := &endpoint{idx: i, url: raw, name: redact.URL(raw), red: redact.New(raw)}
		switch u.Scheme {
		case "http", "https":
		case "ws", "wss":
			ep.ws = true
		default:
			return nil, fmt.Errorf("dial rpc: endpoint %s: unsupported scheme %q (want http, https, ws or wss)", ep.name, u.Scheme)
		}
		c.eps = append(c.eps, ep)
	}
	for _, ep := range c.eps {
		// A blackholed WS endpoint must not hang Dial.
		dctx, cancel := context.WithTimeout(ctx, o.RequestTimeout)
		_, err := c.rpcClient(dctx, ep)
		cancel()
		if err != nil {
			c.log.Warn("endpoint not reachable yet", zap.String(fieldEndpoint, ep.name), zap.Error(err))
		}
	}
	return c, nil
}

// limitTransport fails the read of a response body beyond max+1 bytes (max+1 lets a reader that
// stops at max+1 tell "too large" itself, as getLogsHTTP does).
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: t.max + 1, max: t.max}
	return resp, nil
}

// limitedBody is a response body that fails once more than its allowance is read.
type limitedBody struct {
	io.ReadCloser
	left, max int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("response exceeds %d bytes", b.max)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// Close closes every endpoint connection. Calls after Close fail.
func (c *Client) Close() {
	if c.closed.Swap(true) {
		return
	}
	for _, ep := range c.eps {
		ep.mu.Lock()
		if ep.rc != nil {
			ep.rc.Close()
			ep.rc = nil
		}
		ep.mu.Unlock()
	}
	c.httpc.CloseIdleConnections()
}

// rpcClient returns the endpoint's rpc.Client, dialing it if needed.
func (c *Client) rpcClient(ctx context.Context, ep *endpoint) (*rpc.Client, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if c.closed.Load() {
		return nil, errClosed
	}
	if ep.rc != nil {
		return ep.rc, nil
	}
	var opts []rpc.ClientOption
	if ep.ws {
		opts = append(opts, rpc.WithWebsocketMessageSizeLimit(c.opts.MaxResponseBytes))
	} else {
		opts = append(opts, rpc.WithHTTPClient(c.httpc))
	}
	rc, err := rpc.DialOptions(ctx, ep.url, opts...)
	if err != nil {
		return nil, classify(fmt.Errorf("dial: %w", err), ep.red, classifyOpts{})
	}
	ep.rc = rc
	return rc, nil
}

// do runs fn against the active endpoint with the retry policy: transient
// errors back off and fail over, endpoint-specific errors (block not found,
// pruned state) are retried once on every other endpoint, everything else is
// returned at once. op names the call in the returned error.
func (c *Client) do(ctx context.Context, op string, co classifyOpts, fn func(ctx context.Context, ep *endpoint) error) error {
	if c.closed.Load() {
		return fmt.Errorf("%s: %w", op, errClosed)
	}
	ep := c.current()
	retries, elsewhere := 0, 0
	for {
		if ep == nil {
			return fmt.Errorf("%s: no usable endpoint (all serve another chain)", op)
		}
		err := c.attempt(ctx, ep, co, fn)
		if err == nil {
			ep.downUntil.Store(0)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		mode := retryModeOf(err)
		if mode == retryNever || retries >= c.opts.MaxRetries ||
			(mode == retryElsewhere && elsewhere >= max(len(c.eps), 1)) {
			return fmt.Errorf("%s via %s: %w", op, ep.name, err)
		}
		retries++
		next, delay := ep, time.Duration(0)
		switch mode {
		case retryBackoff:
			ep.downUntil.Store(time.Now().Add(endpointCooldown).UnixNano())
			next = c.failover(ep)
			if next == ep || next == nil || next.isDown() {
				delay = retry.Backoff(retries, c.opts.RetryBase, c.opts.RetryMax)
			}
		case retryElsewhere:
			elsewhere++
			next = c.other(ep)
			if next == ep {
				delay = retry.Backoff(retries, c.opts.RetryBase, c.opts.RetryMax)
			}
		case retryNow:
		}
		c.log.Debug("rpc call failed, retrying", zap.String(fieldOp, op), zap.String(fieldEndpoint, ep.name),
			zap.Int(fieldAttempt, retries), zap.Duration(fieldDelay, delay), zap.Error(err))
		if err := retry.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		ep = next
	}
}

// attempt runs fn once against ep under the per-request timeout and
// classifies its error.
func (c *Client) attempt(ctx context.Context, ep *endpoint, co classifyOpts, fn func(ctx context.Context, ep *endpoint) error) error {
	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	if err := c.verify(actx, ep); err != nil {
		return err
	}
	err := fn(actx, ep)
	if err == nil {
		return nil
	}
	co.timedOut = errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	return classify(err, ep.red, co)
}

// verify checks once per endpoint that it serves the expected chain; the
// first endpoint to answer fixes the expectation when Options.ChainID is 0.
// An endpoint on another chain is marked bad and never used again: indexing
// another chain's logs would be silent corruption.
func (c *Client) verify(ctx context.Context, ep *endpoint) error {
	ep.mu.Lock()
	done := ep.verified
	ep.mu.Unlock()
	if done {
		return nil
	}
	rc, err := c.rpcClient(ctx, ep)
	if err != nil {
		return err
	}
	var id hexutil.Uint64
	if err := rc.CallContext(ctx, &id, "eth_chainId"); err != nil {
		return classify(fmt.Errorf("get chain id: %w", err), ep.red, classifyOpts{timedOut: errors.Is(ctx.Err(), context.DeadlineExceeded)})
	}
	c.chainMu.Lock()
	if c.chainID == 0 {
		c.chainID = uint64(id)
	}
	want := c.chainID
	c.chainMu.Unlock()
	if uint64(id) != want {
		ep.bad.Store(true)
		c.log.Error("endpoint serves another chain, not using it", zap.String(fieldEndpoint, ep.name),
			zap.Uint64("endpoint_chain_id", uint64(id)), zap.Uint64("chain_id", want))
		return &endpointError{kind: ErrUnavailable, retry: retryElsewhere,
			msg: fmt.Sprintf("endpoint serves chain %d, want %d", uint64(id), want)}
	}
	ep.mu.Lock()
	ep.verified = true
	ep.mu.Unlock()
	return nil
}

// current returns the sticky endpoint, or the next usable one if it is bad.
func (c *Client) current() *endpoint {
	ep := c.eps[c.active.Load()]
	if ep.bad.Load() {
		return c.failover(ep)
	}
	return ep
}

// failover moves the sticky endpoint away from failed: to the first endpoint
// in configured order that is neither bad nor cooling down, else to the next
// usable one after failed. If another call already moved it, that choice is
// kept.
func (c *Client) failover(failed *endpoint) *endpoint {
	cur := c.eps[c.active.Load()]
	if cur != failed && !cur.bad.Load() && !cur.isDown() {
		return cur
	}
	var next *endpoint
	for _, ep := range c.eps {
		if ep != failed && !ep.bad.Load() && !ep.isDown() {
			next = ep
			break
		}
	}
	if next == nil {
		next = c.other(failed)
	}
	if next == nil {
		return nil
	}
	if next != failed && c.active.CompareAndSwap(int32(failed.idx), int32(next.idx)) {
		c.log.Warn("failing over to next endpoint", zap.String("from", failed.name), zap.String("to", next.name))
	}
	return next
}

// other returns the endpoint after ep in configured order (cyclically) that is
// usable, preferring ones not cooling down; ep itself when it is the only
// usable one; nil when none is. It does not move the sticky endpoint.
func (c *Client) other(ep *endpoint) *endpoint {
	n := len(c.eps)
	var fallback *endpoint
	for k := 1; k <= n; k++ {
		e := c.eps[(ep.idx+k)%n]
		if e.bad.Load() {
			continue
		}
		if !e.isDown() {
			return e
		}
		if fallback == nil {
			fallback = e
		}
	}
	return fallback
}

// isDown reports whether ep failed recently.
func (ep *endpoint) isDown() bool {
	return time.Now().UnixNano() < ep.downUntil.Load()
}

// setHead records an eth_blockNumber answer of ep for the lagging-node guard.
func (ep *endpoint) setHead(n uint64) {
	ep.head.Store(n)
	ep.headAt.Store(time.Now().UnixNano())
}

// ensureHead makes sure ep has seen block `to` before a range query: a node
// that has not may answer eth_getLogs with [] instead of an error. The
// endpoint's head is cached for headCacheTTL.
func (c *Client) ensureHead(ctx context.Context, ep *endpoint, to uint64) error {
	if time.Now().UnixNano()-ep.headAt.Load() < int64(headCacheTTL) && ep.head.Load() >= to {
		return nil
	}
	rc, err := c.rpcClient(ctx, ep)
	if err != nil {
		return err
	}
	var h hexutil.Uint64
	if err := rc.CallContext(ctx, &h, "eth_blockNumber"); err != nil {
		return classify(fmt.Errorf("get head: %w", err), ep.red, classifyOpts{timedOut: errors.Is(ctx.Err(), context.DeadlineExceeded)})
	}
	ep.setHead(uint64(h))
	if uint64(h) < to {
		return &endpointError{kind: ErrBlockNotFound, retry: retryElsewhere,
			msg: fmt.Sprintf("endpoint head %d is below block %d", uint64(h), to)}
	}
	return nil
}
