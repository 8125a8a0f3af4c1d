// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package abi

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// ERC1271WalletMetaData contains all meta data concerning the ERC1271Wallet contract.
var ERC1271WalletMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"name\":\"isValidSignature\",\"outputs\":[{\"internalType\":\"bytes4\",\"name\":\"\",\"type\":\"bytes4\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"signer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "ERC1271Wallet",
	Bin: "0x60a034606c57601f61032f38819003918201601f19168301916001600160401b03831184841017607057808492602094604052833981010312606c57516001600160a01b0381168103606c576080526040516102aa90816100858239608051818181604401526101790152f35b5f80fd5b634e487b7160e01b5f52604160045260245ffdfe60806040526004361015610011575f80fd5b5f3560e01c80631626ba7e146100775763238ac9331461002f575f80fd5b34610073575f366003190112610073576040517f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03168152602090f35b5f80fd5b346100735760403660031901126100735760243567ffffffffffffffff811161007357366023820112156100735780600401359067ffffffffffffffff82116100735736602483830101116100735760209160246100d892016004356100eb565b6040516001600160e01b03199091168152f35b91909167ffffffffffffffff82116101c25760405191601f8101601f19908116603f0116830167ffffffffffffffff8111848210176101c2576040528083523681850111610073576020815f926101499683870137840101526101d6565b5060048110156101ae57159081610177575b5061016c576001600160e01b031990565b630b135d3f60e11b90565b7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0390811691161490505f61015b565b634e487b7160e01b5f52602160045260245ffd5b634e487b7160e01b5f52604160045260245ffd5b8151919060418303610206576101ff9250602082015190606060408401519301515f1a90610210565b9192909190565b50505f9160029190565b91907f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a08411610292579160209360809260ff5f9560405194855216868401526040830152606082015282805260015afa15610287575f516001600160a01b0381161561027d57905f905f90565b505f906001905f90565b6040513d5f823e3d90fd5b5050505f916003919056fea164736f6c634300081c000a",
}

// ERC1271Wallet is an auto generated Go binding around an Ethereum contract.
type ERC1271Wallet struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ERC1271Wallet) GetABI() abi.ABI {
	return c.abi
}

// NewERC1271Wallet creates a new instance of ERC1271Wallet.
func NewERC1271Wallet() *ERC1271Wallet {
	parsed, err := ERC1271WalletMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ERC1271Wallet{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ERC1271Wallet) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address signer_) returns()
func (eRC1271Wallet *ERC1271Wallet) PackConstructor(signer_ common.Address) []byte {
	enc, err := eRC1271Wallet.abi.Pack("", signer_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackIsValidSignature is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1626ba7e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) PackIsValidSignature(hash [32]byte, signature []byte) []byte {
	enc, err := eRC1271Wallet.abi.Pack("isValidSignature", hash, signature)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsValidSignature is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1626ba7e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) TryPackIsValidSignature(hash [32]byte, signature []byte) ([]byte, error) {
	return eRC1271Wallet.abi.Pack("isValidSignature", hash, signature)
}

// UnpackIsValidSignature is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1626ba7e.
//
// Solidity: function isValidSignature(bytes32 hash, bytes signature) view returns(bytes4)
func (eRC1271Wallet *ERC1271Wallet) UnpackIsValidSignature(data []byte) ([4]byte, error) {
	out, err := eRC1271Wallet.abi.Unpack("isValidSignature", data)
	if err != nil {
		return *new([4]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([4]byte)).(*[4]byte)
	return out0, nil
}

// PackSigner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x238ac933.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function signer() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) PackSigner() []byte {
	enc, err := eRC1271Wallet.abi.Pack("signer")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSigner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x238ac933.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function signer() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) TryPackSigner() ([]byte, error) {
	return eRC1271Wallet.abi.Pack("signer")
}

// UnpackSigner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x238ac933.
//
// Solidity: function signer() view returns(address)
func (eRC1271Wallet *ERC1271Wallet) UnpackSigner(data []byte) (common.Address, error) {
	out, err := eRC1271Wallet.abi.Unpack("signer", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}
