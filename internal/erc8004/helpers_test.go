package erc8004

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// The tests encode logs with go-ethereum's accounts/abi (Pack, MakeTopics),
// never with the decoder under test, so a shared misunderstanding of the ABI
// cannot make both sides agree.

// eventDefs are the full Solidity declarations of every catalogued layout
// (names as in the v2.0 ABI where the parameter still exists there).
var eventDefs = []string{
	"Registered(uint256 indexed agentId, string agentURI, address indexed owner)",
	"MetadataSet(uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue)",
	"MetadataSet(uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, string metadataValue)",
	"UriUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy)",
	"URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy)",
	"Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
	"Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)",
	"ApprovalForAll(address indexed owner, address indexed operator, bool approved)",
	"MetadataUpdate(uint256 _tokenId)",
	"BatchMetadataUpdate(uint256 _fromTokenId, uint256 _toTokenId)",
	"Upgraded(address indexed implementation)",
	"Initialized(uint64 version)",
	"OwnershipTransferred(address indexed previousOwner, address indexed newOwner)",
	"EIP712DomainChanged()",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint8 score, bytes32 indexed tag1, bytes32 tag2, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint8 score, string indexed tag1, string tag2, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint8 score, string indexed tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, uint8 score, string indexed tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, uint8 score, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, uint256 value, uint8 valueDecimals, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, int256 value, uint8 valueDecimals, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, int128 value, uint8 valueDecimals, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
	"FeedbackRevoked(uint256 indexed agentId, address indexed clientAddress, uint64 indexed feedbackIndex)",
	"ResponseAppended(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, address indexed responder, string responseURI, bytes32 responseHash)",
	"ResponseAppended(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, address indexed responder, string responseURI)",
	"ValidationRequest(address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash)",
	"ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string responseURI, bytes32 responseHash, bytes32 tag)",
	"ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag)",
	"ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string responseURI, bytes32 tag)",
}

// testEvent is a parsed eventDefs entry as a go-ethereum abi.Event.
type testEvent struct {
	abi.Event
	decl string
}

// parseDecl parses "Name(type [indexed] name, …)" into an abi.Event.
func parseDecl(decl string) (testEvent, error) {
	open := strings.IndexByte(decl, '(')
	if open < 0 || !strings.HasSuffix(decl, ")") {
		return testEvent{}, fmt.Errorf("bad declaration %q", decl)
	}
	name := decl[:open]
	var args abi.Arguments
	if body := decl[open+1 : len(decl)-1]; body != "" {
		for _, p := range strings.Split(body, ",") {
			f := strings.Fields(p)
			indexed := len(f) == 3 && f[1] == "indexed"
			if len(f) != 2 && !indexed {
				return testEvent{}, fmt.Errorf("bad parameter %q in %q", p, decl)
			}
			typ, err := abi.NewType(f[0], "", nil)
			if err != nil {
				return testEvent{}, err
			}
			args = append(args, abi.Argument{Name: f[len(f)-1], Type: typ, Indexed: indexed})
		}
	}
	return testEvent{Event: abi.NewEvent(name, name, false, args), decl: decl}, nil
}

// testEvents maps topic0 to the parsed declaration.
var testEvents = func() map[common.Hash]testEvent {
	m := make(map[common.Hash]testEvent, len(eventDefs))
	for _, d := range eventDefs {
		ev, err := parseDecl(d)
		if err != nil {
			panic(err) // programmer error in the table above
		}
		m[ev.ID] = ev
	}
	return m
}()

// buildLog encodes one log of the event with the given topic0. vals holds one
// value per parameter in declaration order, typed as go-ethereum's Pack expects.
func buildLog(t testing.TB, topic0 common.Hash, vals ...any) *types.Log {
	t.Helper()
	ev, ok := testEvents[topic0]
	require.True(t, ok, "no test declaration for %s", topic0)
	require.Len(t, vals, len(ev.Inputs), ev.decl)
	topics := []common.Hash{ev.ID}
	var data []any
	for i, in := range ev.Inputs {
		if !in.Indexed {
			data = append(data, vals[i])
			continue
		}
		tp, err := abi.MakeTopics([]any{vals[i]})
		require.NoError(t, err, "%s: topic %s", ev.decl, in.Name)
		topics = append(topics, tp[0][0])
	}
	packed, err := ev.Inputs.NonIndexed().Pack(data...)
	require.NoError(t, err, ev.decl)
	return &types.Log{Topics: topics, Data: packed}
}

// topic0Of returns keccak(sig) via go-ethereum's own selector hashing.
func topic0Of(sig string) common.Hash {
	for id, ev := range testEvents {
		if ev.Sig == sig {
			return id
		}
	}
	panic("no declaration for " + sig)
}

// Test values.
var (
	addrA   = common.HexToAddress("0x9ce7082814bda389f3ba548bdf2626006279569c")
	addrB   = common.HexToAddress("0x8004A169FB4a3325136EB29fA0ceB6D2e539a432")
	addrC   = common.HexToAddress("0xffffffffffffffffffffffffffffffffffffffff")
	hashA   = common.HexToHash("0x132c8ea538e8210a3058dbbcff6f901e2ff7a8204d5c30db19d15cceeb4db791")
	hashB   = common.HexToHash("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
	maxU256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
)

// b32 returns s as a right-zero-padded bytes32.
func b32(s string) [32]byte {
	var out [32]byte
	copy(out[:], s)
	return out
}

// bigDec parses a decimal integer for test tables.
func bigDec(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad decimal " + s)
	}
	return v
}

// word returns v as a 32-byte big-endian word (two's complement for v < 0).
func word(v *big.Int) []byte {
	x := new(big.Int).Set(v)
	if x.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), 256))
	}
	return common.LeftPadBytes(x.Bytes(), 32)
}
