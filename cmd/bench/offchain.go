package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/offchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// offchainOptions are the flags of `bench offchain`.
type offchainOptions struct {
	dbURL       string
	agents      int
	perHost     int
	concurrency int
	delay       time.Duration
	backfill    synthchain.Config
	keep        bool
}

// runOffchain measures the off-chain worker: N agents whose registration files are served by a
// local IPFS gateway, fetched, parsed and recorded, with the gateway checking that the per-host
// bound holds; then the same synthetic backfill with the worker off and on, to show that the
// worker does not slow indexing. The last line is
//
//	offchain: files=N per_s=N p99_ms=N
func runOffchain(ctx context.Context, args []string, out io.Writer) error {
	o := offchainOptions{backfill: synthchain.Config{Blocks: 40_000, EventsPerBlock: 5, GapEvery: 10_000, GapLength: 2_000}}
	fs := flag.NewFlagSet("bench offchain", flag.ContinueOnError)
	defURL := os.Getenv("DATABASE_URL")
	if defURL == "" {
		defURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.dbURL, "database-url", defURL, "PostgreSQL `url` [DATABASE_URL]")
	fs.IntVar(&o.agents, "agents", 10_000, "agents, one registration file each")
	fs.IntVar(&o.perHost, "per-host", 16, "the resolver's per-host bound (the gateway is one host)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "the resolver's overall bound")
	fs.DurationVar(&o.delay, "gateway-delay", 2*time.Millisecond, "time the gateway takes to answer")
	fs.Uint64Var(&o.backfill.Blocks, "backfill-blocks", o.backfill.Blocks, "blocks of the backfill comparison (0: skip it)")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark schemas")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := offchainFiles(ctx, o, out)
	if err != nil {
		return err
	}
	if o.backfill.Blocks > 0 {
		if err := offchainBackfill(ctx, o, out); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, files)
	return nil
}

// gateway is a local IPFS gateway that counts the requests it serves at once.
type gateway struct {
	delay      time.Duration
	cur, peak  atomic.Int64
	served     atomic.Int64
	registered string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == offchain.WellKnownPath { // an endpoint domain's check: not the gateway's load
		fmt.Fprintf(w, `{"registrations":[{"agentId":1,"agentRegistry":"%s"}]}`, g.registered)
		return
	}
	c := g.cur.Add(1)
	defer g.cur.Add(-1)
	for p := g.peak.Load(); c > p && !g.peak.CompareAndSwap(p, c); p = g.peak.Load() {
	}
	time.Sleep(g.delay)
	g.served.Add(1)
	name := strings.TrimPrefix(r.URL.Path, "/ipfs/")
	fmt.Fprintf(w, `{"type":"%s","name":"agent %s","description":"served by the benchmark's gateway","image":"ipfs://%s/i.png",`+
		`"services":[{"name":"MCP","endpoint":"https://mcp.example/%s","version":"2025-06-18"}],"x402Support":true,"active":true,`+
		`"supportedTrust":["reputation"],"registrations":[{"agentId":1,"agentRegistry":"%s"}]}`,
		offchain.RegistrationType, name, name, name, g.registered)
}

// offchainFiles runs the file benchmark and returns its result line.
func offchainFiles(ctx context.Context, o offchainOptions, out io.Writer) (string, error) {
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return "", err
	}
	defer dropSchema(options{keep: o.keep}, pool, schema)
	gw := &gateway{delay: o.delay, registered: "eip155:1:0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"}
	// One local TLS server is the gateway and every other host (the files' https endpoints,
	// whose domains the worker checks): nothing leaves the machine.
	srv := httptest.NewTLSServer(gw)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsCfg.InsecureSkipVerify = true //nolint:gosec // every host is the local server

	// Agents with ipfs:// URIs: "Qm" and 44 base58 characters ('0' is not one).
	const qAgents = `
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, created_block, created_tx,
		    created_log_index, updated_block, updated_tx, updated_log_index)
		SELECT 1, '0x8004a169fb4a3325136eb29fa0ceb6d2e539a432', i, '0x00000000000000000000000000000000000000aa',
		       'ipfs://Qm' || lpad(translate(i::text, '0', 'z'), 44, '1'), 1, '0x01', 0, 1, '0x01', 0
		FROM generate_series(1, $1) AS i`
	if _, err := pool.Exec(ctx, qAgents, o.agents); err != nil {
		return "", fmt.Errorf("insert agents: %w", err)
	}
	var mu sync.Mutex
	var lat []time.Duration
	resolver := offchain.NewResolver(offchain.Config{IPFSGateways: []string{"https://gateway.bench.invalid/ipfs/"},
		PerHost: o.perHost, Concurrency: o.concurrency, TLS: tlsCfg,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}})
	defer resolver.Close()
	w := offchain.NewWorker(offchain.WorkerConfig{Poll: time.Second, InFlight: 1024, Observe: func(file string, d time.Duration, _ offchain.Status) {
		if file != offchain.FileRegistration {
			return
		}
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	}}, pool, resolver, benchLogger(false))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	var ok, pending int
	for {
		const q = `SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'pending')
			FROM erc8004_agent_registrations`
		var total int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_agent_registrations`).Scan(&total); err != nil {
			return "", err
		}
		if err := pool.QueryRow(ctx, q).Scan(&ok, &pending); err != nil {
			return "", err
		}
		if total == o.agents && pending == 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return "", fmt.Errorf("%d of %d files parsed after 5 minutes", ok, o.agents)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		return "", err
	}
	if ok != o.agents {
		return "", fmt.Errorf("%d of %d files ok", ok, o.agents)
	}
	if peak := gw.peak.Load(); peak > int64(o.perHost) {
		return "", fmt.Errorf("the gateway served %d requests at once, above the per-host bound %d", peak, o.perHost)
	}
	mu.Lock()
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	mu.Unlock()
	fmt.Fprintf(out, "offchain: agents=%d elapsed=%s gateway_requests=%d gateway_peak_concurrency=%d per_host_bound=%d gateway_delay=%s\n",
		o.agents, elapsed.Round(time.Millisecond), gw.served.Load(), gw.peak.Load(), o.perHost, o.delay)
	return fmt.Sprintf("offchain: files=%d per_s=%.0f p99_ms=%.1f", ok, float64(ok)/elapsed.Seconds(), float64(p99.Microseconds())/1000), nil
}

// offchainBackfill indexes the same synthetic chain twice, worker off then on (its agents'
// https URIs answered by a local TLS server), and prints both speeds.
func offchainBackfill(ctx context.Context, o offchainOptions, out io.Writer) error {
	web := httptest.NewTLSServer(&gateway{registered: "eip155:80004:0x0"})
	defer web.Close()
	addr := web.Listener.Addr().String()
	tlsCfg := web.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsCfg.InsecureSkipVerify = true //nolint:gosec // every host is the local server
	ch, err := startChild(ctx, o.backfill, "")
	if err != nil {
		return err
	}
	defer ch.stop()
	for _, on := range []bool{false, true} {
		pool, schema, err := freshSchema(ctx, o.dbURL, true)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		var w *offchain.Worker
		if on {
			r := offchain.NewResolver(offchain.Config{Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}, TLS: tlsCfg})
			defer r.Close()
			w = offchain.NewWorker(offchain.WorkerConfig{Poll: 500 * time.Millisecond}, pool, r, benchLogger(false))
			go func() { done <- w.Run(wctx) }()
		} else {
			close(done)
		}
		res, err := backfill(ctx, options{}, ch, pool, benchLogger(false)) // no publisher: the worker alone is measured
		var parsed int
		if err == nil && on {
			err = waitParsed(ctx, pool, &parsed)
		}
		cancel()
		<-done
		dropSchema(options{keep: o.keep}, pool, schema)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "offchain: backfill worker=%v blocks=%d events=%d elapsed=%s events_per_s=%.0f files_parsed=%d\n", on,
			ch.head, ch.event, res.elapsed.Round(time.Millisecond), float64(ch.event)/res.elapsed.Seconds(), parsed)
	}
	return nil
}

// waitParsed waits until the worker has tried every registration and reports how many parsed.
func waitParsed(ctx context.Context, pool *pgxpool.Pool, parsed *int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		const q = `SELECT count(*) FILTER (WHERE status = 'ok'),
			(SELECT count(*) FROM erc8004_agents) - count(*) FILTER (WHERE status <> 'pending')
			FROM erc8004_agent_registrations`
		var left int
		if err := pool.QueryRow(ctx, q).Scan(parsed, &left); err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the worker did not finish within 2 minutes of the backfill")
}
