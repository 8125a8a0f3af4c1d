package devchain

import (
	"errors"
	"slices"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// Registry indexes, in the order of Registries' fields.
const (
	regIdentity = iota
	regReputation
	regValidation
)

var regNames = [3]string{"Identity", "Reputation", "Validation"}

var (
	identityABI   = contracts.NewIdentityRegistry()
	reputationABI = contracts.NewReputationRegistry()
	validationABI = contracts.NewValidationRegistry()
)

// writeFunctionsBySelector maps, per registry, the selector of every state-changing function
// of its ABI to its stats key "Registry.signature".
var writeFunctionsBySelector = func() [3]map[[4]byte]string {
	var out [3]map[[4]byte]string
	for i, a := range []abi.ABI{identityABI.GetABI(), reputationABI.GetABI(), validationABI.GetABI()} {
		out[i] = map[[4]byte]string{}
		for _, m := range a.Methods {
			if m.IsConstant() {
				continue
			}
			out[i][[4]byte(m.ID)] = regNames[i] + "." + m.Sig
		}
	}
	return out
}()

// WriteFunctions lists every state-changing function of the three registries' ABIs as
// "Registry.signature" (the keys of GenStats.Functions), sorted. The generator calls each of
// them: successfully, or (initialize, renounceOwnership) as a call that must revert.
func WriteFunctions() []string {
	var out []string
	for _, m := range writeFunctionsBySelector {
		for _, name := range m {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Custom-error selectors (OpenZeppelin v5) that must-revert calls expect.
var (
	errNonexistentToken    = selector("ERC721NonexistentToken(uint256)")
	errInvalidReceiver     = selector("ERC721InvalidReceiver(address)")
	errInsufficientApprove = selector("ERC721InsufficientApproval(address,uint256)")
	errInvalidApprover     = selector("ERC721InvalidApprover(address)")
	errInvalidOperator     = selector("ERC721InvalidOperator(address)")
	errInvalidInit         = selector("InvalidInitialization()")
	errUnauthorizedAccount = selector("OwnableUnauthorizedAccount(address)")
)

func selector(sig string) []byte { return crypto.Keccak256([]byte(sig))[:4] }

// revertData extracts the revert data of a failed eth_call (go-ethereum returns it as the hex
// string of an rpc.DataError).
func revertData(err error) ([]byte, bool) {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return nil, false
	}
	s, ok := de.ErrorData().(string)
	if !ok {
		return nil, false
	}
	b, derr := hexutil.Decode(s)
	if derr != nil {
		return nil, false
	}
	return b, true
}

// isNonexistentToken reports whether err is a revert with ERC721NonexistentToken.
func isNonexistentToken(err error) bool {
	b, ok := revertData(err)
	return ok && len(b) >= 4 && slices.Equal(b[:4], errNonexistentToken)
}
