package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

func TestParseRangeHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg      string
		ok       bool
		from, to uint64
	}{
		{msg: "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x1, 0x2]", ok: true, from: 1, to: 2},
		{msg: "query returned more than 10000 results. Try with this block range [0x12D6870, 0x12D6D2F].", ok: true, from: 0x12d6870, to: 0x12d6d2f},
		{msg: "query returned more than 10000 results. Try with this block range [0x12d6870, 0x12d6d2f].", ok: true, from: 0x12d6870, to: 0x12d6d2f},
		{msg: "block range limit (2000) exceeded", ok: true, from: 100, to: 2099},
		{msg: "max range 1000 blocks", ok: true, from: 100, to: 1099},
		{msg: "eth_getLogs is limited to 10000 blocks", ok: true, from: 100, to: 10099},
		{msg: "eth_getLogs is limited to a 10,000 range", ok: true, from: 100, to: 10099},
		{msg: "exceed maximum block range 5", ok: true, from: 100, to: 104},
		{msg: "exceed maximum block range: 50000", ok: true, from: 100, to: 50099},
		{msg: "You can make eth_getLogs requests with up to a 2K block range", ok: true, from: 100, to: 2099},
		{msg: "requested range of more than 3000 blocks", ok: true, from: 100, to: 3099},
		{msg: "query returned more than 10000 results", ok: false},
		{msg: "block range is too wide", ok: false},
		{msg: "this block range should work: [0x5, 0x2]", ok: false}, // reversed: ignored
	}
	for _, tc := range tests {
		from, to, ok := parseRangeHint(tc.msg, 100, 100_000)
		require.Equal(t, tc.ok, ok, tc.msg)
		if tc.ok {
			require.Equal(t, tc.from, from, tc.msg)
			require.Equal(t, tc.to, to, tc.msg)
		}
	}
}

// rpcErr is a JSON-RPC error answer as the rpc package returns it.
func rpcErr(code int, msg string) error { return &jsonRPCError{Code: code, Message: msg} }

func TestClassify(t *testing.T) {
	t.Parallel()
	red := redact.New("https://eth-mainnet.example.com/v2/" + testKey)
	logs := classifyOpts{logs: true, logsRange: true, from: 1, to: 100}
	var syntaxErr error = &json.SyntaxError{Offset: 3}
	tests := []struct {
		name string
		err  error
		o    classifyOpts
		want error // nil: permanent
		mode retryMode
	}{
		{"Infura10k", rpcErr(-32005, "query returned more than 10000 results"), logs, ErrTooManyResults, retryNever},
		{"InfuraRate", rpcErr(-32005, "daily request count exceeded, request rate limited"), logs, ErrRateLimited, retryBackoff},
		{"RangeTooWide", rpcErr(-32600, "block range is too wide"), logs, ErrTooManyResults, retryNever},
		{"RangeTooLarge", rpcErr(-32000, "range too large"), logs, ErrTooManyResults, retryNever},
		{"GethMaxRange", rpcErr(-32602, "exceed maximum block range 1000"), logs, ErrTooManyResults, retryNever},
		{"ResponseSize", rpcErr(-32602, "Log response size exceeded."), logs, ErrTooManyResults, retryNever},
		{"GethResponseTooLarge", rpcErr(-32003, "response too large"), logs, ErrTooManyResults, retryNever},
		{"ServerTimeoutOnLogs", rpcErr(-32002, "request timed out"), logs, ErrTooManyResults, retryNever},
		{"ServerTimeoutElsewhere", rpcErr(-32002, "request timed out"), classifyOpts{}, ErrUnavailable, retryBackoff},
		{"ClientTimeoutOnLogs", context.DeadlineExceeded, logs, ErrTooManyResults, retryNever},
		{"ClientTimeout", context.DeadlineExceeded, classifyOpts{}, ErrUnavailable, retryBackoff},
		{"InvalidRange", rpcErr(-32602, "invalid block range params"), logs, nil, retryNever},
		{"BeyondHead", rpcErr(-32000, "block range extends beyond current head block"), logs, ErrBlockNotFound, retryElsewhere},
		{"UnknownBlock", rpcErr(-32000, "unknown block"), classifyOpts{}, ErrBlockNotFound, retryElsewhere},
		{"HeaderNotFound", rpcErr(-32000, "header not found"), classifyOpts{}, ErrBlockNotFound, retryElsewhere},
		{"MissingTrie", rpcErr(-32000, "missing trie node 1234 (path )"), classifyOpts{}, ErrUnavailable, retryElsewhere},
		{"PrunedHistory", rpcErr(4444, "pruned history unavailable"), logs, ErrUnavailable, retryElsewhere},
		{"PrunedRange", rpcErr(-32000, "requested block range is pruned"), logs, ErrUnavailable, retryElsewhere},
		{"Reverted", rpcErr(3, "execution reverted"), classifyOpts{}, nil, retryNever},
		{"BatchTooLarge", rpcErr(-32600, "batch too large"), classifyOpts{}, errBatchTooLarge, retryNow},
		{"HTTP429", rpc.HTTPError{StatusCode: 429, Status: "429 Too Many Requests"}, classifyOpts{}, ErrRateLimited, retryBackoff},
		{"HTTP503", rpc.HTTPError{StatusCode: 503, Status: "503 Service Unavailable"}, classifyOpts{}, ErrUnavailable, retryBackoff},
		{"HTTP401", rpc.HTTPError{StatusCode: 401, Status: "401 Unauthorized"}, classifyOpts{}, ErrUnavailable, retryElsewhere},
		{"HTTP400Body", rpc.HTTPError{StatusCode: 400, Body: []byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"query exceeds max results 20000"}}`)}, logs, ErrTooManyResults, retryNever},
		{"HTTP413Logs", rpc.HTTPError{StatusCode: 413, Status: "413 Payload Too Large"}, classifyOpts{logs: true}, ErrTooManyResults, retryNever},
		{"HTTP413Batch", rpc.HTTPError{StatusCode: 413, Status: "413 Payload Too Large"}, classifyOpts{}, errBatchTooLarge, retryNow},
		{"WSReadLimitLogs", errors.New("websocket: read limit exceeded"), classifyOpts{logs: true}, ErrTooManyResults, retryNever},
		{"HTTP400", rpc.HTTPError{StatusCode: 400, Status: "400 Bad Request"}, classifyOpts{}, nil, retryNever},
		{"Refused", &url.Error{Op: "Post", URL: "https://eth-mainnet.example.com/v2/" + testKey, Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, classifyOpts{}, ErrUnavailable, retryBackoff},
		{"EOF", io.EOF, classifyOpts{}, ErrUnavailable, retryBackoff},
		{"Truncated", io.ErrUnexpectedEOF, classifyOpts{}, ErrUnavailable, retryBackoff},
		{"InvalidJSON", fmt.Errorf("decode response: %w", syntaxErr), classifyOpts{}, ErrUnavailable, retryBackoff},
		{"MissingBatchAnswer", rpc.ErrMissingBatchResponse, classifyOpts{}, ErrUnavailable, retryBackoff},
	}
	sentinels := []error{ErrTooManyResults, ErrRateLimited, ErrUnavailable, ErrBlockNotFound, errBatchTooLarge}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := classify(tc.err, red, tc.o)
			for _, s := range sentinels {
				require.Equal(t, s == tc.want, errors.Is(got, s), "%v: is %v", got, s)
			}
			require.Equal(t, tc.mode, retryModeOf(got))
			require.NotContains(t, got.Error(), testKey)
			require.Same(t, got, classify(got, red, tc.o), "classification is idempotent")
		})
	}
}
