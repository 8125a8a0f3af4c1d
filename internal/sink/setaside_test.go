package sink_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestReplace_RepeatedValidationRequest: the registry refuses a request hash it has seen, so a
// repeated one (a registry that is not the official one, a faulty RPC) is kept raw in
// erc8004_events with the reason, the first request stays the one indexed, and the chain goes
// on: repeats in one batch, across batches (the append path, whose events are copied before the
// requests), and through a replay (the full path).
func TestReplace_RepeatedValidationRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	hash := crypto.Keccak256Hash([]byte("request"))
	other := common.HexToHash("0x1234")

	b7 := newHostileBuilder(t, 7)
	logs7 := []types.Log{
		b7.log(hValidation, "ValidationRequest", hOwner, big.NewInt(1), "first", hash),
		b7.log(hValidation, "ValidationRequest", hClient, big.NewInt(2), "repeat in the batch", hash),
		b7.log(hValidation, "ValidationResponse", hOwner, big.NewInt(1), hash, uint8(90), "", common.Hash{}, "t"),
	}
	batch7 := hostileBatch(7, logs7)
	_, err := db.Replace(ctx, batch7)
	require.NoError(t, err)
	require.ErrorIs(t, batch7.Logs[1].DecodeErr, sink.ErrSetAside)
	require.Nil(t, batch7.Logs[1].Event)

	b8 := newHostileBuilder(t, 8)
	logs8 := []types.Log{
		b8.log(hValidation, "ValidationRequest", hClient, big.NewInt(3), "repeat in a later batch", hash),
		b8.log(hValidation, "ValidationRequest", hOwner, big.NewInt(4), "another request", other),
	}
	batch8 := hostileBatch(8, logs8)
	batch8.Expect = batch7.Cursor
	_, err = db.Replace(ctx, batch8)
	require.NoError(t, err)

	check := func() {
		t.Helper()
		var agent, uri string
		var response, count int
		require.NoError(t, pool.QueryRow(ctx, `SELECT agent_id::text, request_uri, response, response_count
			FROM erc8004_validations WHERE chain_id = $1 AND request_hash = $2`, hostileChain, hash.Hex()).
			Scan(&agent, &uri, &response, &count))
		require.Equal(t, []any{"1", "first", 90, 1}, []any{agent, uri, response, count}, "the first request is kept")
		require.Equal(t, 2, countRows(t, pool, `SELECT count(*) FROM erc8004_validations WHERE chain_id = $1`))
		rows, err := pool.Query(ctx, `SELECT block_number, log_index, event, args IS NULL, coalesce(decode_error, '')
			FROM erc8004_events WHERE chain_id = $1 AND decode_error IS NOT NULL ORDER BY block_number, log_index`, hostileChain)
		require.NoError(t, err)
		type raw struct {
			block, index int64
			event        string
			noArgs       bool
			reason       string
		}
		var got []raw
		for rows.Next() {
			var r raw
			require.NoError(t, rows.Scan(&r.block, &r.index, &r.event, &r.noArgs, &r.reason))
			got = append(got, r)
		}
		require.NoError(t, rows.Err())
		require.Len(t, got, 2)
		for i, want := range [][2]int64{{7, 1}, {8, 0}} {
			require.Equal(t, want, [2]int64{got[i].block, got[i].index})
			require.Equal(t, "", got[i].event)
			require.True(t, got[i].noArgs)
			require.Contains(t, got[i].reason, "repeats the request of block 7 log 0")
		}
		require.Equal(t, 5, countRows(t, pool, `SELECT count(*) FROM erc8004_events WHERE chain_id = $1`), "every log is stored")
	}
	check()

	// A replay of block 8 takes the full path: the same outcome.
	replay := hostileBatch(8, logs8)
	replay.Cursor = nil
	_, err = db.Replace(ctx, replay)
	require.NoError(t, err)
	check()
}

func countRows(t *testing.T, pool *pgxpool.Pool, q string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), q, hostileChain).Scan(&n))
	return n
}
