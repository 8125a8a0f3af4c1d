package erc8004

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// Registered is emitted when an agent is minted:
// Registered(uint256 indexed agentId, string agentURI, address indexed owner).
// The layout is identical in every version (only the parameter name changed).
type Registered struct {
	AgentID  *big.Int
	AgentURI string // raw bytes as emitted; Args sanitises
	Owner    common.Address
}

// Name implements Event.
func (*Registered) Name() string { return "Registered" }

// Signature implements Event.
func (*Registered) Signature() string { return sigRegistered }

// Args implements Event.
func (e *Registered) Args() map[string]any {
	return map[string]any{
		"agentId":  argBig(e.AgentID),
		"agentURI": SafeText(e.AgentURI),
		"owner":    argAddr(e.Owner),
	}
}

func decodeRegistered(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 3, 1, false); err != nil {
		return nil, err
	}
	owner, err := topicAddress(s, l, 2, "owner")
	if err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	uri, err := r.str(0, "agentURI")
	if err != nil {
		return nil, err
	}
	return &Registered{AgentID: topicUint256(l, 1), AgentURI: uri, Owner: owner}, nil
}

// MetadataSet is emitted when on-chain metadata is written:
// MetadataSet(uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue).
// The v1.1 layout with a string metadataValue decodes into the same type with
// Value = []byte(string).
type MetadataSet struct {
	AgentID *big.Int
	KeyHash common.Hash // topic2: keccak256(bytes(Key))
	Key     string      // raw bytes as emitted; Args sanitises
	Value   []byte
	// LegacyTopic0 is the topic0 of the legacy layout the event was decoded
	// from, zero for the current v2.0 layout.
	LegacyTopic0 common.Hash
}

// Name implements Event.
func (*MetadataSet) Name() string { return "MetadataSet" }

// Signature implements Event.
func (e *MetadataSet) Signature() string {
	return legacySignature(e.LegacyTopic0, "MetadataSet", sigMetadataSet)
}

// Args implements Event. metadataValue is 0x hex in every layout, so the jsonb
// type does not depend on the contract version.
func (e *MetadataSet) Args() map[string]any {
	return map[string]any{
		"agentId":            argBig(e.AgentID),
		"indexedMetadataKey": argHash(e.KeyHash),
		"metadataKey":        SafeText(e.Key),
		"metadataValue":      hexutil.Encode(e.Value),
	}
}

func decodeMetadataSet(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 3, 2, false); err != nil {
		return nil, err
	}
	r := newReader(l, s, 2)
	key, err := r.str(0, "metadataKey")
	if err != nil {
		return nil, err
	}
	value, err := r.bytesCopy(1, "metadataValue")
	if err != nil {
		return nil, err
	}
	return &MetadataSet{
		AgentID:      topicUint256(l, 1),
		KeyHash:      l.Topics[2],
		Key:          key,
		Value:        value,
		LegacyTopic0: s.legacy,
	}, nil
}

// URIUpdated is emitted when an agent's URI changes:
// URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy)
// (v2.0) or the legacy v1.0 UriUpdated with the same layout. Name is
// "URIUpdated" for both; Signature tells them apart.
type URIUpdated struct {
	AgentID   *big.Int
	NewURI    string // raw bytes as emitted; Args sanitises
	UpdatedBy common.Address
	// LegacyTopic0 is the topic0 of UriUpdated when decoded from the v1.0
	// layout, zero for the current URIUpdated.
	LegacyTopic0 common.Hash
}

// Name implements Event.
func (*URIUpdated) Name() string { return "URIUpdated" }

// Signature implements Event.
func (e *URIUpdated) Signature() string {
	return legacySignature(e.LegacyTopic0, "URIUpdated", sigURIUpdated)
}

// Args implements Event.
func (e *URIUpdated) Args() map[string]any {
	return map[string]any{
		"agentId":   argBig(e.AgentID),
		"newURI":    SafeText(e.NewURI),
		"updatedBy": argAddr(e.UpdatedBy),
	}
}

func decodeURIUpdated(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 3, 1, false); err != nil {
		return nil, err
	}
	by, err := topicAddress(s, l, 2, "updatedBy")
	if err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	uri, err := r.str(0, "newURI")
	if err != nil {
		return nil, err
	}
	return &URIUpdated{AgentID: topicUint256(l, 1), NewURI: uri, UpdatedBy: by, LegacyTopic0: s.legacy}, nil
}

// EIP712DomainChanged is the ERC-5267 event EIP712DomainChanged(), emitted by
// the Identity registry when its EIP-712 domain is (re)initialised.
type EIP712DomainChanged struct{}

// Name implements Event.
func (*EIP712DomainChanged) Name() string { return "EIP712DomainChanged" }

// Signature implements Event.
func (*EIP712DomainChanged) Signature() string { return sigEIP712DomainChanged }

// Args implements Event; the event has no parameters.
func (*EIP712DomainChanged) Args() map[string]any { return map[string]any{} }

func decodeEIP712DomainChanged(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 1, 0, true); err != nil {
		return nil, err
	}
	return &EIP712DomainChanged{}, nil
}
