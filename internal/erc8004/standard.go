package erc8004

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// This file holds the standard events the registries inherit: ERC-721 and
// ERC-4906 (Identity registry) and the ERC-1967 / OpenZeppelin admin events
// (every registry proxy).

// Transfer is the ERC-721 Transfer(address indexed from, address indexed to, uint256 indexed tokenId).
// An ERC-20 Transfer shares the topic0 but has 3 topics and is reported as malformed.
type Transfer struct {
	From, To common.Address
	TokenID  *big.Int
}

// Name implements Event.
func (*Transfer) Name() string { return "Transfer" }

// Signature implements Event.
func (*Transfer) Signature() string { return sigTransfer }

// Args implements Event.
func (e *Transfer) Args() map[string]any {
	return map[string]any{"from": argAddr(e.From), "to": argAddr(e.To), "tokenId": argBig(e.TokenID)}
}

func decodeTransfer(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 4, 0, true); err != nil {
		return nil, err
	}
	from, err := topicAddress(s, l, 1, "from")
	if err != nil {
		return nil, err
	}
	to, err := topicAddress(s, l, 2, "to")
	if err != nil {
		return nil, err
	}
	return &Transfer{From: from, To: to, TokenID: topicUint256(l, 3)}, nil
}

// Approval is the ERC-721 Approval(address indexed owner, address indexed approved, uint256 indexed tokenId).
type Approval struct {
	Owner, Approved common.Address
	TokenID         *big.Int
}

// Name implements Event.
func (*Approval) Name() string { return "Approval" }

// Signature implements Event.
func (*Approval) Signature() string { return sigApproval }

// Args implements Event.
func (e *Approval) Args() map[string]any {
	return map[string]any{"owner": argAddr(e.Owner), "approved": argAddr(e.Approved), "tokenId": argBig(e.TokenID)}
}

func decodeApproval(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 4, 0, true); err != nil {
		return nil, err
	}
	owner, err := topicAddress(s, l, 1, "owner")
	if err != nil {
		return nil, err
	}
	approved, err := topicAddress(s, l, 2, "approved")
	if err != nil {
		return nil, err
	}
	return &Approval{Owner: owner, Approved: approved, TokenID: topicUint256(l, 3)}, nil
}

// ApprovalForAll is the ERC-721 ApprovalForAll(address indexed owner, address indexed operator, bool approved).
type ApprovalForAll struct {
	Owner, Operator common.Address
	Approved        bool
}

// Name implements Event.
func (*ApprovalForAll) Name() string { return "ApprovalForAll" }

// Signature implements Event.
func (*ApprovalForAll) Signature() string { return sigApprovalForAll }

// Args implements Event.
func (e *ApprovalForAll) Args() map[string]any {
	return map[string]any{"owner": argAddr(e.Owner), "operator": argAddr(e.Operator), "approved": e.Approved}
}

func decodeApprovalForAll(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 3, 1, true); err != nil {
		return nil, err
	}
	owner, err := topicAddress(s, l, 1, "owner")
	if err != nil {
		return nil, err
	}
	operator, err := topicAddress(s, l, 2, "operator")
	if err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	approved, err := r.bool(0, "approved")
	if err != nil {
		return nil, err
	}
	return &ApprovalForAll{Owner: owner, Operator: operator, Approved: approved}, nil
}

// MetadataUpdate is the ERC-4906 MetadataUpdate(uint256 _tokenId), emitted by
// OpenZeppelin's ERC721URIStorage._setTokenURI (tokenId is not indexed).
type MetadataUpdate struct {
	TokenID *big.Int
}

// Name implements Event.
func (*MetadataUpdate) Name() string { return "MetadataUpdate" }

// Signature implements Event.
func (*MetadataUpdate) Signature() string { return sigMetadataUpdate }

// Args implements Event.
func (e *MetadataUpdate) Args() map[string]any {
	return map[string]any{"_tokenId": argBig(e.TokenID)}
}

func decodeMetadataUpdate(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 1, 1, true); err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	id, err := r.uint256(0, "_tokenId")
	if err != nil {
		return nil, err
	}
	return &MetadataUpdate{TokenID: id}, nil
}

// BatchMetadataUpdate is the ERC-4906 BatchMetadataUpdate(uint256 _fromTokenId, uint256 _toTokenId).
// It is in the registry ABI but the registry code never emits it.
type BatchMetadataUpdate struct {
	FromTokenID, ToTokenID *big.Int
}

// Name implements Event.
func (*BatchMetadataUpdate) Name() string { return "BatchMetadataUpdate" }

// Signature implements Event.
func (*BatchMetadataUpdate) Signature() string { return sigBatchMetadataUpdate }

// Args implements Event.
func (e *BatchMetadataUpdate) Args() map[string]any {
	return map[string]any{"_fromTokenId": argBig(e.FromTokenID), "_toTokenId": argBig(e.ToTokenID)}
}

func decodeBatchMetadataUpdate(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 1, 2, true); err != nil {
		return nil, err
	}
	r := newReader(l, s, 2)
	from, err := r.uint256(0, "_fromTokenId")
	if err != nil {
		return nil, err
	}
	to, err := r.uint256(1, "_toTokenId")
	if err != nil {
		return nil, err
	}
	return &BatchMetadataUpdate{FromTokenID: from, ToTokenID: to}, nil
}

// Upgraded is the ERC-1967 Upgraded(address indexed implementation), emitted
// when a registry proxy changes implementation (and hence, possibly, layouts).
type Upgraded struct {
	Implementation common.Address
}

// Name implements Event.
func (*Upgraded) Name() string { return "Upgraded" }

// Signature implements Event.
func (*Upgraded) Signature() string { return sigUpgraded }

// Args implements Event.
func (e *Upgraded) Args() map[string]any {
	return map[string]any{"implementation": argAddr(e.Implementation)}
}

func decodeUpgraded(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 2, 0, true); err != nil {
		return nil, err
	}
	impl, err := topicAddress(s, l, 1, "implementation")
	if err != nil {
		return nil, err
	}
	return &Upgraded{Implementation: impl}, nil
}

// Initialized is OpenZeppelin Initializable's Initialized(uint64 version).
type Initialized struct {
	Version uint64
}

// Name implements Event.
func (*Initialized) Name() string { return "Initialized" }

// Signature implements Event.
func (*Initialized) Signature() string { return sigInitialized }

// Args implements Event.
func (e *Initialized) Args() map[string]any { return map[string]any{"version": e.Version} }

func decodeInitialized(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 1, 1, true); err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	v, err := r.uint64(0, "version")
	if err != nil {
		return nil, err
	}
	return &Initialized{Version: v}, nil
}

// OwnershipTransferred is OpenZeppelin Ownable's
// OwnershipTransferred(address indexed previousOwner, address indexed newOwner).
type OwnershipTransferred struct {
	PreviousOwner, NewOwner common.Address
}

// Name implements Event.
func (*OwnershipTransferred) Name() string { return "OwnershipTransferred" }

// Signature implements Event.
func (*OwnershipTransferred) Signature() string { return sigOwnershipTransferred }

// Args implements Event.
func (e *OwnershipTransferred) Args() map[string]any {
	return map[string]any{"previousOwner": argAddr(e.PreviousOwner), "newOwner": argAddr(e.NewOwner)}
}

func decodeOwnershipTransferred(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 3, 0, true); err != nil {
		return nil, err
	}
	prev, err := topicAddress(s, l, 1, "previousOwner")
	if err != nil {
		return nil, err
	}
	next, err := topicAddress(s, l, 2, "newOwner")
	if err != nil {
		return nil, err
	}
	return &OwnershipTransferred{PreviousOwner: prev, NewOwner: next}, nil
}
