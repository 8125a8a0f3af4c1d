package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// windowScript counts a request in the client's current fixed window, atomically: the first
// request of a window creates the counter with the window's lifetime. It returns the count so
// far and the milliseconds until the window ends.
var windowScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// limiter enforces each identity's rate in fixed windows counted in Valkey (shared by every API
// process), or in this process's memory while Valkey is unreachable.
type limiter struct {
	v *valkey

	mu    sync.Mutex
	local map[string]*window
	sweep time.Time
}

type window struct {
	n   int
	end time.Time
}

func newLimiter(v *valkey) *limiter {
	return &limiter{v: v, local: map[string]*window{}}
}

// allow counts the request against who's rate, sets the RateLimit-* headers (and Retry-After
// when refused) and reports whether to serve it. A zero rate is unlimited.
func (l *limiter) allow(ctx context.Context, w http.ResponseWriter, who identity) bool {
	if who.rate.IsZero() {
		return true
	}
	per := who.rate.Per
	key := who.kind + ":" + who.id + ":" + strconv.FormatInt(who.rate.Per.Milliseconds(), 10)
	n, reset, ok := l.remote(ctx, key, per)
	if !ok {
		l.v.m.fallback.Inc()
		n, reset = l.count(key, per)
	}
	limit := who.rate.Limit
	resetS := int(math.Ceil(reset.Seconds()))
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(limit-n, 0)))
	h.Set("RateLimit-Reset", strconv.Itoa(resetS))
	h.Set("RateLimit-Policy", strconv.Itoa(limit)+";w="+strconv.Itoa(int(per.Seconds())))
	if n > limit {
		h.Set("Retry-After", strconv.Itoa(max(resetS, 1)))
		return false
	}
	return true
}

// remote counts in Valkey; ok is false when Valkey is not usable.
func (l *limiter) remote(ctx context.Context, key string, per time.Duration) (int, time.Duration, bool) {
	if !l.v.usable() {
		return 0, 0, false
	}
	ctx, cancel := context.WithTimeout(ctx, valkeyCallTimeout)
	defer cancel()
	res, err := windowScript.Run(ctx, l.v.c, []string{l.v.prefix + "api:rl:" + key}, per.Milliseconds()).Int64Slice()
	l.v.result(err)
	if err != nil || len(res) != 2 {
		return 0, 0, false
	}
	return int(res[0]), time.Duration(res[1]) * time.Millisecond, true
}

// count is the local fallback: the same fixed windows in memory.
func (l *limiter) count(key string, per time.Duration) (int, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.sweep) {
		for k, w := range l.local {
			if now.After(w.end) {
				delete(l.local, k)
			}
		}
		l.sweep = now.Add(time.Minute)
	}
	w := l.local[key]
	if w == nil || now.After(w.end) {
		w = &window{end: now.Add(per)}
		l.local[key] = w
	}
	w.n++
	return w.n, w.end.Sub(now)
}
