package main

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
)

// requireLoopback fails unless addr (host:port) names a loopback host.
func requireLoopback(t *testing.T, what, addr string) {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	require.NoError(t, err, what)
	ip := net.ParseIP(host)
	require.True(t, host == "localhost" || (ip != nil && ip.IsLoopback()), "%s listens on %q by default, not loopback", what, addr)
}

// TestListeners_LoopbackByDefault checks that nothing the binary serves is reachable from
// another host unless the operator asks: the default --http-addr of every command that has one,
// with an empty environment, and the dev chain's JSON-RPC endpoint.
func TestListeners_LoopbackByDefault(t *testing.T) {
	t.Parallel()
	requireLoopback(t, "config.Default", config.Default().HTTPAddr)
	bound := 0
	for name, c := range commands {
		cfg := config.Default()
		fs := newFlagSet(c, &cfg)
		require.NoError(t, config.ApplyEnv(fs, func(string) string { return "" }))
		require.NoError(t, fs.Parse(nil))
		if f := fs.Lookup("http-addr"); f != nil {
			bound++
			requireLoopback(t, "indexer "+name+" --http-addr", f.Value.String())
		}
	}
	require.Positive(t, bound, "indexer run has an --http-addr")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devchain.New(ctx, devchain.Options{HTTP: true})
	require.NoError(t, err)
	defer c.Close()
	for _, raw := range []string{c.HTTPURL(), c.WSURL()} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		requireLoopback(t, "the dev chain's JSON-RPC", u.Host)
	}
}
