// Package api is the read API of 'indexer api': JSON over HTTP on the indexer's PostgreSQL
// tables and views (a read replica and the erc8004_reader role are enough), with API keys, rate
// limits and a response cache in Valkey.
//
// Every route under /v1 goes through the same steps (see endpoint): authenticate (an API key
// or, when allowed, anonymous by client IP), rate-limit (Valkey, else a local limiter), look up
// the response cache (keyed by the chain's indexed block hash, so a new block or a reorg is never
// hidden), run the handler, answer JSON with an ETag. Errors are {"error": {"code", "message"}}.
package api

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// Options are what the API needs: its database, Valkey (nil runs without: local limiter and
// cache only), the key prefix of its Valkey keys, a logger and the command's settings.
type Options struct {
	DB     *pgxpool.Pool
	Valkey *redis.Client
	Prefix string
	Log    *zap.Logger
	Config config.API
}

// Server is the read API.
type Server struct {
	db     *pgxpool.Pool
	log    *zap.Logger
	cfg    config.API
	m      *apiMetrics
	keys   *keyring
	lim    *limiter
	cache  *cache
	epochs *epochs
	srv    *http.Server
	ln     net.Listener
}

// New returns the API server for o. It does not touch the database: the API starts (and
// answers /healthz, and 503 elsewhere) while PostgreSQL is down.
func New(o Options) *Server {
	m := newMetrics()
	v := newValkey(o.Valkey, o.Prefix, m)
	s := &Server{db: o.DB, log: o.Log, cfg: o.Config, m: m}
	s.keys = newKeyring(o.DB, m)
	s.lim = newLimiter(v)
	s.cache = newCache(v, o.Config.CacheTTL)
	s.epochs = newEpochs(o.DB)
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      o.Config.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	return s
}

//go:embed openapi.json
var openAPI []byte

// handlerFunc is a route's logic: the value to answer as JSON with 200, or an error (an *Error
// for the client's mistakes, anything else is classified).
type handlerFunc func(r *http.Request) (any, error)

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h handlerFunc, scope cacheScope) {
		mux.Handle(pattern, s.instrument(pattern, s.endpoint(h, scope)))
	}
	api("GET /v1/chains", s.listChains, noCache)
	api("GET /v1/chains/{chain}", s.getChain, noCache)
	api("GET /v1/chains/{chain}/agents", s.listAgents, chainScope)
	api("GET /v1/chains/{chain}/agents/{id}", s.getAgent, chainScope)
	api("GET /v1/chains/{chain}/agents/{id}/feedback", s.listFeedback, chainScope)
	api("GET /v1/chains/{chain}/agents/{id}/summary", s.summary, chainScope)
	api("GET /v1/chains/{chain}/agents/{id}/validations", s.listValidations, chainScope)
	api("GET /v1/chains/{chain}/validations/{requestHash}", s.getValidation, chainScope)
	api("GET /v1/stats", s.stats, allScope)

	plain := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, h)) }
	plain("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPI)
	})
	plain("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, "ok")
	})
	plain("GET /readyz", s.readyz)
	plain("GET /metrics", s.m.handler().ServeHTTP)
	plain("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{http.StatusNotFound, CodeNotFound, "no route " + r.Method + " " + r.URL.Path + " (see /openapi.json)"})
	})
	return mux
}

// Readiness is the body of /readyz.
type Readiness struct {
	Ready    bool   `json:"ready"`
	Database string `json:"database"`
	Valkey   string `json:"valkey"`
}

// readyz answers 200 when the database answers; Valkey is reported but optional.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rd := Readiness{Ready: true, Database: "ok", Valkey: s.cache.v.state(ctx)}
	if err := s.db.Ping(ctx); err != nil {
		rd.Ready, rd.Database = false, "unreachable"
	}
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, rd)
}

// endpoint runs the steps shared by every /v1 route: authentication, rate limit, cache, the
// handler, the JSON answer.
func (s *Server) endpoint(h handlerFunc, scope cacheScope) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		who, err := s.authenticate(ctx, r)
		if err != nil {
			writeError(w, classify(ctx, err))
			return
		}
		setIdentity(r, who)
		if !s.lim.allow(ctx, w, who) {
			s.m.limited.WithLabelValues(who.kind).Inc()
			writeError(w, &Error{http.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded; retry after the Retry-After seconds"})
			return
		}
		var key string
		if scope != noCache && s.cache.enabled() {
			if epoch, ok := s.epochs.of(ctx, r, scope); ok {
				key = cacheKey(epoch, r)
				if e, ok := s.cache.get(ctx, key); ok {
					s.writeBody(w, r, e.etag, e.body, true)
					return
				}
			}
		}
		v, err := h(r)
		if err != nil {
			ae := classify(ctx, err)
			if ae.Status >= 500 {
				s.log.Warn("request failed", zap.String("path", r.URL.Path), zap.String("request_id", requestID(r)),
					zap.String("error", redact.URL(err.Error())))
			}
			writeError(w, ae)
			return
		}
		body, err := json.Marshal(v)
		if err != nil {
			writeError(w, &Error{http.StatusInternalServerError, CodeInternal, "internal error"})
			return
		}
		body = append(body, '\n')
		etag := etagOf(body)
		if key != "" {
			s.cache.set(ctx, key, entry{etag: etag, body: body})
		}
		s.writeBody(w, r, etag, body, key != "")
	})
}

// writeBody answers 200 with body, or 304 when If-None-Match names etag.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, etag string, body []byte, cacheable bool) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", etag)
	if cacheable {
		h.Set("Cache-Control", fmt.Sprintf("max-age=%d", int(s.cfg.CacheTTL.Seconds())))
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *Error) {
	var b errorBody
	b.Error.Code, b.Error.Message = e.Code, e.Message
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.Status, b)
}

// Listen binds addr; separate from Run so that a busy port is reported before serving.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address (useful with port 0), "" before Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Run serves until ctx ends, then stops accepting and lets the requests in flight finish (up to
// the request timeout); it returns nil after that graceful shutdown.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		return errors.New("serve api: Listen was not called")
	}
	s.log.Info("api listening", zap.String("addr", s.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve api: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RequestTimeout+time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down api: %w", err)
	}
	return nil
}

// requestIDRe is what an incoming X-Request-Id may be to be kept (else a new one is made).
var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
