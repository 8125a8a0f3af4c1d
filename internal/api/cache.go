package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// cacheScope says which chains' indexed blocks a cached response depends on.
type cacheScope int

const (
	noCache    cacheScope = iota // never cached (e.g. lag, which changes with the clock)
	chainScope                   // the chain of the {chain} path segment
	allScope                     // every indexed chain (GET /v1/stats)
)

// epochRefresh is how often the indexed blocks are re-read: a new block or a reorg changes
// cache keys at most this long after its commit.
const epochRefresh = 200 * time.Millisecond

// epochs is a snapshot of every chain's cursor (block number and hash), the part of every cache
// key that makes a new block or a reorg a cache miss.
type epochs struct {
	db  *pgxpool.Pool
	mu  sync.Mutex
	at  time.Time
	by  map[uint64]string
	all string
}

func newEpochs(db *pgxpool.Pool) *epochs { return &epochs{db: db} }

// of returns the epoch of the request's scope; ok is false when it cannot be had (a bad chain
// segment, the database down): the request then goes uncached.
func (e *epochs) of(ctx context.Context, r *http.Request, scope cacheScope) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.at) > epochRefresh {
		if err := e.refresh(ctx); err != nil {
			return "", false
		}
	}
	if scope == allScope {
		return e.all, true
	}
	id, err := parseChain(r.PathValue("chain"))
	if err != nil {
		return "", false
	}
	if ep, ok := e.by[id]; ok {
		return ep, true
	}
	return "none:" + strconv.FormatUint(id, 10), true
}

func (e *epochs) refresh(ctx context.Context) error {
	const q = `SELECT chain_id, block_number, block_hash FROM erc8004_cursors ORDER BY chain_id`
	rows, err := e.db.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("read cursors: %w", err)
	}
	by := map[uint64]string{}
	var parts []string
	var id uint64
	var block int64
	var hash string
	_, err = pgx.ForEachRow(rows, []any{&id, &block, &hash}, func() error {
		ep := strconv.FormatUint(id, 10) + ":" + strconv.FormatInt(block, 10) + ":" + hash
		by[id] = ep
		parts = append(parts, ep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read cursors: %w", err)
	}
	e.by, e.all, e.at = by, "all:"+strings.Join(parts, ","), time.Now()
	return nil
}

// cacheKey names a response: the epoch, the path and the query in a canonical order.
func cacheKey(epoch string, r *http.Request) string {
	v, _ := url.ParseQuery(r.URL.RawQuery)
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	fmt.Fprintf(h, "v1\n%s\n%s\n", epoch, r.URL.Path)
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%q\n", k, v[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// etagOf is a strong ETag of a response body.
func etagOf(body []byte) string {
	h := sha256.Sum256(body)
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

// etagMatch reports whether an If-None-Match header names etag (or is "*").
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// entry is a cached response.
type entry struct {
	etag string
	body []byte
}

// localEntries bounds the process-local cache.
const localEntries = 4096

// cache keeps responses in Valkey (shared by the API processes) and in a small local map in
// front of it, so that hot reads stay fast without a round trip, and while Valkey is down.
type cache struct {
	v   *valkey
	ttl time.Duration
	mu  sync.Mutex
	loc map[string]localEntry
}

type localEntry struct {
	entry
	expires time.Time
}

func newCache(v *valkey, ttl time.Duration) *cache {
	return &cache{v: v, ttl: ttl, loc: map[string]localEntry{}}
}

func (c *cache) enabled() bool { return c.ttl > 0 }

func (c *cache) get(ctx context.Context, key string) (entry, bool) {
	c.mu.Lock()
	le, ok := c.loc[key]
	c.mu.Unlock()
	if ok && time.Now().Before(le.expires) {
		c.v.m.cache.WithLabelValues("hit_local").Inc()
		return le.entry, true
	}
	if c.v.usable() {
		ctx, cancel := context.WithTimeout(ctx, valkeyCallTimeout)
		defer cancel()
		cmd := c.v.c.Get(ctx, c.v.prefix+"api:cache:"+key)
		b, err := cmd.Bytes()
		c.v.result(err)
		if err == nil {
			if etag, body, ok := bytes.Cut(b, []byte{'\n'}); ok {
				e := entry{etag: string(etag), body: body}
				c.setLocal(key, e, c.ttl)
				c.v.m.cache.WithLabelValues("hit_valkey").Inc()
				return e, true
			}
		}
	}
	c.v.m.cache.WithLabelValues("miss").Inc()
	return entry{}, false
}

func (c *cache) set(ctx context.Context, key string, e entry) {
	c.setLocal(key, e, c.ttl)
	if !c.v.usable() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, valkeyCallTimeout)
	defer cancel()
	val := make([]byte, 0, len(e.etag)+1+len(e.body))
	val = append(append(append(val, e.etag...), '\n'), e.body...)
	c.v.result(c.v.c.Set(ctx, c.v.prefix+"api:cache:"+key, val, c.ttl).Err())
}

func (c *cache) setLocal(key string, e entry, ttl time.Duration) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.loc) >= localEntries {
		// Drop the expired entries, and if that is not enough, everything: a cold cache costs
		// one query per key, an unbounded one the process.
		for k, le := range c.loc {
			if now.After(le.expires) {
				delete(c.loc, k)
			}
		}
		if len(c.loc) >= localEntries {
			clear(c.loc)
		}
	}
	c.loc[key] = localEntry{entry: e, expires: now.Add(ttl)}
}
