package erc8004

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// NewFeedback is emitted by giveFeedback. Every historical layout decodes into
// this one type (see SPEC §4):
//
//   - uint8 score layouts (v1.0 … 2026-01-11): Value = score, ValueDecimals = 0.
//   - v1.0 has no feedbackIndex (HasIndex = false; the projection derives it by
//     counting per (agentId, client) from 1) and bytes32 tags: Tag1Topic is the
//     raw tag, Tag1/Tag2 are the bytes with trailing zeros trimmed.
//   - v1.1, 2026-01-05 and 2026-01-07 index tag1 as a hashed string only:
//     Tag1Topic = keccak256(tag1) and Tag1 stays "" (the text is not in the log).
//   - from 2026-01-11 on, tag1 is both hashed in topic3 and present in data.
//   - uint256 (2026-01-18), int256 (2026-01-19) and int128 (v2.0) values.
//   - layouts before 2026-01-05 have no endpoint (Endpoint = "").
type NewFeedback struct {
	AgentID       *big.Int
	Client        common.Address
	FeedbackIndex uint64
	HasIndex      bool // false only for the v1.0 layout, which has no feedbackIndex
	Value         *big.Int
	ValueDecimals uint8
	Tag1Topic     common.Hash // topic3: keccak256(tag1), or the raw bytes32 tag1 in v1.0
	Tag1          string
	Tag2          string
	Endpoint      string
	FeedbackURI   string
	FeedbackHash  common.Hash
	// LegacyTopic0 is the topic0 of the legacy layout the event was decoded
	// from, zero for the current v2.0 layout.
	LegacyTopic0 common.Hash
}

// valueKind is the ABI type of the feedback value word(s).
type valueKind uint8

const (
	valueScore   valueKind = iota // uint8 score, no valueDecimals word
	valueUint256                  // uint256 value, uint8 valueDecimals
	valueInt256                   // int256 value, uint8 valueDecimals
	valueInt128                   // int128 value, uint8 valueDecimals
)

// feedbackLayout describes the non-indexed words of one NewFeedback layout, in
// order: [feedbackIndex] value [valueDecimals] [tag1] tag2 [endpoint] feedbackURI feedbackHash.
type feedbackLayout struct {
	index       bool // uint64 feedbackIndex is the first data word
	value       valueKind
	bytes32Tags bool // v1.0: topic3 is the raw bytes32 tag1 and tag2 is a bytes32 word
	tag1InData  bool // tag1 string also in data (indexedTag1 + tag1)
	endpoint    bool // string endpoint before feedbackURI
}

var (
	fbV10  = feedbackLayout{value: valueScore, bytes32Tags: true}
	fbV11  = feedbackLayout{value: valueScore}
	fb0105 = feedbackLayout{value: valueScore, endpoint: true}
	fb0107 = feedbackLayout{index: true, value: valueScore, endpoint: true}
	fb0111 = feedbackLayout{index: true, value: valueScore, tag1InData: true, endpoint: true}
	fb0118 = feedbackLayout{index: true, value: valueUint256, tag1InData: true, endpoint: true}
	fb0119 = feedbackLayout{index: true, value: valueInt256, tag1InData: true, endpoint: true}
	fbV20  = feedbackLayout{index: true, value: valueInt128, tag1InData: true, endpoint: true}
)

// headWords is the number of static head words of the layout.
func (f *feedbackLayout) headWords() int {
	n := 3 // tag2, feedbackURI, feedbackHash
	if f.index {
		n++
	}
	n++ // value / score
	if f.value != valueScore {
		n++ // valueDecimals
	}
	if f.tag1InData {
		n++
	}
	if f.endpoint {
		n++
	}
	return n
}

// Name implements Event.
func (*NewFeedback) Name() string { return "NewFeedback" }

// Signature implements Event.
func (e *NewFeedback) Signature() string {
	return legacySignature(e.LegacyTopic0, "NewFeedback", sigNewFeedback)
}

// Args implements Event. Score layouts report the score as "value" with
// "valueDecimals" 0, so the jsonb keys and types do not depend on the version;
// "feedbackIndex", "tag1" and "endpoint" are present only when the decoded
// layout carries them.
func (e *NewFeedback) Args() map[string]any {
	f := &fbV20
	if s := legacySpec(e.LegacyTopic0); s != nil && s.fb != nil {
		f = s.fb
	}
	m := map[string]any{
		"agentId":       argBig(e.AgentID),
		"clientAddress": argAddr(e.Client),
		"value":         argBig(e.Value),
		"valueDecimals": e.ValueDecimals,
		"indexedTag1":   argHash(e.Tag1Topic),
		"tag2":          SafeText(e.Tag2),
		"feedbackURI":   SafeText(e.FeedbackURI),
		"feedbackHash":  argHash(e.FeedbackHash),
	}
	if e.HasIndex {
		m["feedbackIndex"] = e.FeedbackIndex
	}
	if f.tag1InData || f.bytes32Tags {
		m["tag1"] = SafeText(e.Tag1)
	}
	if f.endpoint {
		m["endpoint"] = SafeText(e.Endpoint)
	}
	return m
}

func decodeNewFeedback(l *types.Log, s *spec) (Event, error) {
	f := s.fb
	head := f.headWords()
	if err := checkShape(l, s, 4, head, false); err != nil {
		return nil, err
	}
	client, err := topicAddress(s, l, 2, "clientAddress")
	if err != nil {
		return nil, err
	}
	ev := &NewFeedback{
		AgentID:      topicUint256(l, 1),
		Client:       client,
		Tag1Topic:    l.Topics[3],
		LegacyTopic0: s.legacy,
	}
	if f.bytes32Tags {
		ev.Tag1 = trimBytes32(ev.Tag1Topic)
	}
	r := newReader(l, s, head)
	i := 0 // next head word
	if f.index {
		if ev.FeedbackIndex, err = r.uint64(i, "feedbackIndex"); err != nil {
			return nil, err
		}
		ev.HasIndex = true
		i++
	}
	switch f.value {
	case valueScore:
		score, err := r.uint8(i, "score")
		if err != nil {
			return nil, err
		}
		ev.Value = new(big.Int).SetUint64(uint64(score))
		i++
	default:
		switch f.value {
		case valueUint256:
			ev.Value, err = r.uint256(i, "value")
		case valueInt256:
			ev.Value, err = r.int256(i, "value")
		default:
			ev.Value, err = r.int128(i, "value")
		}
		if err != nil {
			return nil, err
		}
		if ev.ValueDecimals, err = r.uint8(i+1, "valueDecimals"); err != nil {
			return nil, err
		}
		i += 2
	}
	if f.tag1InData {
		if ev.Tag1, err = r.str(i, "tag1"); err != nil {
			return nil, err
		}
		i++
	}
	if f.bytes32Tags {
		tag2, err := r.bytes32(i, "tag2")
		if err != nil {
			return nil, err
		}
		ev.Tag2 = trimBytes32(tag2)
	} else if ev.Tag2, err = r.str(i, "tag2"); err != nil {
		return nil, err
	}
	i++
	if f.endpoint {
		if ev.Endpoint, err = r.str(i, "endpoint"); err != nil {
			return nil, err
		}
		i++
	}
	if ev.FeedbackURI, err = r.str(i, "feedbackURI"); err != nil {
		return nil, err
	}
	if ev.FeedbackHash, err = r.bytes32(i+1, "feedbackHash"); err != nil {
		return nil, err
	}
	return ev, nil
}

// FeedbackRevoked is FeedbackRevoked(uint256 indexed agentId, address indexed
// clientAddress, uint64 indexed feedbackIndex), identical in every version.
type FeedbackRevoked struct {
	AgentID       *big.Int
	Client        common.Address
	FeedbackIndex uint64
}

// Name implements Event.
func (*FeedbackRevoked) Name() string { return "FeedbackRevoked" }

// Signature implements Event.
func (*FeedbackRevoked) Signature() string { return sigFeedbackRevoked }

// Args implements Event.
func (e *FeedbackRevoked) Args() map[string]any {
	return map[string]any{
		"agentId":       argBig(e.AgentID),
		"clientAddress": argAddr(e.Client),
		"feedbackIndex": e.FeedbackIndex,
	}
}

func decodeFeedbackRevoked(l *types.Log, s *spec) (Event, error) {
	if err := checkShape(l, s, 4, 0, true); err != nil {
		return nil, err
	}
	client, err := topicAddress(s, l, 2, "clientAddress")
	if err != nil {
		return nil, err
	}
	idx, err := topicUint64(s, l, 3, "feedbackIndex")
	if err != nil {
		return nil, err
	}
	return &FeedbackRevoked{AgentID: topicUint256(l, 1), Client: client, FeedbackIndex: idx}, nil
}

// ResponseAppended is ResponseAppended(uint256 indexed agentId, address indexed
// clientAddress, uint64 feedbackIndex, address indexed responder, string
// responseURI, bytes32 responseHash). The spec-only layout without
// responseHash decodes here too, with ResponseHash zero.
type ResponseAppended struct {
	AgentID       *big.Int
	Client        common.Address
	FeedbackIndex uint64
	Responder     common.Address
	ResponseURI   string
	ResponseHash  common.Hash
	// LegacyTopic0 is the topic0 of the spec-only layout when decoded from it,
	// zero for the deployed layout.
	LegacyTopic0 common.Hash
}

// Name implements Event.
func (*ResponseAppended) Name() string { return "ResponseAppended" }

// Signature implements Event.
func (e *ResponseAppended) Signature() string {
	return legacySignature(e.LegacyTopic0, "ResponseAppended", sigResponseAppended)
}

// Args implements Event; "responseHash" is absent for the spec-only layout.
func (e *ResponseAppended) Args() map[string]any {
	m := map[string]any{
		"agentId":       argBig(e.AgentID),
		"clientAddress": argAddr(e.Client),
		"feedbackIndex": e.FeedbackIndex,
		"responder":     argAddr(e.Responder),
		"responseURI":   SafeText(e.ResponseURI),
	}
	if e.LegacyTopic0 == (common.Hash{}) {
		m["responseHash"] = argHash(e.ResponseHash)
	}
	return m
}

func decodeResponseAppended(l *types.Log, s *spec) (Event, error) {
	withHash := s.legacy == (common.Hash{})
	head := 2
	if withHash {
		head = 3
	}
	if err := checkShape(l, s, 4, head, false); err != nil {
		return nil, err
	}
	client, err := topicAddress(s, l, 2, "clientAddress")
	if err != nil {
		return nil, err
	}
	responder, err := topicAddress(s, l, 3, "responder")
	if err != nil {
		return nil, err
	}
	ev := &ResponseAppended{AgentID: topicUint256(l, 1), Client: client, Responder: responder, LegacyTopic0: s.legacy}
	r := newReader(l, s, head)
	if ev.FeedbackIndex, err = r.uint64(0, "feedbackIndex"); err != nil {
		return nil, err
	}
	if ev.ResponseURI, err = r.str(1, "responseURI"); err != nil {
		return nil, err
	}
	if withHash {
		if ev.ResponseHash, err = r.bytes32(2, "responseHash"); err != nil {
			return nil, err
		}
	}
	return ev, nil
}
