package indexer_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	gethabi "github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

var reputationAddr = common.HexToAddress("0x8004baa17c55a88189ae136b182e5fda19de9b63")

// feedbackChain is a fakeChain whose reputation registry logs one NewFeedback per block, with
// the tags given by tags (block number -> tag1s of the block's feedback; one "ok" otherwise).
type feedbackChain struct {
	*fakeChain
	logs []types.Log
}

func newFeedbackChain(t *testing.T, length uint64, tags map[uint64][]string) *feedbackChain {
	a, err := gethabi.JSON(strings.NewReader(contracts.ReputationRegistryABI()))
	require.NoError(t, err)
	ev := a.Events["NewFeedback"]
	c := &feedbackChain{fakeChain: newFakeChain(length)}
	client := common.HexToAddress("0xc11e")
	index := uint64(0)
	for n := uint64(1); n < length; n++ {
		ts, ok := tags[n]
		if !ok {
			ts = []string{"ok"}
		}
		for i, tag := range ts {
			index++
			data, err := ev.Inputs.NonIndexed().Pack(index, big.NewInt(int64(n)), uint8(0), tag, "", "", "", [32]byte{})
			require.NoError(t, err)
			c.logs = append(c.logs, types.Log{Address: reputationAddr, BlockNumber: n, BlockHash: hash(0, n),
				Index: uint(i), TxHash: crypto.Keccak256Hash([]byte{byte(n), byte(i)}), Data: data,
				Topics: []common.Hash{ev.ID, common.BigToHash(big.NewInt(1)), common.BytesToHash(client.Bytes()),
					crypto.Keccak256Hash([]byte(tag))}})
		}
	}
	return c
}

func (c *feedbackChain) Fetch(_ context.Context, from, to uint64) ([]types.Log, error) {
	var out []types.Log
	for _, l := range c.logs {
		if l.BlockNumber >= from && l.BlockNumber <= to {
			out = append(out, l)
		}
	}
	return out, nil
}

// TestIndexer_PoisonedBatches: logs whose rows PostgreSQL refuses (a check violation, class 23,
// and a division by zero, class 22, raised by constraints added to the schema for the test) are
// narrowed down among the batch's logs, stored raw with the database's reason, and the chain
// reaches the head, on the backfill (staged) and the live path. A transient error sets nothing
// aside: the batch fails and is retried.
func TestIndexer_PoisonedBatches(t *testing.T) {
	t.Parallel()
	for name, finality := range map[string]uint64{"Backfill": 5, "Live": 1000} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool := testdb.New(t)
			_, err := pool.Exec(ctx, `ALTER TABLE erc8004_reputation ADD CONSTRAINT poison CHECK (tag1 <> 'poison');
				ALTER TABLE erc8004_reputation ADD CONSTRAINT divide CHECK (1 / (CASE WHEN tag1 = 'divide' THEN 0 ELSE 1 END) = 1);
				CREATE FUNCTION transient() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.tag1 = 'transient' THEN RAISE EXCEPTION 'try again' USING ERRCODE = '40001'; END IF; RETURN NEW; END $$;
				CREATE TRIGGER transient BEFORE INSERT ON erc8004_reputation FOR EACH ROW EXECUTE FUNCTION transient()`)
			require.NoError(t, err)
			fc := newFeedbackChain(t, 60, map[uint64][]string{
				7:  {"ok", "poison", "ok"},
				19: {"divide"},
				33: {"poison", "ok", "divide", "poison"},
				50: {"transient"},
			})
			db := sink.NewPostgres(pool, zap.NewNop())
			ix := indexer.New(indexer.Config{ChainID: 1, FinalityDepth: finality, LiveSpan: 9, BackfillSpan: 13,
				Registries: map[common.Address]erc8004.Registry{reputationAddr: erc8004.RegistryReputation}},
				fc, fc, db, zap.NewNop(), nil)

			var stepErr error
			for range 100 {
				progressed, err := ix.Step(ctx)
				if stepErr = err; err != nil || !progressed {
					break
				}
			}
			require.Error(t, stepErr, "a transient error is returned, to be retried")
			require.False(t, sink.IsDataError(stepErr), "%v", stepErr)
			cur, err := db.Cursor(ctx, 1)
			require.NoError(t, err)
			require.Less(t, cur.Number, uint64(50))

			_, err = pool.Exec(ctx, `DROP TRIGGER transient ON erc8004_reputation`)
			require.NoError(t, err)
			require.NoError(t, catchUp(t, ix))
			cur, err = db.Cursor(ctx, 1)
			require.NoError(t, err)
			require.Equal(t, uint64(59), cur.Number, "the chain reaches the head")

			rows, err := pool.Query(ctx, `SELECT block_number, log_index, decode_error FROM erc8004_events
				WHERE decode_error IS NOT NULL ORDER BY block_number, log_index`)
			require.NoError(t, err)
			var got [][2]int64
			for rows.Next() {
				var b, i int64
				var reason string
				require.NoError(t, rows.Scan(&b, &i, &reason))
				got = append(got, [2]int64{b, i})
				require.Contains(t, reason, "set aside: the database refused it: ")
				require.Contains(t, reason, "SQLSTATE 2")
			}
			require.NoError(t, rows.Err())
			require.Equal(t, [][2]int64{{7, 1}, {19, 0}, {33, 0}, {33, 2}, {33, 3}}, got)
			var events, feedback int
			require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM erc8004_events),
				(SELECT count(*) FROM erc8004_reputation)`).Scan(&events, &feedback))
			require.Equal(t, len(fc.logs), events, "every log is stored")
			require.Equal(t, len(fc.logs)-5, feedback, "every other feedback is indexed")
		})
	}
}
