// Package chain is everything that talks to EVM JSON-RPC endpoints: a
// multi-endpoint client with retries and failover, batched headers, eth_getLogs
// with error classification and provider range hints, an adaptive range
// fetcher, a consistency check for returned logs and a head wake-up channel.
//
// The RPC is distrusted: headers are checked for the requested number and
// non-zero hashes, a range query is only sent to an endpoint whose head covers
// the range (a lagging node answers [] for blocks it has not seen), and
// Validate rejects out-of-range, duplicate, removed or wrong-block logs.
//
// Endpoint URLs often carry API keys. They never appear in logs or error
// strings: everything goes through Redact.
package chain

import (
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"go.uber.org/zap"
)

// Header is the part of a block header the indexer needs.
type Header struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
	Time       uint64
	// Bloom is the block's logs bloom; HasBloom is false when the node did not send one.
	// The indexer uses it to catch a node that answers eth_getLogs with [] for a block it
	// does not have yet.
	Bloom    types.Bloom
	HasBloom bool
}

// Error classes. Every error returned by a Client method that came from an
// endpoint matches at most one of them with errors.Is; errors that match none
// are permanent answers (invalid params, execution reverted, ...).
var (
	// ErrTooManyResults means the provider refused or failed a log query
	// because its range or result was too large (too many logs, response size
	// exceeded, block range too wide, or a timeout on a multi-block
	// eth_getLogs). It is not retried: the caller shrinks the range. When the
	// provider suggested a range the error is a *RangeHintError.
	ErrTooManyResults = errors.New("too many results")
	// ErrBlockNotFound means the endpoint does not have the requested block
	// (null block, unknown block hash, or a head below a range's end). It is
	// retried once on every other endpoint before it is returned.
	ErrBlockNotFound = errors.New("block not found")
	// ErrRateLimited means the endpoint throttled us (HTTP 429, JSON-RPC -32005).
	// It is retried with backoff and failover.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable means the endpoint could not answer: HTTP 5xx, connection
	// refused or reset, EOF, a timeout, truncated or invalid JSON. It is
	// retried with backoff and failover.
	ErrUnavailable = errors.New("endpoint unavailable")
	// ErrInconsistent means an answer contradicts itself or the request: a
	// header with another number or zero hashes, a log outside the range,
	// duplicate log indexes, removed logs, or a log whose block hash differs
	// from the header's.
	ErrInconsistent = errors.New("inconsistent rpc answer")
)

// Options configures Dial. Zero values take the documented defaults.
type Options struct {
	// URLs are http(s):// or ws(s):// endpoints. Several mean failover in
	// order: calls stick to the endpoint that last worked and move to the next
	// healthy one when it fails.
	URLs []string
	// Log receives retry, failover and subscription events. Nil means no logs.
	Log *zap.Logger
	// ChainID, when non-zero, is the chain every endpoint must serve. When
	// zero, the first endpoint that answers eth_chainId fixes it. An endpoint
	// on another chain is never used.
	ChainID uint64
	// RequestTimeout bounds one request to one endpoint (default 20s).
	RequestTimeout time.Duration
	// MaxRetries is the number of retries per call across all endpoints
	// (default 8; negative means none). Retries wait an exponential backoff
	// with jitter between RetryBase and RetryMax.
	MaxRetries int
	// RetryBase is the first backoff delay (default 200ms).
	RetryBase time.Duration
	// RetryMax caps the backoff delay (default 10s).
	RetryMax time.Duration
	// MaxBatch is the maximum number of calls in one JSON-RPC batch
	// (default 100). It is halved automatically when a provider rejects a
	// batch as too large.
	MaxBatch int
	// PollInterval is the eth_blockNumber polling period of SubscribeHeads on
	// HTTP-only endpoints and while no WS subscription works (default 2s).
	PollInterval time.Duration
	// WSSilence is how long a WS newHeads subscription may stay silent before
	// it is re-established (default 30s).
	WSSilence time.Duration
	// MaxResponseBytes caps one eth_getLogs response; a larger one is
	// reported as ErrTooManyResults (default 512 MiB).
	MaxResponseBytes int64
	// ForeignLogs, when set, is told how many logs an eth_getLogs answer carried from an address
	// the query did not ask for (they are dropped, see Client.Logs). It must not block.
	ForeignLogs func(n int)
}

const (
	defaultRequestTimeout   = 20 * time.Second
	defaultMaxRetries       = 8
	defaultRetryBase        = 200 * time.Millisecond
	defaultRetryMax         = 10 * time.Second
	defaultMaxBatch         = 100
	defaultPollInterval     = 2 * time.Second
	defaultWSSilence        = 30 * time.Second
	defaultMaxResponseBytes = 512 << 20
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = defaultRequestTimeout
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = defaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.RetryBase <= 0 {
		o.RetryBase = defaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = defaultRetryMax
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = defaultMaxBatch
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.WSSilence <= 0 {
		o.WSSilence = defaultWSSilence
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = defaultMaxResponseBytes
	}
	return o
}

// Log field keys used by this package.
const (
	fieldEndpoint = "endpoint"
	fieldAttempt  = "attempt"
	fieldOp       = "op"
	fieldBlock    = "block"
	fieldElapsed  = "elapsed"
	fieldDelay    = "delay"
)
