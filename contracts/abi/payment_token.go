package abi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
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
