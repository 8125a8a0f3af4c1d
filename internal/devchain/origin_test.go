package devchain_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
)

// TestChain_RPCLoopbackOrigins: the dev chain's JSON-RPC answers browsers on pages of this
// machine only. A page of another origin gets no CORS grant over HTTP and is refused the
// WebSocket, so it cannot drive the node through its visitor's browser; tools that send no
// Origin are served.
func TestChain_RPCLoopbackOrigins(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := newChain(t, devchain.Options{Seed: 6, Accounts: 4, HTTP: true})

	preflight := func(origin string) string {
		req, err := http.NewRequestWithContext(ctx, http.MethodOptions, c.HTTPURL(), nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	for _, origin := range []string{"http://localhost:3000", "http://127.0.0.1:5173"} {
		require.Equal(t, origin, preflight(origin), origin)
	}
	for _, origin := range []string{"https://evil.example", "http://localhost.evil.example", "null"} {
		require.Empty(t, preflight(origin), origin)
	}

	for origin, ok := range map[string]bool{"http://localhost:3000": true, "http://127.0.0.1:8080": true,
		"https://evil.example": false, "http://192.168.1.10": false} {
		rc, err := rpc.DialWebsocket(ctx, c.WSURL(), origin)
		if err == nil {
			var id string
			err = rc.CallContext(ctx, &id, "eth_chainId")
			rc.Close()
		}
		if ok {
			require.NoError(t, err, origin)
		} else {
			require.Error(t, err, origin)
		}
	}
	rc, err := rpc.DialContext(ctx, c.WSURL())
	require.NoError(t, err)
	defer rc.Close()
	var id string
	require.NoError(t, rc.CallContext(ctx, &id, "eth_chainId"), "no Origin: a tool, served")
}
