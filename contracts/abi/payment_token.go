package abi

import (
	"context"
	_ "embed"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var (
	//go:embed PaymentToken.abi.json
	paymentTokenABI string
	//go:embed PaymentToken.bin
	paymentTokenBin string
)

// PaymentTokenABI returns the JSON ABI of the test USDC-like token (contracts/src/test/PaymentToken.sol:
// 6 decimals, EIP-3009 transferWithAuthorization / receiveWithAuthorization).
func PaymentTokenABI() string { return paymentTokenABI }

// PaymentTokenBin returns the creation bytecode of the test token.
func PaymentTokenBin() []byte { return hexBytes(paymentTokenBin) }

// DeployPaymentToken deploys the test token; auth.From becomes its only minter.
func DeployPaymentToken(ctx context.Context, auth *bind.TransactOpts, backend bind.ContractBackend, mine MineFunc) (common.Address, error) {
	addr, _, err := deployMined(ctx, auth, backend, mine, PaymentTokenBin(), nil)
	if err != nil {
		return common.Address{}, fmt.Errorf("deploy payment token: %w", err)
	}
	return addr, nil
}

// The EIP-712 domain (name, version) of the test token.
const (
	// PaymentTokenDomainName is the token's EIP-712 domain name.
	PaymentTokenDomainName = "USD Coin (dev)"
	// PaymentTokenDomainVersion is the token's EIP-712 domain version.
	PaymentTokenDomainVersion = "2"
)

var (
	transferWithAuthorizationTypeHash = crypto.Keccak256Hash([]byte(
		"TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"))
	receiveWithAuthorizationTypeHash = crypto.Keccak256Hash([]byte(
		"ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"))
)

// AuthorizationDigest returns the EIP-712 digest that from signs for the test token at token
// on chainID to accept transferWithAuthorization (receive false) or receiveWithAuthorization
// (receive true) with these arguments, as EIP-3009 and Circle's FiatToken define it.
func AuthorizationDigest(chainID *big.Int, token common.Address, receive bool, from, to common.Address, value,
	validAfter, validBefore *big.Int, nonce common.Hash) common.Hash {
	domain := crypto.Keccak256(
		domainTypeHash.Bytes(),
		crypto.Keccak256([]byte(PaymentTokenDomainName)),
		crypto.Keccak256([]byte(PaymentTokenDomainVersion)),
		common.BigToHash(chainID).Bytes(),
		common.BytesToHash(token.Bytes()).Bytes(),
	)
	typeHash := transferWithAuthorizationTypeHash
	if receive {
		typeHash = receiveWithAuthorizationTypeHash
	}
	structHash := crypto.Keccak256(
		typeHash.Bytes(),
		common.BytesToHash(from.Bytes()).Bytes(),
		common.BytesToHash(to.Bytes()).Bytes(),
		common.BigToHash(value).Bytes(),
		common.BigToHash(validAfter).Bytes(),
		common.BigToHash(validBefore).Bytes(),
		nonce.Bytes(),
	)
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, domain, structHash)
}
