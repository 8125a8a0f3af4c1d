package erc8004

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// ValidationRequest is ValidationRequest(address indexed validatorAddress,
// uint256 indexed agentId, string requestURI, bytes32 indexed requestHash),
// identical in every version.
type ValidationRequest struct {
	Validator   common.Address
	AgentID     *big.Int
	RequestURI  string
	RequestHash common.Hash
}

// Name implements Event.
func (*ValidationRequest) Name() string { return "ValidationRequest" }

// Signature implements Event.
func (*ValidationRequest) Signature() string { return sigValidationRequest }

// Args implements Event.
func (e *ValidationRequest) Args() map[string]any {
	return map[string]any{
		"validatorAddress": argAddr(e.Validator),
		"agentId":          argBig(e.AgentID),
		"requestURI":       SafeText(e.RequestURI),
		"requestHash":      argHash(e.RequestHash),
	}
}

func decodeValidationRequest(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 4, 1, false); err != nil {
		return nil, err
	}
	validator, err := topicAddress(s, l, 1, "validatorAddress")
	if err != nil {
		return nil, err
	}
	r := newReader(l, s, 1)
	uri, err := r.str(0, "requestURI")
	if err != nil {
		return nil, err
	}
	return &ValidationRequest{Validator: validator, AgentID: topicUint256(l, 2), RequestURI: uri, RequestHash: l.Topics[3]}, nil
}

// ValidationResponse is ValidationResponse(address indexed validatorAddress,
// uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string
// responseURI, bytes32 responseHash, string tag) (v1.1+v2.0). The v1.0 layout
// with a bytes32 tag decodes with Tag = the bytes with trailing zeros trimmed;
// the spec-only layout without responseHash leaves ResponseHash zero.
type ValidationResponse struct {
	Validator    common.Address
	AgentID      *big.Int
	RequestHash  common.Hash
	Response     uint8
	ResponseURI  string
	ResponseHash common.Hash
	Tag          string
	// LegacyTopic0 is the topic0 of the legacy layout the event was decoded
	// from, zero for the current layout.
	LegacyTopic0 common.Hash
}

// Name implements Event.
func (*ValidationResponse) Name() string { return "ValidationResponse" }

// Signature implements Event.
func (e *ValidationResponse) Signature() string {
	return legacySignature(e.LegacyTopic0, "ValidationResponse", sigValidationResponse)
}

// Args implements Event; "responseHash" is absent for the spec-only layout.
func (e *ValidationResponse) Args() map[string]any {
	m := map[string]any{
		"validatorAddress": argAddr(e.Validator),
		"agentId":          argBig(e.AgentID),
		"requestHash":      argHash(e.RequestHash),
		"response":         e.Response,
		"responseURI":      SafeText(e.ResponseURI),
		"tag":              SafeText(e.Tag),
	}
	if s := legacySpec(e.LegacyTopic0); s == nil || s.Signature != sigValidationRespSpec {
		m["responseHash"] = argHash(e.ResponseHash)
	}
	return m
}

func decodeValidationResponse(l *types.Log, s *spec) (Event, error) {
	head := 4 // response, responseURI, responseHash, tag
	if s.Signature == sigValidationRespSpec {
		head = 3 // response, responseURI, tag
	}
	if err := checkShape(l, s, 4, head, false); err != nil {
		return nil, err
	}
	validator, err := topicAddress(s, l, 1, "validatorAddress")
	if err != nil {
		return nil, err
	}
	ev := &ValidationResponse{Validator: validator, AgentID: topicUint256(l, 2), RequestHash: l.Topics[3], LegacyTopic0: s.legacy}
	r := newReader(l, s, head)
	if ev.Response, err = r.uint8(0, "response"); err != nil {
		return nil, err
	}
	if ev.ResponseURI, err = r.str(1, "responseURI"); err != nil {
		return nil, err
	}
	tagWord := 3
	if head == 3 {
		tagWord = 2
	} else if ev.ResponseHash, err = r.bytes32(2, "responseHash"); err != nil {
		return nil, err
	}
	if s.Signature == sigValidationResponse {
		ev.Tag, err = r.str(tagWord, "tag")
	} else {
		var tag common.Hash
		tag, err = r.bytes32(tagWord, "tag")
		ev.Tag = trimBytes32(tag)
	}
	if err != nil {
		return nil, err
	}
	return ev, nil
}
