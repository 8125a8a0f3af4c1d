package verify

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// qTagSummaries computes, from erc8004_agent_tag_decimals, getSummary(agent, clients, tag1, tag2)
// for every (tag1, tag2) pair an agent among $2 has feedback with, as the contract selects: an
// empty tag matches every tag. Pairs whose text had to be made valid (U+FFFD in it) are left
// out: the stored text is not the tag the contract compares.
const qTagSummaries = `
WITH p AS (
    SELECT DISTINCT agent_id, tag1, tag2 FROM erc8004_agent_tag_decimals
    WHERE chain_id = $1 AND agent_id = ANY($2::text[]::numeric[])
      AND strpos(tag1, U&'\FFFD') = 0 AND strpos(tag2, U&'\FFFD') = 0
), d AS (
    SELECT p.agent_id, p.tag1, p.tag2, t.value_decimals, sum(t.feedback_count) AS n, sum(t.value_sum) AS s
    FROM p JOIN erc8004_agent_tag_decimals t
      ON t.chain_id = $1 AND t.agent_id = p.agent_id AND (p.tag1 = '' OR t.tag1 = p.tag1) AND (p.tag2 = '' OR t.tag2 = p.tag2)
    GROUP BY p.agent_id, p.tag1, p.tag2, t.value_decimals
), m AS (
    SELECT agent_id, tag1, tag2, sum(n) AS n, sum(s * (10::numeric ^ (18 - value_decimals))::numeric(78,0)) AS wad,
           (array_agg(value_decimals ORDER BY n DESC, value_decimals) FILTER (WHERE n > 0))[1] AS mode
    FROM d GROUP BY agent_id, tag1, tag2
)
SELECT agent_id::text, tag1, tag2, n::bigint, coalesce(erc8004_wad_summary(wad, n, mode), 0)::numeric(39,0)::text,
       coalesce(mode, 0)::smallint
FROM m ORDER BY agent_id, tag1, tag2`

// tagChecks compares getSummary(agent, clients, tag1, tag2) with the per-tag aggregates for
// every tag pair of the agents (clients: getClients per agent, in order).
func (v *Verifier) tagChecks(ctx context.Context, agents []string, clients map[string][]string) ([]check, error) {
	rows, err := v.pool.Query(ctx, qTagSummaries, int64(v.chainID), agents)
	if err != nil {
		return nil, fmt.Errorf("read tag summaries: %w", err)
	}
	var checks []check
	var agent, tag1, tag2, value string
	var n int64
	var decimals int16
	_, err = pgx.ForEachRow(rows, []any{&agent, &tag1, &tag2, &n, &value, &decimals}, func() error {
		id, _ := new(big.Int).SetString(agent, 10)
		addrs := make([]common.Address, len(clients[agent]))
		for i, c := range clients[agent] {
			addrs[i] = common.HexToAddress(c)
		}
		checks = append(checks, check{"getSummary(tags)", fmt.Sprintf("agent %s tags %q %q", agent, tag1, tag2), v.regs.Reputation,
			v.reputation.PackGetSummary(id, addrs, tag1, tag2),
			equal(v.reputation.UnpackGetSummary, renderSummary, fmt.Sprintf("%d/%s/%d", n, value, decimals))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read tag summaries: %w", err)
	}
	return checks, nil
}

// aggregateMismatches compares the reputation aggregates with their recomputation from the
// stored rows, in one snapshot.
func (v *Verifier) aggregateMismatches(ctx context.Context) ([]Mismatch, error) {
	var out []Mismatch
	err := pgx.BeginTxFunc(ctx, v.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		diffs, err := sink.CheckAggregates(ctx, tx, v.chainID)
		for _, d := range diffs {
			out = append(out, Mismatch{Check: "aggregates", Key: "recomputed from the rows", Contract: "-", Database: d})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check aggregates: %w", err)
	}
	return out, nil
}
