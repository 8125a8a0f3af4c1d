package abi

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// MineFunc returns the receipt of tx once it is mined. The deploy helpers call it after every
// transaction they send, because the proxy's constructor needs the implementation's code on
// chain (gas estimation runs against the latest block). With ethclient/simulated it commits a
// block and fetches the receipt; against a node it can wrap bind.WaitMined.
type MineFunc func(ctx context.Context, tx *types.Transaction) (*types.Receipt, error)

// Deployment describes one registry deployed behind an ERC1967Proxy.
type Deployment struct {
	// Proxy is the registry's address: the one users call and the indexer watches.
	Proxy common.Address
	// Implementation is the logic contract the proxy delegates to.
	Implementation common.Address
	// ProxyReceipt is the receipt of the proxy creation; its logs are the registry's first
	// (Upgraded, OwnershipTransferred, Initialized(2)) and its block is the registry's start block.
	ProxyReceipt *types.Receipt
}

// Deployments is a full ERC-8004 deployment: Reputation and Validation point at Identity.
type Deployments struct {
	Identity   Deployment
	Reputation Deployment
	Validation Deployment
}

// DeployIdentityRegistry deploys the IdentityRegistry implementation and an ERC1967Proxy whose
// constructor calls initialize(); auth.From becomes the registry owner.
func DeployIdentityRegistry(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc) (Deployment, error) {
	d, err := deployBehindProxy(ctx, auth, backend, mine, IdentityRegistryBin(), NewIdentityRegistry().PackInitialize())
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy identity registry: %w", err)
	}
	return d, nil
}

// DeployReputationRegistry deploys the ReputationRegistry implementation and an ERC1967Proxy whose
// constructor calls initialize(identity); auth.From becomes the registry owner.
func DeployReputationRegistry(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, identity common.Address) (Deployment, error) {
	d, err := deployBehindProxy(ctx, auth, backend, mine, ReputationRegistryBin(), NewReputationRegistry().PackInitialize(identity))
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy reputation registry: %w", err)
	}
	return d, nil
}

// DeployValidationRegistry deploys the ValidationRegistry implementation and an ERC1967Proxy whose
// constructor calls initialize(identity); auth.From becomes the registry owner.
func DeployValidationRegistry(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, identity common.Address) (Deployment, error) {
	d, err := deployBehindProxy(ctx, auth, backend, mine, ValidationRegistryBin(), NewValidationRegistry().PackInitialize(identity))
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy validation registry: %w", err)
	}
	return d, nil
}

// DeployRegistries deploys Identity, then Reputation and Validation bound to it (six
// transactions, each mined before the next).
func DeployRegistries(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc) (Deployments, error) {
	var r Deployments
	var err error
	if r.Identity, err = DeployIdentityRegistry(ctx, auth, backend, mine); err != nil {
		return Deployments{}, err
	}
	if r.Reputation, err = DeployReputationRegistry(ctx, auth, backend, mine, r.Identity.Proxy); err != nil {
		return Deployments{}, err
	}
	if r.Validation, err = DeployValidationRegistry(ctx, auth, backend, mine, r.Identity.Proxy); err != nil {
		return Deployments{}, err
	}
	return r, nil
}

// DeployProxy deploys an ERC1967Proxy pointing at implementation and delegatecalling initData
// (which may be empty) from its constructor, and returns the proxy creation receipt.
func DeployProxy(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, implementation common.Address, initData []byte) (common.Address, *types.Receipt, error) {
	ctor := NewERC1967Proxy().PackConstructor(implementation, initData)
	addr, rcpt, err := deployMined(ctx, auth, backend, mine, ERC1967ProxyBin(), ctor)
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("deploy proxy: %w", err)
	}
	return addr, rcpt, nil
}

// DeployERC1271Wallet deploys the test ERC-1271 wallet that accepts digests ECDSA-signed by signer.
func DeployERC1271Wallet(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, signer common.Address) (common.Address, error) {
	addr, _, err := deployMined(ctx, auth, backend, mine, ERC1271WalletBin(), NewERC1271Wallet().PackConstructor(signer))
	if err != nil {
		return common.Address{}, fmt.Errorf("deploy erc1271 wallet: %w", err)
	}
	return addr, nil
}

func deployBehindProxy(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, implBin, initData []byte) (Deployment, error) {
	impl, _, err := deployMined(ctx, auth, backend, mine, implBin, nil)
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy implementation: %w", err)
	}
	proxy, rcpt, err := DeployProxy(ctx, auth, backend, mine, impl, initData)
	if err != nil {
		return Deployment{}, err
	}
	return Deployment{Proxy: proxy, Implementation: impl, ProxyReceipt: rcpt}, nil
}

// deployMined sends a creation transaction, waits for it through mine and checks its status.
func deployMined(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc, bin, ctorArgs []byte) (common.Address, *types.Receipt, error) {
	if mine == nil {
		return common.Address{}, nil, errors.New("nil MineFunc")
	}
	addr, tx, err := bind.DeployContract(auth, bin, backend, ctorArgs)
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("send creation tx: %w", err)
	}
	rcpt, err := mine(ctx, tx)
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("mine creation tx %s: %w", tx.Hash(), err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return common.Address{}, nil, fmt.Errorf("creation tx %s reverted", tx.Hash())
	}
	return addr, rcpt, nil
}
