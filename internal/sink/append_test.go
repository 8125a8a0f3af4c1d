package sink_test

import (
	"context"
	"math/big"
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
