// Package erc8004 decodes the logs of the ERC-8004 "Trustless Agents" registries
// (Identity, Reputation, Validation) into typed Go events.
//
// Decoding is keyed by topic0 only, never by address: the registries are
// upgradeable proxies and one address has emitted several incompatible layouts
// of the same event over time (see SPEC §4). Every layout that ever existed in
// the reference contracts is in the catalog (Variants), together with the
// ERC-721 / ERC-4906 events of the Identity registry and the proxy/OpenZeppelin
// admin events every registry emits.
//
// The ABI decoding is hand written: it reads exactly the words each layout
// needs, checks every offset and length against the data, and rejects
// non-canonical encodings of value types. A malformed log yields an error
// wrapping ErrMalformed, never a panic.
package erc8004

import (
	"errors"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Registry names the ERC-8004 registry a variant belongs to.
type Registry uint8

// Registry kinds. Admin events (Upgraded, Initialized, OwnershipTransferred)
// are emitted by every registry and are catalogued as RegistryUnknown.
const (
	RegistryUnknown Registry = iota
	RegistryIdentity
	RegistryReputation
	RegistryValidation
)

// String returns "unknown", "identity", "reputation" or "validation".
func (r Registry) String() string {
	switch r {
	case RegistryIdentity:
		return "identity"
	case RegistryReputation:
		return "reputation"
	case RegistryValidation:
		return "validation"
	default:
		return "unknown"
	}
}

var (
	// ErrUnknownEvent is returned by Decode, unwrapped, for a log whose topic0
	// is not in the catalog (or that has no topics at all).
	ErrUnknownEvent = errors.New("unknown event")
	// ErrMalformed is wrapped by every Decode error for a log whose topic0 is
	// known but whose topics or data do not match the variant's ABI layout.
	ErrMalformed = errors.New("malformed log")
)

// Variant describes one catalogued event layout.
type Variant struct {
	// Topic0 is keccak256(Signature).
	Topic0 common.Hash
	// Name is the canonical event name returned by Event.Name (both the legacy
	// "UriUpdated" and the current "URIUpdated" are named "URIUpdated").
	Name string
	// Signature is the canonical Solidity signature, e.g. "Transfer(address,address,uint256)".
	Signature string
	// Version labels the contract generation that emitted this layout:
	// "all" (unchanged across versions), "v1.0" (Oct 2025), "v1.1" (Nov 2025),
	// "2026-01-05" … "2026-01-19" (interim January 2026 layouts), "v2.0"
	// (final, mainnet), "v1.0+v2.0" / "v1.1+v2.0" (shared by several),
	// "spec-only" (in the spec text, never seen in deployed code), and
	// "erc721", "erc4906", "erc1967", "oz", "erc5267" for standard events.
	Version string
	// Registry is the registry that emits it (RegistryUnknown for admin events
	// emitted by all three).
	Registry Registry
}

// decodeFunc decodes one log whose topic0 matched spec.
type decodeFunc func(l *types.Log, s *spec) (Event, error)

// spec is the internal catalog entry: the public Variant plus its decoder and,
// for multi-layout events, the layout flags.
type spec struct {
	Variant
	decode decodeFunc
	// fb is the NewFeedback layout (nil for other events).
	fb *feedbackLayout
	// legacy is the topic0 stored in LegacyTopic0 of decoded events; zero for
	// the current (v2.0) layout of a multi-layout event.
	legacy common.Hash
}

// Canonical signatures of the current (v2.0) layouts of multi-layout events.
const (
	sigRegistered           = "Registered(uint256,string,address)"
	sigMetadataSet          = "MetadataSet(uint256,string,string,bytes)"
	sigMetadataSetV11       = "MetadataSet(uint256,string,string,string)"
	sigUriUpdatedV10        = "UriUpdated(uint256,string,address)"
	sigURIUpdated           = "URIUpdated(uint256,string,address)"
	sigTransfer             = "Transfer(address,address,uint256)"
	sigApproval             = "Approval(address,address,uint256)"
	sigApprovalForAll       = "ApprovalForAll(address,address,bool)"
	sigMetadataUpdate       = "MetadataUpdate(uint256)"
	sigBatchMetadataUpdate  = "BatchMetadataUpdate(uint256,uint256)"
	sigUpgraded             = "Upgraded(address)"
	sigInitialized          = "Initialized(uint64)"
	sigOwnershipTransferred = "OwnershipTransferred(address,address)"
	sigEIP712DomainChanged  = "EIP712DomainChanged()"
	sigNewFeedbackV10       = "NewFeedback(uint256,address,uint8,bytes32,bytes32,string,bytes32)"
	sigNewFeedbackV11       = "NewFeedback(uint256,address,uint8,string,string,string,bytes32)"
	sigNewFeedback0105      = "NewFeedback(uint256,address,uint8,string,string,string,string,bytes32)"
	sigNewFeedback0107      = "NewFeedback(uint256,address,uint64,uint8,string,string,string,string,bytes32)"
	sigNewFeedback0111      = "NewFeedback(uint256,address,uint64,uint8,string,string,string,string,string,bytes32)"
	sigNewFeedback0118      = "NewFeedback(uint256,address,uint64,uint256,uint8,string,string,string,string,string,bytes32)"
	sigNewFeedback0119      = "NewFeedback(uint256,address,uint64,int256,uint8,string,string,string,string,string,bytes32)"
	sigNewFeedback          = "NewFeedback(uint256,address,uint64,int128,uint8,string,string,string,string,string,bytes32)"
	sigFeedbackRevoked      = "FeedbackRevoked(uint256,address,uint64)"
	sigResponseAppended     = "ResponseAppended(uint256,address,uint64,address,string,bytes32)"
	sigResponseAppendedSpec = "ResponseAppended(uint256,address,uint64,address,string)"
	sigValidationRequest    = "ValidationRequest(address,uint256,string,bytes32)"
	sigValidationRespV10    = "ValidationResponse(address,uint256,bytes32,uint8,string,bytes32,bytes32)"
	sigValidationResponse   = "ValidationResponse(address,uint256,bytes32,uint8,string,bytes32,string)"
	sigValidationRespSpec   = "ValidationResponse(address,uint256,bytes32,uint8,string,bytes32)"
)

// catalogEntries is the source of truth for the catalog; topic0s are computed
// from the signatures at init and checked against testdata/reference/topic0.txt in tests.
var catalogEntries = []spec{
	// Identity registry.
	{Variant: Variant{Name: "Registered", Signature: sigRegistered, Version: "all", Registry: RegistryIdentity}, decode: decodeRegistered},
	{Variant: Variant{Name: "MetadataSet", Signature: sigMetadataSet, Version: "v1.0+v2.0", Registry: RegistryIdentity}, decode: decodeMetadataSet},
	{Variant: Variant{Name: "MetadataSet", Signature: sigMetadataSetV11, Version: "v1.1", Registry: RegistryIdentity}, decode: decodeMetadataSet},
	{Variant: Variant{Name: "URIUpdated", Signature: sigUriUpdatedV10, Version: "v1.0", Registry: RegistryIdentity}, decode: decodeURIUpdated},
	{Variant: Variant{Name: "URIUpdated", Signature: sigURIUpdated, Version: "v2.0", Registry: RegistryIdentity}, decode: decodeURIUpdated},
	{Variant: Variant{Name: "Transfer", Signature: sigTransfer, Version: "erc721", Registry: RegistryIdentity}, decode: decodeTransfer},
	{Variant: Variant{Name: "Approval", Signature: sigApproval, Version: "erc721", Registry: RegistryIdentity}, decode: decodeApproval},
	{Variant: Variant{Name: "ApprovalForAll", Signature: sigApprovalForAll, Version: "erc721", Registry: RegistryIdentity}, decode: decodeApprovalForAll},
	{Variant: Variant{Name: "MetadataUpdate", Signature: sigMetadataUpdate, Version: "erc4906", Registry: RegistryIdentity}, decode: decodeMetadataUpdate},
	{Variant: Variant{Name: "BatchMetadataUpdate", Signature: sigBatchMetadataUpdate, Version: "erc4906", Registry: RegistryIdentity}, decode: decodeBatchMetadataUpdate},
	{Variant: Variant{Name: "EIP712DomainChanged", Signature: sigEIP712DomainChanged, Version: "erc5267", Registry: RegistryIdentity}, decode: decodeEIP712DomainChanged},
	// Admin events of every registry proxy.
	{Variant: Variant{Name: "Upgraded", Signature: sigUpgraded, Version: "erc1967", Registry: RegistryUnknown}, decode: decodeUpgraded},
	{Variant: Variant{Name: "Initialized", Signature: sigInitialized, Version: "oz", Registry: RegistryUnknown}, decode: decodeInitialized},
	{Variant: Variant{Name: "OwnershipTransferred", Signature: sigOwnershipTransferred, Version: "oz", Registry: RegistryUnknown}, decode: decodeOwnershipTransferred},
	// Reputation registry.
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedbackV10, Version: "v1.0", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fbV10},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedbackV11, Version: "v1.1", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fbV11},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback0105, Version: "2026-01-05", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fb0105},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback0107, Version: "2026-01-07", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fb0107},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback0111, Version: "2026-01-11", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fb0111},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback0118, Version: "2026-01-18", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fb0118},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback0119, Version: "2026-01-19", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fb0119},
	{Variant: Variant{Name: "NewFeedback", Signature: sigNewFeedback, Version: "v2.0", Registry: RegistryReputation}, decode: decodeNewFeedback, fb: &fbV20},
	{Variant: Variant{Name: "FeedbackRevoked", Signature: sigFeedbackRevoked, Version: "all", Registry: RegistryReputation}, decode: decodeFeedbackRevoked},
	{Variant: Variant{Name: "ResponseAppended", Signature: sigResponseAppended, Version: "all", Registry: RegistryReputation}, decode: decodeResponseAppended},
	{Variant: Variant{Name: "ResponseAppended", Signature: sigResponseAppendedSpec, Version: "spec-only", Registry: RegistryReputation}, decode: decodeResponseAppended},
	// Validation registry.
	{Variant: Variant{Name: "ValidationRequest", Signature: sigValidationRequest, Version: "all", Registry: RegistryValidation}, decode: decodeValidationRequest},
	{Variant: Variant{Name: "ValidationResponse", Signature: sigValidationRespV10, Version: "v1.0", Registry: RegistryValidation}, decode: decodeValidationResponse},
	{Variant: Variant{Name: "ValidationResponse", Signature: sigValidationResponse, Version: "v1.1+v2.0", Registry: RegistryValidation}, decode: decodeValidationResponse},
	{Variant: Variant{Name: "ValidationResponse", Signature: sigValidationRespSpec, Version: "spec-only", Registry: RegistryValidation}, decode: decodeValidationResponse},
}

// currentSigs are the signatures whose decoded events leave LegacyTopic0 zero.
var currentSigs = map[string]bool{
	sigMetadataSet: true, sigURIUpdated: true, sigNewFeedback: true,
	sigResponseAppended: true, sigValidationResponse: true,
}

// byTopic0 indexes catalogEntries; built once at init and read-only afterwards,
// so concurrent Decode calls are safe.
var byTopic0 = make(map[common.Hash]*spec, len(catalogEntries))

func init() {
	for i := range catalogEntries {
		s := &catalogEntries[i]
		s.Topic0 = crypto.Keccak256Hash([]byte(s.Signature))
		if !currentSigs[s.Signature] {
			s.legacy = s.Topic0
		}
		byTopic0[s.Topic0] = s
	}
}

// Variants returns every catalogued layout (a fresh copy the caller may modify).
func Variants() []Variant {
	out := make([]Variant, len(catalogEntries))
	for i := range catalogEntries {
		out[i] = catalogEntries[i].Variant
	}
	return out
}

// Lookup returns the catalogued layout with the given topic0.
func Lookup(topic0 common.Hash) (Variant, bool) {
	s, ok := byTopic0[topic0]
	if !ok {
		return Variant{}, false
	}
	return s.Variant, true
}

// legacySignature returns the signature of the layout a multi-layout event was
// decoded from: current when legacy is zero, else the catalogued legacy layout,
// or "" when legacy names no layout of this event.
func legacySignature(legacy common.Hash, name, current string) string {
	if legacy == (common.Hash{}) {
		return current
	}
	s, ok := byTopic0[legacy]
	if !ok || s.Name != name {
		return ""
	}
	return s.Signature
}

// legacySpec returns the catalog entry for a legacy topic0, or nil.
func legacySpec(legacy common.Hash) *spec {
	if legacy == (common.Hash{}) {
		return nil
	}
	return byTopic0[legacy]
}
