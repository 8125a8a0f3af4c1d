package offchain

import (
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// DevFiles is dev mode's stand-in for the web and for IPFS: one local TLS server that answers
// for every host, so the registration and feedback URIs of the dev chain (https://…example.org/…,
// ipfs://…) resolve without leaving the machine. Some paths are broken on purpose, chosen by a
// hash of the path: about 1 in 10 is missing (404: unreachable), 1 in 10 serves HTML
// (unsupported), 1 in 10 malformed JSON (invalid) and 1 in 20 answers too slowly (unreachable,
// retried).
type DevFiles struct {
	srv *httptest.Server
}

// NewDevFiles starts the server on loopback.
func NewDevFiles() *DevFiles {
	return &DevFiles{srv: httptest.NewTLSServer(http.HandlerFunc(serveDevFile))}
}

// Close stops the server.
func (d *DevFiles) Close() { d.srv.Close() }

// Config returns a resolver configuration whose every connection goes to the server, with its
// certificate trusted, its IPFS and Arweave gateways on it and short timeouts.
func (d *DevFiles) Config() Config {
	addr := d.srv.Listener.Addr().String()
	tlsCfg := d.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	// The server's certificate names example.com; it answers for every host of the dev chain.
	tlsCfg.InsecureSkipVerify = true //nolint:gosec // the only server this resolver can reach is the local one
	return Config{
		IPFSGateways:    []string{"https://ipfs.dev.invalid/ipfs/"},
		ArweaveGateways: []string{"https://arweave.dev.invalid/"},
		AllowHTTP:       true,
		Timeout:         2 * time.Second,
		Attempts:        2,
		BackoffBase:     100 * time.Millisecond,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, addr)
		},
		TLS: tlsCfg,
	}
}

// serveDevFile answers a request for any host: a registration file, a feedback file for the
// feedback host, or one of the broken answers.
func serveDevFile(w http.ResponseWriter, r *http.Request) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(r.Host + r.URL.Path))
	switch n := h.Sum32() % 20; {
	case n < 2:
		http.NotFound(w, r)
		return
	case n < 4:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>not a registration file</title>"))
		return
	case n < 6:
		_, _ = w.Write([]byte(`{"name": "truncated`))
		return
	case n == 6:
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, h.Sum32()))
	if strings.HasPrefix(r.Host, "feedback.") {
		fmt.Fprintf(w, `{"agentRegistry":"eip155:31337:0x0000000000000000000000000000000000000000","agentId":0,`+
			`"clientAddress":"eip155:31337:0x0000000000000000000000000000000000000000","createdAt":"%s","value":1,"valueDecimals":0,`+
			`"text":"served by indexer dev","mcp":{"tool":"quote"},"proofOfPayment":{"txHash":"0x%064x"}}`,
			time.Now().UTC().Format(time.RFC3339), h.Sum32())
		return
	}
	id := strings.Trim(strings.TrimSuffix(r.URL.Path, "/registration.json"), "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	fmt.Fprintf(w, `{"type":"%s","name":"dev agent %s","description":"served by indexer dev from %s",`+
		`"image":"https://img.example.org/%s.png","services":[{"name":"MCP","endpoint":"https://mcp.example.org/%s","version":"2025-06-18"}],`+
		`"x402Support":%t,"active":true,"supportedTrust":["reputation"]}`,
		RegistrationType, id, r.Host, id, id, h.Sum32()%2 == 0)
}
