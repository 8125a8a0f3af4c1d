package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestAPI_Keys checks key creation, both headers, unknown and revoked keys, and anonymous
// access turned off.
func TestAPI_Keys(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.AnonymousRate = config.Rate{}
	b := setup(t, cfg, seedBasic)
	ctx := context.Background()

	key, err := api.CreateKey(ctx, b.pool, "explorer")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(key, api.KeyPrefix))
	_, err = api.CreateKey(ctx, b.pool, "explorer")
	require.ErrorIs(t, err, api.ErrKeyExists)
	var stored string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT key_hash FROM erc8004_api_keys WHERE name = 'explorer'`).Scan(&stored))
	require.Equal(t, api.HashKey(key), stored, "only the hash is stored")
	require.NotContains(t, stored, key[len(api.KeyPrefix):])

	resp, body := b.get(t, pathf("/agents/1"))
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, api.CodeUnauthorized, errCode(t, body))
	b.getJSON(t, pathf("/agents/1"), http.StatusOK, nil, "Authorization", "Bearer "+key)
	b.getJSON(t, pathf("/agents/1"), http.StatusOK, nil, "X-API-Key", key)
	resp, body = b.get(t, pathf("/agents/1"), "Authorization", "Bearer "+key+"x")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, api.CodeUnauthorized, errCode(t, body))
	b.getJSON(t, "/healthz", http.StatusOK, nil)

	keys, err := api.ListKeys(ctx, b.pool)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, "explorer", keys[0].Name)
	require.True(t, strings.HasPrefix(key, keys[0].Prefix))
	require.Nil(t, keys[0].RevokedAt)

	require.NoError(t, api.RevokeKey(ctx, b.pool, "explorer"))
	require.ErrorIs(t, api.RevokeKey(ctx, b.pool, "explorer"), api.ErrNoKey)
	// A new process (no remembered checks) refuses the revoked key at once.
	b.serve(t, b.pool, b.rdb, cfg)
	b.getJSON(t, pathf("/agents/1"), http.StatusUnauthorized, nil, "Authorization", "Bearer "+key)
	key2, err := api.CreateKey(ctx, b.pool, "explorer")
	require.NoError(t, err, "the name is free again after revoking")
	b.getJSON(t, pathf("/agents/1"), http.StatusOK, nil, "X-API-Key", key2)
}

// TestAPI_RateLimit checks the anonymous per-IP limit, the per-key limit, the headers, and
// the local fallback while Valkey is down.
func TestAPI_RateLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.AnonymousRate = config.Rate{Limit: 3, Per: time.Minute}
	cfg.KeyRate = config.Rate{Limit: 5, Per: time.Minute}
	cfg.TrustedProxies = 1
	b := setup(t, cfg, seedBasic)
	key, err := api.CreateKey(context.Background(), b.pool, "k")
	require.NoError(t, err)

	for i := 1; i <= 3; i++ {
		resp, _ := b.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.1")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "3", resp.Header.Get("RateLimit-Limit"))
		require.Equal(t, strconv.Itoa(3-i), resp.Header.Get("RateLimit-Remaining"))
		reset, err := strconv.Atoi(resp.Header.Get("RateLimit-Reset"))
		require.NoError(t, err)
		require.True(t, reset > 0 && reset <= 60, "reset %d within the one-minute window", reset)
	}
	resp, body := b.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, api.CodeRateLimited, errCode(t, body))
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Equal(t, "0", resp.Header.Get("RateLimit-Remaining"))
	// The client's own X-Forwarded-For entries are not trusted: only the proxy's last one.
	resp, _ = b.get(t, pathf("/agents"), "X-Forwarded-For", "1.2.3.4, 10.0.0.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	resp, _ = b.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.2")
	require.Equal(t, http.StatusOK, resp.StatusCode, "another IP has its own budget")

	for i := 1; i <= 5; i++ {
		resp, _ := b.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.1", "Authorization", "Bearer "+key)
		require.Equal(t, http.StatusOK, resp.StatusCode, "a key is not limited by its IP's anonymous budget")
		require.Equal(t, "5", resp.Header.Get("RateLimit-Limit"))
	}
	resp, _ = b.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.9", "Authorization", "Bearer "+key)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "a key's budget follows the key across IPs")

	// A second API process shares the counts through Valkey.
	other := &bundle{pool: b.pool, rdb: b.rdb, prefix: b.prefix}
	other.serve(t, b.pool, b.rdb, cfg)
	resp, _ = other.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	// Valkey down: a process keeps serving and limiting alone, and says so in its metrics.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	alone := &bundle{pool: b.pool, prefix: b.prefix}
	alone.serve(t, b.pool, down, cfg)
	for i := 1; i <= 3; i++ {
		resp, _ := alone.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.3")
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, _ = alone.get(t, pathf("/agents"), "X-Forwarded-For", "10.0.0.3")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	_, metrics := alone.get(t, "/metrics")
	require.Contains(t, string(metrics), "erc8004_api_valkey_up 0")
	require.Contains(t, string(metrics), "erc8004_api_limiter_fallback_total 4")
	require.Contains(t, string(metrics), `erc8004_api_rate_limited_total{kind="anonymous"} 1`)
}

// TestAPI_Cache checks hits, ETag and 304, and that a new block and a reorg (the cursor's hash
// changes) are never hidden by the cache, with and without Valkey.
func TestAPI_Cache(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	epoch := 0
	check := func(b *bundle, valkey bool) {
		var d api.AgentDetail
		resp := b.getJSON(t, pathf("/agents/2"), http.StatusOK, &d)
		etag := resp.Header.Get("ETag")
		require.NotEmpty(t, etag)
		require.Equal(t, "max-age=300", resp.Header.Get("Cache-Control"))
		owner := d.Owner
		resp, body := b.get(t, pathf("/agents/2"), "If-None-Match", etag)
		require.Equal(t, http.StatusNotModified, resp.StatusCode)
		require.Empty(t, body)

		// A write without a cursor move stays hidden (the cache is keyed by the cursor)...
		exec(t, b.pool, `UPDATE erc8004_agents SET owner = $1 WHERE chain_id = $2 AND agent_id = 2`, addr(77), chainID)
		time.Sleep(250 * time.Millisecond)
		b.getJSON(t, pathf("/agents/2"), http.StatusOK, &d)
		require.Equal(t, owner, d.Owner)
		// ...until the block that wrote it is committed: a reorg replaces block 100's hash.
		epoch++
		setCursor(t, b.pool, 100, hash(5000+epoch))
		time.Sleep(250 * time.Millisecond)
		resp = b.getJSON(t, pathf("/agents/2"), http.StatusOK, &d)
		require.Equal(t, addr(77), d.Owner, "a reorg is a cache miss")
		require.NotEqual(t, etag, resp.Header.Get("ETag"))
		resp, _ = b.get(t, pathf("/agents/2"), "If-None-Match", etag)
		require.Equal(t, http.StatusOK, resp.StatusCode, "the old ETag no longer matches")
		exec(t, b.pool, `UPDATE erc8004_agents SET owner = $1 WHERE chain_id = $2 AND agent_id = 2`, owner, chainID)
		epoch++
		setCursor(t, b.pool, 100+epoch, hash(5000+epoch))
		time.Sleep(250 * time.Millisecond)
		b.getJSON(t, pathf("/agents/2"), http.StatusOK, &d)
		require.Equal(t, owner, d.Owner, "a new block is a cache miss")
		_, metrics := b.get(t, "/metrics")
		if valkey {
			require.Contains(t, string(metrics), `erc8004_api_cache_requests_total{result="hit_local"}`)
		}
	}
	check(b, true)
	var keys []string
	keys, err := b.rdb.Keys(context.Background(), b.prefix+"api:cache:*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys, "responses are shared through Valkey")

	// A second process finds the first one's entries in Valkey.
	other := &bundle{pool: b.pool, rdb: b.rdb, prefix: b.prefix}
	other.serve(t, b.pool, b.rdb, testConfig())
	other.getJSON(t, pathf("/agents/2"), http.StatusOK, nil)
	_, metrics := other.get(t, "/metrics")
	require.Contains(t, string(metrics), `erc8004_api_cache_requests_total{result="hit_valkey"} 1`)

	// Valkey down: the local cache still serves, and still follows the cursor.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	alone := &bundle{pool: b.pool, prefix: b.prefix}
	alone.serve(t, b.pool, down, testConfig())
	check(alone, false)
	_, metrics = alone.get(t, "/metrics")
	require.Contains(t, string(metrics), `erc8004_api_cache_requests_total{result="hit_local"}`)
}

// TestAPI_ReaderRole serves every route as a login role whose only right is erc8004_reader,
// in read-only sessions, as on a replica.
func TestAPI_ReaderRole(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	ctx := context.Background()
	key, err := api.CreateKey(ctx, b.pool, "reader-test")
	require.NoError(t, err)
	role := "api_reader_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_") + fmt.Sprint(time.Now().UnixNano()%1000000)
	exec(t, b.pool, `CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN IN ROLE erc8004_reader`)
	t.Cleanup(func() {
		_, _ = b.pool.Exec(context.WithoutCancel(ctx), `DROP ROLE IF EXISTS `+pgx.Identifier{role}.Sanitize())
	})
	var schema string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema))
	pc, err := pgxpool.ParseConfig(testdb.URL())
	require.NoError(t, err)
	pc.ConnConfig.User = role
	pc.ConnConfig.RuntimeParams["search_path"] = schema
	pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	reader, err := pgxpool.NewWithConfig(ctx, pc)
	require.NoError(t, err)
	t.Cleanup(reader.Close)
	_, err = reader.Exec(ctx, `UPDATE erc8004_agents SET owner = ''`)
	require.Error(t, err, "the reader cannot write")

	rb := &bundle{pool: reader, rdb: b.rdb, prefix: b.prefix}
	rb.serve(t, reader, b.rdb, testConfig())
	for _, p := range []string{"/v1/chains", pathf(""), pathf("/agents?sort=reputation"), pathf("/agents/1"),
		pathf("/agents/1/feedback"), pathf("/agents/1/summary"), pathf("/agents/1/validations"),
		pathf("/validations/%s", hash(40)), "/v1/stats", "/readyz"} {
		rb.getJSON(t, p, http.StatusOK, nil, "X-API-Key", key)
	}
}

// TestAPI_DatabaseDown starts the API on a database that does not answer: it starts, /healthz
// is 200, /readyz and the routes are 503 with the error body.
func TestAPI_DatabaseDown(t *testing.T) {
	t.Parallel()
	pc, err := pgxpool.ParseConfig("postgres://postgres@127.0.0.1:1/x?connect_timeout=1")
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	b := &bundle{}
	b.serve(t, pool, nil, testConfig())
	b.getJSON(t, "/healthz", http.StatusOK, nil)
	b.getJSON(t, "/readyz", http.StatusServiceUnavailable, nil)
	for _, p := range []string{"/v1/chains", pathf("/agents"), pathf("/agents/1"), "/v1/stats"} {
		resp, body := b.get(t, p)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, p)
		require.Equal(t, api.CodeUnavailable, errCode(t, body))
		require.NotContains(t, string(body), "127.0.0.1")
	}
}

// TestAPI_Timeouts holds a lock the agent detail's query waits for: the request ends at the
// request timeout (statement_timeout on the API's sessions, the request's context) with an
// error body instead of hanging, and the next request after the lock is released is served.
func TestAPI_Timeouts(t *testing.T) {
	t.Parallel()
	admin, schema, dsn := testdb.NewWithSchema(t)
	seedBasic(t, admin)
	ctx := context.Background()
	cfg := testConfig()
	cfg.RequestTimeout = 2 * time.Second // the statement_timeout too; a loaded host still answers within it
	cfg.CacheTTL = 0
	pool, err := api.OpenDB(ctx, dsn, schema, cfg.RequestTimeout)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	b := &bundle{pool: pool}
	b.serve(t, pool, nil, cfg)

	tx, err := admin.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `LOCK TABLE erc8004_agents IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)
	start := time.Now()
	resp, body := b.get(t, pathf("/agents/1"))
	require.Less(t, time.Since(start), 10*time.Second)
	require.Contains(t, []int{http.StatusServiceUnavailable, http.StatusGatewayTimeout}, resp.StatusCode, string(body))
	require.Contains(t, []string{api.CodeUnavailable, api.CodeTimeout}, errCode(t, body))
	require.NoError(t, tx.Rollback(ctx))
	b.getJSON(t, pathf("/agents/1"), http.StatusOK, nil)

	// The API's sessions cannot write, whatever the role may do.
	_, err = pool.Exec(ctx, `UPDATE erc8004_agents SET owner = owner`)
	require.Error(t, err)
	require.Contains(t, err.Error(), "read-only")
}
