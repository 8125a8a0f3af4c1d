package erc8004

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// Event is implemented by every decoded event type (pointer receivers).
type Event interface {
	// Name is the canonical event name, e.g. "Registered", "URIUpdated", "NewFeedback".
	Name() string
	// Signature is the exact canonical signature of the decoded layout, e.g.
	// "NewFeedback(uint256,address,uint64,int128,uint8,string,string,string,string,string,bytes32)".
	Signature() string
	// Args returns JSON-ready arguments for the jsonb column: addresses and
	// hashes/bytes as lowercase 0x hex, uint256/int128/int256 as decimal
	// strings, uint8/uint64 as numbers, bools, and strings passed through
	// SafeText. Keys are the Solidity parameter names of the v2.0 event where
	// one exists; parameters absent from the decoded layout are absent here.
	Args() map[string]any
}

// Decode decodes one log by its topic0.
//
// An unknown topic0 (or a log without topics) returns (nil, ErrUnknownEvent)
// unwrapped. A known topic0 whose topics or data do not fit the layout returns
// (nil, err) with err wrapping ErrMalformed and naming the event and problem.
// Decode never panics and is safe for concurrent use.
func Decode(l *types.Log) (Event, error) {
	if l == nil || len(l.Topics) == 0 {
		return nil, ErrUnknownEvent
	}
	s, ok := byTopic0[l.Topics[0]]
	if !ok {
		return nil, ErrUnknownEvent
	}
	return s.decode(l, s)
}

// AgentID returns the agent (= ERC-721 token) id an event concerns, or nil for
// events about no single agent: admin events, ApprovalForAll,
// BatchMetadataUpdate (a range) and EIP712DomainChanged. The result aliases
// the event's field.
func AgentID(ev Event) *big.Int {
	switch e := ev.(type) {
	case *Registered:
		return e.AgentID
	case *MetadataSet:
		return e.AgentID
	case *URIUpdated:
		return e.AgentID
	case *NewFeedback:
		return e.AgentID
	case *FeedbackRevoked:
		return e.AgentID
	case *ResponseAppended:
		return e.AgentID
	case *ValidationRequest:
		return e.AgentID
	case *ValidationResponse:
		return e.AgentID
	case *Transfer:
		return e.TokenID
	case *Approval:
		return e.TokenID
	case *MetadataUpdate:
		return e.TokenID
	default:
		return nil
	}
}

// Helpers for Args: the formats are part of the jsonb contract.

// argAddr renders an address as lowercase 0x hex (no EIP-55 checksum, which
// would also cost a keccak per address).
func argAddr(a common.Address) string { return hexutil.Encode(a[:]) }

// argHash renders a bytes32 as lowercase 0x hex.
func argHash(h common.Hash) string { return hexutil.Encode(h[:]) }

// argBig renders a big integer as a decimal string; nil (only possible for a
// hand-built event) becomes JSON null.
func argBig(v *big.Int) any {
	if v == nil {
		return nil
	}
	return v.String()
}
