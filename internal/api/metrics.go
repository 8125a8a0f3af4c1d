package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Names of the API's metric families (prefixed erc8004_api_, like the indexer's erc8004_).
const (
	RequestsTotal        = "erc8004_api_requests_total"
	RequestSeconds       = "erc8004_api_request_duration_seconds"
	RateLimitedTotal     = "erc8004_api_rate_limited_total"
	LimiterFallbackTotal = "erc8004_api_limiter_fallback_total"
	ValkeyUp             = "erc8004_api_valkey_up"
	CacheRequestsTotal   = "erc8004_api_cache_requests_total"
	KeyLookupsTotal      = "erc8004_api_key_lookups_total"
)

// apiMetrics are the API process's metrics, on a registry of its own.
type apiMetrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	seconds    *prometheus.HistogramVec
	limited    *prometheus.CounterVec
	fallback   prometheus.Counter
	valkeyUp   prometheus.Gauge
	cache      *prometheus.CounterVec
	keyLookups *prometheus.CounterVec
}

func newMetrics() *apiMetrics {
	m := &apiMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: RequestsTotal,
			Help: "API requests answered, by route pattern and status code."}, []string{"route", "status"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: RequestSeconds,
			Help:    "Time to answer an API request, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: RateLimitedTotal,
			Help: "Requests refused with 429, by kind of client (key, anonymous)."}, []string{"kind"}),
		fallback: prometheus.NewCounter(prometheus.CounterOpts{Name: LimiterFallbackTotal,
			Help: "Rate-limit decisions taken by the process-local limiter because Valkey was unreachable."}),
		valkeyUp: prometheus.NewGauge(prometheus.GaugeOpts{Name: ValkeyUp,
			Help: "1 when the last Valkey call succeeded, 0 while the API runs on its local limiter and cache."}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: CacheRequestsTotal,
			Help: "Cacheable requests by outcome: hit_local, hit_valkey, miss."}, []string{"result"}),
		keyLookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: KeyLookupsTotal,
			Help: "API key checks by result: valid, invalid, revoked."}, []string{"result"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.seconds, m.limited, m.fallback, m.valkeyUp, m.cache, m.keyLookups)
	return m
}

func (m *apiMetrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
