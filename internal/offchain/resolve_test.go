package offchain

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

const testCID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"

// testResolver returns a resolver for loopback servers, with short timeouts.
func testResolver(t *testing.T, mod func(*Config)) *Resolver {
	t.Helper()
	cfg := Config{AllowPrivate: true, AllowHTTP: true, Timeout: 2 * time.Second, Attempts: 3,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	// Loopback only, whatever AllowPrivate says: a test never reaches another address, and
	// 127.0.0.2 stands for a private target.
	r := newResolver(cfg, guard{allow: func(a netip.Addr) bool {
		return a == netip.MustParseAddr("127.0.0.1") || a == netip.IPv6Loopback()
	}})
	t.Cleanup(r.Close)
	return r
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestResolver_Forms(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"name":"a"}`)
	var gw1Hits atomic.Int32
	gw1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw1Hits.Add(1)
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	t.Cleanup(gw1.Close)
	gw2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ipfs/" + testCID, "/ipfs/" + testCID + "/agent.json", "/ar/txid-abc":
			_, _ = w.Write(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(gw2.Close)
	web := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(doc)
	}))
	t.Cleanup(web.Close)
	r := testResolver(t, func(c *Config) {
		c.IPFSGateways = []string{gw1.URL + "/ipfs/", gw2.URL + "/ipfs/"}
		c.ArweaveGateways = []string{gw2.URL + "/ar/"}
		c.Attempts = 1
	})
	trustTestTLS(r, web)

	for _, tc := range []struct {
		uri       string
		kind      erc8004.URIKind
		immutable bool
	}{
		{web.URL + "/agent.json", erc8004.URIHTTPS, false},
		{strings.Replace(web.URL, "https://", "http://", 1), erc8004.URIHTTP, false},
		{"ipfs://" + testCID, erc8004.URIIPFS, true},
		{"ipfs://ipfs/" + testCID, erc8004.URIIPFS, true},
		{"ipfs://" + testCID + "/agent.json", erc8004.URIIPFS, true},
		{testCID, erc8004.URICID, true},
		{"ar://txid-abc", erc8004.URIArweave, true},
		{"data:application/json;base64," + base64.StdEncoding.EncodeToString(doc), erc8004.URIDataBase64, true},
		{"data:application/json;base64," + base64.RawURLEncoding.EncodeToString(doc), erc8004.URIDataBase64, true},
		{"data:application/json," + url.PathEscape(string(doc)), erc8004.URIData, true},
		{"data:application/json;enc=gzip;level=6;base64," + base64.StdEncoding.EncodeToString(gz(t, doc)), erc8004.URIDataGzipBase64, true},
		{" " + string(doc) + "\n", erc8004.URIJSON, true},
	} {
		if tc.kind == erc8004.URIHTTP {
			// The TLS server does not speak plain HTTP; serve it from the gateway instead.
			tc.uri = gw2.URL + "/ipfs/" + testCID
		}
		res, err := r.Resolve(context.Background(), tc.uri, Validators{})
		require.NoError(t, err, tc.uri)
		require.Equal(t, tc.kind, res.Kind, tc.uri)
		require.Equal(t, doc, res.Body, tc.uri)
		require.Equal(t, tc.immutable, res.Immutable, tc.uri)
	}
	require.Positive(t, gw1Hits.Load(), "the first gateway was tried first")

	for _, tc := range []struct {
		uri  string
		want error
	}{
		{"", ErrEmpty},
		{"cd", ErrUnsupported},
		{"tinybanana", ErrUnsupported},
		{"ftp://example.com/a.json", ErrUnsupported},
		{"data:application/json;base64,!!!", ErrMalformed},
		{"data:application/json;enc=gzip;base64," + base64.StdEncoding.EncodeToString([]byte("not gzip")), ErrMalformed},
		{"ipfs://", ErrUnsupported},
	} {
		_, err := r.Resolve(context.Background(), tc.uri, Validators{})
		require.ErrorIs(t, err, tc.want, "%q", tc.uri)
	}

	var fe *FetchError
	_, err := r.Resolve(context.Background(), "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdX", Validators{})
	require.ErrorAs(t, err, &fe)
	require.Equal(t, http.StatusNotFound, fe.Status, "the last gateway's answer")
}

// trustTestTLS makes r trust srv's self-signed certificate.
func trustTestTLS(r *Resolver, srv *httptest.Server) {
	r.client.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func TestResolver_HTTPDisabled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) }))
	t.Cleanup(srv.Close)
	r := testResolver(t, func(c *Config) { c.AllowHTTP = false })
	_, err := r.Resolve(context.Background(), srv.URL, Validators{})
	require.ErrorIs(t, err, ErrUnsupported)

	// Nor may an https server redirect to plain http.
	tls := httptest.NewTLSServer(http.RedirectHandler(srv.URL+"/x", http.StatusFound))
	t.Cleanup(tls.Close)
	trustTestTLS(r, tls)
	_, err = r.Resolve(context.Background(), tls.URL, Validators{})
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestResolver_SSRF(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"secret":true}`))
	}))
	t.Cleanup(target.Close)
	port := target.Listener.Addr().(*net.TCPAddr).Port

	t.Run("Default", func(t *testing.T) {
		t.Parallel()
		r := NewResolver(Config{AllowHTTP: true, Attempts: 1, Timeout: time.Second})
		t.Cleanup(r.Close)
		for _, u := range []string{
			target.URL, // literal loopback, refused before dialling
			fmt.Sprintf("http://localhost:%d/", port),  // a name: refused after DNS, at dial time
			fmt.Sprintf("http://[::1]:%d/", port),      // IPv6 loopback
			fmt.Sprintf("http://0.0.0.0:%d/", port),    // "this host"
			"http://169.254.169.254/latest/meta-data/", // cloud metadata
			"http://[::ffff:127.0.0.1]:1/",             // IPv4-mapped loopback
			"http://10.1.2.3/", "http://100.64.0.1/", "http://192.168.1.1/", "http://[fd00:ec2::254]/",
		} {
			_, err := r.Resolve(context.Background(), u, Validators{})
			require.ErrorIs(t, err, ErrBlocked, u)
		}
		// Gateways are checked like any URL.
		r2 := NewResolver(Config{IPFSGateways: []string{target.URL + "/ipfs/"}, AllowHTTP: true, Attempts: 1})
		t.Cleanup(r2.Close)
		_, err := r2.Resolve(context.Background(), "ipfs://"+testCID, Validators{})
		require.ErrorIs(t, err, ErrBlocked)
		require.Zero(t, hits.Load(), "no request reached the private target")
	})

	t.Run("Redirect", func(t *testing.T) {
		t.Parallel()
		// 127.0.0.1 stands for a public host here, 127.0.0.2 for the private target a hostile
		// server redirects to.
		public := netip.MustParseAddr("127.0.0.1")
		var front *httptest.Server
		front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/literal":
				http.Redirect(w, r, fmt.Sprintf("http://127.0.0.2:%d/", port), http.StatusFound)
			case "/hop":
				http.Redirect(w, r, front.URL+"/literal", http.StatusMovedPermanently)
			case "/ok":
				http.Redirect(w, r, target.URL, http.StatusFound)
			}
		}))
		t.Cleanup(front.Close)
		r := newResolver(Config{AllowHTTP: true, Attempts: 1, Timeout: time.Second},
			guard{allow: func(a netip.Addr) bool { return a == public }})
		t.Cleanup(r.Close)
		for _, p := range []string{"/literal", "/hop"} {
			_, err := r.Resolve(context.Background(), front.URL+p, Validators{})
			require.ErrorIs(t, err, ErrBlocked, p)
		}
		require.Zero(t, hits.Load())
		// The dial-time check alone (a name resolving to a refused address) is covered by
		// "localhost" above; an allowed redirect is followed.
		res, err := r.Resolve(context.Background(), front.URL+"/ok", Validators{})
		require.NoError(t, err)
		require.Equal(t, target.URL, res.URL)
	})
}

func TestResolver_Limits(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	big := bytes.Repeat([]byte("a"), limit+1)
	bomb := gz(t, bytes.Repeat([]byte{'{'}, 64<<20)) // 64 MiB of output from ~64 KiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge":
			_, _ = w.Write(big)
		case "/huge-chunked": // no Content-Length
			w.(http.Flusher).Flush()
			for range 200 {
				_, _ = w.Write(big[:1024])
			}
		case "/bomb-encoding":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb)
		case "/bomb-file":
			_, _ = w.Write(bomb)
		case "/slow":
			w.(http.Flusher).Flush()
			for i := 0; i < 100; i++ {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				time.Sleep(50 * time.Millisecond)
			}
		case "/stall":
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	r := testResolver(t, func(c *Config) { c.MaxBytes = limit; c.Timeout = 300 * time.Millisecond; c.Attempts = 2 })
	for _, p := range []string{"/huge", "/huge-chunked", "/bomb-encoding", "/bomb-file"} {
		start := time.Now()
		_, err := r.Resolve(context.Background(), srv.URL+p, Validators{})
		require.ErrorIs(t, err, ErrTooLarge, p)
		require.Less(t, time.Since(start), 10*time.Second, "bounded, not read to the end: %s", p)
	}
	_, err := r.Resolve(context.Background(), "data:application/json;enc=gzip;base64,"+base64.StdEncoding.EncodeToString(bomb), Validators{})
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = r.Resolve(context.Background(), "data:application/json;base64,"+base64.StdEncoding.EncodeToString(big), Validators{})
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = r.Resolve(context.Background(), `{"a":"`+string(big)+`"}`, Validators{})
	require.ErrorIs(t, err, ErrTooLarge)

	for _, p := range []string{"/slow", "/stall"} {
		start := time.Now()
		_, err := r.Resolve(context.Background(), srv.URL+p, Validators{})
		require.ErrorIs(t, err, context.DeadlineExceeded, p)
		require.Less(t, time.Since(start), 10*time.Second, "two attempts of 300 ms each (slack for a loaded host), %s", p)
	}
}

func TestResolver_RetryAndRevalidate(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if n.Add(1) < 3 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("{}"))
		case "/gone":
			n.Add(1)
			http.NotFound(w, r)
		case "/cached":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			_, _ = w.Write([]byte("{}"))
		}
	}))
	t.Cleanup(srv.Close)
	r := testResolver(t, nil)
	res, err := r.Resolve(context.Background(), srv.URL+"/flaky", Validators{})
	require.NoError(t, err)
	require.Equal(t, []byte("{}"), res.Body)
	require.EqualValues(t, 3, n.Load())

	n.Store(0)
	_, err = r.Resolve(context.Background(), srv.URL+"/gone", Validators{})
	var fe *FetchError
	require.ErrorAs(t, err, &fe)
	require.EqualValues(t, 1, n.Load(), "a 404 is not retried")

	res, err = r.Resolve(context.Background(), srv.URL+"/cached", Validators{})
	require.NoError(t, err)
	require.Equal(t, Validators{ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"}, res.Validators)
	res2, err := r.Resolve(context.Background(), srv.URL+"/cached", res.Validators)
	require.NoError(t, err)
	require.True(t, res2.NotModified)
	require.Nil(t, res2.Body)
	require.Equal(t, res.Validators, res2.Validators)
}

func TestResolver_Concurrency(t *testing.T) {
	t.Parallel()
	var cur, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	r := testResolver(t, func(c *Config) { c.PerHost = 3; c.Concurrency = 10 })
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 30 {
		wg.Go(func() {
			_, err := r.Resolve(context.Background(), srv.URL, Validators{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.LessOrEqual(t, peak.Load(), int32(3))
	require.GreaterOrEqual(t, peak.Load(), int32(2), "requests to one host do run in parallel")
}
