package api

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// valkeyRetry is how long after a failed call the API stops trying Valkey: while it is down,
// requests must not each wait for a connection timeout.
const valkeyRetry = time.Second

// valkeyCallTimeout bounds one Valkey call on the request path.
const valkeyCallTimeout = 100 * time.Millisecond

// valkey is the API's Valkey client with a circuit: after an error it is skipped for
// valkeyRetry, and the erc8004_api_valkey_up gauge says so.
type valkey struct {
	c      *redis.Client // nil: no Valkey configured
	prefix string
	m      *apiMetrics
	downAt atomic.Int64 // unix nanos of the last failure; 0 when up
}

func newValkey(c *redis.Client, prefix string, m *apiMetrics) *valkey {
	v := &valkey{c: c, prefix: prefix, m: m}
	if c != nil {
		m.valkeyUp.Set(1)
	}
	return v
}

// usable reports whether to call Valkey now.
func (v *valkey) usable() bool {
	if v.c == nil {
		return false
	}
	down := v.downAt.Load()
	return down == 0 || time.Since(time.Unix(0, down)) > valkeyRetry
}

// result records a call's outcome; redis.Nil (a missing key) is a success.
func (v *valkey) result(err error) {
	if err != nil && err != redis.Nil {
		v.downAt.Store(time.Now().UnixNano())
		v.m.valkeyUp.Set(0)
		return
	}
	if v.downAt.Load() != 0 {
		v.downAt.Store(0)
	}
	v.m.valkeyUp.Set(1)
}

// state is Valkey's state for /readyz: "off" (not configured), "ok" or "down".
func (v *valkey) state(ctx context.Context) string {
	if v.c == nil {
		return "off"
	}
	ctx, cancel := context.WithTimeout(ctx, valkeyCallTimeout)
	defer cancel()
	err := v.c.Ping(ctx).Err()
	v.result(err)
	if err != nil {
		return "down"
	}
	return "ok"
}
