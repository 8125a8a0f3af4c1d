package devchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// Payments on the dev chain (docs/payments.md): the chain deploys a USDC-like token
// (contracts/src/test/PaymentToken.sol) and mints it to a few payer accounts; with
// GenOptions.Payments the generator adds token transfers to each block, as x402 settles: plain
// transfer, transferWithAuthorization sent by another account (a facilitator) and
// receiveWithAuthorization sent by the payee. Recipients are agents' owners (registration makes
// the owner the wallet, so most of these are payments until the wallet changes or the agent
// moves), other generator accounts (some of them wallets set later, or before) and the ERC-1271
// wallets (set as agent wallets by setAgentWallet): the indexer must tell payments apart by the
// wallet at each transfer's position, and forks drop or move them with their blocks.

// payerAccounts is the number of token holders.
const payerAccounts = 4

// payerBalance is what each payer is minted: 10^12 units (a million tokens of 6 decimals).
var payerBalance = big.NewInt(1_000_000_000_000)

var paymentTokenABI = contracts.NewPaymentToken()

// mintPayers mints payerBalance to every payer, all in one block. c.mu must be held.
func (c *Chain) mintPayers(ctx context.Context) error {
	nonce, err := c.client.PendingNonceAt(ctx, c.deployer.Address)
	if err != nil {
		return fmt.Errorf("read deployer nonce: %w", err)
	}
	var txs []*types.Transaction
	for _, p := range c.payers {
		tx, err := c.signTx(c.deployer, nonce, c.token, paymentTokenABI.PackMint(p.Address, payerBalance), 1)
		if err != nil {
			return err
		}
		if err := c.client.SendTransaction(ctx, tx); err != nil {
			return fmt.Errorf("mint to payer %s: %w", p.Address, err)
		}
		txs = append(txs, tx)
		nonce++
	}
	if err := c.waitPromoted(ctx, map[common.Address]uint64{c.deployer.Address: nonce}, txs); err != nil {
		return err
	}
	if _, err := c.commitLocked(); err != nil {
		return err
	}
	for _, tx := range txs {
		r, err := c.client.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			return fmt.Errorf("receipt of mint %s: %w", tx.Hash(), err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			return fmt.Errorf("mint %s reverted", tx.Hash())
		}
	}
	return nil
}

// signTx signs a call of to from a with the generator's fee settings; tipRank orders a block
// (higher first).
func (c *Chain) signTx(a Account, nonce uint64, to common.Address, data []byte, tipRank int) (*types.Transaction, error) {
	tx, err := types.SignNewTx(a.Key, c.signer, &types.DynamicFeeTx{
		ChainID:   c.chainID,
		Nonce:     nonce,
		GasTipCap: new(big.Int).Add(big.NewInt(2e9), big.NewInt(int64(tipRank)*1000)),
		GasFeeCap: big.NewInt(20e9),
		Gas:       gasFor(data),
		To:        &to,
		Data:      data,
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return tx, nil
}

// payment is one token transfer the generator sent.
type payment struct {
	tx   *types.Transaction
	kind string
}

// Payment kinds, the keys of GenStats.Payments.
const (
	payTransfer = "transfer"
	payTWA      = "transferWithAuthorization"
	payRWA      = "receiveWithAuthorization"
)

// sendPayments sends GenOptions.Payments token transfers (mined after the block's registry
// calls: lowest tips). c.mu must be held.
func (g *Generator) sendPayments(ctx context.Context, head *types.Header) ([]payment, error) {
	token := g.c.token
	var out []payment
	for range g.opts.Payments {
		payer := &g.payers[g.prng.IntN(len(g.payers))]
		to, holder := g.payee()
		amount := big.NewInt(1 + g.prng.Int64N(10_000_000))
		kind := []string{payTransfer, payTWA, payRWA}[g.prng.IntN(3)]
		if kind == payRWA && holder == nil {
			kind = payTWA
		}
		from, data := payer, paymentTokenABI.PackTransfer(to, amount)
		if kind != payTransfer {
			// The counter never goes back, so a nonce is never reused, even after a fork.
			g.payNonce++
			nonce := crypto.Keccak256Hash([]byte("devchain eip-3009 nonce"), new(big.Int).SetUint64(g.payNonce).Bytes())
			validAfter, validBefore := big.NewInt(0), deadline(head)
			validBefore.Add(validBefore, big.NewInt(86_400*365)) // forks re-inject transactions: no expiry in a run
			digest := contracts.AuthorizationDigest(g.c.chainID, token, kind == payRWA, payer.Address, to, amount,
				validAfter, validBefore, nonce)
			sig, err := contracts.SignDigest(payer.Key, digest)
			if err != nil {
				return out, err
			}
			if kind == payRWA {
				from = holder
				data = paymentTokenABI.PackReceiveWithAuthorization(payer.Address, to, amount, validAfter, validBefore, nonce, sig)
			} else {
				from = &g.payers[g.prng.IntN(len(g.payers))] // the facilitator
				data = paymentTokenABI.PackTransferWithAuthorization(payer.Address, to, amount, validAfter, validBefore, nonce, sig)
			}
		}
		tx, err := g.c.signTx(*from, g.nonces[from.Address], token, data, 0)
		if err != nil {
			return out, err
		}
		if err := g.c.client.SendTransaction(ctx, tx); err != nil {
			return out, fmt.Errorf("send %s: %w", kind, err)
		}
		g.nonces[from.Address]++
		out = append(out, payment{tx, kind})
	}
	return out, nil
}

// payee picks a recipient: an agent's owner (6 in 10), a generator account (3 in 10) or an
// ERC-1271 wallet; holder is the recipient's account when the generator holds its key.
func (g *Generator) payee() (common.Address, *Account) {
	switch r := g.prng.IntN(10); {
	case r < 6 && len(g.m.agents) > 0:
		a := g.m.agents[g.prng.IntN(len(g.m.agents))]
		return a.owner, g.keys[a.owner]
	case r < 9 || len(g.c.wallets) == 0:
		a := &g.accts[g.prng.IntN(len(g.accts))]
		return a.Address, a
	default:
		return g.c.wallets[g.prng.IntN(len(g.c.wallets))].Address, nil
	}
}

// checkPayments requires every payment mined in block with status 1 and counts it.
func (g *Generator) checkPayments(ctx context.Context, pays []payment, block common.Hash) error {
	var errs []error
	for _, p := range pays {
		r, err := g.c.client.TransactionReceipt(ctx, p.tx.Hash())
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("receipt of %s (%s): %w", p.kind, p.tx.Hash(), err))
		case r.BlockHash != block:
			errs = append(errs, fmt.Errorf("%s (%s) mined in %s, not in the committed block %s", p.kind, p.tx.Hash(), r.BlockHash, block))
		case r.Status != types.ReceiptStatusSuccessful:
			errs = append(errs, fmt.Errorf("%s (%s) reverted", p.kind, p.tx.Hash()))
		default:
			g.mu.Lock()
			g.stats.Payments[p.kind]++
			g.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}
