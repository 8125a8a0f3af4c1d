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

// PaymentTokenMetaData contains all meta data concerning the PaymentToken contract.
var PaymentTokenMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"allowance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientAllowance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientBalance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"approver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidApprover\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"receiver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidReceiver\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSender\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSpender\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidShortString\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"str\",\"type\":\"string\"}],\"name\":\"StringTooLong\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"authorizer\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"}],\"name\":\"AuthorizationUsed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[],\"name\":\"EIP712DomainChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"RECEIVE_WITH_AUTHORIZATION_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"TRANSFER_WITH_AUTHORIZATION_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"authorizer\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"}],\"name\":\"authorizationState\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"decimals\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"eip712Domain\",\"outputs\":[{\"internalType\":\"bytes1\",\"name\":\"fields\",\"type\":\"bytes1\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"version\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"chainId\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"verifyingContract\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256[]\",\"name\":\"extensions\",\"type\":\"uint256[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"mint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"minter\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validAfter\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validBefore\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"name\":\"receiveWithAuthorization\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalSupply\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validAfter\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validBefore\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"name\":\"transferWithAuthorization\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "PaymentToken",
	Bin: "0x6101806040523461044b5760405161001860408261044f565b600e815260208101906d55534420436f696e20286465762960901b82526040519161004460408461044f565b600183526020830191601960f91b835260405161006260408261044f565b600e81526d55534420436f696e20286465762960901b60208201526040519061008c60408361044f565b60048252635553444360e01b60208301528051906001600160401b03821161034e5760035490600182811c92168015610441575b60208310146103305781601f8493116103d3575b50602090601f831160011461036d575f92610362575b50508160011b915f199060031b1c1916176003555b8051906001600160401b03821161034e5760045490600182811c92168015610344575b60208310146103305781601f8493116102c2575b50602090601f831160011461025c575f92610251575b50508160011b915f199060031b1c1916176004555b61016a81610472565b61012052610177846105f9565b61014052519020918260e05251902080610100524660a0526040519060208201927f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f8452604083015260608201524660808201523060a082015260a081526101e060c08261044f565b5190206080523060c052336101605260405161114b9081610732823960805181610f94015260a05181611051015260c05181610f5e015260e05181610fe3015261010051816110090152610120518161065b015261014051816106840152610160518181816107cb0152610a600152f35b015190505f8061014c565b60045f9081528281209350601f198516905b8181106102aa5750908460019594939210610292575b505050811b01600455610161565b01515f1960f88460031b161c191690555f8080610284565b9293602060018192878601518155019501930161026e565b60045f529091507f8a35acfbc15ff81a39ae7d344fd709f28e8600b4aa8c65c6b64bfe7fe36bd19b601f840160051c81019160208510610326575b90601f859493920160051c01905b8181106103185750610136565b5f815584935060010161030b565b90915081906102fd565b634e487b7160e01b5f52602260045260245ffd5b91607f1691610122565b634e487b7160e01b5f52604160045260245ffd5b015190505f806100ea565b60035f9081528281209350601f198516905b8181106103bb57509084600195949392106103a3575b505050811b016003556100ff565b01515f1960f88460031b161c191690555f8080610395565b9293602060018192878601518155019501930161037f565b60035f529091507fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b601f840160051c81019160208510610437575b90601f859493920160051c01905b81811061042957506100d4565b5f815584935060010161041c565b909150819061040e565b91607f16916100c0565b5f80fd5b601f909101601f19168101906001600160401b0382119082101761034e57604052565b908151602081105f146104ec575090601f8151116104ac57602081519101516020821061049d571790565b5f198260200360031b1b161790565b604460209160405192839163305a27a960e01b83528160048401528051918291826024860152018484015e5f828201840152601f01601f19168101030190fd5b6001600160401b03811161034e57600554600181811c911680156105ef575b602082101461033057601f81116105bc575b50602092601f821160011461055b57928192935f92610550575b50508160011b915f199060031b1c19161760055560ff90565b015190505f80610537565b601f1982169360055f52805f20915f5b8681106105a4575083600195961061058c575b505050811b0160055560ff90565b01515f1960f88460031b161c191690555f808061057e565b9192602060018192868501518155019401920161056b565b60055f52601f60205f20910160051c810190601f830160051c015b8181106105e4575061051d565b5f81556001016105d7565b90607f169061050b565b908151602081105f14610624575090601f8151116104ac57602081519101516020821061049d571790565b6001600160401b03811161034e57600654600181811c91168015610727575b602082101461033057601f81116106f4575b50602092601f821160011461069357928192935f92610688575b50508160011b915f199060031b1c19161760065560ff90565b015190505f8061066f565b601f1982169360065f52805f20915f5b8681106106dc57508360019596106106c4575b505050811b0160065560ff90565b01515f1960f88460031b161c191690555f80806106b6565b919260206001819286850151815501940192016106a3565b60065f52601f60205f20910160051c810190601f830160051c015b81811061071c5750610655565b5f815560010161070f565b90607f169061064356fe6080806040526004361015610012575f80fd5b5f3560e01c90816306fdde0314610a8f575080630754617214610a4b578063095ea7b3146109c957806318160ddd146109ac57806323b872dd146108cd578063313ce567146108b257806340c10f19146107ac57806370a08231146107755780637f2eecc31461073b57806384b0196e1461064357806388b7ab631461053c57806395d89b411461045a578063a0cc6a6814610420578063a9059cbb146103ef578063cf09299514610174578063dd62ed3e146101245763e94a0102146100d7575f80fd5b34610120576040366003190112610120576001600160a01b036100f8610b55565b165f52600760205260405f206024355f52602052602060ff60405f2054166040519015158152f35b5f80fd5b346101205760403660031901126101205761013d610b55565b610145610b6b565b6001600160a01b039182165f908152600160209081526040808320949093168252928352819020549051908152f35b346101205761018236610b81565b9091928497949695964211156103aa57804210156103655760018060a01b03851697885f52600760205260405f20855f5260205260ff60405f205416610316576042916040519060208201927f7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a226784528b604084015260018060a01b038a1660608401528a608084015260a083015260c08201528560e082015260e0815261022b61010082610cc3565b519020610236610f5b565b906040519161190160f01b8352600283015260228201522061025782610da3565b916102656040519384610cc3565b8083523681850111610120576020815f9261028896838701378401015284610e59565b156102dd57846102db955f52600760205260405f20825f5260205260405f20600160ff198254161790557f98de503528ee59b575ef0c0a2576a82497bfc029a5685b209e9ec333479b10a55f80a3610cf9565b005b60405162461bcd60e51b8152602060048201526011602482015270696e76616c6964207369676e617475726560781b6044820152606490fd5b60405162461bcd60e51b815260206004820152602160248201527f617574686f72697a6174696f6e2069732075736564206f722063616e63656c656044820152601960fa1b6064820152608490fd5b60405162461bcd60e51b815260206004820152601860248201527f617574686f72697a6174696f6e206973206578706972656400000000000000006044820152606490fd5b60405162461bcd60e51b815260206004820152601e60248201527f617574686f72697a6174696f6e206973206e6f74207965742076616c696400006044820152606490fd5b346101205760403660031901126101205761041561040b610b55565b6024359033610cf9565b602060405160018152f35b34610120575f3660031901126101205760206040517f7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a22678152f35b34610120575f366003190112610120576040515f60045461047a81610c0a565b808452906001811690811561051857506001146104ba575b6104b6836104a281850382610cc3565b604051918291602083526020830190610b31565b0390f35b60045f9081527f8a35acfbc15ff81a39ae7d344fd709f28e8600b4aa8c65c6b64bfe7fe36bd19b939250905b8082106104fe575090915081016020016104a2610492565b9192600181602092548385880101520191019092916104e6565b60ff191660208086019190915291151560051b840190910191506104a29050610492565b346101205761054a36610b81565b93969495949391929091906001600160a01b0386163381036105fe57884211156103aa57814210156103655760018060a01b03861698895f52600760205260405f20865f5260205260ff60405f205416610316576042926040519160208301937fd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de885528c604085015260608401528a608084015260a083015260c08201528560e082015260e0815261022b61010082610cc3565b60405162461bcd60e51b815260206004820152601860248201527f63616c6c6572206d7573742062652074686520706179656500000000000000006044820152606490fd5b34610120575f366003190112610120576106df61067f7f0000000000000000000000000000000000000000000000000000000000000000610dbf565b6106a87f0000000000000000000000000000000000000000000000000000000000000000610e22565b60206106ed604051926106bb8385610cc3565b5f84525f368137604051958695600f60f81b875260e08588015260e0870190610b31565b908582036040870152610b31565b4660608501523060808501525f60a085015283810360c08501528180845192838152019301915f5b82811061072457505050500390f35b835185528695509381019392810192600101610715565b34610120575f3660031901126101205760206040517fd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de88152f35b34610120576020366003190112610120576001600160a01b03610796610b55565b165f525f602052602060405f2054604051908152f35b34610120576040366003190112610120576107c5610b55565b602435907f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03163303610880576001600160a01b031690811561086d57600254908082018092116108595760207fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef915f9360025584845283825260408420818154019055604051908152a3005b634e487b7160e01b5f52601160045260245ffd5b63ec442f0560e01b5f525f60045260245ffd5b60405162461bcd60e51b815260206004820152600a6024820152693737ba1036b4b73a32b960b11b6044820152606490fd5b34610120575f36600319011261012057602060405160068152f35b34610120576060366003190112610120576108e6610b55565b6108ee610b6b565b6001600160a01b0382165f818152600160209081526040808320338452909152902054909260443592915f19811061092c575b506104159350610cf9565b83811061099157841561097e57331561096b57610415945f52600160205260405f2060018060a01b0333165f526020528360405f209103905584610921565b634a1406b160e11b5f525f60045260245ffd5b63e602df0560e01b5f525f60045260245ffd5b8390637dc7a0d960e11b5f523360045260245260445260645ffd5b34610120575f366003190112610120576020600254604051908152f35b34610120576040366003190112610120576109e2610b55565b60243590331561097e576001600160a01b031690811561096b57335f52600160205260405f20825f526020528060405f20556040519081527f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b92560203392a3602060405160018152f35b34610120575f366003190112610120576040517f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03168152602090f35b34610120575f366003190112610120575f600354610aac81610c0a565b80845290600181169081156105185750600114610ad3576104b6836104a281850382610cc3565b60035f9081527fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b939250905b808210610b17575090915081016020016104a2610492565b919260018160209254838588010152019101909291610aff565b805180835260209291819084018484015e5f828201840152601f01601f1916010190565b600435906001600160a01b038216820361012057565b602435906001600160a01b038216820361012057565b9060e0600319830112610120576004356001600160a01b038116810361012057916024356001600160a01b0381168103610120579160443591606435916084359160a4359160c43567ffffffffffffffff811161012057826023820112156101205780600401359267ffffffffffffffff84116101205760248483010111610120576024019190565b90600182811c92168015610c38575b6020831014610c2457565b634e487b7160e01b5f52602260045260245ffd5b91607f1691610c19565b5f9291815491610c5183610c0a565b8083529260018116908115610ca65750600114610c6d57505050565b5f9081526020812093945091925b838310610c8c575060209250010190565b600181602092949394548385870101520191019190610c7b565b915050602093945060ff929192191683830152151560051b010190565b90601f8019910116810190811067ffffffffffffffff821117610ce557604052565b634e487b7160e01b5f52604160045260245ffd5b6001600160a01b0316908115610d90576001600160a01b031691821561086d57815f525f60205260405f2054818110610d7757817fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef92602092855f525f84520360405f2055845f525f825260405f20818154019055604051908152a3565b8263391434e360e21b5f5260045260245260445260645ffd5b634b637e8f60e11b5f525f60045260245ffd5b67ffffffffffffffff8111610ce557601f01601f191660200190565b60ff8114610e055760ff811690601f8211610df65760405191610de3604084610cc3565b6020808452838101919036833783525290565b632cd44ac360e21b5f5260045ffd5b50604051610e1f81610e18816005610c42565b0382610cc3565b90565b60ff8114610e465760ff811690601f8211610df65760405191610de3604084610cc3565b50604051610e1f81610e18816006610c42565b9190823b610ea85790610e6b91611077565b506004811015610e9457159182610e8157505090565b6001600160a01b03918216911614919050565b634e487b7160e01b5f52602160045260245ffd5b915f92610ede610eec85946040519283916020830195630b135d3f60e11b87526024840152604060448401526064830190610b31565b03601f198101835282610cc3565b51915afa3d15610f54573d610f0081610da3565b90610f0e6040519283610cc3565b81523d5f602083013e5b81610f46575b81610f27575090565b90506020818051810103126101205760200151630b135d3f60e11b1490565b905060208151101590610f1e565b6060610f18565b307f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316148061104e575b15610fb6577f000000000000000000000000000000000000000000000000000000000000000090565b60405160208101907f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f82527f000000000000000000000000000000000000000000000000000000000000000060408201527f000000000000000000000000000000000000000000000000000000000000000060608201524660808201523060a082015260a0815261104860c082610cc3565b51902090565b507f00000000000000000000000000000000000000000000000000000000000000004614610f8d565b81519190604183036110a7576110a09250602082015190606060408401519301515f1a906110b1565b9192909190565b50505f9160029190565b91907f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a08411611133579160209360809260ff5f9560405194855216868401526040830152606082015282805260015afa15611128575f516001600160a01b0381161561111e57905f905f90565b505f906001905f90565b6040513d5f823e3d90fd5b5050505f916003919056fea164736f6c634300081c000a",
}

// PaymentToken is an auto generated Go binding around an Ethereum contract.
type PaymentToken struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *PaymentToken) GetABI() abi.ABI {
	return c.abi
}

// NewPaymentToken creates a new instance of PaymentToken.
func NewPaymentToken() *PaymentToken {
	parsed, err := PaymentTokenMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &PaymentToken{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *PaymentToken) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackRECEIVEWITHAUTHORIZATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7f2eecc3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function RECEIVE_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) PackRECEIVEWITHAUTHORIZATIONTYPEHASH() []byte {
	enc, err := paymentToken.abi.Pack("RECEIVE_WITH_AUTHORIZATION_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRECEIVEWITHAUTHORIZATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7f2eecc3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function RECEIVE_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) TryPackRECEIVEWITHAUTHORIZATIONTYPEHASH() ([]byte, error) {
	return paymentToken.abi.Pack("RECEIVE_WITH_AUTHORIZATION_TYPEHASH")
}

// UnpackRECEIVEWITHAUTHORIZATIONTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7f2eecc3.
//
// Solidity: function RECEIVE_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) UnpackRECEIVEWITHAUTHORIZATIONTYPEHASH(data []byte) ([32]byte, error) {
	out, err := paymentToken.abi.Unpack("RECEIVE_WITH_AUTHORIZATION_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackTRANSFERWITHAUTHORIZATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa0cc6a68.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) PackTRANSFERWITHAUTHORIZATIONTYPEHASH() []byte {
	enc, err := paymentToken.abi.Pack("TRANSFER_WITH_AUTHORIZATION_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTRANSFERWITHAUTHORIZATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa0cc6a68.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) TryPackTRANSFERWITHAUTHORIZATIONTYPEHASH() ([]byte, error) {
	return paymentToken.abi.Pack("TRANSFER_WITH_AUTHORIZATION_TYPEHASH")
}

// UnpackTRANSFERWITHAUTHORIZATIONTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa0cc6a68.
//
// Solidity: function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() view returns(bytes32)
func (paymentToken *PaymentToken) UnpackTRANSFERWITHAUTHORIZATIONTYPEHASH(data []byte) ([32]byte, error) {
	out, err := paymentToken.abi.Unpack("TRANSFER_WITH_AUTHORIZATION_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAllowance is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdd62ed3e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (paymentToken *PaymentToken) PackAllowance(owner common.Address, spender common.Address) []byte {
	enc, err := paymentToken.abi.Pack("allowance", owner, spender)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowance is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdd62ed3e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (paymentToken *PaymentToken) TryPackAllowance(owner common.Address, spender common.Address) ([]byte, error) {
	return paymentToken.abi.Pack("allowance", owner, spender)
}

// UnpackAllowance is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (paymentToken *PaymentToken) UnpackAllowance(data []byte) (*big.Int, error) {
	out, err := paymentToken.abi.Unpack("allowance", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x095ea7b3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (paymentToken *PaymentToken) PackApprove(spender common.Address, value *big.Int) []byte {
	enc, err := paymentToken.abi.Pack("approve", spender, value)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x095ea7b3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (paymentToken *PaymentToken) TryPackApprove(spender common.Address, value *big.Int) ([]byte, error) {
	return paymentToken.abi.Pack("approve", spender, value)
}

// UnpackApprove is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (paymentToken *PaymentToken) UnpackApprove(data []byte) (bool, error) {
	out, err := paymentToken.abi.Unpack("approve", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackAuthorizationState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe94a0102.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function authorizationState(address authorizer, bytes32 nonce) view returns(bool)
func (paymentToken *PaymentToken) PackAuthorizationState(authorizer common.Address, nonce [32]byte) []byte {
	enc, err := paymentToken.abi.Pack("authorizationState", authorizer, nonce)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAuthorizationState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe94a0102.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function authorizationState(address authorizer, bytes32 nonce) view returns(bool)
func (paymentToken *PaymentToken) TryPackAuthorizationState(authorizer common.Address, nonce [32]byte) ([]byte, error) {
	return paymentToken.abi.Pack("authorizationState", authorizer, nonce)
}

// UnpackAuthorizationState is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe94a0102.
//
// Solidity: function authorizationState(address authorizer, bytes32 nonce) view returns(bool)
func (paymentToken *PaymentToken) UnpackAuthorizationState(data []byte) (bool, error) {
	out, err := paymentToken.abi.Unpack("authorizationState", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (paymentToken *PaymentToken) PackBalanceOf(account common.Address) []byte {
	enc, err := paymentToken.abi.Pack("balanceOf", account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (paymentToken *PaymentToken) TryPackBalanceOf(account common.Address) ([]byte, error) {
	return paymentToken.abi.Pack("balanceOf", account)
}

// UnpackBalanceOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (paymentToken *PaymentToken) UnpackBalanceOf(data []byte) (*big.Int, error) {
	out, err := paymentToken.abi.Unpack("balanceOf", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackDecimals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x313ce567.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function decimals() pure returns(uint8)
func (paymentToken *PaymentToken) PackDecimals() []byte {
	enc, err := paymentToken.abi.Pack("decimals")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDecimals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x313ce567.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function decimals() pure returns(uint8)
func (paymentToken *PaymentToken) TryPackDecimals() ([]byte, error) {
	return paymentToken.abi.Pack("decimals")
}

// UnpackDecimals is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x313ce567.
//
// Solidity: function decimals() pure returns(uint8)
func (paymentToken *PaymentToken) UnpackDecimals(data []byte) (uint8, error) {
	out, err := paymentToken.abi.Unpack("decimals", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackTokenEip712Domain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84b0196e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (paymentToken *PaymentToken) PackTokenEip712Domain() []byte {
	enc, err := paymentToken.abi.Pack("eip712Domain")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTokenEip712Domain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84b0196e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (paymentToken *PaymentToken) TryPackTokenEip712Domain() ([]byte, error) {
	return paymentToken.abi.Pack("eip712Domain")
}

// TokenEip712DomainOutput serves as a container for the return parameters of contract
// method TokenEip712Domain.
type TokenEip712DomainOutput struct {
	Fields            [1]byte
	Name              string
	Version           string
	ChainId           *big.Int
	VerifyingContract common.Address
	Salt              [32]byte
	Extensions        []*big.Int
}

// UnpackTokenEip712Domain is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x84b0196e.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (paymentToken *PaymentToken) UnpackTokenEip712Domain(data []byte) (TokenEip712DomainOutput, error) {
	out, err := paymentToken.abi.Unpack("eip712Domain", data)
	outstruct := new(TokenEip712DomainOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Fields = *abi.ConvertType(out[0], new([1]byte)).(*[1]byte)
	outstruct.Name = *abi.ConvertType(out[1], new(string)).(*string)
	outstruct.Version = *abi.ConvertType(out[2], new(string)).(*string)
	outstruct.ChainId = abi.ConvertType(out[3], new(big.Int)).(*big.Int)
	outstruct.VerifyingContract = *abi.ConvertType(out[4], new(common.Address)).(*common.Address)
	outstruct.Salt = *abi.ConvertType(out[5], new([32]byte)).(*[32]byte)
	outstruct.Extensions = *abi.ConvertType(out[6], new([]*big.Int)).(*[]*big.Int)
	return *outstruct, nil
}

// PackMint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40c10f19.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function mint(address to, uint256 value) returns()
func (paymentToken *PaymentToken) PackMint(to common.Address, value *big.Int) []byte {
	enc, err := paymentToken.abi.Pack("mint", to, value)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40c10f19.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function mint(address to, uint256 value) returns()
func (paymentToken *PaymentToken) TryPackMint(to common.Address, value *big.Int) ([]byte, error) {
	return paymentToken.abi.Pack("mint", to, value)
}

// PackMinter is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x07546172.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function minter() view returns(address)
func (paymentToken *PaymentToken) PackMinter() []byte {
	enc, err := paymentToken.abi.Pack("minter")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMinter is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x07546172.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function minter() view returns(address)
func (paymentToken *PaymentToken) TryPackMinter() ([]byte, error) {
	return paymentToken.abi.Pack("minter")
}

// UnpackMinter is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x07546172.
//
// Solidity: function minter() view returns(address)
func (paymentToken *PaymentToken) UnpackMinter(data []byte) (common.Address, error) {
	out, err := paymentToken.abi.Unpack("minter", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackName is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06fdde03.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function name() view returns(string)
func (paymentToken *PaymentToken) PackName() []byte {
	enc, err := paymentToken.abi.Pack("name")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackName is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06fdde03.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function name() view returns(string)
func (paymentToken *PaymentToken) TryPackName() ([]byte, error) {
	return paymentToken.abi.Pack("name")
}

// UnpackName is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (paymentToken *PaymentToken) UnpackName(data []byte) (string, error) {
	out, err := paymentToken.abi.Unpack("name", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackReceiveWithAuthorization is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x88b7ab63.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature) returns()
func (paymentToken *PaymentToken) PackReceiveWithAuthorization(from common.Address, to common.Address, value *big.Int, validAfter *big.Int, validBefore *big.Int, nonce [32]byte, signature []byte) []byte {
	enc, err := paymentToken.abi.Pack("receiveWithAuthorization", from, to, value, validAfter, validBefore, nonce, signature)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReceiveWithAuthorization is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x88b7ab63.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature) returns()
func (paymentToken *PaymentToken) TryPackReceiveWithAuthorization(from common.Address, to common.Address, value *big.Int, validAfter *big.Int, validBefore *big.Int, nonce [32]byte, signature []byte) ([]byte, error) {
	return paymentToken.abi.Pack("receiveWithAuthorization", from, to, value, validAfter, validBefore, nonce, signature)
}

// PackSymbol is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95d89b41.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function symbol() view returns(string)
func (paymentToken *PaymentToken) PackSymbol() []byte {
	enc, err := paymentToken.abi.Pack("symbol")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSymbol is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95d89b41.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function symbol() view returns(string)
func (paymentToken *PaymentToken) TryPackSymbol() ([]byte, error) {
	return paymentToken.abi.Pack("symbol")
}

// UnpackSymbol is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (paymentToken *PaymentToken) UnpackSymbol(data []byte) (string, error) {
	out, err := paymentToken.abi.Unpack("symbol", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackTotalSupply is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18160ddd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function totalSupply() view returns(uint256)
func (paymentToken *PaymentToken) PackTotalSupply() []byte {
	enc, err := paymentToken.abi.Pack("totalSupply")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTotalSupply is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18160ddd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function totalSupply() view returns(uint256)
func (paymentToken *PaymentToken) TryPackTotalSupply() ([]byte, error) {
	return paymentToken.abi.Pack("totalSupply")
}

// UnpackTotalSupply is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (paymentToken *PaymentToken) UnpackTotalSupply(data []byte) (*big.Int, error) {
	out, err := paymentToken.abi.Unpack("totalSupply", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackTransfer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9059cbb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) PackTransfer(to common.Address, value *big.Int) []byte {
	enc, err := paymentToken.abi.Pack("transfer", to, value)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransfer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9059cbb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) TryPackTransfer(to common.Address, value *big.Int) ([]byte, error) {
	return paymentToken.abi.Pack("transfer", to, value)
}

// UnpackTransfer is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) UnpackTransfer(data []byte) (bool, error) {
	out, err := paymentToken.abi.Unpack("transfer", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTransferFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23b872dd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) PackTransferFrom(from common.Address, to common.Address, value *big.Int) []byte {
	enc, err := paymentToken.abi.Pack("transferFrom", from, to, value)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23b872dd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) TryPackTransferFrom(from common.Address, to common.Address, value *big.Int) ([]byte, error) {
	return paymentToken.abi.Pack("transferFrom", from, to, value)
}

// UnpackTransferFrom is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (paymentToken *PaymentToken) UnpackTransferFrom(data []byte) (bool, error) {
	out, err := paymentToken.abi.Unpack("transferFrom", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTransferWithAuthorization is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf092995.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature) returns()
func (paymentToken *PaymentToken) PackTransferWithAuthorization(from common.Address, to common.Address, value *big.Int, validAfter *big.Int, validBefore *big.Int, nonce [32]byte, signature []byte) []byte {
	enc, err := paymentToken.abi.Pack("transferWithAuthorization", from, to, value, validAfter, validBefore, nonce, signature)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferWithAuthorization is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf092995.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature) returns()
func (paymentToken *PaymentToken) TryPackTransferWithAuthorization(from common.Address, to common.Address, value *big.Int, validAfter *big.Int, validBefore *big.Int, nonce [32]byte, signature []byte) ([]byte, error) {
	return paymentToken.abi.Pack("transferWithAuthorization", from, to, value, validAfter, validBefore, nonce, signature)
}

// PaymentTokenApproval represents a Approval event raised by the PaymentToken contract.
type PaymentTokenApproval struct {
	Owner   common.Address
	Spender common.Address
	Value   *big.Int
	Raw     *types.Log // Blockchain specific contextual infos
}

const PaymentTokenApprovalEventName = "Approval"

// ContractEventName returns the user-defined event name.
func (PaymentTokenApproval) ContractEventName() string {
	return PaymentTokenApprovalEventName
}

// UnpackApprovalEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (paymentToken *PaymentToken) UnpackApprovalEvent(log *types.Log) (*PaymentTokenApproval, error) {
	event := "Approval"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != paymentToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PaymentTokenApproval)
	if len(log.Data) > 0 {
		if err := paymentToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range paymentToken.abi.Events[event].Inputs {
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

// PaymentTokenAuthorizationUsed represents a AuthorizationUsed event raised by the PaymentToken contract.
type PaymentTokenAuthorizationUsed struct {
	Authorizer common.Address
	Nonce      [32]byte
	Raw        *types.Log // Blockchain specific contextual infos
}

const PaymentTokenAuthorizationUsedEventName = "AuthorizationUsed"

// ContractEventName returns the user-defined event name.
func (PaymentTokenAuthorizationUsed) ContractEventName() string {
	return PaymentTokenAuthorizationUsedEventName
}

// UnpackAuthorizationUsedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)
func (paymentToken *PaymentToken) UnpackAuthorizationUsedEvent(log *types.Log) (*PaymentTokenAuthorizationUsed, error) {
	event := "AuthorizationUsed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != paymentToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PaymentTokenAuthorizationUsed)
	if len(log.Data) > 0 {
		if err := paymentToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range paymentToken.abi.Events[event].Inputs {
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

// PaymentTokenEIP712DomainChanged represents a EIP712DomainChanged event raised by the PaymentToken contract.
type PaymentTokenEIP712DomainChanged struct {
	Raw *types.Log // Blockchain specific contextual infos
}

const PaymentTokenEIP712DomainChangedEventName = "EIP712DomainChanged"

// ContractEventName returns the user-defined event name.
func (PaymentTokenEIP712DomainChanged) ContractEventName() string {
	return PaymentTokenEIP712DomainChangedEventName
}

// UnpackEIP712DomainChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event EIP712DomainChanged()
func (paymentToken *PaymentToken) UnpackEIP712DomainChangedEvent(log *types.Log) (*PaymentTokenEIP712DomainChanged, error) {
	event := "EIP712DomainChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != paymentToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PaymentTokenEIP712DomainChanged)
	if len(log.Data) > 0 {
		if err := paymentToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range paymentToken.abi.Events[event].Inputs {
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

// PaymentTokenTransfer represents a Transfer event raised by the PaymentToken contract.
type PaymentTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   *types.Log // Blockchain specific contextual infos
}

const PaymentTokenTransferEventName = "Transfer"

// ContractEventName returns the user-defined event name.
func (PaymentTokenTransfer) ContractEventName() string {
	return PaymentTokenTransferEventName
}

// UnpackTransferEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (paymentToken *PaymentToken) UnpackTransferEvent(log *types.Log) (*PaymentTokenTransfer, error) {
	event := "Transfer"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != paymentToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PaymentTokenTransfer)
	if len(log.Data) > 0 {
		if err := paymentToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range paymentToken.abi.Events[event].Inputs {
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
func (paymentToken *PaymentToken) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InsufficientAllowance"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InsufficientAllowanceError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InsufficientBalance"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InsufficientBalanceError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InvalidApprover"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InvalidApproverError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InvalidReceiver"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InvalidReceiverError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InvalidSender"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InvalidSenderError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["ERC20InvalidSpender"].ID.Bytes()[:4]) {
		return paymentToken.UnpackERC20InvalidSpenderError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["InvalidShortString"].ID.Bytes()[:4]) {
		return paymentToken.UnpackInvalidShortStringError(raw[4:])
	}
	if bytes.Equal(raw[:4], paymentToken.abi.Errors["StringTooLong"].ID.Bytes()[:4]) {
		return paymentToken.UnpackStringTooLongError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// PaymentTokenERC20InsufficientAllowance represents a ERC20InsufficientAllowance error raised by the PaymentToken contract.
type PaymentTokenERC20InsufficientAllowance struct {
	Spender   common.Address
	Allowance *big.Int
	Needed    *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)
func PaymentTokenERC20InsufficientAllowanceErrorID() common.Hash {
	return common.HexToHash("0xfb8f41b23e99d2101d86da76cdfa87dd51c82ed07d3cb62cbc473e469dbc75c3")
}

// UnpackERC20InsufficientAllowanceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)
func (paymentToken *PaymentToken) UnpackERC20InsufficientAllowanceError(raw []byte) (*PaymentTokenERC20InsufficientAllowance, error) {
	out := new(PaymentTokenERC20InsufficientAllowance)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InsufficientAllowance", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenERC20InsufficientBalance represents a ERC20InsufficientBalance error raised by the PaymentToken contract.
type PaymentTokenERC20InsufficientBalance struct {
	Sender  common.Address
	Balance *big.Int
	Needed  *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)
func PaymentTokenERC20InsufficientBalanceErrorID() common.Hash {
	return common.HexToHash("0xe450d38cd8d9f7d95077d567d60ed49c7254716e6ad08fc9872816c97e0ffec6")
}

// UnpackERC20InsufficientBalanceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)
func (paymentToken *PaymentToken) UnpackERC20InsufficientBalanceError(raw []byte) (*PaymentTokenERC20InsufficientBalance, error) {
	out := new(PaymentTokenERC20InsufficientBalance)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InsufficientBalance", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenERC20InvalidApprover represents a ERC20InvalidApprover error raised by the PaymentToken contract.
type PaymentTokenERC20InvalidApprover struct {
	Approver common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InvalidApprover(address approver)
func PaymentTokenERC20InvalidApproverErrorID() common.Hash {
	return common.HexToHash("0xe602df05cc75712490294c6c104ab7c17f4030363910a7a2626411c6d3118847")
}

// UnpackERC20InvalidApproverError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InvalidApprover(address approver)
func (paymentToken *PaymentToken) UnpackERC20InvalidApproverError(raw []byte) (*PaymentTokenERC20InvalidApprover, error) {
	out := new(PaymentTokenERC20InvalidApprover)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InvalidApprover", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenERC20InvalidReceiver represents a ERC20InvalidReceiver error raised by the PaymentToken contract.
type PaymentTokenERC20InvalidReceiver struct {
	Receiver common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InvalidReceiver(address receiver)
func PaymentTokenERC20InvalidReceiverErrorID() common.Hash {
	return common.HexToHash("0xec442f055133b72f3b2f9f0bb351c406b178527de2040a7d1feb4e058771f613")
}

// UnpackERC20InvalidReceiverError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InvalidReceiver(address receiver)
func (paymentToken *PaymentToken) UnpackERC20InvalidReceiverError(raw []byte) (*PaymentTokenERC20InvalidReceiver, error) {
	out := new(PaymentTokenERC20InvalidReceiver)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InvalidReceiver", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenERC20InvalidSender represents a ERC20InvalidSender error raised by the PaymentToken contract.
type PaymentTokenERC20InvalidSender struct {
	Sender common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InvalidSender(address sender)
func PaymentTokenERC20InvalidSenderErrorID() common.Hash {
	return common.HexToHash("0x96c6fd1edd0cd6ef7ff0ecc0facdf53148dc0048b57fe58af65755250a7a96bd")
}

// UnpackERC20InvalidSenderError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InvalidSender(address sender)
func (paymentToken *PaymentToken) UnpackERC20InvalidSenderError(raw []byte) (*PaymentTokenERC20InvalidSender, error) {
	out := new(PaymentTokenERC20InvalidSender)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InvalidSender", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenERC20InvalidSpender represents a ERC20InvalidSpender error raised by the PaymentToken contract.
type PaymentTokenERC20InvalidSpender struct {
	Spender common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC20InvalidSpender(address spender)
func PaymentTokenERC20InvalidSpenderErrorID() common.Hash {
	return common.HexToHash("0x94280d62c347d8d9f4d59a76ea321452406db88df38e0c9da304f58b57b373a2")
}

// UnpackERC20InvalidSpenderError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC20InvalidSpender(address spender)
func (paymentToken *PaymentToken) UnpackERC20InvalidSpenderError(raw []byte) (*PaymentTokenERC20InvalidSpender, error) {
	out := new(PaymentTokenERC20InvalidSpender)
	if err := paymentToken.abi.UnpackIntoInterface(out, "ERC20InvalidSpender", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenInvalidShortString represents a InvalidShortString error raised by the PaymentToken contract.
type PaymentTokenInvalidShortString struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidShortString()
func PaymentTokenInvalidShortStringErrorID() common.Hash {
	return common.HexToHash("0xb3512b0c6163e5f0bafab72bb631b9d58cd7a731b082f910338aa21c83d5c274")
}

// UnpackInvalidShortStringError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidShortString()
func (paymentToken *PaymentToken) UnpackInvalidShortStringError(raw []byte) (*PaymentTokenInvalidShortString, error) {
	out := new(PaymentTokenInvalidShortString)
	if err := paymentToken.abi.UnpackIntoInterface(out, "InvalidShortString", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PaymentTokenStringTooLong represents a StringTooLong error raised by the PaymentToken contract.
type PaymentTokenStringTooLong struct {
	Str string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error StringTooLong(string str)
func PaymentTokenStringTooLongErrorID() common.Hash {
	return common.HexToHash("0x305a27a93f8e33b7392df0a0f91d6fc63847395853c45991eec52dbf24d72381")
}

// UnpackStringTooLongError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error StringTooLong(string str)
func (paymentToken *PaymentToken) UnpackStringTooLongError(raw []byte) (*PaymentTokenStringTooLong, error) {
	out := new(PaymentTokenStringTooLong)
	if err := paymentToken.abi.UnpackIntoInterface(out, "StringTooLong", raw); err != nil {
		return nil, err
	}
	return out, nil
}
