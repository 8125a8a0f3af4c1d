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

// ValidationRegistryMetaData contains all meta data concerning the ValidationRegistry contract.
var ValidationRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"target\",\"type\":\"address\"}],\"name\":\"AddressEmptyCode\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"ERC1967InvalidImplementation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ERC1967NonPayable\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FailedCall\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidInitialization\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotInitializing\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UUPSUnauthorizedCallContext\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"slot\",\"type\":\"bytes32\"}],\"name\":\"UUPSUnsupportedProxiableUUID\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"version\",\"type\":\"uint64\"}],\"name\":\"Initialized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"Upgraded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validatorAddress\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"requestURI\",\"type\":\"string\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestHash\",\"type\":\"bytes32\"}],\"name\":\"ValidationRequest\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validatorAddress\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"response\",\"type\":\"uint8\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"responseURI\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"responseHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"tag\",\"type\":\"string\"}],\"name\":\"ValidationResponse\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"UPGRADE_INTERFACE_VERSION\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"}],\"name\":\"getAgentValidations\",\"outputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"\",\"type\":\"bytes32[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"getIdentityRegistry\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"},{\"internalType\":\"address[]\",\"name\":\"validatorAddresses\",\"type\":\"address[]\"},{\"internalType\":\"string\",\"name\":\"tag\",\"type\":\"string\"}],\"name\":\"getSummary\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"count\",\"type\":\"uint64\"},{\"internalType\":\"uint8\",\"name\":\"avgResponse\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestHash\",\"type\":\"bytes32\"}],\"name\":\"getValidationStatus\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"validatorAddress\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"},{\"internalType\":\"uint8\",\"name\":\"response\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"responseHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tag\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"lastUpdate\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validatorAddress\",\"type\":\"address\"}],\"name\":\"getValidatorRequests\",\"outputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"\",\"type\":\"bytes32[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"getVersion\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"identityRegistry_\",\"type\":\"address\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proxiableUUID\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newImplementation\",\"type\":\"address\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"upgradeToAndCall\",\"outputs\":[],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validatorAddress\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"agentId\",\"type\":\"uint256\"},{\"internalType\":\"string\",\"name\":\"requestURI\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"requestHash\",\"type\":\"bytes32\"}],\"name\":\"validationRequest\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"response\",\"type\":\"uint8\"},{\"internalType\":\"string\",\"name\":\"responseURI\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"responseHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tag\",\"type\":\"string\"}],\"name\":\"validationResponse\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "ValidationRegistry",
	Bin: "0x60a080604052346100c257306080525f5160206115105f395f51905f525460ff8160401c166100b3576002600160401b03196001600160401b03821601610060575b60405161144990816100c7823960805181818161078a015261082c0152f35b6001600160401b0319166001600160401b039081175f5160206115105f395f51905f525581527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d290602090a15f80610041565b63f92ee8a960e01b5f5260045ffd5b5f80fdfe60806040526004361015610011575f80fd5b5f3560e01c80630d8e6e2c14610f4c5780631b7cabd614610d325780633d659a9614610a445780634bf3158c146109e35780634f1ef286146107de57806352d1902d14610778578063715018a6146107115780638d5d0c2d146106825780638da5cb5b1461064e578063aaf400c4146103b2578063ad3cb1cc14610367578063bc4d861b14610333578063c4d66de81461019c578063f2fde38b146101715763ff2febfc146100be575f80fd5b3461016d57602036600319011261016d576004355f9081525f5160206113bd5f395f51905f52602052604090208054906001600160a01b03821690610104821515611183565b610163600360018301549460ff6002850154916101376004870154966101306040518097819301611102565b038561102f565b6040519788978852602088015260a01c166040860152606085015260c0608085015260c0840190610f8f565b9060a08301520390f35b5f80fd5b3461016d57602036600319011261016d5761019a61018d610fe0565b6101956112e0565b611212565b005b3461016d57602036600319011261016d576101b5610fe0565b5f51602061141d5f395f51905f525460ff8160401c16801561031f575b6103105768ffffffffffffffffff191668010000000000000002175f51602061141d5f395f51905f52555f51602061139d5f395f51905f52546001600160a01b031661030357610220611313565b610228611313565b61023133611212565b610239611313565b6001600160a01b031680156102cf576bffffffffffffffffffffffff60a01b5f5160206113fd5f395f51905f525416175f5160206113fd5f395f51905f525568ff0000000000000000195f51602061141d5f395f51905f5254165f51602061141d5f395f51905f52557fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d2602060405160028152a1005b60405162461bcd60e51b815260206004820152600c60248201526b626164206964656e7469747960a01b6044820152606490fd5b61030b6112e0565b610231565b63f92ee8a960e01b5f5260045ffd5b5060026001600160401b03821610156101d2565b3461016d575f36600319011261016d575f5160206113fd5f395f51905f52546040516001600160a01b039091168152602090f35b3461016d575f36600319011261016d576103ae60405161038860408261102f565b60058152640352e302e360dc1b6020820152604051918291602083526020830190610f8f565b0390f35b3461016d57608036600319011261016d576103cb610fe0565b6024356044356001600160401b03811161016d576103ed903690600401610fb3565b606435936001600160a01b0381169290918315610619575f8681525f5160206113bd5f395f51905f5260205260409020546001600160a01b03166105eb575f5160206113fd5f395f51905f5254604051636caf395f60e11b81523360048201526024810187905290602090829060449082906001600160a01b03165afa9081156105e0575f916105a5575b501561056f576105538661054e7f530436c3634a98e1e626b0898be2f1e9980cc1bd2a78c07a0aba52d0a48a505995825f525f5160206113bd5f395f51905f5260205260405f20886bffffffffffffffffffffffff60a01b825416178155896001820155600442910155885f527f21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce14811026020526105168360405f206111d9565b6001600160a01b03165f9081527f21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce14811036020526040902090565b6111d9565b61056a6040519283926020845260208401916111b9565b0390a4005b60405162461bcd60e51b815260206004820152600e60248201526d139bdd08185d5d1a1bdc9a5e995960921b6044820152606490fd5b90506020813d6020116105d8575b816105c06020938361102f565b8101031261016d5751801515810361016d5787610478565b3d91506105b3565b6040513d5f823e3d90fd5b60405162461bcd60e51b815260206004820152600660248201526565786973747360d01b6044820152606490fd5b60405162461bcd60e51b815260206004820152600d60248201526c3130b2103b30b634b230ba37b960991b6044820152606490fd5b3461016d575f36600319011261016d575f51602061139d5f395f51905f52546040516001600160a01b039091168152602090f35b3461016d57602036600319011261016d576004355f527f21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce148110260205260405f206040519081602082549182815201915f5260205f20905f5b8181106106fb576103ae856106ef8187038261102f565b60405191829182610ff6565b82548452602090930192600192830192016106d8565b3461016d575f36600319011261016d576107296112e0565b5f51602061139d5f395f51905f5280546001600160a01b031981169091555f906001600160a01b03167f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e08280a3005b3461016d575f36600319011261016d577f00000000000000000000000000000000000000000000000000000000000000006001600160a01b031630036107cf5760206040515f5160206113dd5f395f51905f528152f35b63703e46dd60e11b5f5260045ffd5b604036600319011261016d576107f2610fe0565b6024356001600160401b03811161016d573660238201121561016d5761082290369060248160040135910161106b565b6001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000163081149081156109c1575b506107cf576108646112e0565b6040516352d1902d60e01b81526001600160a01b0383169290602081600481875afa5f918161098d575b506108a65783634c9c8ce360e01b5f5260045260245ffd5b805f5160206113dd5f395f51905f5285920361097b5750813b15610969575f5160206113dd5f395f51905f5280546001600160a01b031916821790557fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b5f80a2815115610951575f8083602061019a95519101845af43d15610949573d9161092d83611050565b9261093b604051948561102f565b83523d5f602085013e61133e565b60609161133e565b50503461095a57005b63b398979f60e01b5f5260045ffd5b634c9c8ce360e01b5f5260045260245ffd5b632a87526960e21b5f5260045260245ffd5b9091506020813d6020116109b9575b816109a96020938361102f565b8101031261016d5751908561088e565b3d915061099c565b5f5160206113dd5f395f51905f52546001600160a01b03161415905083610857565b3461016d57602036600319011261016d576109ff610516610fe0565b6040519081602082549182815201915f5260205f20905f5b818110610a2e576103ae856106ef8187038261102f565b8254845260209093019260019283019201610a17565b3461016d5760a036600319011261016d5760043560243560ff81169081810361016d576044356001600160401b03811161016d57610a86903690600401610fb3565b90926064356084356001600160401b03811161016d57610aaa903690600401610fb3565b909460648411610d02575f8881525f5160206113bd5f395f51905f5260205260409020805490916001600160a01b038216610ae6811515611183565b3303610ccd5760ff60a01b1990911660a09190911b60ff60a01b1617815560028101839055600381016001600160401b038311610cb957610b2781546110ca565b601f8111610c74575b505f601f8411600114610be65791839161056a947fafddf629e874ccc3963b6a888c477bd464a6c8525024fc88759ea3b2326349ae989796945f91610bdb575b508360011b905f198560031b1c19161790555b426004820155610bbc60018254928160a81b60ff60a81b19851617815501549960405197889788526080602089015260808801916111b9565b604086019390935284830360608601526001600160a01b0316966111b9565b90508901358c610b70565b601f19841690825f5260205f20915f5b8a828210610c5c5750509185939161056a967fafddf629e874ccc3963b6a888c477bd464a6c8525024fc88759ea3b2326349ae9a9998969410610c43575b5050600183811b019055610b83565b8a01355f19600386901b60f8161c191690558b80610c34565b60018495602093958493013581550194019201610bf6565b815f5260205f20601f850160051c81019160208610610caf575b601f0160051c01905b818110610ca45750610b30565b5f8155600101610c97565b9091508190610c8e565b634e487b7160e01b5f52604160045260245ffd5b60405162461bcd60e51b815260206004820152600d60248201526c3737ba103b30b634b230ba37b960991b6044820152606490fd5b60405162461bcd60e51b81526020600482015260086024820152670726573703e3130360c41b6044820152606490fd5b3461016d57606036600319011261016d576024356001600160401b03811161016d573660238201121561016d5780600401356001600160401b03811161016d576024820191602436918360051b01011161016d576044356001600160401b03811161016d57610da5903690600401610fb3565b905f915f946004355f527f21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce1481102602052610de360405f209383369161106b565b60208151910120905f955f948054941515905b858710610e4e57896001600160401b0389168a81158015610e24575b6040805184815260ff86166020820152f35b909250610e3a5760ff8082604094041692610e12565b634e487b7160e01b5f52601260045260245ffd5b9091929394959697610e6088836110a1565b90549060031b1c5f525f5160206113bd5f395f51905f5260205260405f2080549060ff8260a81c1615610f405787859182610f10575b5050610f0557610eb06001600160a01b0382168688611283565b15610f055760ff9060a01c168101809111610ef1576001600160401b039098166001600160401b038114610ef1576001809101975b01959493929190610df6565b634e487b7160e01b5f52601160045260245ffd5b509796600190610ee5565b6003919250610f3090610f296040518094819301611102565b038261102f565b602081519101201415878d610e96565b50509796600190610ee5565b3461016d575f36600319011261016d576103ae604051610f6d60408261102f565b60058152640322e302e360dc1b60208201526040519182916020835260208301905b805180835260209291819084018484015e5f828201840152601f01601f1916010190565b9181601f8401121561016d578235916001600160401b03831161016d576020838186019501011161016d57565b600435906001600160a01b038216820361016d57565b60206040818301928281528451809452019201905f5b8181106110195750505090565b825184526020938401939092019160010161100c565b90601f801991011681019081106001600160401b03821117610cb957604052565b6001600160401b038111610cb957601f01601f191660200190565b92919261107782611050565b91611085604051938461102f565b82948184528183011161016d578281602093845f960137010152565b80548210156110b6575f5260205f2001905f90565b634e487b7160e01b5f52603260045260245ffd5b90600182811c921680156110f8575b60208310146110e457565b634e487b7160e01b5f52602260045260245ffd5b91607f16916110d9565b5f9291815491611111836110ca565b8083529260018116908115611166575060011461112d57505050565b5f9081526020812093945091925b83831061114c575060209250010190565b60018160209294939454838587010152019101919061113b565b915050602093945060ff929192191683830152151560051b010190565b1561118a57565b60405162461bcd60e51b81526020600482015260076024820152663ab735b737bbb760c91b6044820152606490fd5b908060209392818452848401375f828201840152601f01601f1916010190565b805468010000000000000000811015610cb9576111fb916001820181556110a1565b819291549060031b91821b915f19901b1916179055565b6001600160a01b03168015611270575f51602061139d5f395f51905f5280546001600160a01b0319811683179091556001600160a01b03167f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e05f80a3565b631e4fbdf760e01b5f525f60045260245ffd5b91909182156112d8575f5b838110156112d057600581901b8201356001600160a01b0381169081900361016d576001600160a01b038416146112c75760010161128e565b50505050600190565b505050505f90565b505050600190565b5f51602061139d5f395f51905f52546001600160a01b0316330361130057565b63118cdaa760e01b5f523360045260245ffd5b60ff5f51602061141d5f395f51905f525460401c161561132f57565b631afcd79f60e31b5f5260045ffd5b90611362575080511561135357602081519101fd5b63d6bda27560e01b5f5260045ffd5b81511580611393575b611373575090565b639996b31560e01b5f9081526001600160a01b0391909116600452602490fd5b50803b1561136b56fe9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c19930021543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce1481101360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce1481100f0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00a164736f6c634300081c000af0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00",
}

// ValidationRegistry is an auto generated Go binding around an Ethereum contract.
type ValidationRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ValidationRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewValidationRegistry creates a new instance of ValidationRegistry.
func NewValidationRegistry() *ValidationRegistry {
	parsed, err := ValidationRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ValidationRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ValidationRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackUPGRADEINTERFACEVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad3cb1cc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (validationRegistry *ValidationRegistry) PackUPGRADEINTERFACEVERSION() []byte {
	enc, err := validationRegistry.abi.Pack("UPGRADE_INTERFACE_VERSION")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUPGRADEINTERFACEVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad3cb1cc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (validationRegistry *ValidationRegistry) TryPackUPGRADEINTERFACEVERSION() ([]byte, error) {
	return validationRegistry.abi.Pack("UPGRADE_INTERFACE_VERSION")
}

// UnpackUPGRADEINTERFACEVERSION is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xad3cb1cc.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (validationRegistry *ValidationRegistry) UnpackUPGRADEINTERFACEVERSION(data []byte) (string, error) {
	out, err := validationRegistry.abi.Unpack("UPGRADE_INTERFACE_VERSION", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackGetAgentValidations is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8d5d0c2d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getAgentValidations(uint256 agentId) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) PackGetAgentValidations(agentId *big.Int) []byte {
	enc, err := validationRegistry.abi.Pack("getAgentValidations", agentId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetAgentValidations is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8d5d0c2d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getAgentValidations(uint256 agentId) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) TryPackGetAgentValidations(agentId *big.Int) ([]byte, error) {
	return validationRegistry.abi.Pack("getAgentValidations", agentId)
}

// UnpackGetAgentValidations is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8d5d0c2d.
//
// Solidity: function getAgentValidations(uint256 agentId) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) UnpackGetAgentValidations(data []byte) ([][32]byte, error) {
	out, err := validationRegistry.abi.Unpack("getAgentValidations", data)
	if err != nil {
		return *new([][32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([][32]byte)).(*[][32]byte)
	return out0, nil
}

// PackGetIdentityRegistry is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbc4d861b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getIdentityRegistry() view returns(address)
func (validationRegistry *ValidationRegistry) PackGetIdentityRegistry() []byte {
	enc, err := validationRegistry.abi.Pack("getIdentityRegistry")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetIdentityRegistry is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbc4d861b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getIdentityRegistry() view returns(address)
func (validationRegistry *ValidationRegistry) TryPackGetIdentityRegistry() ([]byte, error) {
	return validationRegistry.abi.Pack("getIdentityRegistry")
}

// UnpackGetIdentityRegistry is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbc4d861b.
//
// Solidity: function getIdentityRegistry() view returns(address)
func (validationRegistry *ValidationRegistry) UnpackGetIdentityRegistry(data []byte) (common.Address, error) {
	out, err := validationRegistry.abi.Unpack("getIdentityRegistry", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackGetValidationSummary is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1b7cabd6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getSummary(uint256 agentId, address[] validatorAddresses, string tag) view returns(uint64 count, uint8 avgResponse)
func (validationRegistry *ValidationRegistry) PackGetValidationSummary(agentId *big.Int, validatorAddresses []common.Address, tag string) []byte {
	enc, err := validationRegistry.abi.Pack("getSummary", agentId, validatorAddresses, tag)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetValidationSummary is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1b7cabd6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getSummary(uint256 agentId, address[] validatorAddresses, string tag) view returns(uint64 count, uint8 avgResponse)
func (validationRegistry *ValidationRegistry) TryPackGetValidationSummary(agentId *big.Int, validatorAddresses []common.Address, tag string) ([]byte, error) {
	return validationRegistry.abi.Pack("getSummary", agentId, validatorAddresses, tag)
}

// GetValidationSummaryOutput serves as a container for the return parameters of contract
// method GetValidationSummary.
type GetValidationSummaryOutput struct {
	Count       uint64
	AvgResponse uint8
}

// UnpackGetValidationSummary is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1b7cabd6.
//
// Solidity: function getSummary(uint256 agentId, address[] validatorAddresses, string tag) view returns(uint64 count, uint8 avgResponse)
func (validationRegistry *ValidationRegistry) UnpackGetValidationSummary(data []byte) (GetValidationSummaryOutput, error) {
	out, err := validationRegistry.abi.Unpack("getSummary", data)
	outstruct := new(GetValidationSummaryOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Count = *abi.ConvertType(out[0], new(uint64)).(*uint64)
	outstruct.AvgResponse = *abi.ConvertType(out[1], new(uint8)).(*uint8)
	return *outstruct, nil
}

// PackGetValidationStatus is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xff2febfc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getValidationStatus(bytes32 requestHash) view returns(address validatorAddress, uint256 agentId, uint8 response, bytes32 responseHash, string tag, uint256 lastUpdate)
func (validationRegistry *ValidationRegistry) PackGetValidationStatus(requestHash [32]byte) []byte {
	enc, err := validationRegistry.abi.Pack("getValidationStatus", requestHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetValidationStatus is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xff2febfc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getValidationStatus(bytes32 requestHash) view returns(address validatorAddress, uint256 agentId, uint8 response, bytes32 responseHash, string tag, uint256 lastUpdate)
func (validationRegistry *ValidationRegistry) TryPackGetValidationStatus(requestHash [32]byte) ([]byte, error) {
	return validationRegistry.abi.Pack("getValidationStatus", requestHash)
}

// GetValidationStatusOutput serves as a container for the return parameters of contract
// method GetValidationStatus.
type GetValidationStatusOutput struct {
	ValidatorAddress common.Address
	AgentId          *big.Int
	Response         uint8
	ResponseHash     [32]byte
	Tag              string
	LastUpdate       *big.Int
}

// UnpackGetValidationStatus is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xff2febfc.
//
// Solidity: function getValidationStatus(bytes32 requestHash) view returns(address validatorAddress, uint256 agentId, uint8 response, bytes32 responseHash, string tag, uint256 lastUpdate)
func (validationRegistry *ValidationRegistry) UnpackGetValidationStatus(data []byte) (GetValidationStatusOutput, error) {
	out, err := validationRegistry.abi.Unpack("getValidationStatus", data)
	outstruct := new(GetValidationStatusOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.ValidatorAddress = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.AgentId = abi.ConvertType(out[1], new(big.Int)).(*big.Int)
	outstruct.Response = *abi.ConvertType(out[2], new(uint8)).(*uint8)
	outstruct.ResponseHash = *abi.ConvertType(out[3], new([32]byte)).(*[32]byte)
	outstruct.Tag = *abi.ConvertType(out[4], new(string)).(*string)
	outstruct.LastUpdate = abi.ConvertType(out[5], new(big.Int)).(*big.Int)
	return *outstruct, nil
}

// PackGetValidatorRequests is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4bf3158c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getValidatorRequests(address validatorAddress) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) PackGetValidatorRequests(validatorAddress common.Address) []byte {
	enc, err := validationRegistry.abi.Pack("getValidatorRequests", validatorAddress)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetValidatorRequests is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4bf3158c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getValidatorRequests(address validatorAddress) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) TryPackGetValidatorRequests(validatorAddress common.Address) ([]byte, error) {
	return validationRegistry.abi.Pack("getValidatorRequests", validatorAddress)
}

// UnpackGetValidatorRequests is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x4bf3158c.
//
// Solidity: function getValidatorRequests(address validatorAddress) view returns(bytes32[])
func (validationRegistry *ValidationRegistry) UnpackGetValidatorRequests(data []byte) ([][32]byte, error) {
	out, err := validationRegistry.abi.Unpack("getValidatorRequests", data)
	if err != nil {
		return *new([][32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([][32]byte)).(*[][32]byte)
	return out0, nil
}

// PackGetVersion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0d8e6e2c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getVersion() pure returns(string)
func (validationRegistry *ValidationRegistry) PackGetVersion() []byte {
	enc, err := validationRegistry.abi.Pack("getVersion")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetVersion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0d8e6e2c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getVersion() pure returns(string)
func (validationRegistry *ValidationRegistry) TryPackGetVersion() ([]byte, error) {
	return validationRegistry.abi.Pack("getVersion")
}

// UnpackGetVersion is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0d8e6e2c.
//
// Solidity: function getVersion() pure returns(string)
func (validationRegistry *ValidationRegistry) UnpackGetVersion(data []byte) (string, error) {
	out, err := validationRegistry.abi.Unpack("getVersion", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4d66de8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initialize(address identityRegistry_) returns()
func (validationRegistry *ValidationRegistry) PackInitialize(identityRegistry common.Address) []byte {
	enc, err := validationRegistry.abi.Pack("initialize", identityRegistry)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4d66de8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initialize(address identityRegistry_) returns()
func (validationRegistry *ValidationRegistry) TryPackInitialize(identityRegistry common.Address) ([]byte, error) {
	return validationRegistry.abi.Pack("initialize", identityRegistry)
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (validationRegistry *ValidationRegistry) PackOwner() []byte {
	enc, err := validationRegistry.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (validationRegistry *ValidationRegistry) TryPackOwner() ([]byte, error) {
	return validationRegistry.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (validationRegistry *ValidationRegistry) UnpackOwner(data []byte) (common.Address, error) {
	out, err := validationRegistry.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackProxiableUUID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52d1902d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (validationRegistry *ValidationRegistry) PackProxiableUUID() []byte {
	enc, err := validationRegistry.abi.Pack("proxiableUUID")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackProxiableUUID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52d1902d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (validationRegistry *ValidationRegistry) TryPackProxiableUUID() ([]byte, error) {
	return validationRegistry.abi.Pack("proxiableUUID")
}

// UnpackProxiableUUID is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x52d1902d.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (validationRegistry *ValidationRegistry) UnpackProxiableUUID(data []byte) ([32]byte, error) {
	out, err := validationRegistry.abi.Unpack("proxiableUUID", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (validationRegistry *ValidationRegistry) PackRenounceOwnership() []byte {
	enc, err := validationRegistry.abi.Pack("renounceOwnership")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function renounceOwnership() returns()
func (validationRegistry *ValidationRegistry) TryPackRenounceOwnership() ([]byte, error) {
	return validationRegistry.abi.Pack("renounceOwnership")
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (validationRegistry *ValidationRegistry) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := validationRegistry.abi.Pack("transferOwnership", newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (validationRegistry *ValidationRegistry) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return validationRegistry.abi.Pack("transferOwnership", newOwner)
}

// PackUpgradeToAndCall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f1ef286.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function upgradeToAndCall(address newImplementation, bytes data) payable returns()
func (validationRegistry *ValidationRegistry) PackUpgradeToAndCall(newImplementation common.Address, data []byte) []byte {
	enc, err := validationRegistry.abi.Pack("upgradeToAndCall", newImplementation, data)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUpgradeToAndCall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f1ef286.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function upgradeToAndCall(address newImplementation, bytes data) payable returns()
func (validationRegistry *ValidationRegistry) TryPackUpgradeToAndCall(newImplementation common.Address, data []byte) ([]byte, error) {
	return validationRegistry.abi.Pack("upgradeToAndCall", newImplementation, data)
}

// PackValidationRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaaf400c4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function validationRequest(address validatorAddress, uint256 agentId, string requestURI, bytes32 requestHash) returns()
func (validationRegistry *ValidationRegistry) PackValidationRequest(validatorAddress common.Address, agentId *big.Int, requestURI string, requestHash [32]byte) []byte {
	enc, err := validationRegistry.abi.Pack("validationRequest", validatorAddress, agentId, requestURI, requestHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackValidationRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaaf400c4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function validationRequest(address validatorAddress, uint256 agentId, string requestURI, bytes32 requestHash) returns()
func (validationRegistry *ValidationRegistry) TryPackValidationRequest(validatorAddress common.Address, agentId *big.Int, requestURI string, requestHash [32]byte) ([]byte, error) {
	return validationRegistry.abi.Pack("validationRequest", validatorAddress, agentId, requestURI, requestHash)
}

// PackValidationResponse is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3d659a96.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function validationResponse(bytes32 requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag) returns()
func (validationRegistry *ValidationRegistry) PackValidationResponse(requestHash [32]byte, response uint8, responseURI string, responseHash [32]byte, tag string) []byte {
	enc, err := validationRegistry.abi.Pack("validationResponse", requestHash, response, responseURI, responseHash, tag)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackValidationResponse is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3d659a96.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function validationResponse(bytes32 requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag) returns()
func (validationRegistry *ValidationRegistry) TryPackValidationResponse(requestHash [32]byte, response uint8, responseURI string, responseHash [32]byte, tag string) ([]byte, error) {
	return validationRegistry.abi.Pack("validationResponse", requestHash, response, responseURI, responseHash, tag)
}

// ValidationRegistryInitialized represents a Initialized event raised by the ValidationRegistry contract.
type ValidationRegistryInitialized struct {
	Version uint64
	Raw     *types.Log // Blockchain specific contextual infos
}

const ValidationRegistryInitializedEventName = "Initialized"

// ContractEventName returns the user-defined event name.
func (ValidationRegistryInitialized) ContractEventName() string {
	return ValidationRegistryInitializedEventName
}

// UnpackInitializedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Initialized(uint64 version)
func (validationRegistry *ValidationRegistry) UnpackInitializedEvent(log *types.Log) (*ValidationRegistryInitialized, error) {
	event := "Initialized"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validationRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidationRegistryInitialized)
	if len(log.Data) > 0 {
		if err := validationRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validationRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ValidationRegistryOwnershipTransferred represents a OwnershipTransferred event raised by the ValidationRegistry contract.
type ValidationRegistryOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const ValidationRegistryOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (ValidationRegistryOwnershipTransferred) ContractEventName() string {
	return ValidationRegistryOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (validationRegistry *ValidationRegistry) UnpackOwnershipTransferredEvent(log *types.Log) (*ValidationRegistryOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validationRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidationRegistryOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := validationRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validationRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ValidationRegistryUpgraded represents a Upgraded event raised by the ValidationRegistry contract.
type ValidationRegistryUpgraded struct {
	Implementation common.Address
	Raw            *types.Log // Blockchain specific contextual infos
}

const ValidationRegistryUpgradedEventName = "Upgraded"

// ContractEventName returns the user-defined event name.
func (ValidationRegistryUpgraded) ContractEventName() string {
	return ValidationRegistryUpgradedEventName
}

// UnpackUpgradedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Upgraded(address indexed implementation)
func (validationRegistry *ValidationRegistry) UnpackUpgradedEvent(log *types.Log) (*ValidationRegistryUpgraded, error) {
	event := "Upgraded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validationRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidationRegistryUpgraded)
	if len(log.Data) > 0 {
		if err := validationRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validationRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ValidationRegistryValidationRequest represents a ValidationRequest event raised by the ValidationRegistry contract.
type ValidationRegistryValidationRequest struct {
	ValidatorAddress common.Address
	AgentId          *big.Int
	RequestURI       string
	RequestHash      [32]byte
	Raw              *types.Log // Blockchain specific contextual infos
}

const ValidationRegistryValidationRequestEventName = "ValidationRequest"

// ContractEventName returns the user-defined event name.
func (ValidationRegistryValidationRequest) ContractEventName() string {
	return ValidationRegistryValidationRequestEventName
}

// UnpackValidationRequestEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ValidationRequest(address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash)
func (validationRegistry *ValidationRegistry) UnpackValidationRequestEvent(log *types.Log) (*ValidationRegistryValidationRequest, error) {
	event := "ValidationRequest"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validationRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidationRegistryValidationRequest)
	if len(log.Data) > 0 {
		if err := validationRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validationRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ValidationRegistryValidationResponse represents a ValidationResponse event raised by the ValidationRegistry contract.
type ValidationRegistryValidationResponse struct {
	ValidatorAddress common.Address
	AgentId          *big.Int
	RequestHash      [32]byte
	Response         uint8
	ResponseURI      string
	ResponseHash     [32]byte
	Tag              string
	Raw              *types.Log // Blockchain specific contextual infos
}

const ValidationRegistryValidationResponseEventName = "ValidationResponse"

// ContractEventName returns the user-defined event name.
func (ValidationRegistryValidationResponse) ContractEventName() string {
	return ValidationRegistryValidationResponseEventName
}

// UnpackValidationResponseEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag)
func (validationRegistry *ValidationRegistry) UnpackValidationResponseEvent(log *types.Log) (*ValidationRegistryValidationResponse, error) {
	event := "ValidationResponse"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validationRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidationRegistryValidationResponse)
	if len(log.Data) > 0 {
		if err := validationRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validationRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (validationRegistry *ValidationRegistry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["AddressEmptyCode"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackAddressEmptyCodeError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["ERC1967InvalidImplementation"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackERC1967InvalidImplementationError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["ERC1967NonPayable"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackERC1967NonPayableError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["FailedCall"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackFailedCallError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["InvalidInitialization"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackInvalidInitializationError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["NotInitializing"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackNotInitializingError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["OwnableInvalidOwner"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackOwnableInvalidOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["OwnableUnauthorizedAccount"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackOwnableUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["UUPSUnauthorizedCallContext"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackUUPSUnauthorizedCallContextError(raw[4:])
	}
	if bytes.Equal(raw[:4], validationRegistry.abi.Errors["UUPSUnsupportedProxiableUUID"].ID.Bytes()[:4]) {
		return validationRegistry.UnpackUUPSUnsupportedProxiableUUIDError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// ValidationRegistryAddressEmptyCode represents a AddressEmptyCode error raised by the ValidationRegistry contract.
type ValidationRegistryAddressEmptyCode struct {
	Target common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AddressEmptyCode(address target)
func ValidationRegistryAddressEmptyCodeErrorID() common.Hash {
	return common.HexToHash("0x9996b315c842ff135b8fc4a08ad5df1c344efbc03d2687aecc0678050d2aac89")
}

// UnpackAddressEmptyCodeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AddressEmptyCode(address target)
func (validationRegistry *ValidationRegistry) UnpackAddressEmptyCodeError(raw []byte) (*ValidationRegistryAddressEmptyCode, error) {
	out := new(ValidationRegistryAddressEmptyCode)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "AddressEmptyCode", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryERC1967InvalidImplementation represents a ERC1967InvalidImplementation error raised by the ValidationRegistry contract.
type ValidationRegistryERC1967InvalidImplementation struct {
	Implementation common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func ValidationRegistryERC1967InvalidImplementationErrorID() common.Hash {
	return common.HexToHash("0x4c9c8ce3ceb3130f17f7cdba48d89b5b0129f266a8bac114e6e315a41879b617")
}

// UnpackERC1967InvalidImplementationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func (validationRegistry *ValidationRegistry) UnpackERC1967InvalidImplementationError(raw []byte) (*ValidationRegistryERC1967InvalidImplementation, error) {
	out := new(ValidationRegistryERC1967InvalidImplementation)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "ERC1967InvalidImplementation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryERC1967NonPayable represents a ERC1967NonPayable error raised by the ValidationRegistry contract.
type ValidationRegistryERC1967NonPayable struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967NonPayable()
func ValidationRegistryERC1967NonPayableErrorID() common.Hash {
	return common.HexToHash("0xb398979fa84f543c8e222f17890372c487baf85e062276c127fef521eea7224b")
}

// UnpackERC1967NonPayableError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967NonPayable()
func (validationRegistry *ValidationRegistry) UnpackERC1967NonPayableError(raw []byte) (*ValidationRegistryERC1967NonPayable, error) {
	out := new(ValidationRegistryERC1967NonPayable)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "ERC1967NonPayable", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryFailedCall represents a FailedCall error raised by the ValidationRegistry contract.
type ValidationRegistryFailedCall struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error FailedCall()
func ValidationRegistryFailedCallErrorID() common.Hash {
	return common.HexToHash("0xd6bda27508c0fb6d8a39b4b122878dab26f731a7d4e4abe711dd3731899052a4")
}

// UnpackFailedCallError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error FailedCall()
func (validationRegistry *ValidationRegistry) UnpackFailedCallError(raw []byte) (*ValidationRegistryFailedCall, error) {
	out := new(ValidationRegistryFailedCall)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "FailedCall", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryInvalidInitialization represents a InvalidInitialization error raised by the ValidationRegistry contract.
type ValidationRegistryInvalidInitialization struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidInitialization()
func ValidationRegistryInvalidInitializationErrorID() common.Hash {
	return common.HexToHash("0xf92ee8a957075833165f68c320933b1a1294aafc84ee6e0dd3fb178008f9aaf5")
}

// UnpackInvalidInitializationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidInitialization()
func (validationRegistry *ValidationRegistry) UnpackInvalidInitializationError(raw []byte) (*ValidationRegistryInvalidInitialization, error) {
	out := new(ValidationRegistryInvalidInitialization)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "InvalidInitialization", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryNotInitializing represents a NotInitializing error raised by the ValidationRegistry contract.
type ValidationRegistryNotInitializing struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotInitializing()
func ValidationRegistryNotInitializingErrorID() common.Hash {
	return common.HexToHash("0xd7e6bcf8597daa127dc9f0048d2f08d5ef140a2cb659feabd700beff1f7a8302")
}

// UnpackNotInitializingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotInitializing()
func (validationRegistry *ValidationRegistry) UnpackNotInitializingError(raw []byte) (*ValidationRegistryNotInitializing, error) {
	out := new(ValidationRegistryNotInitializing)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "NotInitializing", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryOwnableInvalidOwner represents a OwnableInvalidOwner error raised by the ValidationRegistry contract.
type ValidationRegistryOwnableInvalidOwner struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableInvalidOwner(address owner)
func ValidationRegistryOwnableInvalidOwnerErrorID() common.Hash {
	return common.HexToHash("0x1e4fbdf7f3ef8bcaa855599e3abf48b232380f183f08f6f813d9ffa5bd585188")
}

// UnpackOwnableInvalidOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableInvalidOwner(address owner)
func (validationRegistry *ValidationRegistry) UnpackOwnableInvalidOwnerError(raw []byte) (*ValidationRegistryOwnableInvalidOwner, error) {
	out := new(ValidationRegistryOwnableInvalidOwner)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "OwnableInvalidOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryOwnableUnauthorizedAccount represents a OwnableUnauthorizedAccount error raised by the ValidationRegistry contract.
type ValidationRegistryOwnableUnauthorizedAccount struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func ValidationRegistryOwnableUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0x118cdaa7a341953d1887a2245fd6665d741c67c8c50581daa59e1d03373fa188")
}

// UnpackOwnableUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func (validationRegistry *ValidationRegistry) UnpackOwnableUnauthorizedAccountError(raw []byte) (*ValidationRegistryOwnableUnauthorizedAccount, error) {
	out := new(ValidationRegistryOwnableUnauthorizedAccount)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "OwnableUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryUUPSUnauthorizedCallContext represents a UUPSUnauthorizedCallContext error raised by the ValidationRegistry contract.
type ValidationRegistryUUPSUnauthorizedCallContext struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnauthorizedCallContext()
func ValidationRegistryUUPSUnauthorizedCallContextErrorID() common.Hash {
	return common.HexToHash("0xe07c8dba242a06571ac65fe4bbe20522c9fb111cb33599b799ff8039c1ed18f4")
}

// UnpackUUPSUnauthorizedCallContextError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnauthorizedCallContext()
func (validationRegistry *ValidationRegistry) UnpackUUPSUnauthorizedCallContextError(raw []byte) (*ValidationRegistryUUPSUnauthorizedCallContext, error) {
	out := new(ValidationRegistryUUPSUnauthorizedCallContext)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "UUPSUnauthorizedCallContext", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidationRegistryUUPSUnsupportedProxiableUUID represents a UUPSUnsupportedProxiableUUID error raised by the ValidationRegistry contract.
type ValidationRegistryUUPSUnsupportedProxiableUUID struct {
	Slot [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func ValidationRegistryUUPSUnsupportedProxiableUUIDErrorID() common.Hash {
	return common.HexToHash("0xaa1d49a4c084bfa9aeeee2a0be65267a7f19ba7e1476b114dac513d2c14cb563")
}

// UnpackUUPSUnsupportedProxiableUUIDError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func (validationRegistry *ValidationRegistry) UnpackUUPSUnsupportedProxiableUUIDError(raw []byte) (*ValidationRegistryUUPSUnsupportedProxiableUUID, error) {
	out := new(ValidationRegistryUUPSUnsupportedProxiableUUID)
	if err := validationRegistry.abi.UnpackIntoInterface(out, "UUPSUnsupportedProxiableUUID", raw); err != nil {
		return nil, err
	}
	return out, nil
}
