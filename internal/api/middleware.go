package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// reqInfo is what the middleware and the endpoint learn about a request, for the access log.
type reqInfo struct {
	id  string
	who identity
}

type reqInfoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func requestID(r *http.Request) string { return infoOf(r).id }

func setIdentity(r *http.Request, who identity) { infoOf(r).who = who }

// recorder captures the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// instrument wraps a route: a request id (kept from X-Request-Id when sane, echoed back), the
// request timeout, panic recovery, the route's metrics and one access log line.
func (s *Server) instrument(route string, h http.Handler) http.Handler {
	seconds := s.m.seconds.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: r.Header.Get("X-Request-Id")}
		if !requestIDRe.MatchString(info.id) {
			info.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", info.id)
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), reqInfoKey{}, info), s.cfg.RequestTimeout)
		defer cancel()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panicked", zap.String("route", route), zap.String("request_id", info.id), zap.Any("panic", p))
				if rec.status == 0 {
					writeError(rec, &Error{http.StatusInternalServerError, CodeInternal, "internal error"})
				}
			}
			elapsed := time.Since(start)
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			seconds.Observe(elapsed.Seconds())
			s.m.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			if ce := s.log.Check(zap.InfoLevel, "request"); ce != nil {
				ce.Write(zap.String("request_id", info.id), zap.String("method", r.Method), zap.String("path", r.URL.Path),
					zap.String("query", r.URL.RawQuery), zap.String("route", route), zap.Int("status", rec.status),
					zap.Int("bytes", rec.bytes), zap.Duration("elapsed", elapsed), zap.String("client", info.who.ip),
					zap.String("key", info.who.name))
			}
		}()
		h.ServeHTTP(rec, r.WithContext(ctx))
	})
}
