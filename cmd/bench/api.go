package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// apiOptions are the flags of 'bench api'.
type apiOptions struct {
	dbURL, valkeyURL string
	agents, feedback int
	duration         time.Duration
	concurrency      int
	keep             bool
}

// runAPI measures the read API on a bulk-loaded schema: agents and feedback COPYed into a fresh
// schema, then closed-loop HTTP clients (in this process) against 'indexer api' handlers on
// loopback, uncached and cached. The last line is
//
//	api: agents_rps=N agent_p99_ms=N list_p99_ms=N summary_p99_ms=N cached_rps=N
func runAPI(ctx context.Context, args []string, out io.Writer) error {
	o := apiOptions{}
	fs := flag.NewFlagSet("bench api", flag.ContinueOnError)
	defURL := os.Getenv("DATABASE_URL")
	if defURL == "" {
		defURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.dbURL, "database-url", defURL, "PostgreSQL `url` [DATABASE_URL]")
	fs.StringVar(&o.valkeyURL, "valkey-url", "redis://127.0.0.1:6379/0", "Valkey `url`")
	fs.IntVar(&o.agents, "agents", 100_000, "agents to load")
	fs.IntVar(&o.feedback, "feedback", 1_000_000, "feedback rows to load")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	fs.IntVar(&o.concurrency, "concurrency", 8, "concurrent clients")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench api: load %s", loadavg())
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return err
	}
	defer dropSchema(options{keep: o.keep}, pool, schema)
	start := time.Now()
	if err := loadAPIData(ctx, pool, o); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench api: loaded %d agents, %d feedback into %s in %s\n", o.agents, o.feedback, schema,
		time.Since(start).Round(time.Millisecond))

	apiPool, err := api.OpenDB(ctx, o.dbURL, schema, 10*time.Second)
	if err != nil {
		return err
	}
	defer apiPool.Close()
	vo, err := redis.ParseURL(o.valkeyURL)
	if err != nil {
		return fmt.Errorf("parse valkey url: %w", err)
	}
	rdb := redis.NewClient(vo)
	defer rdb.Close()
	prefix := "bench:" + schema + ":"
	key, err := api.CreateKey(ctx, pool, "bench")
	if err != nil {
		return err
	}
	serve := func(cacheTTL time.Duration) (string, func(), error) {
		cfg := config.DefaultAPI()
		cfg.KeyRate = config.Rate{} // measure the API, not the limiter's refusals
		cfg.CacheTTL = cacheTTL
		srv := api.New(api.Options{DB: apiPool, Valkey: rdb, Prefix: prefix, Log: zap.NewNop(), Config: cfg})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, err
		}
		hs := &http.Server{Handler: srv.Handler()}
		go func() { _ = hs.Serve(ln) }()
		return "http://" + ln.Addr().String(), func() { _ = hs.Close() }, nil
	}
	uncached, stop1, err := serve(0)
	if err != nil {
		return err
	}
	defer stop1()
	cached, stop2, err := serve(5 * time.Minute)
	if err != nil {
		return err
	}
	defer stop2()
	defer func() { _ = deletePrefix(context.WithoutCancel(ctx), rdb, prefix) }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency * 2, MaxConnsPerHost: o.concurrency * 2}}
	randomAgent := func(r *rand.Rand) string { return strconv.Itoa(r.IntN(o.agents)) }
	agent := measure(ctx, client, key, o, func(r *rand.Rand) string { return uncached + "/v1/chains/1/agents/" + randomAgent(r) })
	fmt.Fprintf(out, "bench api: agent detail uncached: %s\n", agent)
	list := measure(ctx, client, key, o, func(r *rand.Rand) string {
		return uncached + "/v1/chains/1/agents?limit=20&owner=" + benchAddr(r.IntN(o.agents/10))
	})
	fmt.Fprintf(out, "bench api: agent list (owner filter, id order) uncached: %s\n", list)
	listID := measure(ctx, client, key, o, func(r *rand.Rand) string {
		return uncached + "/v1/chains/1/agents?limit=20&sort=registration"
	})
	fmt.Fprintf(out, "bench api: agent list (registration order, first page) uncached: %s\n", listID)
	summary := measure(ctx, client, key, o, func(r *rand.Rand) string {
		return uncached + "/v1/chains/1/agents/" + randomAgent(r) + "/summary"
	})
	fmt.Fprintf(out, "bench api: summary (all clients) uncached: %s\n", summary)
	hot := 100
	for i := range hot { // warm the cache
		if err := fetch(ctx, client, key, cached+"/v1/chains/1/agents/"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	hit := measure(ctx, client, key, o, func(r *rand.Rand) string { return cached + "/v1/chains/1/agents/" + strconv.Itoa(r.IntN(hot)) })
	fmt.Fprintf(out, "bench api: agent detail cached (%d hot agents): %s\n", hot, hit)
	fmt.Fprintf(out, "bench api: load %s", loadavg())
	fmt.Fprintf(out, "api: agents_rps=%.0f agent_p99_ms=%.1f list_p99_ms=%.1f summary_p99_ms=%.1f cached_rps=%.0f\n",
		agent.rps, agent.p99ms, list.p99ms, summary.p99ms, hit.rps)
	return nil
}

// loadResult is one measurement: throughput, latency percentiles and errors.
type loadResult struct {
	rps, p50ms, p99ms float64
	n, errors         int64
}

func (r loadResult) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %.1f ms, p99 %.1f ms, %d requests, %d errors", r.rps, r.p50ms, r.p99ms, r.n, r.errors)
}

// measure runs o.concurrency closed-loop clients on the URLs next gives for o.duration.
func measure(ctx context.Context, client *http.Client, key string, o apiOptions, next func(*rand.Rand) string) loadResult {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			var mine []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				if err := fetch(ctx, client, key, next(r)); err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res := loadResult{n: int64(len(lat)), errors: errs.Load()}
	if len(lat) > 0 {
		res.rps = float64(len(lat)) / elapsed.Seconds()
		res.p50ms = float64(lat[len(lat)/2].Microseconds()) / 1000
		res.p99ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
	return res
}

func fetch(ctx context.Context, client *http.Client, key, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return nil
}

func benchAddr(n int) string { return fmt.Sprintf("0x%040x", n) }

// loadAPIData COPYs o.agents agents (owners shared by 10 agents each) and o.feedback feedback
// rows (random agents, 10,000 clients, values with 0-2 decimals, a few tags, 2% revoked) on
// chain 1, a cursor, then ANALYZE.
func loadAPIData(ctx context.Context, pool *pgxpool.Pool, o apiOptions) error {
	const registry = "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"
	const repRegistry = "0x8004baa17c55a88189ae136b182e5fda19de9b63"
	// Blocks are 12 s apart and the last one is now, so the rollups span weeks.
	now := time.Now().UTC().Truncate(time.Second)
	head := int64(o.agents + o.feedback/10 + 1)
	at := func(block int64) time.Time { return now.Add(-time.Duration(head-block) * 12 * time.Second) }
	n := 0
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"erc8004_agents"}, []string{"chain_id", "registry", "agent_id", "owner", "agent_uri",
		"created_block", "created_tx", "created_log_index", "created_at", "updated_block", "updated_tx", "updated_log_index", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if n == o.agents {
				return nil, nil
			}
			id := n
			n++
			tx := fmt.Sprintf("0x%064x", id)
			return []any{1, registry, strconv.Itoa(id), benchAddr(id / 10), "ipfs://agent-" + strconv.Itoa(id), int64(id), tx, 0, at(int64(id)),
				int64(id), tx, 0, at(int64(id))}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy agents: %w", err)
	}
	r := rand.New(rand.NewPCG(8004, 1))
	tags := []string{"", "quality", "speed", "uptime"}
	type pair struct{ agent, client int }
	index := map[pair]int{}
	n = 0
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"erc8004_reputation"}, []string{"chain_id", "registry", "agent_id", "client_address",
		"feedback_index", "value", "value_decimals", "tag1", "tag2", "feedback_hash", "is_revoked", "block_number", "block_time",
		"tx_hash", "log_index"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if n == o.feedback {
				return nil, nil
			}
			i := n
			n++
			p := pair{r.IntN(o.agents), r.IntN(10_000)}
			index[p]++
			dec := r.IntN(3)
			value := r.IntN(101) * pow10(dec)
			if dec > 0 {
				value += r.IntN(pow10(dec))
			}
			return []any{1, repRegistry, strconv.Itoa(p.agent), benchAddr(1_000_000 + p.client), strconv.Itoa(index[p]),
				strconv.Itoa(value), dec, tags[r.IntN(len(tags))], tags[r.IntN(len(tags))], fmt.Sprintf("0x%064x", i),
				r.IntN(50) == 0, int64(o.agents + i/10), at(int64(o.agents + i/10)), fmt.Sprintf("0x%064x", i), i % 10}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy feedback: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (1, $1, $2)`,
		head, fmt.Sprintf("0x%064x", head)); err != nil {
		return fmt.Errorf("write cursor: %w", err)
	}
	// The reputation views read the aggregate tables that the sink keeps (migration 0015); rows
	// COPYed here bypass it, so rebuild them.
	if err := sink.RebuildAggregates(ctx, pool, 1); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

func deletePrefix(ctx context.Context, rdb *redis.Client, prefix string) error {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}
