package devchain

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/node"
	"go.uber.org/zap"
)

// rpcModules are the API namespaces served over HTTP and WebSocket: what an indexer and the
// usual tools need (eth incl. eth_getLogs and eth_subscribe, net_version, web3_clientVersion)
// plus txpool for debugging. admin, debug and miner stay in-process only.
var rpcModules = []string{"eth", "net", "web3", "txpool"}

// configureRPC makes the simulated node serve JSON-RPC over HTTP and WebSocket on one listener
// at host:port. With the same host and port for both, go-ethereum's node mounts the WebSocket
// handler on the HTTP server (node.wsServerForPort), which also works for port 0: one free
// port serves both.
func configureRPC(nc *node.Config, host string, port int) {
	nc.HTTPHost, nc.HTTPPort = host, port
	nc.WSHost, nc.WSPort = host, port
	nc.HTTPModules = rpcModules
	nc.WSModules = rpcModules
	// Requests by IP address pass the virtual-host check anyway; "localhost" covers the rest.
	nc.HTTPVirtualHosts = []string{"localhost"}
	// Browser-based tools served from this machine may connect; a page of any other origin may
	// not (it would otherwise drive the node through the visitor's browser). Clients that send
	// no Origin (every non-browser tool) are not concerned.
	nc.WSOrigins = loopbackHosts
	nc.HTTPCors = loopbackOrigins
}

// loopbackHosts are the origins the WebSocket endpoint accepts (any scheme and port: go-ethereum
// matches an origin without scheme or port on its host alone).
var loopbackHosts = []string{"localhost", "127.0.0.1", "[::1]"}

// loopbackOrigins are the origins the HTTP endpoint's CORS allows, on any port.
var loopbackOrigins = []string{"http://localhost", "http://localhost:*", "http://127.0.0.1", "http://127.0.0.1:*",
	"http://[::1]", "http://[::1]:*", "https://localhost", "https://localhost:*", "https://127.0.0.1:*"}

// splitRPCAddr parses Options.RPCAddr ("host:port", port 0 for a free one).
func splitRPCAddr(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("parse rpc address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 || host == "" {
		return "", 0, fmt.Errorf("parse rpc address %q: bad host or port", addr)
	}
	return host, port, nil
}

// nodeLog is an slog handler for the node's logger: it forwards every record to zap at debug
// level and remembers the endpoints the RPC server reports when it starts. The simulated
// backend does not expose its node, and with port 0 those log lines are the only place where
// the actual listen address appears.
type nodeLog struct {
	zl    *zap.Logger
	state *nodeLogState
	attrs []slog.Attr
}

type nodeLogState struct {
	mu       sync.Mutex
	httpAddr string
	wsURL    string
}

func newNodeLog(zl *zap.Logger) *nodeLog {
	return &nodeLog{zl: zl, state: &nodeLogState{}}
}

// logger returns a go-ethereum logger writing to the handler.
func (h *nodeLog) logger() log.Logger { return log.NewLogger(h) }

// endpoints returns the HTTP and WebSocket URLs the server reported ("" if none).
func (h *nodeLog) endpoints() (httpURL, wsURL string) {
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	if h.state.httpAddr != "" {
		httpURL = "http://" + h.state.httpAddr
	}
	return httpURL, h.state.wsURL
}

// Enabled implements slog.Handler: every level is seen so that the endpoint lines are never
// filtered out; zap decides what it prints.
func (h *nodeLog) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (h *nodeLog) Handle(_ context.Context, r slog.Record) error {
	fields := make([]zap.Field, 0, len(h.attrs)+r.NumAttrs())
	for _, a := range h.attrs {
		fields = append(fields, zap.Any(a.Key, a.Value.Any()))
	}
	r.Attrs(func(a slog.Attr) bool {
		switch {
		case r.Message == "HTTP server started" && a.Key == "endpoint":
			h.state.mu.Lock()
			h.state.httpAddr = fmt.Sprint(a.Value.Any())
			h.state.mu.Unlock()
		case r.Message == "WebSocket enabled" && a.Key == "url":
			h.state.mu.Lock()
			h.state.wsURL = fmt.Sprint(a.Value.Any())
			h.state.mu.Unlock()
		}
		fields = append(fields, zap.Any(a.Key, a.Value.Any()))
		return true
	})
	h.zl.Debug(r.Message, fields...)
	return nil
}

// WithAttrs implements slog.Handler.
func (h *nodeLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &nodeLog{zl: h.zl, state: h.state, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup implements slog.Handler (groups are flattened).
func (h *nodeLog) WithGroup(string) slog.Handler { return h }
