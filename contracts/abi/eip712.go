package abi

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// IdentityRegistry's EIP-712 domain (name, version) and the AgentWalletSet struct type.
const (
	// EIP712DomainName is the EIP-712 domain name of the IdentityRegistry.
	EIP712DomainName = "ERC8004IdentityRegistry"
	// EIP712DomainVersion is the EIP-712 domain version of the IdentityRegistry.
	EIP712DomainVersion = "1"
	// AgentWalletSetType is the EIP-712 type that a new agent wallet signs for setAgentWallet.
	AgentWalletSetType = "AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)"
)

var (
	domainTypeHash         = crypto.Keccak256Hash([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
	agentWalletSetTypeHash = crypto.Keccak256Hash([]byte(AgentWalletSetType))
)

// AgentWalletSetDigest returns the EIP-712 digest that newWallet must sign so that
// setAgentWallet(agentID, newWallet, deadline, sig) succeeds on the IdentityRegistry proxy at
// registry on chainID, while owner owns the agent. All big.Int arguments must be non-negative.
func AgentWalletSetDigest(chainID *big.Int, registry common.Address, agentID *big.Int, newWallet, owner common.Address, deadline *big.Int) common.Hash {
	domain := crypto.Keccak256(
		domainTypeHash.Bytes(),
		crypto.Keccak256([]byte(EIP712DomainName)),
		crypto.Keccak256([]byte(EIP712DomainVersion)),
		common.BigToHash(chainID).Bytes(),
		common.BytesToHash(registry.Bytes()).Bytes(),
	)
	structHash := crypto.Keccak256(
		agentWalletSetTypeHash.Bytes(),
		common.BigToHash(agentID).Bytes(),
		common.BytesToHash(newWallet.Bytes()).Bytes(),
		common.BytesToHash(owner.Bytes()).Bytes(),
		common.BigToHash(deadline).Bytes(),
	)
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, domain, structHash)
}

// SignDigest signs a 32-byte digest as Solidity's ECDSA.recover expects: r || s || v with v in
// {27, 28}. (go-ethereum's crypto.Sign yields v in {0, 1}, which OpenZeppelin rejects.)
func SignDigest(key *ecdsa.PrivateKey, digest common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(digest.Bytes(), key)
	if err != nil {
		return nil, fmt.Errorf("sign digest: %w", err)
	}
	sig[64] += 27
	return sig, nil
}
