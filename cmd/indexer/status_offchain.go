package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// offchainCounts are a chain's off-chain file rows per status (erc8004_agent_registrations,
// erc8004_feedback_files, erc8004_agent_endpoint_domains), for `indexer status`.
type offchainCounts struct {
	Registrations   map[string]int64 `json:"registrations,omitempty"`
	FeedbackFiles   map[string]int64 `json:"feedback_files,omitempty"`
	EndpointDomains map[string]int64 `json:"endpoint_domains,omitempty"`
}

// readOffchainCounts fills each chain's counts per status. A schema migrated before the
// off-chain tables existed has none: nothing is filled.
func readOffchainCounts(ctx context.Context, tx pgx.Tx, byID map[uint64]*chainStatus) error {
	var present, domains bool
	const qPresent = `SELECT to_regclass('erc8004_agent_registrations') IS NOT NULL,
		to_regclass('erc8004_agent_endpoint_domains') IS NOT NULL`
	if err := tx.QueryRow(ctx, qPresent).Scan(&present, &domains); err != nil {
		return fmt.Errorf("look for the off-chain tables: %w", err)
	}
	if !present {
		return nil
	}
	counts, err := queryOffchainCounts(ctx, tx, domains)
	if err != nil {
		return err
	}
	for id, c := range counts {
		if s := byID[uint64(id)]; s != nil {
			s.Offchain = *c
		}
	}
	return nil
}

// queryOffchainCounts counts the off-chain file rows per chain and status, and the endpoint
// domains' when domains (a schema migrated before 0012 has no such table).
func queryOffchainCounts(ctx context.Context, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, domains bool) (map[int64]*offchainCounts, error) {
	const (
		qFiles = `
			SELECT 'r', chain_id, status, count(*) FROM erc8004_agent_registrations GROUP BY chain_id, status
			UNION ALL
			SELECT 'f', chain_id, status, count(*) FROM erc8004_feedback_files GROUP BY chain_id, status`
		qDomains = qFiles + `
			UNION ALL
			SELECT 'd', chain_id, status, count(*) FROM erc8004_agent_endpoint_domains GROUP BY chain_id, status`
	)
	var rows pgx.Rows
	var err error
	if domains {
		rows, err = db.Query(ctx, qDomains)
	} else {
		rows, err = db.Query(ctx, qFiles)
	}
	if err != nil {
		return nil, fmt.Errorf("count off-chain files: %w", err)
	}
	defer rows.Close()
	out := map[int64]*offchainCounts{}
	for rows.Next() {
		var table, st string
		var id, n int64
		if err := rows.Scan(&table, &id, &st, &n); err != nil {
			return nil, fmt.Errorf("count off-chain files: %w", err)
		}
		c := out[id]
		if c == nil {
			c = &offchainCounts{}
			out[id] = c
		}
		m := &c.Registrations
		switch table {
		case "f":
			m = &c.FeedbackFiles
		case "d":
			m = &c.EndpointDomains
		}
		if *m == nil {
			*m = map[string]int64{}
		}
		(*m)[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count off-chain files: %w", err)
	}
	return out, nil
}

// printOffchainCounts prints one line per chain that has off-chain file rows, e.g.
// "base: off-chain registrations ok=12 unreachable=1; feedback files ok=40; endpoint domains
// unverified=3 verified=2" (the domains only when there are some).
func printOffchainCounts(w io.Writer, rows []chainStatus) {
	join := func(m map[string]int64) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%d", k, m[k])
		}
		return strings.Join(parts, " ")
	}
	for _, s := range rows {
		if s.Offchain.Registrations == nil && s.Offchain.FeedbackFiles == nil {
			continue
		}
		line := fmt.Sprintf("%s: off-chain registrations %s; feedback files %s", s.Chain,
			or(join(s.Offchain.Registrations), "none"), or(join(s.Offchain.FeedbackFiles), "none"))
		if s.Offchain.EndpointDomains != nil {
			line += "; endpoint domains " + join(s.Offchain.EndpointDomains)
		}
		fmt.Fprintln(w, line)
	}
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
