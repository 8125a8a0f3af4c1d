package sink_test

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

var (
	usdc  = common.HexToAddress("0x0000000000000000000000000000000000005dc0")
	payer = common.HexToAddress("0x00000000000000000000000000000000000da7e5")
	dave  = common.HexToAddress("0x0000000000000000000000000000000000000da4")
)

// transfer builds an ERC-20 Transfer of the token at the builder's position.
func (b *logBuilder) transfer(from, to common.Address, amount int64) types.Log {
	l := types.Log{Address: usdc, Topics: []common.Hash{sink.TransferTopic, common.BytesToHash(from.Bytes()),
		common.BytesToHash(to.Bytes())}, Data: common.BigToHash(big.NewInt(amount)).Bytes(), BlockNumber: b.block,
		Index: b.index, BlockHash: blockHash(b.block), TxHash: crypto.Keccak256Hash([]byte{byte(b.block), byte(b.index)})}
	b.index++
	return l
}

// authorization builds the EIP-3009 AuthorizationUsed log of the transfer that follows it (same
// transaction).
func (b *logBuilder) authorization(from common.Address, nonce common.Hash) types.Log {
	l := types.Log{Address: usdc, Topics: []common.Hash{sink.AuthorizationUsedTopic, common.BytesToHash(from.Bytes()), nonce},
		BlockNumber: b.block, Index: b.index, BlockHash: blockHash(b.block),
		TxHash: crypto.Keccak256Hash([]byte{byte(b.block), byte(b.index + 1)})}
	b.index++
	return l
}

func withPayments(b *sink.Batch, owners bool, logs ...types.Log) *sink.Batch {
	for _, l := range logs {
		b.Payments = append(b.Payments, sink.Log{Raw: l, BlockTime: header(l.BlockNumber).Time})
	}
	b.PaymentOwners = owners
	return b
}

func storedPayments(t *testing.T, db *sink.Postgres) []string {
	rows, err := db.Pool().Query(context.Background(), `SELECT block_number || '/' || log_index || ' agent ' || agent_id
		|| ' ' || amount || CASE WHEN authorization_nonce IS NULL THEN '' ELSE ' 3009' END
		FROM erc8004_agent_payments ORDER BY block_number, log_index, agent_id`)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestPostgres_Payments follows the rule of docs/payments.md through wallet changes, a shared
// wallet, the owner flag and a rollback: a transfer pays the agents whose wallet (or, with
// owners, owner) is the recipient at the transfer's (block, log index).
func TestPostgres_Payments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, owners := range []bool{false, true} {
		t.Run(fmt.Sprintf("owners=%v", owners), func(t *testing.T) {
			t.Parallel()
			db := sink.NewPostgres(testdb.New(t), zap.NewNop())
			lb := newLogBuilder(t)
			zero := common.Address{}
			a0, a1 := big.NewInt(0), big.NewInt(1)

			// Block 10: a transfer to alice before any agent exists; agent 0 registered by alice
			// (wallet alice); a transfer to alice in the same block after it (pays 0); agent 1
			// registered by alice too (wallet alice): the next transfer pays both.
			lb.block = 10
			early := lb.transfer(payer, alice, 1)
			reg0 := []types.Log{lb.log(identity, "Transfer", zero, alice, a0), lb.log(identity, "Registered", a0, "u", alice),
				lb.log(identity, "MetadataSet", a0, "agentWallet", "agentWallet", alice.Bytes())}
			paid0 := lb.transfer(payer, alice, 2)
			reg1 := []types.Log{lb.log(identity, "Transfer", zero, alice, a1), lb.log(identity, "Registered", a1, "u", alice),
				lb.log(identity, "MetadataSet", a1, "agentWallet", "agentWallet", alice.Bytes())}
			auth := lb.authorization(payer, common.HexToHash("0x3009"))
			paidBoth := lb.transfer(payer, alice, 3)
			b1 := withPayments(batch(t, 10, 10, append(reg0, reg1...)...), owners, early, paid0, auth, paidBoth)
			_, err := db.Replace(ctx, b1)
			require.NoError(t, err)

			// Block 11: agent 0's wallet becomes bob (setAgentWallet); a transfer to alice now
			// pays agent 1 only (and agent 0 with owners: alice still owns it), one to bob pays 0.
			// Agent 1 is transferred to carol (wallet cleared): a later transfer to alice pays
			// nobody but agent 0 as owner, one to carol pays 1 only as owner.
			lb.block, lb.index = 11, 0
			set := lb.log(identity, "MetadataSet", a0, "agentWallet", "agentWallet", bob.Bytes())
			toAlice := lb.transfer(payer, alice, 4)
			toBob := lb.transfer(payer, bob, 5)
			clear1 := lb.log(identity, "MetadataSet", a1, "agentWallet", "agentWallet", []byte{})
			move1 := lb.log(identity, "Transfer", alice, carol, a1)
			toAlice2 := lb.transfer(payer, alice, 6)
			toCarol := lb.transfer(payer, carol, 7)
			toDave := lb.transfer(payer, dave, 8)
			b2 := withPayments(batch(t, 11, 11, set, clear1, move1), owners, toAlice, toBob, toAlice2, toCarol, toDave)
			b2.Expect = b1.Cursor
			_, err = db.Replace(ctx, b2)
			require.NoError(t, err)

			want := []string{
				"10/4 agent 0 2",
				"10/9 agent 0 3 3009", "10/9 agent 1 3 3009",
				"11/1 agent 1 4",
				"11/2 agent 0 5",
			}
			if owners {
				want = []string{
					"10/4 agent 0 2",
					"10/9 agent 0 3 3009", "10/9 agent 1 3 3009",
					"11/1 agent 0 4", "11/1 agent 1 4",
					"11/2 agent 0 5",
					"11/5 agent 0 6",
					"11/6 agent 1 7",
				}
			}
			require.Equal(t, want, storedPayments(t, db))
			if !owners {
				requirePaymentViews(t, db)
			}

			// A replay of block 11 (the full path) resolves the same payments.
			replay := withPayments(batch(t, 11, 11, set, clear1, move1), owners, toAlice, toBob, toAlice2, toCarol, toDave)
			replay.Cursor = nil
			_, err = db.Replace(ctx, replay)
			require.NoError(t, err)
			require.Equal(t, want, storedPayments(t, db))

			// Block 12 holds only a payment to agent 0's wallet bob: the batch reports agent 0 as
			// changed (its published figures are), and so does the rollback that removes it.
			lb.block, lb.index = 12, 0
			b3 := withPayments(batch(t, 12, 12), owners, lb.transfer(payer, bob, 9))
			b3.Expect = b2.Cursor
			st, err := db.Replace(ctx, b3)
			require.NoError(t, err)
			require.Equal(t, []string{"0"}, st.Agents)
			st, err = db.Replace(ctx, &sink.Batch{ChainID: chainID, From: 12, To: sink.MaxBlock, Cursor: b2.Cursor})
			require.NoError(t, err)
			require.Equal(t, []string{"0"}, st.Agents)

			// A reorg back to block 10 removes block 11's payments with its events.
			_, err = db.Replace(ctx, &sink.Batch{ChainID: chainID, From: 11, To: sink.MaxBlock, Cursor: b1.Cursor})
			require.NoError(t, err)
			require.Equal(t, want[:3], storedPayments(t, db))
		})
	}
}

// requirePaymentViews checks the payment figures of TestPostgres_Payments (without owners) in
// v_erc8004_agent_stats and v_erc8004_payment_totals: agent 0 was paid 2+3+5, agent 1 3+4, and
// the transfer of 3 paid both (one log, counted once in the chain's totals).
func requirePaymentViews(t *testing.T, db *sink.Postgres) {
	ctx := context.Background()
	require.NoError(t, db.StorePaymentTokens(ctx, chainID, []sink.PaymentToken{{Address: usdc, Symbol: "USDC", Decimals: 6}}))
	rows, err := db.Pool().Query(ctx, `SELECT agent_id || ' ' || feedback_count || ' ' || payment_count || ' ' || payers || ' '
		|| payments_by_token::text || ' ' || coalesce(last_payment_block::text, '-')
		FROM v_erc8004_agent_stats WHERE chain_id = $1 ORDER BY agent_id`, int64(chainID))
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		got = append(got, s)
	}
	require.NoError(t, rows.Err())
	tok := `"` + strings.ToLower(usdc.Hex()) + `"`
	require.Equal(t, []string{
		`0 0 3 1 {` + tok + `: {"raw": "10", "count": 3, "amount": "0.000010", "symbol": "USDC", "decimals": 6}} 11`,
		`1 0 2 1 {` + tok + `: {"raw": "7", "count": 2, "amount": "0.000007", "symbol": "USDC", "decimals": 6}} 11`,
	}, got)
	var totals string
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT transfers || ' ' || agents || ' ' || payers || ' ' || amount_raw || ' ' || amount
		FROM v_erc8004_payment_totals WHERE chain_id = $1`, int64(chainID)).Scan(&totals))
	require.Equal(t, "4 2 1 14 0.000014", totals)
}
