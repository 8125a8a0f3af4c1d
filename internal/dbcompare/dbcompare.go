// Package dbcompare compares two indexes of the same chain table by table: every table and view
// of the schema contract, row by row, as JSON in a total order. testdb.Snapshot reads through it;
// commands such as cmd/soak use it to report differences rather than fail a test.
package dbcompare

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// queries read each table as JSON rows in a total order, leaving out what legitimately differs
// between two indexes of the same chain: the cursor's timestamps and finalized mark, and headers
// of blocks without events (which of them are still kept depends on when the window was pruned).
var queries = map[string]string{
	"erc8004_events":               `SELECT to_jsonb(t)::text FROM erc8004_events t ORDER BY chain_id, block_number, log_index`,
	"erc8004_agents":               `SELECT to_jsonb(t)::text FROM erc8004_agents t ORDER BY chain_id, registry, agent_id`,
	"erc8004_agent_metadata":       `SELECT to_jsonb(t)::text FROM erc8004_agent_metadata t ORDER BY chain_id, registry, agent_id, key_hash`,
	"erc8004_operators":            `SELECT to_jsonb(t)::text FROM erc8004_operators t ORDER BY chain_id, registry, owner, operator`,
	"erc8004_reputation":           `SELECT to_jsonb(t)::text FROM erc8004_reputation t ORDER BY chain_id, block_number, log_index`,
	"erc8004_feedback_responses":   `SELECT to_jsonb(t)::text FROM erc8004_feedback_responses t ORDER BY chain_id, block_number, log_index`,
	"erc8004_validations":          `SELECT to_jsonb(t)::text FROM erc8004_validations t ORDER BY chain_id, registry, request_hash`,
	"erc8004_validation_responses": `SELECT to_jsonb(t)::text FROM erc8004_validation_responses t ORDER BY chain_id, block_number, log_index`,
	"erc8004_agent_payments":       `SELECT to_jsonb(t)::text FROM erc8004_agent_payments t ORDER BY chain_id, block_number, log_index, registry, agent_id`,
	"erc8004_blocks": `SELECT to_jsonb(b)::text FROM erc8004_blocks b
		WHERE EXISTS (SELECT 1 FROM erc8004_events e WHERE e.chain_id = b.chain_id AND e.block_number = b.block_number)
		ORDER BY chain_id, block_number`,
	"erc8004_cursors":                 `SELECT (to_jsonb(t) - 'updated_at' - 'finalized_block')::text FROM erc8004_cursors t ORDER BY chain_id`,
	"erc8004_agent_aggregates":        `SELECT to_jsonb(t)::text FROM erc8004_agent_aggregates t ORDER BY chain_id, agent_id`,
	"erc8004_agent_feedback_decimals": `SELECT to_jsonb(t)::text FROM erc8004_agent_feedback_decimals t ORDER BY chain_id, agent_id, value_decimals`,
	"erc8004_agent_tag_decimals": `SELECT to_jsonb(t)::text FROM erc8004_agent_tag_decimals t
		ORDER BY chain_id, agent_id, tag1 COLLATE "C", tag2 COLLATE "C", value_decimals`,
	"v_erc8004_agent_tag_reputation": `SELECT to_jsonb(t)::text FROM v_erc8004_agent_tag_reputation t
		ORDER BY chain_id, agent_id, tag1 COLLATE "C", tag2 COLLATE "C"`,
	"erc8004_stats_hourly":       `SELECT to_jsonb(t)::text FROM erc8004_stats_hourly t ORDER BY chain_id, agent_id NULLS FIRST, bucket`,
	"erc8004_stats_daily":        `SELECT to_jsonb(t)::text FROM erc8004_stats_daily t ORDER BY chain_id, agent_id NULLS FIRST, bucket`,
	"v_erc8004_chain_daily":      `SELECT to_jsonb(t)::text FROM v_erc8004_chain_daily t ORDER BY chain_id, day`,
	"v_erc8004_agent_reputation": `SELECT to_jsonb(t)::text FROM v_erc8004_agent_reputation t ORDER BY chain_id, agent_id`,
	"v_erc8004_agent_stats":      `SELECT to_jsonb(t)::text FROM v_erc8004_agent_stats t ORDER BY chain_id, registry, agent_id`,
}

// Querier is what the comparison reads through: a pool, a connection or a transaction whose
// search_path selects the schema.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Tables returns the names of the compared tables and views, sorted.
func Tables() []string {
	names := make([]string, 0, len(queries))
	for n := range queries {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Table reads one compared table's rows as JSON text, in order.
func Table(ctx context.Context, q Querier, table string) ([]string, error) {
	sql, ok := queries[table]
	if !ok {
		return nil, fmt.Errorf("read %s: not a compared table", table)
	}
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return out, nil
}

// Snapshot reads every compared table.
func Snapshot(ctx context.Context, q Querier) (map[string][]string, error) {
	out := make(map[string][]string, len(queries))
	for _, table := range Tables() {
		rows, err := Table(ctx, q, table)
		if err != nil {
			return nil, err
		}
		out[table] = rows
	}
	return out, nil
}

// Difference is one row that differs between two indexes. Want or Got is empty when that side
// has no row at that position.
type Difference struct {
	Table     string
	Row       int
	Want, Got string
}

// String renders the difference on one line, rows cut to 300 bytes.
func (d Difference) String() string {
	return fmt.Sprintf("%s row %d: want %s, got %s", d.Table, d.Row, cut(d.Want), cut(d.Got))
}

func cut(s string) string {
	switch {
	case s == "":
		return "(none)"
	case len(s) > 300:
		return s[:300] + "..."
	}
	return s
}

// Compare reads every table from want and got, one table at a time, and returns their
// differences in table order, at most perTable per table (0: all).
func Compare(ctx context.Context, want, got Querier, perTable int) ([]Difference, error) {
	var diffs []Difference
	for _, table := range Tables() {
		a, err := Table(ctx, want, table)
		if err != nil {
			return nil, err
		}
		b, err := Table(ctx, got, table)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, Diff(table, a, b, perTable)...)
	}
	return diffs, nil
}

// Diff compares two readings of one table position by position, returning at most limit
// differences (0: all).
func Diff(table string, want, got []string, limit int) []Difference {
	var out []Difference
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w == g {
			continue
		}
		out = append(out, Difference{Table: table, Row: i, Want: w, Got: g})
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}
