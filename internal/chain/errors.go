package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// RangeHintError is an ErrTooManyResults for which the provider suggested a
// block range that should work, e.g. Alchemy's "this block range should
// work: [0x1, 0x2]" or a span limit such as "block range limit (2000)". A
// span limit is expressed as the range of that many blocks starting at the
// requested From.
type RangeHintError struct {
	From, To uint64
	Err      error // matches ErrTooManyResults
}

// Error implements error.
func (e *RangeHintError) Error() string {
	return fmt.Sprintf("%v (suggested range %d-%d)", e.Err, e.From, e.To)
}

// Unwrap returns the underlying ErrTooManyResults error.
func (e *RangeHintError) Unwrap() error { return e.Err }

// retryMode says how the client reacts to a classified error.
type retryMode int

const (
	retryNever     retryMode = iota // return to the caller
	retryBackoff                    // transient: back off, mark the endpoint down, fail over
	retryElsewhere                  // this endpoint cannot serve it: try another one
	retryNow                        // adjust and retry at once (smaller batch)
)

// errBatchTooLarge is the class of "batch too large" answers; it never leaves
// the package because batches are split and retried.
var errBatchTooLarge = errors.New("batch too large")

// endpointError is an endpoint failure after classification. Its message has
// the endpoint's secrets scrubbed; cause is kept only when it is an answer
// from the server (a JSON-RPC or HTTP error), which never embeds our URL.
type endpointError struct {
	kind  error // a sentinel of this package, or nil for a permanent answer
	msg   string
	retry retryMode
	cause error
}

func (e *endpointError) Error() string {
	if e.kind == nil {
		return e.msg
	}
	return e.kind.Error() + ": " + e.msg
}

func (e *endpointError) Is(target error) bool { return e.kind != nil && target == e.kind }

func (e *endpointError) Unwrap() error { return e.cause }

// retryModeOf returns how err should be handled by the retry loop.
func retryModeOf(err error) retryMode {
	var ee *endpointError
	if errors.As(err, &ee) {
		return ee.retry
	}
	return retryNever
}

// classifyOpts tells classify what the failed request was.
type classifyOpts struct {
	// logs is set for eth_getLogs: a 413 or an oversized WS message means the
	// result is too large.
	logs bool
	// logsRange is set for a multi-block eth_getLogs: a timeout then means
	// the query is too heavy rather than the endpoint being down.
	logsRange bool
	// from and to are the requested range, for span hints.
	from, to uint64
	// timedOut is set when the per-request deadline expired.
	timedOut bool
}

// classify maps an error from one request to one endpoint to an
// *endpointError (or a *RangeHintError wrapping one). Already classified
// errors are returned unchanged.
func classify(err error, red redact.Scrubber, o classifyOpts) error {
	var ee *endpointError
	if errors.As(err, &ee) {
		return err
	}
	// A node's message can be megabytes (an echoed request, an HTML page): only its start is kept
	// for errors and logs, cut after the secrets are scrubbed so that none is cut in half.
	msg := truncate(red.Text(err.Error()), maxErrorText)

	var rerr rpc.Error
	if errors.As(err, &rerr) {
		return classifyRPC(rerr.ErrorCode(), msg, err, o)
	}
	var herr rpc.HTTPError
	if errors.As(err, &herr) {
		if code, m, ok := rpcErrorInBody(herr.Body); ok {
			if c := classifyRPC(code, red.Text(m), err, o); retryModeOf(c) != retryNever || errors.Is(c, ErrTooManyResults) {
				return c
			}
		}
		msg = fmt.Sprintf("http %d", herr.StatusCode)
		if body := strings.TrimSpace(string(herr.Body)); body != "" {
			msg = red.Text(msg + ": " + truncate(body, 200))
		}
		switch s := herr.StatusCode; {
		case s == 429:
			return &endpointError{kind: ErrRateLimited, msg: msg, retry: retryBackoff, cause: err}
		case s == 413 && o.logs:
			return &endpointError{kind: ErrTooManyResults, msg: msg, cause: err}
		case s == 413:
			return &endpointError{kind: errBatchTooLarge, msg: msg, retry: retryNow, cause: err}
		case s >= 500, s == 408:
			return &endpointError{kind: ErrUnavailable, msg: msg, retry: retryBackoff, cause: err}
		case s == 401, s == 403, s == 404:
			// Bad key or wrong path on this endpoint; another may work.
			return &endpointError{kind: ErrUnavailable, msg: msg, retry: retryElsewhere, cause: err}
		default:
			return &endpointError{msg: msg, cause: err}
		}
	}
	if o.timedOut || errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err) {
		if o.logsRange {
			return &endpointError{kind: ErrTooManyResults, msg: "timeout: " + msg}
		}
		return &endpointError{kind: ErrUnavailable, msg: "timeout: " + msg, retry: retryBackoff}
	}
	if strings.Contains(msg, "read limit exceeded") && o.logs {
		// The WS message size limit (Options.MaxResponseBytes) was hit.
		return &endpointError{kind: ErrTooManyResults, msg: msg}
	}
	// Everything else is transport: refused or reset connections, EOF,
	// truncated or invalid JSON, closed websockets, missing batch answers.
	return &endpointError{kind: ErrUnavailable, msg: msg, retry: retryBackoff}
}

// classifyRPC maps a JSON-RPC error object by its message first and its code
// second: Infura, for one, uses -32005 both for "query returned more than
// 10000 results" and for rate limits.
func classifyRPC(code int, msg string, cause error, o classifyOpts) error {
	l := strings.ToLower(msg)
	full := fmt.Sprintf("%s (code %d)", msg, code)
	switch {
	case isLagging(l):
		return &endpointError{kind: ErrBlockNotFound, msg: full, retry: retryElsewhere, cause: cause}
	case code == 4444 || containsAny(l, "missing trie node", "pruned", "historical state", "state not available",
		"state is not available", "history is not available", "not archive"):
		// A non-archive or pruned node (geth: 4444 "pruned history
		// unavailable"); an archive endpoint may answer.
		return &endpointError{kind: ErrUnavailable, msg: full, retry: retryElsewhere, cause: cause}
	case isTooMany(l):
		e := &endpointError{kind: ErrTooManyResults, msg: full, cause: cause}
		if from, to, ok := parseRangeHint(msg, o.from, o.to); ok {
			return &RangeHintError{From: from, To: to, Err: e}
		}
		return e
	case isBatchTooLarge(l):
		return &endpointError{kind: errBatchTooLarge, msg: full, retry: retryNow, cause: cause}
	case code == -32005 || code == 429 || containsAny(l, "rate limit", "too many requests", "exceeded the quota",
		"quota exceeded", "request limit", "compute units", "capacity exceeded", "throughput"):
		return &endpointError{kind: ErrRateLimited, msg: full, retry: retryBackoff, cause: cause}
	case containsAny(l, "header not found", "unknown block", "block not found", "block does not exist",
		"cannot find block", "could not find block"):
		return &endpointError{kind: ErrBlockNotFound, msg: full, retry: retryElsewhere, cause: cause}
	case code == -32002 || containsAny(l, "timeout", "timed out", "deadline exceeded"):
		if o.logsRange {
			return &endpointError{kind: ErrTooManyResults, msg: full, cause: cause}
		}
		return &endpointError{kind: ErrUnavailable, msg: full, retry: retryBackoff, cause: cause}
	case code == -32603 || containsAny(l, "internal error", "temporarily", "try again", "overloaded",
		"service unavailable", "bad gateway", "busy", "upstream"):
		return &endpointError{kind: ErrUnavailable, msg: full, retry: retryBackoff, cause: cause}
	default:
		return &endpointError{msg: full, cause: cause}
	}
}

// isLagging matches "the range ends after my head" answers, e.g. "block range
// extends beyond current head block" or Avalanche's "requested to block ...
// after last accepted block".
func isLagging(l string) bool {
	return containsAny(l, "beyond current head", "beyond head", "beyond the head", "exceeds head",
		"greater than current head", "greater than latest", "after last accepted block", "is in the future")
}

// isTooMany matches result-size and range-size refusals of the common
// providers and node implementations.
func isTooMany(l string) bool {
	if strings.Contains(l, "invalid block range") {
		return false // from > to: our bug, not a size problem
	}
	if strings.Contains(l, "limited to") && (strings.Contains(l, "block") || strings.Contains(l, "range")) {
		return true
	}
	return containsAny(l,
		"query returned more than", "more than 10000 results", "too many results", "too many logs",
		"logs matched", "result size", "response size", "response too large", "response is too big",
		"exceeds max results", "max results", "result limit", "log limit", "logs limit",
		"block range", "blocks range", "range too large", "range is too large", "range too wide",
		"range is too wide", "range limit", "max range", "maximum range", "range exceeds",
		"exceed maximum block range", "query timeout", "statement timeout")
}

// isBatchTooLarge matches a refusal of the batch size.
func isBatchTooLarge(l string) bool {
	return strings.Contains(l, "batch") && containsAny(l, "too large", "too big", "limit", "exceed", "too many", "maximum", "size")
}

var (
	// hintBracket is a [from, to] pair in hex or decimal.
	hintBracket = regexp.MustCompile(`\[\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*,\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*\]`)
	// hintSpan are phrasings of a maximum span in blocks; group 1 is the
	// number, group 2 an optional k (thousands) suffix.
	hintSpan = []*regexp.Regexp{
		regexp.MustCompile(`block range limit\s*\(?\s*([0-9][0-9,_]*)(k?)`),
		regexp.MustCompile(`max(?:imum)?\s+(?:block\s+)?range(?:\s+(?:of|is|limit|size))?\s*:?\s*\(?\s*([0-9][0-9,_]*)(k?)`),
		regexp.MustCompile(`limited to (?:a |an )?([0-9][0-9,_]*)(k?)\s*(?:-?block|range)`),
		regexp.MustCompile(`range (?:is )?(?:limited|capped|restricted) to ([0-9][0-9,_]*)(k?)`),
		regexp.MustCompile(`up to (?:a |an )?([0-9][0-9,_]*)(k?)\s*block range`),
		regexp.MustCompile(`range (?:of |exceeds |exceeding )?(?:more than |over )?([0-9][0-9,_]*)(k?) blocks`),
		regexp.MustCompile(`([0-9][0-9,_]*)(k?)\s*blocks? (?:max|maximum|limit)`),
	}
)

// parseRangeHint extracts a provider's suggested range from msg. A bracket
// pair wins over a span; a span n becomes [from, from+n-1]. Hints that are
// empty or reversed are ignored.
func parseRangeHint(msg string, from, to uint64) (uint64, uint64, bool) {
	if m := hintBracket.FindStringSubmatch(msg); m != nil {
		a, errA := parseHintNumber(m[1])
		b, errB := parseHintNumber(m[2])
		if errA == nil && errB == nil && a <= b {
			return a, b, true
		}
	}
	l := strings.ToLower(msg)
	for _, re := range hintSpan {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(strings.NewReplacer(",", "", "_", "").Replace(m[1]), 10, 64)
		if err != nil || n == 0 {
			continue
		}
		if m[2] == "k" {
			n = min(n, math.MaxUint64/1000) * 1000
		}
		return from, from + min(n-1, math.MaxUint64-from), true // saturate: never a reversed range
	}
	return 0, 0, false
}

// parseHintNumber parses a hex (0x) or decimal block number.
func parseHintNumber(s string) (uint64, error) {
	if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// rpcErrorInBody extracts a JSON-RPC error object from an HTTP error body.
func rpcErrorInBody(body []byte) (int, string, bool) {
	var env struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if len(body) == 0 || json.Unmarshal(body, &env) != nil || env.Error == nil {
		return 0, "", false
	}
	return env.Error.Code, env.Error.Message, true
}

// isNetTimeout reports whether err is a network timeout.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// maxErrorText bounds the text of one endpoint error.
const maxErrorText = 1000
