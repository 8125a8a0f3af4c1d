package abi_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// account is a funded test EOA.
type account struct {
	key  *ecdsa.PrivateKey
	addr common.Address
	auth *bind.TransactOpts
}

// chain is one simulated chain with a fresh ERC-8004 deployment, private to one test.
type chain struct {
	t        *testing.T
	ctx      context.Context
	sim      *simulated.Backend
	client   simulated.Client
	chainID  *big.Int
	deployer account
	accounts []account
	regs     contracts.Deployments

	identity   *contracts.IdentityRegistry
	reputation *contracts.ReputationRegistry
	validation *contracts.ValidationRegistry
	idC        *bind.BoundContract
	repC       *bind.BoundContract
	valC       *bind.BoundContract
}

// newChain starts a simulated backend with n funded accounts (plus the deployer) and deploys the
// three registries behind ERC1967 proxies.
func newChain(t *testing.T, n int) *chain {
	t.Helper()
	ctx := context.Background()
	keys := make([]*ecdsa.PrivateKey, n+1)
	alloc := types.GenesisAlloc{}
	for i := range keys {
		k, err := crypto.GenerateKey()
		require.NoError(t, err)
		keys[i] = k
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 100)}
	}
	sim := simulated.NewBackend(alloc)
	t.Cleanup(func() { _ = sim.Close() })
	client := sim.Client()
	chainID, err := client.ChainID(ctx)
	require.NoError(t, err)

	mk := func(k *ecdsa.PrivateKey) account {
		return account{key: k, addr: crypto.PubkeyToAddress(k.PublicKey), auth: bind.NewKeyedTransactor(k, chainID)}
	}
	c := &chain{t: t, ctx: ctx, sim: sim, client: client, chainID: chainID, deployer: mk(keys[0])}
	for _, k := range keys[1:] {
		c.accounts = append(c.accounts, mk(k))
	}

	c.regs, err = contracts.DeployRegistries(ctx, c.deployer.auth, client, c.mine)
	require.NoError(t, err)
	c.identity = contracts.NewIdentityRegistry()
	c.reputation = contracts.NewReputationRegistry()
	c.validation = contracts.NewValidationRegistry()
	c.idC = c.identity.Instance(client, c.regs.Identity.Proxy)
	c.repC = c.reputation.Instance(client, c.regs.Reputation.Proxy)
	c.valC = c.validation.Instance(client, c.regs.Validation.Proxy)
	return c
}

// mine is the contracts.MineFunc of the simulated backend: seal a block, return the receipt.
func (c *chain) mine(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	c.sim.Commit()
	return c.client.TransactionReceipt(ctx, tx.Hash())
}

// send mines one transaction from a to `to` and requires it to succeed.
func (c *chain) send(a account, to common.Address, data []byte) *types.Receipt {
	c.t.Helper()
	// eth_estimateGas runs on the latest block, whose timestamp may equal a value the transaction
	// stores (e.g. validationResponse's lastUpdate right after validationRequest): the estimate
	// then prices a no-op SSTORE and falls a few thousand gas short. Add headroom.
	gas, err := c.client.EstimateGas(c.ctx, ethereum.CallMsg{From: a.addr, To: &to, Data: data})
	require.NoError(c.t, err)
	opts := *a.auth
	opts.GasLimit = gas + gas/4 + 20_000
	bc := bind.NewBoundContract(to, c.identity.GetABI(), c.client, c.client, c.client)
	tx, err := bc.RawTransact(&opts, data)
	require.NoError(c.t, err)
	rcpt, err := c.mine(c.ctx, tx)
	require.NoError(c.t, err)
	require.Equal(c.t, types.ReceiptStatusSuccessful, rcpt.Status)
	return rcpt
}

// revertReason runs data as an eth_call from a and returns the revert error; it fails the test
// if the call succeeds.
func (c *chain) revertErr(a account, to common.Address, data []byte) error {
	c.t.Helper()
	_, err := c.client.CallContract(c.ctx, ethereum.CallMsg{From: a.addr, To: &to, Data: data}, nil)
	require.Error(c.t, err, "call was expected to revert")
	return err
}

// requireRevert asserts that the call reverts with Error(string) reason.
func (c *chain) requireRevert(a account, to common.Address, data []byte, reason string) {
	c.t.Helper()
	err := c.revertErr(a, to, data)
	require.ErrorContains(c.t, err, "execution reverted: "+reason)
}

// requireCustomError asserts that the call reverts with the custom error whose selector is id.
func (c *chain) requireCustomError(a account, to common.Address, data []byte, id common.Hash) {
	c.t.Helper()
	err := c.revertErr(a, to, data)
	var de rpc.DataError
	require.True(c.t, errors.As(err, &de), "revert without data: %v", err)
	s, ok := de.ErrorData().(string)
	require.True(c.t, ok)
	raw, err := hexutil.Decode(s)
	require.NoError(c.t, err)
	require.GreaterOrEqual(c.t, len(raw), 4)
	require.Equal(c.t, id.Bytes()[:4], raw[:4])
}

// call runs a view through the binding's unpacker.
func call[T any](c *chain, bc *bind.BoundContract, data []byte, unpack func([]byte) (T, error)) T {
	c.t.Helper()
	v, err := bind.Call(bc, &bind.CallOpts{Context: c.ctx}, data, unpack)
	require.NoError(c.t, err)
	return v
}

// latestTime is the timestamp of the head block (the block.timestamp eth_call sees).
func (c *chain) latestTime() uint64 {
	c.t.Helper()
	h, err := c.client.HeaderByNumber(c.ctx, nil)
	require.NoError(c.t, err)
	return h.Time
}

// register mints an agent with URI from a and returns its id.
func (c *chain) register(a account, uri string) *big.Int {
	c.t.Helper()
	rcpt := c.send(a, c.regs.Identity.Proxy, c.identity.PackRegister1(uri))
	for _, l := range rcpt.Logs {
		if ev, err := c.identity.UnpackRegisteredEvent(l); err == nil {
			return ev.AgentId
		}
	}
	c.t.Fatal("no Registered log")
	return nil
}

func topic0s(logs []*types.Log) []common.Hash {
	out := make([]common.Hash, len(logs))
	for i, l := range logs {
		out[i] = l.Topics[0]
	}
	return out
}

// deployRaw deploys creation code from the deployer and mines it.
func deployRaw(c *chain, bin []byte) (common.Address, *types.Receipt, error) {
	addr, tx, err := bind.DeployContract(c.deployer.auth, bin, c.client, nil)
	if err != nil {
		return common.Address{}, nil, err
	}
	rcpt, err := c.mine(c.ctx, tx)
	return addr, rcpt, err
}

// requireBig compares a big.Int with an int64 by value (big.Int zero values differ internally).
func requireBig(t *testing.T, want int64, got *big.Int) {
	t.Helper()
	require.NotNil(t, got)
	require.Zero(t, big.NewInt(want).Cmp(got), "want %d, got %s", want, got)
}
