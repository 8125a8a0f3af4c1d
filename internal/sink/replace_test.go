package sink_test

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
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

const chainID = 31337

var (
	identity   = common.HexToAddress("0x8004a169fb4a3325136eb29fa0ceb6d2e539a432")
	reputation = common.HexToAddress("0x8004baa17c55a88189ae136b182e5fda19de9b63")
	alice      = common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	bob        = common.HexToAddress("0x0000000000000000000000000000000000000b0b")
	carol      = common.HexToAddress("0x00000000000000000000000000000000000ca201")
)

// logBuilder encodes registry logs with go-ethereum's ABI packer, independently of the decoder.
type logBuilder struct {
	t     *testing.T
	abis  map[common.Address]gethabi.ABI
	block uint64
	index uint
}

func newLogBuilder(t *testing.T) *logBuilder {
	parse := func(s string) gethabi.ABI {
		a, err := gethabi.JSON(strings.NewReader(s))
		require.NoError(t, err)
		return a
	}
	return &logBuilder{t: t, abis: map[common.Address]gethabi.ABI{
		identity:   parse(contracts.IdentityRegistryABI()),
		reputation: parse(contracts.ReputationRegistryABI()),
	}}
}

// log builds event name of the registry at addr; args are in ABI order, indexed ones included.
func (b *logBuilder) log(addr common.Address, name string, args ...any) types.Log {
	ev := b.abis[addr].Events[name]
	topics := []common.Hash{ev.ID}
	var data []any
	for i, in := range ev.Inputs {
		if !in.Indexed {
			data = append(data, args[i])
			continue
		}
		switch v := args[i].(type) {
		case common.Address:
			topics = append(topics, common.BytesToHash(v.Bytes()))
		case *big.Int:
			topics = append(topics, common.BigToHash(v))
		case uint64:
			topics = append(topics, common.BigToHash(new(big.Int).SetUint64(v)))
		case string:
			topics = append(topics, crypto.Keccak256Hash([]byte(v)))
		default:
			b.t.Fatalf("unsupported indexed arg %T", v)
		}
	}
	packed, err := ev.Inputs.NonIndexed().Pack(data...)
	require.NoError(b.t, err)
	l := types.Log{Address: addr, Topics: topics, Data: packed, BlockNumber: b.block, Index: b.index,
		BlockHash: blockHash(b.block), TxHash: crypto.Keccak256Hash([]byte{byte(b.block), byte(b.index)})}
	b.index++
	return l
}

func blockHash(n uint64) common.Hash {
	return crypto.Keccak256Hash([]byte("block"), big.NewInt(int64(n)).Bytes())
}

func header(n uint64) sink.Block {
	return sink.Block{Number: n, Hash: blockHash(n), ParentHash: blockHash(n - 1), Time: 1_700_000_000 + n}
}

// batch decodes logs into a Batch covering [from, to] that moves the cursor to to.
func batch(t *testing.T, from, to uint64, logs ...types.Log) *sink.Batch {
	b := &sink.Batch{ChainID: chainID, From: from, To: to}
	for _, l := range logs {
		ev, err := erc8004.Decode(&l)
		require.NoError(t, err)
		reg := erc8004.RegistryIdentity
		if l.Address == reputation {
			reg = erc8004.RegistryReputation
		}
		b.Logs = append(b.Logs, sink.Log{Raw: l, Registry: reg, Event: ev, BlockTime: header(l.BlockNumber).Time})
	}
	for n := from; n <= to; n++ {
		b.Blocks = append(b.Blocks, header(n))
	}
	cur := header(to)
	b.Cursor = &cur
	return b
}

type agentRow struct {
	Owner, URI, Wallet, Approved string
	Updated                      int64
}

func readAgent(t *testing.T, db *sink.Postgres, id int64) (agentRow, bool) {
	var r agentRow
	err := db.Pool().QueryRow(context.Background(), `SELECT owner, agent_uri, coalesce(agent_wallet, ''),
		coalesce(approved, ''), updated_block FROM erc8004_agents WHERE chain_id = $1 AND agent_id = $2`, chainID, id).
		Scan(&r.Owner, &r.URI, &r.Wallet, &r.Approved, &r.Updated)
	if err != nil {
		return r, false
	}
	return r, true
}

func lower(a common.Address) string { return strings.ToLower(a.Hex()) }

// TestPostgres_Replace walks one agent through registration, wallet, approval, transfer and
// feedback across three batches, then replays and rolls back, checking the derived rows follow
// the contracts' rules at every step.
func TestPostgres_Replace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	lb := newLogBuilder(t)
	id := big.NewInt(0)
	zero := common.Address{}

	// Block 10: register (Transfer, MetadataUpdate, Registered, MetadataSet agentWallet), approve bob.
	lb.block = 10
	b1 := batch(t, 10, 10,
		lb.log(identity, "Transfer", zero, alice, id),
		lb.log(identity, "MetadataUpdate", id),
		lb.log(identity, "Registered", id, "ipfs://first", alice),
		lb.log(identity, "MetadataSet", id, "agentWallet", "agentWallet", alice.Bytes()),
		lb.log(identity, "Approval", alice, bob, id),
	)
	_, err := db.Replace(ctx, b1)
	require.NoError(t, err)
	row, ok := readAgent(t, db, 0)
	require.True(t, ok)
	require.Equal(t, agentRow{Owner: lower(alice), URI: "ipfs://first", Wallet: lower(alice), Approved: lower(bob), Updated: 10}, row)

	// Block 11: feedback by carol; block 12: URI update, then transfer to carol (wallet cleared
	// first, approval cleared without an event), and carol's feedback revoked.
	lb.block, lb.index = 11, 0
	fb := lb.log(reputation, "NewFeedback", id, carol, uint64(1), big.NewInt(-9977), uint8(2), "uptime", "uptime", "", "", "", [32]byte{})
	lb.block, lb.index = 12, 0
	b2 := batch(t, 11, 12, fb,
		lb.log(identity, "URIUpdated", id, "https://second", alice),
		lb.log(identity, "MetadataSet", id, "agentWallet", "agentWallet", []byte{}),
		lb.log(identity, "Transfer", alice, carol, id),
		lb.log(reputation, "FeedbackRevoked", id, carol, uint64(1)),
	)
	b2.Expect = b1.Cursor
	before := testdb.Snapshot(t, pool)
	st, err := db.Replace(ctx, b2)
	require.NoError(t, err)
	require.Equal(t, []string{"0"}, st.Agents)
	row, _ = readAgent(t, db, 0)
	require.Equal(t, agentRow{Owner: lower(carol), URI: "https://second", Updated: 12}, row)
	var revoked bool
	var revokedBlock int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT is_revoked, revoked_block FROM erc8004_reputation WHERE agent_id = 0`).Scan(&revoked, &revokedBlock))
	require.True(t, revoked)
	require.EqualValues(t, 12, revokedBlock)
	after := testdb.Snapshot(t, pool)

	t.Run("ReplayIsIdempotent", func(t *testing.T) {
		replay := batch(t, 11, 12, b2.Logs[0].Raw, b2.Logs[1].Raw, b2.Logs[2].Raw, b2.Logs[3].Raw, b2.Logs[4].Raw)
		replay.Cursor = nil // a replay below the cursor leaves it
		_, err := db.Replace(ctx, replay)
		require.NoError(t, err)
		require.Equal(t, after, testdb.Snapshot(t, pool))
	})

	t.Run("StaleExpectIsRefused", func(t *testing.T) {
		stale := batch(t, 13, 13)
		stale.Expect = b1.Cursor
		_, err := db.Replace(ctx, stale)
		require.ErrorIs(t, err, sink.ErrCursorMoved)
		require.Equal(t, after, testdb.Snapshot(t, pool))
	})

	t.Run("RollbackRestoresThePreviousState", func(t *testing.T) {
		fork := header(10)
		st, err := db.Replace(ctx, &sink.Batch{ChainID: chainID, From: 11, To: sink.MaxBlock, Cursor: &fork, Expect: b2.Cursor})
		require.NoError(t, err)
		require.Positive(t, st.Deleted)
		require.Equal(t, before, testdb.Snapshot(t, pool))
		row, _ := readAgent(t, db, 0)
		require.Equal(t, lower(alice), row.Owner)
		require.Equal(t, lower(bob), row.Approved, "the approval is back once the transfer is gone")
	})

	t.Run("RollbackBelowTheRegistrationDeletesTheAgent", func(t *testing.T) {
		fork := header(9)
		_, err := db.Replace(ctx, &sink.Batch{ChainID: chainID, From: 10, To: sink.MaxBlock, Cursor: &fork})
		require.NoError(t, err)
		_, ok := readAgent(t, db, 0)
		require.False(t, ok)
		snap := testdb.Snapshot(t, pool)
		for table, rows := range snap {
			if table != "erc8004_cursors" {
				require.Empty(t, rows, table)
			}
		}
	})
}

// TestPostgres_ReplaceRejectsBadBatches checks the batch invariants Replace relies on.
func TestPostgres_ReplaceRejectsBadBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sink.NewPostgres(testdb.New(t), zap.NewNop())
	lb := newLogBuilder(t)
	lb.block = 5
	l1 := lb.log(identity, "MetadataUpdate", big.NewInt(1))
	l2 := lb.log(identity, "MetadataUpdate", big.NewInt(2))

	for name, b := range map[string]*sink.Batch{
		"EmptyRange":     {ChainID: chainID, From: 6, To: 5},
		"LogOutOfRange":  batch(t, 6, 7, l1),
		"LogsOutOfOrder": batch(t, 5, 5, l2, l1),
	} {
		_, err := db.Replace(ctx, b)
		require.Error(t, err, name)
	}
	_, err := db.Cursor(ctx, chainID)
	require.ErrorIs(t, err, sink.ErrNotFound)
}

// v1FeedbackABI is the Oct 2025 (v1.0) NewFeedback, which carries no feedback index.
const v1FeedbackABI = `[{"type":"event","name":"NewFeedback","inputs":[
 {"name":"agentId","type":"uint256","indexed":true},{"name":"clientAddress","type":"address","indexed":true},
 {"name":"score","type":"uint8","indexed":false},{"name":"tag1","type":"bytes32","indexed":true},
 {"name":"tag2","type":"bytes32","indexed":false},{"name":"feedbackUri","type":"string","indexed":false},
 {"name":"feedbackHash","type":"bytes32","indexed":false}]}]`

// TestPostgres_DerivedFeedbackIndexes feeds v1.0 feedback (no index in the event): the projection
// numbers them 1, 2, ... per (agent, client), a revocation names the derived index, and a rollback
// and replay renumber nothing else.
func TestPostgres_DerivedFeedbackIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	v1, err := gethabi.JSON(strings.NewReader(v1FeedbackABI))
	require.NoError(t, err)
	lb := newLogBuilder(t)
	v1Feedback := func(block uint64, index uint, client common.Address, score uint8) types.Log {
		ev := v1.Events["NewFeedback"]
		data, err := ev.Inputs.NonIndexed().Pack(score, [32]byte{'x'}, "ipfs://f", [32]byte{})
		require.NoError(t, err)
		return types.Log{Address: reputation, BlockNumber: block, Index: index, BlockHash: blockHash(block),
			TxHash: crypto.Keccak256Hash([]byte{byte(block), byte(index)}), Data: data,
			Topics: []common.Hash{ev.ID, common.BigToHash(big.NewInt(7)), common.BytesToHash(client.Bytes()), {'t'}}}
	}
	indexes := func() map[string]string {
		rows, err := pool.Query(ctx, `SELECT client_address || ':' || value, feedback_index::text || ':' || is_revoked::text
			FROM erc8004_reputation ORDER BY block_number, log_index`)
		require.NoError(t, err)
		out := map[string]string{}
		for rows.Next() {
			var k, v string
			require.NoError(t, rows.Scan(&k, &v))
			out[k] = v
		}
		require.NoError(t, rows.Err())
		return out
	}

	_, err = db.Replace(ctx, batch(t, 20, 20, v1Feedback(20, 0, alice, 10), v1Feedback(20, 1, bob, 20), v1Feedback(20, 2, alice, 30)))
	require.NoError(t, err)
	lb.block, lb.index = 21, 1
	_, err = db.Replace(ctx, batch(t, 21, 21, v1Feedback(21, 0, alice, 40), lb.log(reputation, "FeedbackRevoked", big.NewInt(7), alice, uint64(2))))
	require.NoError(t, err)
	want := map[string]string{
		lower(alice) + ":10": "1:false", lower(bob) + ":20": "1:false",
		lower(alice) + ":30": "2:true", lower(alice) + ":40": "3:false",
	}
	require.Equal(t, want, indexes())

	fork := header(20)
	_, err = db.Replace(ctx, &sink.Batch{ChainID: chainID, From: 21, To: sink.MaxBlock, Cursor: &fork})
	require.NoError(t, err)
	require.Equal(t, map[string]string{lower(alice) + ":10": "1:false", lower(bob) + ":20": "1:false",
		lower(alice) + ":30": "2:false"}, indexes())
}
