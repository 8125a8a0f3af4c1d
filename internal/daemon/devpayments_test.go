package daemon_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// devTx is one transaction of a scripted dev chain block.
type devTx struct {
	from *devchain.Account
	to   common.Address
	data []byte
}

// mineBlock sends txs (mined in this order) and commits them in one block; each must succeed.
func mineBlock(ctx context.Context, t *testing.T, c *devchain.Chain, txs ...devTx) {
	t.Helper()
	client := c.Client()
	signer := types.LatestSignerForChainID(new(big.Int).SetUint64(c.ChainID()))
	var sent []*types.Transaction
	for i, x := range txs {
		nonce, err := client.PendingNonceAt(ctx, x.from.Address)
		require.NoError(t, err)
		tx, err := types.SignNewTx(x.from.Key, signer, &types.DynamicFeeTx{ChainID: signer.ChainID(), Nonce: nonce,
			GasTipCap: big.NewInt(int64(2e9) + int64(len(txs)-i)*1000), GasFeeCap: big.NewInt(20e9), Gas: 5_000_000,
			To: &x.to, Data: x.data})
		require.NoError(t, err)
		require.NoError(t, client.SendTransaction(ctx, tx))
		require.Eventually(t, func() bool {
			n, err := client.PendingNonceAt(ctx, x.from.Address)
			return err == nil && n > nonce
		}, 10*time.Second, time.Millisecond)
		sent = append(sent, tx)
	}
	hash := c.Commit()
	for _, tx := range sent {
		r, err := client.TransactionReceipt(ctx, tx.Hash())
		require.NoError(t, err)
		require.Equal(t, hash, r.BlockHash)
		require.Equal(t, types.ReceiptStatusSuccessful, r.Status)
	}
}

// devPaymentAmounts indexes c into pool (with a fresh indexer of backfillSpan) and returns the
// stored payments as amounts, in chain order.
func devPaymentAmounts(ctx context.Context, t *testing.T, c *devchain.Chain, pool *pgxpool.Pool, backfillSpan, finality uint64) []string {
	spec := daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: finality,
		BackfillSpan: backfillSpan, LiveSpan: 3, Registries: c.Registries(),
		PaymentTokens: []config.PaymentToken{{Symbol: "USDC", Address: c.PaymentToken(), Decimals: 6, DecimalsKnown: true}}}
	client, err := spec.Dial(ctx, zap.NewNop())
	require.NoError(t, err)
	defer client.Close()
	indexToHead(ctx, t, spec, client, sink.NewPostgres(pool, zap.NewNop()))
	rows, err := pool.Query(ctx, `SELECT amount::text FROM erc8004_agent_payments ORDER BY block_number, log_index`)
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

// TestPayments_DevChain scripts the rule of docs/payments.md on the dev chain's EVM and token:
// transfers before an agent exists or before an address is its wallet do not count; once the
// wallet is set they do, and after it changes the old wallet's transfers stop counting; a
// payment in a block that a reorg drops is removed. A second indexer with one-block backfill
// chunks (fetched ahead of the commits, so a wallet is set in a range the token scan of the next
// range has not seen committed) finds the same payments.
func TestPayments_DevChain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := devchain.New(ctx, devchain.Options{Seed: 31, HTTP: true, ForkDiscardTxs: true})
	require.NoError(t, err)
	defer c.Close()
	accts, payers := c.Accounts(), c.Payers()
	owner, wallet := &accts[0], &accts[1]
	token, identity := c.PaymentToken(), c.Registries().Identity
	tok, ids := contracts.NewPaymentToken(), contracts.NewIdentityRegistry()
	pay := func(from int, to common.Address, amount int64) devTx {
		return devTx{&payers[from], token, tok.PackTransfer(to, big.NewInt(amount))}
	}

	// Before agent 0 exists: to its future owner (wallet at registration) and future wallet.
	mineBlock(ctx, t, c, pay(0, owner.Address, 1), pay(1, wallet.Address, 2))
	// Registration makes the owner the wallet: the transfer after it in the block counts.
	mineBlock(ctx, t, c, devTx{owner, identity, ids.PackRegister1("ipfs://agent-0")}, pay(0, owner.Address, 3))
	// setAgentWallet moves the wallet: the new one is paid, the old one no longer.
	head, err := c.Client().HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	dl := new(big.Int).SetUint64(max(head.Time+1, uint64(time.Now().Unix())) + 120)
	sig, err := contracts.SignDigest(wallet.Key, contracts.AgentWalletSetDigest(new(big.Int).SetUint64(c.ChainID()), identity,
		big.NewInt(0), wallet.Address, owner.Address, dl))
	require.NoError(t, err)
	mineBlock(ctx, t, c, devTx{owner, identity, ids.PackSetAgentWallet(big.NewInt(0), wallet.Address, dl, sig)},
		pay(0, wallet.Address, 4), pay(1, owner.Address, 5))
	pool := testdb.New(t)
	require.Equal(t, []string{"3", "4"}, devPaymentAmounts(ctx, t, c, pool, 100, 64))

	// A payment in a block that a reorg then drops (its transaction is not mined again).
	mineBlock(ctx, t, c, pay(0, wallet.Address, 6))
	require.Equal(t, []string{"3", "4", "6"}, devPaymentAmounts(ctx, t, c, pool, 100, 64))
	require.NoError(t, c.Fork(1))
	require.Equal(t, []string{"3", "4"}, devPaymentAmounts(ctx, t, c, pool, 100, 64))
	mineBlock(ctx, t, c, pay(1, wallet.Address, 7))

	// Everything final, one block per backfill chunk.
	for range 3 {
		c.Commit()
	}
	require.Equal(t, []string{"3", "4", "7"}, devPaymentAmounts(ctx, t, c, testdb.New(t), 1, 2))
}
