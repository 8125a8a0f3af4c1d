package offchain

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/retry"
)

// Errors of Resolve besides ErrBlocked, ErrMalformed and ErrTooLarge; a fetch that fails for a
// network or HTTP reason is a *FetchError.
var (
	// ErrEmpty is returned for an empty URI.
	ErrEmpty = errors.New("empty uri")
	// ErrUnsupported is returned for a URI of no form the resolver can fetch (junk, unknown
	// schemes, http:// when plain HTTP is off).
	ErrUnsupported = errors.New("unsupported uri")
)

// FetchError is a failed fetch of one URL: a network error or an HTTP status other than 200/304.
type FetchError struct {
	URL    string // the URL tried last
	Status int    // the HTTP status, 0 for a network error
	Err    error  // the network error, nil for an HTTP status
}

// Error implements error.
func (e *FetchError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("fetch %s: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("fetch %s: http status %d", e.URL, e.Status)
}

// Unwrap returns the network error.
func (e *FetchError) Unwrap() error { return e.Err }

// retryable reports whether another attempt at the same URL may succeed.
func (e *FetchError) retryable() bool {
	if e.Err != nil {
		return !errors.Is(e.Err, ErrBlocked) && !errors.Is(e.Err, ErrTooLarge)
	}
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// Config bounds what a Resolver fetches and how.
type Config struct {
	// IPFSGateways are tried in order for ipfs:// URIs and bare CIDs; each is a base URL to which
	// "<cid>/<path>" is appended, e.g. "https://ipfs.io/ipfs/".
	IPFSGateways []string
	// ArweaveGateways are tried in order for ar:// URIs, e.g. "https://arweave.net/".
	ArweaveGateways []string
	// AllowHTTP lets http:// URIs (and redirects to http://) be fetched; https:// always may,
	// and so may a configured gateway given as http:// (a local IPFS node).
	AllowHTTP bool
	// AllowPrivate turns the SSRF guard off: loopback, private, link-local, CGNAT and metadata
	// addresses become reachable. For tests and dev mode only.
	AllowPrivate bool
	// MaxBytes is the largest file accepted, after decompression.
	MaxBytes int64
	// Timeout bounds one attempt at one URL, body included.
	Timeout time.Duration
	// Attempts is how many times one URL is tried when the failure may be transient.
	Attempts int
	// BackoffBase and BackoffMax shape the wait between two attempts (retry.Backoff).
	BackoffBase, BackoffMax time.Duration
	// Concurrency bounds the fetches in flight overall; PerHost bounds them per host name.
	Concurrency, PerHost int
	// MaxRedirects bounds the redirects followed by one request.
	MaxRedirects int
	// Dial, if set, replaces the network dialer, and with it the dial-time SSRF check: dev mode
	// and the benchmark use it to answer every host from a loopback server. TLS, if set, is the
	// client's TLS configuration (the trust roots of such a server).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	TLS  *tls.Config
}

// DefaultConfig returns the defaults: public gateways, HTTPS only, 1 MiB, 15 s per attempt, 3
// attempts, 32 fetches at once and 4 per host.
func DefaultConfig() Config {
	return Config{
		IPFSGateways:    []string{"https://ipfs.io/ipfs/", "https://dweb.link/ipfs/"},
		ArweaveGateways: []string{"https://arweave.net/"},
		MaxBytes:        1 << 20,
		Timeout:         15 * time.Second,
		Attempts:        3,
		BackoffBase:     500 * time.Millisecond,
		BackoffMax:      5 * time.Second,
		Concurrency:     32,
		PerHost:         4,
		MaxRedirects:    5,
	}
}

// Validators are the HTTP cache validators of a previous fetch, sent back to revalidate.
type Validators struct {
	ETag         string
	LastModified string
}

// Result is what Resolve found behind a URI.
type Result struct {
	// Kind is the URI's form.
	Kind erc8004.URIKind
	// Body is the file's bytes: decoded from the URI itself for data: and inline JSON, else the
	// HTTP body (gzip-decompressed when it came compressed). Nil when NotModified.
	Body []byte
	// Raw is the bytes as transported when they differ from Body (a gzip data: URI or body),
	// so that a hash committed over either form can be checked.
	Raw []byte
	// URL is the URL the bytes came from; empty for inline content.
	URL string
	// Validators are the response's ETag and Last-Modified, for the next revalidation.
	Validators Validators
	// NotModified is true when the server answered 304 to the validators given.
	NotModified bool
	// Immutable is true when the same URI always yields the same bytes (content-addressed or
	// inline), so it never needs fetching again.
	Immutable bool
}

// Resolver fetches the content behind URIs under Config's limits and the SSRF guard. It is safe
// for concurrent use.
type Resolver struct {
	cfg    Config
	guard  guard
	client *http.Client
	all    chan struct{} // overall concurrency slots

	mu    sync.Mutex
	hosts map[string]chan struct{} // per-host slots, created on first use
}

// NewResolver returns a Resolver for cfg; zero fields (nil gateway lists) take DefaultConfig's
// values.
func NewResolver(cfg Config) *Resolver {
	return newResolver(cfg, newGuard(cfg.AllowPrivate))
}

func newResolver(cfg Config, g guard) *Resolver {
	def := DefaultConfig()
	if cfg.IPFSGateways == nil {
		cfg.IPFSGateways = def.IPFSGateways
	}
	if cfg.ArweaveGateways == nil {
		cfg.ArweaveGateways = def.ArweaveGateways
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = def.MaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = def.Attempts
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = def.BackoffBase
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = def.BackoffMax
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = def.Concurrency
	}
	if cfg.PerHost <= 0 {
		cfg.PerHost = def.PerHost
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = def.MaxRedirects
	}
	r := &Resolver{cfg: cfg, guard: g, all: make(chan struct{}, cfg.Concurrency), hosts: map[string]chan struct{}{}}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second, Control: g.control}
	dial := dialer.DialContext
	if cfg.Dial != nil {
		dial = cfg.Dial
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the guard
		DialContext:           dial,
		TLSClientConfig:       cfg.TLS,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          cfg.Concurrency,
		MaxIdleConnsPerHost:   cfg.PerHost,
		MaxConnsPerHost:       cfg.PerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	r.client = &http.Client{Transport: transport, CheckRedirect: r.checkRedirect}
	return r
}

// Close releases the resolver's idle connections.
func (r *Resolver) Close() { r.client.CloseIdleConnections() }

// checkRedirect applies the scheme rules and the guard to every redirect before it is followed.
func (r *Resolver) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= r.cfg.MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if err := r.checkURL(req.URL, false); err != nil {
		return fmt.Errorf("redirect: %w", err)
	}
	return nil
}

// checkURL refuses URLs of another scheme than https (or http when allowed, or when the URL is
// an operator's gateway), without a host, or whose host is a literal address the guard refuses.
func (r *Resolver) checkURL(u *url.URL, gateway bool) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !r.cfg.AllowHTTP && !gateway {
			return fmt.Errorf("%w: plain http is disabled", ErrUnsupported)
		}
	default:
		return fmt.Errorf("%w: scheme %q", ErrUnsupported, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrUnsupported)
	}
	return r.guard.checkHost(u.Hostname())
}

// Resolve returns the content behind uri. prev, when set, is sent to revalidate an earlier fetch
// of an HTTP(S) URI. The error is ErrEmpty, ErrUnsupported, ErrMalformed, ErrTooLarge, ErrBlocked
// or a *FetchError (possibly wrapping ErrBlocked or ErrTooLarge); StatusOf maps it to a status.
func (r *Resolver) Resolve(ctx context.Context, uri string, prev Validators) (Result, error) {
	kind := erc8004.ClassifyURI(uri)
	res := Result{Kind: kind}
	t := strings.TrimSpace(uri)
	switch kind {
	case erc8004.URIEmpty:
		return res, ErrEmpty
	case erc8004.URIJSON:
		if int64(len(t)) > r.cfg.MaxBytes {
			return res, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, r.cfg.MaxBytes)
		}
		res.Body, res.Immutable = []byte(t), true
		return res, nil
	case erc8004.URIData, erc8004.URIDataBase64, erc8004.URIDataGzipBase64:
		b, err := decodeDataURI(t[len("data:"):], r.cfg.MaxBytes)
		if err != nil {
			return res, err
		}
		res.Body, res.Immutable = b, true
		return res, nil
	case erc8004.URIHTTPS, erc8004.URIHTTP:
		return r.fetchURLs(ctx, res, []string{t}, false, prev)
	case erc8004.URIIPFS, erc8004.URICID:
		p := ipfsPath(t)
		if cid, _, _ := strings.Cut(p, "/"); erc8004.ClassifyURI(cid) != erc8004.URICID {
			return res, fmt.Errorf("%w: ipfs URI without a content identifier", ErrUnsupported)
		}
		return r.fetchGateways(ctx, res, r.cfg.IPFSGateways, p)
	case erc8004.URIArweave:
		return r.fetchGateways(ctx, res, r.cfg.ArweaveGateways, strings.TrimLeft(t[len("ar://"):], "/"))
	}
	return res, fmt.Errorf("%w: %s", ErrUnsupported, kind)
}

// ipfsPath returns "<cid>[/path]" of an ipfs://, /ipfs/ or bare-CID URI. It tolerates the
// "ipfs://ipfs/<cid>" form some writers produce.
func ipfsPath(t string) string {
	switch {
	case len(t) >= len("ipfs://") && strings.EqualFold(t[:len("ipfs://")], "ipfs://"):
		t = t[len("ipfs://"):]
	case strings.HasPrefix(t, "/ipfs/"):
		t = t[len("/ipfs/"):]
	}
	t = strings.TrimLeft(t, "/")
	if strings.HasPrefix(t, "ipfs/") {
		t = t[len("ipfs/"):]
	}
	return t
}

// fetchGateways fetches path through each gateway in turn until one answers. Content-addressed
// files never change, so no validators are sent and the result is Immutable.
func (r *Resolver) fetchGateways(ctx context.Context, res Result, gateways []string, path string) (Result, error) {
	if path == "" {
		return res, fmt.Errorf("%w: no content identifier", ErrUnsupported)
	}
	if len(gateways) == 0 {
		return res, fmt.Errorf("%w: no gateway configured for %s", ErrUnsupported, res.Kind)
	}
	urls := make([]string, len(gateways))
	for i, g := range gateways {
		urls[i] = strings.TrimRight(g, "/") + "/" + path
	}
	res, err := r.fetchURLs(ctx, res, urls, true, Validators{})
	res.Immutable = err == nil
	return res, err
}

// fetchURLs tries each URL in order, each up to Attempts times while the failure is transient,
// and returns the first success or the last error. gateway says the URLs are on configured
// gateways, which may be plain http (a local IPFS node); redirects from them may not.
func (r *Resolver) fetchURLs(ctx context.Context, res Result, urls []string, gateway bool, prev Validators) (Result, error) {
	var last error
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			last = fmt.Errorf("%w: %v", ErrUnsupported, err)
			continue
		}
		if err := r.checkURL(u, gateway); err != nil {
			last = err
			continue
		}
		for attempt := 1; attempt <= r.cfg.Attempts; attempt++ {
			if attempt > 1 {
				if err := retry.Sleep(ctx, retry.Backoff(attempt-1, r.cfg.BackoffBase, r.cfg.BackoffMax)); err != nil {
					return res, err
				}
			}
			out, err := r.fetchOnce(ctx, res, u, prev)
			if err == nil {
				return out, nil
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			last = err
			var fe *FetchError
			if !errors.As(err, &fe) || !fe.retryable() {
				break
			}
		}
	}
	return res, last
}

// fetchOnce makes one GET under the per-host and overall concurrency bounds and the attempt's
// timeout, reading at most MaxBytes (after any decompression).
func (r *Resolver) fetchOnce(ctx context.Context, res Result, u *url.URL, prev Validators) (Result, error) {
	release, err := r.acquire(ctx, strings.ToLower(u.Host))
	if err != nil {
		return res, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	req.Header.Set("Accept", "application/json, */*;q=0.5")
	req.Header.Set("User-Agent", "erc8004-indexer (+https://github.com/erc8004-indexer/erc8004-indexer)")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return res, &FetchError{URL: u.Redacted(), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	res.URL = resp.Request.URL.Redacted()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		res.NotModified = true
		res.Validators = prev
		return res, nil
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // lets the connection be reused
		return res, &FetchError{URL: res.URL, Status: resp.StatusCode}
	}
	if resp.ContentLength > r.cfg.MaxBytes {
		return res, &FetchError{URL: res.URL, Err: fmt.Errorf("%w: content-length %d", ErrTooLarge, resp.ContentLength)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxBytes+1))
	if err != nil {
		return res, &FetchError{URL: res.URL, Err: err}
	}
	if int64(len(body)) > r.cfg.MaxBytes {
		return res, &FetchError{URL: res.URL, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, r.cfg.MaxBytes)}
	}
	// A body that is still gzip (served as a file, or with a Content-Encoding we did not ask
	// for) is decompressed under the same limit.
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		plain, err := gunzipLimited(body, r.cfg.MaxBytes)
		if err != nil {
			return res, err
		}
		res.Raw, body = body, plain
	}
	res.Body = body
	res.Validators = Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	return res, nil
}

// unwrapURLError drops the *url.Error layer, whose message repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// acquire takes a slot for host and an overall slot, host first so that a request waiting for a
// busy host holds no overall slot another host could use.
func (r *Resolver) acquire(ctx context.Context, host string) (func(), error) {
	r.mu.Lock()
	h, ok := r.hosts[host]
	if !ok {
		h = make(chan struct{}, r.cfg.PerHost)
		r.hosts[host] = h
	}
	r.mu.Unlock()
	select {
	case h <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r.all <- struct{}{}:
	case <-ctx.Done():
		<-h
		return nil, ctx.Err()
	}
	return func() { <-r.all; <-h }, nil
}
