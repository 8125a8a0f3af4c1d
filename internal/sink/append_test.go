package sink_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// synthBatches cuts a synthetic chain's blocks [1, head] into batches of span blocks, each with
// its first and last header and the headers of its blocks with logs, moving the cursor.
func synthBatches(t *testing.T, c *synthchain.Chain, span uint64) []*sink.Batch {
	t.Helper()
	regs := synthchain.DefaultRegistries
	kinds := map[common.Address]erc8004.Registry{regs.Identity: erc8004.RegistryIdentity,
		regs.Reputation: erc8004.RegistryReputation, regs.Validation: erc8004.RegistryValidation}
	var out []*sink.Batch
	for from := uint64(1); from <= c.Head(); from += span {
		to := min(from+span-1, c.Head())
		b := &sink.Batch{ChainID: chainID, From: from, To: to}
		blocks := map[uint64]bool{from: true, to: true}
		for _, l := range c.Logs(from, to) {
			ev, err := erc8004.Decode(&l)
			require.NoError(t, err)
			b.Logs = append(b.Logs, sink.Log{Raw: l, Registry: kinds[l.Address], Event: ev, BlockTime: l.BlockTimestamp})
			blocks[l.BlockNumber] = true
		}
		for n := from; n <= to; n++ {
			if blocks[n] {
				h := c.Header(n)
				b.Blocks = append(b.Blocks, sink.Block{Number: n, Hash: h.Hash(), ParentHash: h.ParentHash, Time: h.Time})
			}
		}
		cur := b.Blocks[len(b.Blocks)-1]
		b.Cursor = &cur
		out = append(out, b)
	}
	return out
}

// TestPostgres_AppendEqualsFullRecompute indexes 700 rounds of synthetic traffic (popular
// agents with thousands of feedbacks, revocations, responses, transfers, approvals, operators,
// metadata, validation requests and responses) three ways and requires equal tables:
//   - forward: every batch takes the append path;
//   - replayed: every batch is applied twice, the second time through the full path (delete
//     the range, recompute every touched key from the stored events);
//   - rolled back: forward, then everything above a middle block rolled back (full path) and
//     indexed again (append path).
func TestPostgres_AppendEqualsFullRecompute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, err := synthchain.New(synthchain.Config{Blocks: 700 * 24 / 8, EventsPerBlock: 8, EventEvery: 1, Seed: 5})
	require.NoError(t, err)
	batches := synthBatches(t, c, 150)

	apply := func(pool *pgxpool.Pool, bs []*sink.Batch, twice bool) {
		db := sink.NewPostgres(pool, zap.NewNop())
		for _, b := range bs {
			_, err := db.Replace(ctx, b)
			require.NoError(t, err)
			if twice {
				st, err := db.Replace(ctx, b)
				require.NoError(t, err)
				require.Positive(t, st.Deleted, "the replay takes the full path")
			}
		}
	}
	forward := testdb.New(t)
	apply(forward, batches, false)
	replayed := testdb.New(t)
	apply(replayed, batches, true)
	testdb.RequireSameTables(t, forward, replayed)

	rolled := testdb.New(t)
	apply(rolled, batches, false)
	fork := *batches[len(batches)/2-1].Cursor
	db := sink.NewPostgres(rolled, zap.NewNop())
	st, err := db.Replace(ctx, &sink.Batch{ChainID: chainID, From: fork.Number + 1, To: sink.MaxBlock, Cursor: &fork})
	require.NoError(t, err)
	require.Positive(t, st.Deleted)
	apply(rolled, batches[len(batches)/2:], false)
	testdb.RequireSameTables(t, forward, rolled)

	var revoked, agents int
	require.NoError(t, forward.QueryRow(ctx, `SELECT count(*) FILTER (WHERE is_revoked) FROM erc8004_reputation`).Scan(&revoked))
	require.NoError(t, forward.QueryRow(ctx, `SELECT count(*) FROM erc8004_agents`).Scan(&agents))
	require.Positive(t, revoked)
	require.Greater(t, agents, 650)
}

// TestPostgres_AppendEventsBeforeRegistration stores identity events of an agent before its
// registration (which no registry emits): the append path must then give what the full
// recompute gives.
func TestPostgres_AppendEventsBeforeRegistration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lb := newLogBuilder(t)
	id := big.NewInt(42)
	zero := common.Address{}
	lb.block = 30
	early := []types.Log{
		lb.log(identity, "URIUpdated", id, "ipfs://before", alice),
		lb.log(identity, "MetadataSet", id, "agentWallet", "agentWallet", bob.Bytes()),
		lb.log(identity, "Approval", alice, carol, id),
	}
	lb.block, lb.index = 31, 0
	reg := []types.Log{
		lb.log(identity, "Registered", id, "", alice), // a Registered without its mint
		lb.log(identity, "MetadataUpdate", id),
	}
	lb.block, lb.index = 32, 0
	mint := []types.Log{lb.log(identity, "Transfer", zero, bob, big.NewInt(43))}

	run := func(replay bool) map[string][]string {
		pool := testdb.New(t)
		db := sink.NewPostgres(pool, zap.NewNop())
		for _, b := range []*sink.Batch{batch(t, 30, 30, early...), batch(t, 31, 31, reg...), batch(t, 32, 32, mint...)} {
			_, err := db.Replace(ctx, b)
			require.NoError(t, err)
			if replay {
				_, err := db.Replace(ctx, b)
				require.NoError(t, err)
			}
		}
		return testdb.Snapshot(t, pool)
	}
	appended, recomputed := run(false), run(true)
	require.Equal(t, recomputed, appended)
	require.Len(t, appended["erc8004_agents"], 2)
	require.Contains(t, appended["erc8004_agents"][0], lower(carol), "the full recompute keeps the approval given before registration")
	require.Contains(t, appended["erc8004_agents"][0], lower(bob), "and the wallet set before registration")
}

// TestPostgres_AggregatesAfterRandomRewinds indexes synthetic traffic forward and, at random
// points, rolls back to a random earlier block (Replace's full path) and indexes again (the
// append path): after every step the reputation aggregates must equal their recomputation from
// the stored rows.
func TestPostgres_AggregatesAfterRandomRewinds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, err := synthchain.New(synthchain.Config{Blocks: 300 * 24 / 8, EventsPerBlock: 8, EventEvery: 1, Seed: 11})
	require.NoError(t, err)
	batches := synthBatches(t, c, 60)
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	rng := rand.New(rand.NewPCG(11, 15))
	check := func(when string) {
		diffs, err := sink.CheckAggregates(ctx, pool, chainID)
		require.NoError(t, err)
		require.Empty(t, diffs, when)
	}
	rewinds := 0
	for i := 0; i < len(batches); i++ {
		_, err := db.Replace(ctx, batches[i])
		require.NoError(t, err)
		if i > 2 && rng.IntN(4) == 0 {
			back := rng.IntN(min(i, 5)) + 1 // batches to undo
			keep := *batches[i-back].Cursor
			_, err := db.RollBack(ctx, chainID, keep.Number+1, &keep, nil, 0)
			require.NoError(t, err)
			check(fmt.Sprintf("after the rewind to block %d", keep.Number))
			i -= back
			rewinds++
		}
	}
	check("at the end")
	require.Greater(t, rewinds, 5)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_agent_aggregates WHERE revoked_count > 0 AND validation_count > 0`).Scan(&n))
	require.Positive(t, n, "the traffic revokes feedback and requests validations")

	// Rollup totals equal the raw counts.
	for _, table := range []string{"erc8004_stats_hourly", "erc8004_stats_daily"} {
		var given, givenTotal, revoked, requests, responses, feedback, revokedRows, requestRows, responseRows int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT sum(feedback_given), max(feedback_given_total), sum(feedback_revoked),
			sum(validation_requests), sum(responses) FROM `+table+` WHERE agent_id IS NULL`).Scan(&given, &givenTotal, &revoked, &requests, &responses))
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM erc8004_reputation), (SELECT count(*) FILTER (WHERE is_revoked) FROM erc8004_reputation),
			(SELECT count(*) FROM erc8004_validations), (SELECT count(*) FROM erc8004_feedback_responses)`).Scan(&feedback, &revokedRows, &requestRows, &responseRows))
		require.Positive(t, feedback)
		require.Equal(t, []int64{feedback, feedback, revokedRows, requestRows, responseRows}, []int64{given, givenTotal, revoked, requests, responses}, table)
	}

	// The check sees a wrong input of getSummary.
	_, err = pool.Exec(ctx, `UPDATE erc8004_agent_feedback_decimals SET value_sum = value_sum + 1
		WHERE (agent_id, value_decimals) = (SELECT agent_id, value_decimals FROM erc8004_agent_feedback_decimals LIMIT 1)`)
	require.NoError(t, err)
	diffs, err := sink.CheckAggregates(ctx, pool, chainID)
	require.NoError(t, err)
	require.Len(t, diffs, 2, "the stored row and its recomputation")
}
