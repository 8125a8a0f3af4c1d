package chain

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// paddedNode answers eth_chainId, and batches of eth_getBlockByNumber with valid headers
// after pad bytes of whitespace: a valid answer of any size.
func paddedNode(t *testing.T, pad int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var reqs []struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if json.Unmarshal(body, &reqs) != nil {
			var one struct {
				ID json.RawMessage `json:"id"`
			}
			_ = json.Unmarshal(body, &one)
			_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"0x1"}`, one.ID)
			return
		}
		var out []string
		for _, req := range reqs {
			var num string
			_ = json.Unmarshal(req.Params[0], &num)
			out = append(out, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"number":%q,"hash":"0x%064x","parentHash":"0x%064x","timestamp":"0x10"}}`,
				req.ID, num, 1, 2))
		}
		_, _ = io.WriteString(w, "["+strings.Repeat(" ", pad)+strings.Join(out, ",")+"]")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestClient_ResponseSizeCapped: an answer larger than MaxResponseBytes fails on every path,
// including the go-ethereum rpc client the header fetch falls back to, instead of being read
// whole into memory.
func TestClient_ResponseSizeCapped(t *testing.T) {
	t.Parallel()
	small := dialTest(t, Options{URLs: []string{paddedNode(t, 100)}, MaxResponseBytes: 16 << 10, MaxRetries: -1})
	hs, err := small.Headers(t.Context(), []uint64{1})
	require.NoError(t, err, "a small answer is read")
	require.Len(t, hs, 1)

	c := dialTest(t, Options{URLs: []string{paddedNode(t, 1<<20)}, MaxResponseBytes: 16 << 10, MaxRetries: -1})
	_, err = c.Headers(t.Context(), []uint64{1})
	require.ErrorContains(t, err, "exceeds 16384 bytes")
	f := &RangeFetcher{Client: c}
	_, err = f.Headers(t.Context(), []uint64{1})
	require.ErrorContains(t, err, "exceeds 16384 bytes", "no unbounded fallback")
}

// TestClient_LongErrorTruncated: a node's error message of a megabyte is cut to its start in the
// error the client returns (and logs).
func TestClient_LongErrorTruncated(t *testing.T) {
	t.Parallel()
	ch := newTestChain(5, "a", everyBlock)
	n := newFakeNode(t, ch)
	n.inject("eth_blockNumber", fault{rpcCode: -32000, rpcMsg: "boom " + strings.Repeat("é", 1<<19)})
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxRetries: -1})
	_, err := c.HeadNumber(t.Context())
	require.ErrorContains(t, err, "boom ")
	require.Less(t, len(err.Error()), 2*maxErrorText)
	require.True(t, strings.HasSuffix(err.Error(), "...") || strings.Contains(err.Error(), "..."), err.Error()[:100])
}
