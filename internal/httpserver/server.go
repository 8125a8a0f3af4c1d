// Package httpserver serves the indexer's operational endpoints: /metrics (Prometheus),
// /healthz (the process is up) and /readyz (the database answers and every chain this process
// indexes is within --max-lag blocks of its head).
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// Pinger is the database as readiness sees it (satisfied by *pgxpool.Pool).
type Pinger interface {
	Ping(ctx context.Context) error
}

// StaleHead is how old the last head read from a chain's RPC may be before /readyz fails: the
// indexer reads it at every poll, so an old one means the endpoints stopped answering.
const StaleHead = 2 * time.Minute

// pingTimeout bounds the database check of /readyz.
const pingTimeout = 3 * time.Second

// pingTTL is how long a database check's outcome answers /readyz: a probe storm (or a hostile
// client on the port) costs one ping of the shared pool a second, not one per request.
const pingTTL = time.Second

// Bounds of one connection: the whole request, the whole response, and an idle keep-alive.
const (
	readTimeout  = 10 * time.Second
	writeTimeout = 30 * time.Second
	idleTimeout  = 60 * time.Second
)

// Server is the HTTP server of /metrics, /healthz and /readyz.
type Server struct {
	m      *metrics.Metrics
	db     Pinger
	maxLag uint64
	log    *zap.Logger
	ln     net.Listener
	srv    *http.Server
	now    func() time.Time // the clock of the head's staleness (tests move it)

	pingMu  sync.Mutex // held during a ping: concurrent checks wait for it and share its outcome
	pingAt  time.Time
	pingErr error
}

// New returns a server reporting m and checking db; maxLag is the readiness bound on lag (beyond
// each chain's confirmations).
func New(m *metrics.Metrics, db Pinger, maxLag uint64, log *zap.Logger) *Server {
	s := &Server{m: m, db: db, maxLag: maxLag, log: log, now: time.Now}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 64 << 10}
	return s
}

// Handler routes the three endpoints (and 404 elsewhere).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
}

// Listen binds addr. It is separate from Run so that a busy port is reported before anything
// else starts.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the bound address (useful with port 0), or "" before Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Run serves until ctx ends, then shuts down gracefully; it returns nil on that shutdown.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		return errors.New("serve http: Listen was not called")
	}
	s.log.Info("http server listening", zap.String("addr", s.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// Readiness is the body of /readyz.
type Readiness struct {
	Ready    bool          `json:"ready"`
	Database string        `json:"database"`
	Chains   []ChainStatus `json:"chains"`
}

// ChainStatus is one chain's part of /readyz.
type ChainStatus struct {
	Chain   string `json:"chain"`
	ChainID uint64 `json:"chain_id"`
	// Role is "active" (this process indexes the chain), "standby" (another one holds its lock)
	// or "halted" (its indexing stopped on an error it cannot recover from; see Reason).
	Role    string `json:"role"`
	Head    uint64 `json:"head,omitempty"`
	Indexed uint64 `json:"indexed,omitempty"`
	Lag     uint64 `json:"lag"`
	MaxLag  uint64 `json:"max_lag"`
	Ready   bool   `json:"ready"`
	Reason  string `json:"reason,omitempty"`
}

// Check computes the readiness: the database answers a ping, and every chain this process
// indexes has a recent head and trails it by at most maxLag blocks plus its confirmations. A
// standby is ready: it is healthy and waits for its turn. A halted chain is not.
func (s *Server) Check(ctx context.Context) Readiness {
	r := Readiness{Ready: true, Database: "ok", Chains: []ChainStatus{}}
	if err := s.ping(ctx); err != nil {
		r.Ready, r.Database = false, "unreachable: "+redact.URL(err.Error())
	}
	now := s.now()
	for _, c := range s.m.Chains() {
		st := c.State()
		cs := ChainStatus{Chain: st.Name, ChainID: st.ID, Role: "standby", Head: st.Head, Indexed: st.Indexed,
			Lag: st.Lag(), MaxLag: s.maxLag + st.Confirmations, Ready: true}
		if st.Halted != "" {
			cs.Role, cs.Ready, cs.Reason = "halted", false, "halted: "+redact.URL(st.Halted)
		}
		if st.Active {
			cs.Role = "active"
			switch {
			case st.HeadAt.IsZero():
				cs.Ready, cs.Reason = false, "no head read from the RPC yet"
			case now.Sub(st.HeadAt) > StaleHead:
				cs.Ready, cs.Reason = false, fmt.Sprintf("last head read %s ago", now.Sub(st.HeadAt).Round(time.Second))
			case !st.HasIndexed:
				cs.Ready, cs.Reason = false, "nothing indexed yet"
			case cs.Lag > cs.MaxLag:
				cs.Ready, cs.Reason = false, fmt.Sprintf("lag %d blocks > %d", cs.Lag, cs.MaxLag)
			}
		}
		r.Ready = r.Ready && cs.Ready
		r.Chains = append(r.Chains, cs)
	}
	return r
}

// ping checks the database, or returns the outcome of a check less than pingTTL old.
func (s *Server) ping(ctx context.Context) error {
	s.pingMu.Lock()
	defer s.pingMu.Unlock()
	if now := s.now(); !s.pingAt.IsZero() && now.Sub(s.pingAt) < pingTTL && now.Sub(s.pingAt) >= 0 {
		return s.pingErr
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	s.pingErr = s.db.Ping(pctx)
	s.pingAt = s.now()
	return s.pingErr
}

func (s *Server) readyz(w http.ResponseWriter, req *http.Request) {
	r := s.Check(req.Context())
	w.Header().Set("Content-Type", "application/json")
	if !r.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(r)
}
