package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/payments"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// runPayments is `bench payments`: a synthetic chain with about -transfers token transfers
// (ten token logs and two registry logs per block; 1% of the transfers pay an agent's wallet,
// 1% go to wallets before they were set or after they were cleared), indexed from block 0 with
// the production wiring. It checks that exactly the chain's payments are stored and prints
//
//	payments: transfers=N agent_payments=N per_s=N rpc_requests=N
//
// per_s is token transfers scanned per second of backfill; rpc_requests counts every JSON-RPC
// call the indexer made (registry logs, token logs, headers).
func runPayments(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench payments", flag.ContinueOnError)
	defURL := os.Getenv("DATABASE_URL")
	if defURL == "" {
		defURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	var o options
	fs.StringVar(&o.dbURL, "database-url", defURL, "PostgreSQL `url` [DATABASE_URL]")
	transfers := fs.Uint64("transfers", 1_000_000, "about this many token `transfers`")
	mode := fs.String("mode", "auto", "how token logs are asked for: auto, recipients or token-wide")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark schema")
	fs.BoolVar(&o.verbose, "v", false, "log every committed batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	modes := map[string]payments.Mode{"auto": payments.ModeAuto, "recipients": payments.ModeRecipients,
		"token-wide": payments.ModeTokenWide}
	m, ok := modes[*mode]
	if !ok {
		return fmt.Errorf("unknown -mode %q", *mode)
	}
	const tokenLogs = 10
	// About tokenLogs - 0.05 transfers per block (one pair in a hundred has an AuthorizationUsed).
	blocks := *transfers*100/(tokenLogs*100-5) + 1
	c, err := synthchain.New(synthchain.Config{Blocks: blocks, EventsPerBlock: 2, TokenLogsPerBlock: tokenLogs})
	if err != nil {
		return err
	}
	srv, err := synthchain.Start(c, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()
	want := c.Payments()
	nTransfers := c.TokenTransfers()
	fmt.Fprintf(out, "payments: chain blocks=%d registry_logs=%d transfers=%d payments=%d mode=%s\n",
		c.Head(), c.Events(c.Head()), nTransfers, len(want), *mode)

	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return err
	}
	defer dropSchema(o, pool, schema)
	log := benchLogger(o.verbose)
	spec := daemon.ChainSpec{Name: "synthetic", ChainID: c.Config().ChainID, RPCURLs: []string{srv.URL()},
		Registries: synthchain.DefaultRegistries, FinalityDepth: 64, UseFinalizedTag: true,
		PaymentTokens: []config.PaymentToken{{Symbol: "USDC", Address: synthchain.DefaultToken, Decimals: 6, DecimalsKnown: true}},
		PaymentMode:   m}
	client, err := spec.Dial(ctx, log)
	if err != nil {
		return err
	}
	defer client.Close()
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(pool, log), log, nil)
	srv.ResetStats()
	start := time.Now()
	for {
		progressed, err := ix.Step(ctx)
		if err != nil {
			return err
		}
		if !progressed {
			break
		}
	}
	elapsed := time.Since(start)
	st := srv.Stats()
	var requests int64
	for _, n := range st.Calls {
		requests += n
	}

	// Every payment of the chain and nothing else.
	var stored, matched int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_agent_payments`).Scan(&stored); err != nil {
		return err
	}
	blk, idx, agent, payer, payee, amount := make([]int64, len(want)), make([]int32, len(want)), make([]string, len(want)),
		make([]string, len(want)), make([]string, len(want)), make([]string, len(want))
	for i, p := range want {
		blk[i], idx[i], agent[i] = int64(p.Block), int32(p.LogIndex), fmt.Sprint(p.Agent)
		payer[i], payee[i], amount[i] = strings.ToLower(p.Payer.Hex()), strings.ToLower(p.Wallet.Hex()), fmt.Sprint(p.Amount)
	}
	const q = `SELECT count(*) FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
		AS w(b, i, agent, payer, payee, amount)
		JOIN erc8004_agent_payments p ON p.block_number = w.b AND p.log_index = w.i AND p.agent_id = w.agent::numeric
		 AND p.payer = w.payer AND p.payee = w.payee AND p.amount = w.amount::numeric`
	if err := pool.QueryRow(ctx, q, blk, idx, agent, payer, payee, amount).Scan(&matched); err != nil {
		return err
	}
	if matched != int64(len(want)) || stored != int64(len(want)) {
		return fmt.Errorf("stored %d payments, %d of the chain's %d among them", stored, matched, len(want))
	}
	fmt.Fprintf(out, "payments: elapsed=%s rpc http_requests=%d %s refusals(range/result/batch)=%d/%d/%d\n",
		elapsed.Round(time.Millisecond), st.HTTPRequests, calls(st), st.RangeRefusals, st.ResultRefusals, st.BatchRefusals)
	per := func(n int64) float64 { return float64(n) * 10_000 / float64(c.Head()) }
	fmt.Fprintf(out, "payments: per 10,000 blocks: rpc_calls=%.1f http_requests=%.1f eth_getLogs=%.1f\n",
		per(requests), per(st.HTTPRequests), per(st.Calls["eth_getLogs"]))
	fmt.Fprintf(out, "payments: transfers=%d agent_payments=%d per_s=%.0f rpc_requests=%d\n",
		nTransfers, stored, float64(nTransfers)/elapsed.Seconds(), requests)
	return nil
}
