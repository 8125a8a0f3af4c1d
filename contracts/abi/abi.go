// Package abi holds the ABIs, creation bytecode and abigen v2 bindings of the project's own
// Solidity implementation of the ERC-8004 v2.0 registries (contracts/src), plus OpenZeppelin's
// ERC1967Proxy and a test ERC-1271 wallet. The files are produced by contracts/build.js and
// committed, so building Go never needs Node.
//
// To deploy a registry like the real ones: deploy the implementation, then an ERC1967Proxy whose
// constructor data is the packed initialize call; the proxy deployer becomes the owner. See
// DeployIdentityRegistry, DeployReputationRegistry and DeployValidationRegistry.
package abi

import (
	_ "embed"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

var (
	//go:embed IdentityRegistry.abi.json
	identityRegistryABI string
	//go:embed IdentityRegistry.bin
	identityRegistryBin string
	//go:embed ReputationRegistry.abi.json
	reputationRegistryABI string
	//go:embed ReputationRegistry.bin
	reputationRegistryBin string
	//go:embed ValidationRegistry.abi.json
	validationRegistryABI string
	//go:embed ValidationRegistry.bin
	validationRegistryBin string
	//go:embed ERC1967Proxy.abi.json
	erc1967ProxyABI string
	//go:embed ERC1967Proxy.bin
	erc1967ProxyBin string
	//go:embed ERC1271Wallet.abi.json
	erc1271WalletABI string
	//go:embed ERC1271Wallet.bin
	erc1271WalletBin string
)

// hexBytes decodes a committed .bin file (hex without 0x; surrounding whitespace tolerated).
// A fresh slice is returned on every call so callers may modify it.
func hexBytes(s string) []byte {
	return common.FromHex(strings.TrimSpace(s))
}

// IdentityRegistryABI returns the JSON ABI of our IdentityRegistry implementation.
func IdentityRegistryABI() string { return identityRegistryABI }

// IdentityRegistryBin returns the creation bytecode of the IdentityRegistry implementation.
func IdentityRegistryBin() []byte { return hexBytes(identityRegistryBin) }

// ReputationRegistryABI returns the JSON ABI of our ReputationRegistry implementation.
func ReputationRegistryABI() string { return reputationRegistryABI }

// ReputationRegistryBin returns the creation bytecode of the ReputationRegistry implementation.
func ReputationRegistryBin() []byte { return hexBytes(reputationRegistryBin) }

// ValidationRegistryABI returns the JSON ABI of our ValidationRegistry implementation.
func ValidationRegistryABI() string { return validationRegistryABI }

// ValidationRegistryBin returns the creation bytecode of the ValidationRegistry implementation.
func ValidationRegistryBin() []byte { return hexBytes(validationRegistryBin) }

// ERC1967ProxyABI returns the JSON ABI of OpenZeppelin's ERC1967Proxy
// (constructor(address implementation, bytes data)).
func ERC1967ProxyABI() string { return erc1967ProxyABI }

// ERC1967ProxyBin returns the creation bytecode of OpenZeppelin's ERC1967Proxy (without
// constructor arguments).
func ERC1967ProxyBin() []byte { return hexBytes(erc1967ProxyBin) }

// ERC1271WalletABI returns the JSON ABI of the test ERC-1271 wallet (constructor(address signer)).
func ERC1271WalletABI() string { return erc1271WalletABI }

// ERC1271WalletBin returns the creation bytecode of the test ERC-1271 wallet.
func ERC1271WalletBin() []byte { return hexBytes(erc1271WalletBin) }
