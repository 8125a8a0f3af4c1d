package sink

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestCopyBinary_EqualsGenericCopy writes the same rows, with edge-case values, through the
// binary encoder and through pgx's generic CopyFrom into two schemas: the tables must be equal.
func TestCopyBinary_EqualsGenericCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	maxU256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	minI128 := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
	maxI128 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	reg := common.HexToAddress("0x8004b663056a597dffe9eccc1965a193b7388713")
	client := common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	var logs []Log
	add := func(block uint64, ev erc8004.Event, decodeErr error, topics ...common.Hash) {
		logs = append(logs, Log{
			Raw: types.Log{Address: reg, Topics: topics, Data: []byte{0, 1, 0xff}, BlockNumber: block,
				TxHash: common.BigToHash(big.NewInt(int64(block))), TxIndex: uint(block % 3), BlockHash: common.Hash{byte(block)},
				Index: uint(len(logs))},
			Registry: erc8004.RegistryReputation, Event: ev, DecodeErr: decodeErr, BlockTime: 1_700_000_000 + block,
		})
	}
	values := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(-1), big.NewInt(10000), big.NewInt(-99990000),
		big.NewInt(123456789), minI128, maxI128, new(big.Int).SetUint64(1<<63 + 7)}
	for i, v := range values {
		id := new(big.Int).Set(v).Abs(v)
		if i == len(values)-1 {
			id = maxU256
		}
		add(10, &erc8004.NewFeedback{AgentID: id, Client: client, FeedbackIndex: uint64(i + 1), HasIndex: i%2 == 0,
			Value: v, ValueDecimals: uint8(i), Tag1: "t\x00ag", Tag2: "\xff\xfe", Endpoint: "é", FeedbackURI: "<&>"},
			nil, common.Hash{1}, common.Hash{2})
	}
	add(11, &erc8004.ResponseAppended{AgentID: maxU256, Client: client, FeedbackIndex: 3, Responder: reg, ResponseURI: "r"}, nil, common.Hash{3})
	add(11, &erc8004.ValidationRequest{Validator: client, AgentID: big.NewInt(5), RequestURI: "u", RequestHash: common.Hash{9}}, nil)
	add(12, &erc8004.ValidationResponse{Validator: client, AgentID: big.NewInt(5), RequestHash: common.Hash{9}, Response: 100, Tag: "\"q\""}, nil, common.Hash{4})
	add(12, nil, erc8004.ErrUnknownEvent)
	add(13, nil, errors.New("bad \xff data\x00"), common.Hash{5}, common.Hash{6}, common.Hash{7}, common.Hash{8})
	b := &Batch{ChainID: 7, From: 10, To: 13, Logs: logs,
		Blocks: []Block{{Number: 10, Hash: common.Hash{10}, ParentHash: common.Hash{9}, Time: 0}, {Number: 13, Hash: common.Hash{13}, ParentHash: common.Hash{12}, Time: 1 << 40}}}

	write := func(binary bool) map[string][]string {
		pool := testdb.New(t)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			ok, err := copyTypesMatch(ctx, tx)
			require.NoError(t, err)
			require.True(t, ok, "the migrated schema has the encoder's column types")
			if _, err := copyRows(ctx, tx, b, binary, allTables); err != nil {
				return err
			}
			return storeBlocks(ctx, tx, b, binary)
		})
		require.NoError(t, err)
		return testdb.Snapshot(t, pool)
	}
	generic, bin := write(false), write(true)
	require.NotEmpty(t, generic["erc8004_reputation"])
	require.Equal(t, generic, bin)
}
