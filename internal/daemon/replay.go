package daemon

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// TableCount is the number of rows of one table in a block range.
type TableCount struct {
	Table string
	Rows  int64
}

// CountRange counts the rows of every range table of the chain in blocks [from, to] (to may be
// sink.MaxBlock), plus the agents registered in the range (whose rows a rewind removes), for an
// operator to see what a rewind or replay replaces. q is a pool, connection or transaction.
func CountRange(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, chainID, from, to uint64) ([]TableCount, error) {
	to = min(to, sink.MaxBlock)
	out := make([]TableCount, 0, len(sink.RangeTables())+1)
	for _, table := range sink.RangeTables() {
		var n int64
		sql := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3`
		if err := q.QueryRow(ctx, sql, int64(chainID), int64(from), int64(to)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", table, err)
		}
		out = append(out, TableCount{table, n})
	}
	const agents = `SELECT count(*) FROM erc8004_agents WHERE chain_id = $1 AND created_block BETWEEN $2 AND $3`
	var n int64
	if err := q.QueryRow(ctx, agents, int64(chainID), int64(from), int64(to)).Scan(&n); err != nil {
		return nil, fmt.Errorf("count erc8004_agents: %w", err)
	}
	return append(out, TableCount{"erc8004_agents (registered in the range)", n}), nil
}

// ReplayRange replays blocks [from, to] of spec's chain through the engine itself (the fetcher,
// decoder and payment resolution that indexing uses, with metrics when spec has them): see
// indexer.Indexer.Replay, whose ErrChainChanged stops it where the chain reorganised. finalized
// is the stored finalized block.
func ReplayRange(ctx context.Context, spec ChainSpec, client *chain.Client, db *sink.Postgres, from, to, finalized uint64,
	log *zap.Logger, progress func(block uint64)) (indexer.ReplayStats, error) {
	return NewIndexer(spec, client, db, log, nil).Replay(ctx, from, to, finalized, progress)
}
