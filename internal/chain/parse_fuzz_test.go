package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// The fuzz targets of this file cover every parser of text that comes from outside the process:
// JSON-RPC error messages and HTTP error bodies (a provider writes them), block headers (a node
// writes them) and endpoint URLs (an operator writes them, and they hold API keys). The seeds are
// the real provider messages of errors_test.go and redact_test.go.

// rangeHintSeeds are provider messages with and without a range hint, plus edge cases.
var rangeHintSeeds = []string{
	"Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x1, 0x2]",
	"query returned more than 10000 results. Try with this block range [0x12D6870, 0x12D6D2F].",
	"block range limit (2000) exceeded",
	"max range 1000 blocks",
	"eth_getLogs is limited to a 10,000 range",
	"exceed maximum block range: 50000",
	"requested range of more than 3000 blocks",
	"this block range should work: [0x5, 0x2]",
	"block range limit (18446744073709551615) exceeded",
	"block range limit (18446744073709551k) exceeded",
	"[0xffffffffffffffff, 0xffffffffffffffff]",
	"[99999999999999999999999, 1]",
	"",
}

// FuzzParseRangeHint checks that a provider's range hint is either ignored or a non-empty,
// non-reversed range; a span hint starts at the requested From.
func FuzzParseRangeHint(f *testing.F) {
	for i, s := range rangeHintSeeds {
		f.Add(s, uint64(i*1000), uint64(i*1000+5000))
	}
	f.Fuzz(func(t *testing.T, msg string, from, to uint64) {
		a, b, ok := parseRangeHint(msg, from, to)
		if !ok {
			require.Zero(t, a)
			require.Zero(t, b)
			return
		}
		require.LessOrEqual(t, a, b, "hint %d-%d of %q is reversed (from %d)", a, b, msg, from)
		if !hintBracket.MatchString(msg) {
			require.Equal(t, from, a, "a span hint starts at the requested block")
		}
	})
}

// FuzzClassifyRPC feeds arbitrary JSON-RPC error answers, bare and inside an HTTP error body,
// through the classifier: it never panics, every result is an *endpointError or a
// *RangeHintError wrapping ErrTooManyResults, a hint's range is valid, the endpoint's key never
// survives, and classification is idempotent.
func FuzzClassifyRPC(f *testing.F) {
	for i, s := range rangeHintSeeds {
		f.Add(-32005+i, s, 400+i, []byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"`+s+`"}}`))
	}
	for _, s := range []string{"execution reverted", "header not found", "missing trie node 1234 (path )",
		"batch too large", "block range extends beyond current head block", "request timed out",
		"daily request count exceeded, request rate limited", "rate limit for " + testKey} {
		f.Add(-32000, s, 503, []byte(s))
	}
	f.Add(0, "", 200, []byte(`{"error":null}`))
	f.Add(0, "", 413, []byte(`{"error":{"code":"x"}}`))
	raw := "https://eth-mainnet.example.com/v2/" + testKey
	red := redact.New(raw)
	f.Fuzz(func(t *testing.T, code int, msg string, status int, body []byte) {
		for _, o := range []classifyOpts{{}, {logs: true, logsRange: true, from: 100, to: 5000}, {timedOut: true}} {
			for _, err := range []error{
				&jsonRPCError{Code: code, Message: msg + " " + raw},
				rpc.HTTPError{StatusCode: status, Status: fmt.Sprint(status), Body: body},
			} {
				got := classify(err, red, o)
				require.Error(t, got)
				var ee *endpointError
				require.True(t, errors.As(got, &ee), "%T is not classified", got)
				var hint *RangeHintError
				if errors.As(got, &hint) {
					require.ErrorIs(t, got, ErrTooManyResults)
					require.LessOrEqual(t, hint.From, hint.To)
				}
				require.NotContains(t, got.Error(), testKey)
				require.Equal(t, got, classify(got, red, o), "idempotent")
				_ = retryModeOf(got)
			}
		}
		if c, m, ok := rpcErrorInBody(body); ok {
			// What was found is really in the body.
			var env struct {
				Error *struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &env))
			require.Equal(t, env.Error.Code, c)
			require.Equal(t, env.Error.Message, m)
		}
	})
}

// FuzzHeader decodes arbitrary eth_getBlockByNumber answers the way Headers does: a header
// that is accepted has the requested number and non-zero hashes.
func FuzzHeader(f *testing.F) {
	f.Add([]byte(`{"number":"0x10","hash":"0x`+strings.Repeat("ab", 32)+`","parentHash":"0x`+strings.Repeat("cd", 32)+
		`","timestamp":"0x6553f100","logsBloom":"0x`+strings.Repeat("00", 256)+`"}`), uint64(16))
	f.Add([]byte(`{"number":"0x0","hash":"0x`+strings.Repeat("ab", 32)+`","parentHash":"0x`+strings.Repeat("00", 32)+
		`","timestamp":"0x0"}`), uint64(0))
	f.Add([]byte(`{"number":"0xffffffffffffffff","hash":null}`), uint64(1<<64-1))
	f.Add([]byte(`null`), uint64(0))
	f.Add([]byte(`{"number":"0x1","logsBloom":"0x00"}`), uint64(1))
	f.Fuzz(func(t *testing.T, answer []byte, want uint64) {
		var h *rpcHeader
		if json.Unmarshal(answer, &h) != nil || h == nil {
			return
		}
		for _, w := range []*uint64{&want, nil} {
			hd, err := h.header(w)
			if err != nil {
				require.ErrorIs(t, err, ErrInconsistent)
				continue
			}
			if w != nil {
				require.Equal(t, want, hd.Number)
			}
			require.NotZero(t, hd.Hash)
			if hd.Number != 0 {
				require.NotZero(t, hd.ParentHash)
			}
		}
	})
}
