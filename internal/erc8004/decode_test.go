package erc8004

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

// keccak("agentWallet"), from SPEC §2.1 (not recomputed, to stay independent).
var agentWalletKeyHash = common.HexToHash("0x2ac6109326e720d1435c0db66f7e35eda7839f52b6f1f5520a60788e132b4e39")

// keccak("") — the topic of an empty indexed string, from SPEC §2.2.
var emptyStringHash = hashB

type decodeCase struct {
	name string
	sig  string
	vals []any
	want Event
	args map[string]any
}

func decodeCases() []decodeCase {
	one := big.NewInt(1)
	int128Max := new(big.Int).Sub(new(big.Int).Lsh(one, 127), one)
	int128Min := new(big.Int).Neg(new(big.Int).Lsh(one, 127))
	int256Min := new(big.Int).Neg(new(big.Int).Lsh(one, 255))
	e38 := bigDec("100000000000000000000000000000000000000")
	neg38 := new(big.Int).Neg(e38)
	zero := common.Address{}
	tagOneHash := topicOfString("tag-one")
	starredHash := topicOfString("starred")

	return []decodeCase{
		{
			name: "Registered", sig: sigRegistered,
			vals: []any{maxU256, "ipfs://bafkreidky4zbb4jya5cysj5iljpjjqa3xehrz3otwz3i2itqe4bw5rx3ji", addrA},
			want: &Registered{AgentID: maxU256, AgentURI: "ipfs://bafkreidky4zbb4jya5cysj5iljpjjqa3xehrz3otwz3i2itqe4bw5rx3ji", Owner: addrA},
			args: map[string]any{"agentId": maxU256.String(), "agentURI": "ipfs://bafkreidky4zbb4jya5cysj5iljpjjqa3xehrz3otwz3i2itqe4bw5rx3ji", "owner": "0x9ce7082814bda389f3ba548bdf2626006279569c"},
		},
		{
			name: "RegisteredEmptyURI", sig: sigRegistered,
			vals: []any{big.NewInt(0), "", addrB},
			want: &Registered{AgentID: big.NewInt(0), AgentURI: "", Owner: addrB},
			args: map[string]any{"agentId": "0", "agentURI": "", "owner": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"},
		},
		{
			name: "MetadataSetBytes", sig: sigMetadataSet,
			vals: []any{big.NewInt(7), "agentWallet", "agentWallet", addrA.Bytes()},
			want: &MetadataSet{AgentID: big.NewInt(7), KeyHash: agentWalletKeyHash, Key: "agentWallet", Value: addrA.Bytes()},
			args: map[string]any{"agentId": "7", "indexedMetadataKey": agentWalletKeyHash.Hex(), "metadataKey": "agentWallet", "metadataValue": "0x9ce7082814bda389f3ba548bdf2626006279569c"},
		},
		{
			name: "MetadataSetEmptyValue", sig: sigMetadataSet,
			vals: []any{big.NewInt(7), "agentWallet", "agentWallet", []byte{}},
			want: &MetadataSet{AgentID: big.NewInt(7), KeyHash: agentWalletKeyHash, Key: "agentWallet", Value: []byte{}},
			args: map[string]any{"agentId": "7", "indexedMetadataKey": agentWalletKeyHash.Hex(), "metadataKey": "agentWallet", "metadataValue": "0x"},
		},
		{
			name: "MetadataSetV11String", sig: sigMetadataSetV11,
			vals: []any{big.NewInt(1), "name", "name", "Agent ✓"},
			want: &MetadataSet{AgentID: big.NewInt(1), KeyHash: topicOfString("name"), Key: "name", Value: []byte("Agent ✓"), LegacyTopic0: topic0Of(sigMetadataSetV11)},
			args: map[string]any{"agentId": "1", "indexedMetadataKey": topicOfString("name").Hex(), "metadataKey": "name", "metadataValue": "0x4167656e7420e29c93"},
		},
		{
			name: "UriUpdatedV10", sig: sigUriUpdatedV10,
			vals: []any{big.NewInt(5), "https://example.com/a.json", addrB},
			want: &URIUpdated{AgentID: big.NewInt(5), NewURI: "https://example.com/a.json", UpdatedBy: addrB, LegacyTopic0: topic0Of(sigUriUpdatedV10)},
			args: map[string]any{"agentId": "5", "newURI": "https://example.com/a.json", "updatedBy": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"},
		},
		{
			name: "URIUpdated", sig: sigURIUpdated,
			vals: []any{big.NewInt(0), "", addrC},
			want: &URIUpdated{AgentID: big.NewInt(0), NewURI: "", UpdatedBy: addrC},
			args: map[string]any{"agentId": "0", "newURI": "", "updatedBy": "0xffffffffffffffffffffffffffffffffffffffff"},
		},
		{
			name: "TransferMint", sig: sigTransfer,
			vals: []any{zero, addrA, big.NewInt(3)},
			want: &Transfer{From: zero, To: addrA, TokenID: big.NewInt(3)},
			args: map[string]any{"from": "0x0000000000000000000000000000000000000000", "to": "0x9ce7082814bda389f3ba548bdf2626006279569c", "tokenId": "3"},
		},
		{
			name: "Approval", sig: sigApproval,
			vals: []any{addrA, addrB, maxU256},
			want: &Approval{Owner: addrA, Approved: addrB, TokenID: maxU256},
			args: map[string]any{"owner": "0x9ce7082814bda389f3ba548bdf2626006279569c", "approved": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "tokenId": maxU256.String()},
		},
		{
			name: "ApprovalForAllTrue", sig: sigApprovalForAll,
			vals: []any{addrA, addrB, true},
			want: &ApprovalForAll{Owner: addrA, Operator: addrB, Approved: true},
			args: map[string]any{"owner": "0x9ce7082814bda389f3ba548bdf2626006279569c", "operator": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "approved": true},
		},
		{
			name: "ApprovalForAllFalse", sig: sigApprovalForAll,
			vals: []any{addrB, addrA, false},
			want: &ApprovalForAll{Owner: addrB, Operator: addrA, Approved: false},
			args: map[string]any{"owner": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "operator": "0x9ce7082814bda389f3ba548bdf2626006279569c", "approved": false},
		},
		{
			name: "MetadataUpdate", sig: sigMetadataUpdate,
			vals: []any{big.NewInt(42)},
			want: &MetadataUpdate{TokenID: big.NewInt(42)},
			args: map[string]any{"_tokenId": "42"},
		},
		{
			name: "BatchMetadataUpdate", sig: sigBatchMetadataUpdate,
			vals: []any{big.NewInt(1), maxU256},
			want: &BatchMetadataUpdate{FromTokenID: big.NewInt(1), ToTokenID: maxU256},
			args: map[string]any{"_fromTokenId": "1", "_toTokenId": maxU256.String()},
		},
		{
			name: "Upgraded", sig: sigUpgraded,
			vals: []any{addrB},
			want: &Upgraded{Implementation: addrB},
			args: map[string]any{"implementation": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"},
		},
		{
			name: "Initialized", sig: sigInitialized,
			vals: []any{uint64(2)},
			want: &Initialized{Version: 2},
			args: map[string]any{"version": uint64(2)},
		},
		{
			name: "InitializedMax", sig: sigInitialized,
			vals: []any{uint64(math.MaxUint64)},
			want: &Initialized{Version: math.MaxUint64},
			args: map[string]any{"version": uint64(math.MaxUint64)},
		},
		{
			name: "OwnershipTransferred", sig: sigOwnershipTransferred,
			vals: []any{zero, addrA},
			want: &OwnershipTransferred{PreviousOwner: zero, NewOwner: addrA},
			args: map[string]any{"previousOwner": "0x0000000000000000000000000000000000000000", "newOwner": "0x9ce7082814bda389f3ba548bdf2626006279569c"},
		},
		{
			name: "EIP712DomainChanged", sig: sigEIP712DomainChanged,
			vals: []any{},
			want: &EIP712DomainChanged{},
			args: map[string]any{},
		},
		{
			name: "NewFeedbackV10", sig: sigNewFeedbackV10,
			vals: []any{big.NewInt(12), addrA, uint8(87), b32("quality"), b32("speed"), "ipfs://QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG", [32]byte(hashA)},
			want: &NewFeedback{AgentID: big.NewInt(12), Client: addrA, Value: big.NewInt(87), Tag1Topic: b32("quality"), Tag1: "quality", Tag2: "speed",
				FeedbackURI: "ipfs://QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG", FeedbackHash: hashA, LegacyTopic0: topic0Of(sigNewFeedbackV10)},
			args: map[string]any{"agentId": "12", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "value": "87", "valueDecimals": uint8(0),
				"indexedTag1": common.Hash(b32("quality")).Hex(), "tag1": "quality", "tag2": "speed",
				"feedbackURI": "ipfs://QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG", "feedbackHash": hashA.Hex()},
		},
		{
			name: "NewFeedbackV11", sig: sigNewFeedbackV11,
			vals: []any{big.NewInt(12), addrA, uint8(100), "tag-one", "tag-two", "https://fb.example/1", [32]byte(hashA)},
			want: &NewFeedback{AgentID: big.NewInt(12), Client: addrA, Value: big.NewInt(100), Tag1Topic: tagOneHash, Tag2: "tag-two",
				FeedbackURI: "https://fb.example/1", FeedbackHash: hashA, LegacyTopic0: topic0Of(sigNewFeedbackV11)},
			args: map[string]any{"agentId": "12", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "value": "100", "valueDecimals": uint8(0),
				"indexedTag1": tagOneHash.Hex(), "tag2": "tag-two", "feedbackURI": "https://fb.example/1", "feedbackHash": hashA.Hex()},
		},
		{
			name: "NewFeedback20260105", sig: sigNewFeedback0105,
			vals: []any{big.NewInt(2), addrB, uint8(0), "tag-one", "t2", "https://agent.example/GetPrice", "u", [32]byte{}},
			want: &NewFeedback{AgentID: big.NewInt(2), Client: addrB, Value: big.NewInt(0), Tag1Topic: tagOneHash, Tag2: "t2",
				Endpoint: "https://agent.example/GetPrice", FeedbackURI: "u", LegacyTopic0: topic0Of(sigNewFeedback0105)},
			args: map[string]any{"agentId": "2", "clientAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "value": "0", "valueDecimals": uint8(0),
				"indexedTag1": tagOneHash.Hex(), "tag2": "t2", "endpoint": "https://agent.example/GetPrice", "feedbackURI": "u",
				"feedbackHash": common.Hash{}.Hex()},
		},
		{
			name: "NewFeedback20260107", sig: sigNewFeedback0107,
			vals: []any{big.NewInt(2), addrB, uint64(3), uint8(55), "", "t2", "ep", "u", [32]byte(hashB)},
			want: &NewFeedback{AgentID: big.NewInt(2), Client: addrB, FeedbackIndex: 3, HasIndex: true, Value: big.NewInt(55), Tag1Topic: emptyStringHash, Tag2: "t2",
				Endpoint: "ep", FeedbackURI: "u", FeedbackHash: hashB, LegacyTopic0: topic0Of(sigNewFeedback0107)},
			args: map[string]any{"agentId": "2", "clientAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "feedbackIndex": uint64(3), "value": "55", "valueDecimals": uint8(0),
				"indexedTag1": emptyStringHash.Hex(), "tag2": "t2", "endpoint": "ep", "feedbackURI": "u", "feedbackHash": hashB.Hex()},
		},
		{
			name: "NewFeedback20260111", sig: sigNewFeedback0111,
			vals: []any{big.NewInt(2), addrB, uint64(4), uint8(255), "tag-one", "tag-one", "t2", "ep", "u", [32]byte(hashB)},
			want: &NewFeedback{AgentID: big.NewInt(2), Client: addrB, FeedbackIndex: 4, HasIndex: true, Value: big.NewInt(255), Tag1Topic: tagOneHash, Tag1: "tag-one", Tag2: "t2",
				Endpoint: "ep", FeedbackURI: "u", FeedbackHash: hashB, LegacyTopic0: topic0Of(sigNewFeedback0111)},
			args: map[string]any{"agentId": "2", "clientAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "feedbackIndex": uint64(4), "value": "255", "valueDecimals": uint8(0),
				"indexedTag1": tagOneHash.Hex(), "tag1": "tag-one", "tag2": "t2", "endpoint": "ep", "feedbackURI": "u", "feedbackHash": hashB.Hex()},
		},
		{
			name: "NewFeedback20260118Uint256", sig: sigNewFeedback0118,
			vals: []any{big.NewInt(2), addrB, uint64(5), maxU256, uint8(18), "tag-one", "tag-one", "", "", "", [32]byte{}},
			want: &NewFeedback{AgentID: big.NewInt(2), Client: addrB, FeedbackIndex: 5, HasIndex: true, Value: maxU256, ValueDecimals: 18, Tag1Topic: tagOneHash, Tag1: "tag-one",
				LegacyTopic0: topic0Of(sigNewFeedback0118)},
			args: map[string]any{"agentId": "2", "clientAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "feedbackIndex": uint64(5), "value": maxU256.String(), "valueDecimals": uint8(18),
				"indexedTag1": tagOneHash.Hex(), "tag1": "tag-one", "tag2": "", "endpoint": "", "feedbackURI": "", "feedbackHash": common.Hash{}.Hex()},
		},
		{
			name: "NewFeedback20260119Int256", sig: sigNewFeedback0119,
			vals: []any{big.NewInt(2), addrB, uint64(6), int256Min, uint8(1), "tag-one", "tag-one", "x", "y", "z", [32]byte(hashA)},
			want: &NewFeedback{AgentID: big.NewInt(2), Client: addrB, FeedbackIndex: 6, HasIndex: true, Value: int256Min, ValueDecimals: 1, Tag1Topic: tagOneHash, Tag1: "tag-one",
				Tag2: "x", Endpoint: "y", FeedbackURI: "z", FeedbackHash: hashA, LegacyTopic0: topic0Of(sigNewFeedback0119)},
			args: map[string]any{"agentId": "2", "clientAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "feedbackIndex": uint64(6), "value": int256Min.String(), "valueDecimals": uint8(1),
				"indexedTag1": tagOneHash.Hex(), "tag1": "tag-one", "tag2": "x", "endpoint": "y", "feedbackURI": "z", "feedbackHash": hashA.Hex()},
		},
		{
			name: "NewFeedbackV20Negative", sig: sigNewFeedback,
			vals: []any{big.NewInt(31767), addrA, uint64(math.MaxUint64), neg38, uint8(2), "starred", "starred", "uptime", "https://mcp.agent.eth/", "ipfs://bafkreieb6ywiqzm4nbtqdmtu3cabeup5f73euva6bywlu7ts7yklqi2roq", [32]byte(hashA)},
			want: &NewFeedback{AgentID: big.NewInt(31767), Client: addrA, FeedbackIndex: math.MaxUint64, HasIndex: true, Value: neg38, ValueDecimals: 2, Tag1Topic: starredHash,
				Tag1: "starred", Tag2: "uptime", Endpoint: "https://mcp.agent.eth/", FeedbackURI: "ipfs://bafkreieb6ywiqzm4nbtqdmtu3cabeup5f73euva6bywlu7ts7yklqi2roq", FeedbackHash: hashA},
			args: map[string]any{"agentId": "31767", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(math.MaxUint64),
				"value": "-100000000000000000000000000000000000000", "valueDecimals": uint8(2), "indexedTag1": starredHash.Hex(), "tag1": "starred", "tag2": "uptime",
				"endpoint": "https://mcp.agent.eth/", "feedbackURI": "ipfs://bafkreieb6ywiqzm4nbtqdmtu3cabeup5f73euva6bywlu7ts7yklqi2roq", "feedbackHash": hashA.Hex()},
		},
		{
			name: "NewFeedbackV20Int128Min", sig: sigNewFeedback,
			vals: []any{big.NewInt(1), addrA, uint64(1), int128Min, uint8(0), "", "", "", "", "", [32]byte{}},
			want: &NewFeedback{AgentID: big.NewInt(1), Client: addrA, FeedbackIndex: 1, HasIndex: true, Value: int128Min, Tag1Topic: emptyStringHash},
			args: map[string]any{"agentId": "1", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(1),
				"value": "-170141183460469231731687303715884105728", "valueDecimals": uint8(0), "indexedTag1": emptyStringHash.Hex(), "tag1": "", "tag2": "",
				"endpoint": "", "feedbackURI": "", "feedbackHash": common.Hash{}.Hex()},
		},
		{
			name: "NewFeedbackV20Int128Max", sig: sigNewFeedback,
			vals: []any{big.NewInt(1), addrA, uint64(2), int128Max, uint8(18), "", "", "", "", "", [32]byte{}},
			want: &NewFeedback{AgentID: big.NewInt(1), Client: addrA, FeedbackIndex: 2, HasIndex: true, Value: int128Max, ValueDecimals: 18, Tag1Topic: emptyStringHash},
			args: map[string]any{"agentId": "1", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(2),
				"value": "170141183460469231731687303715884105727", "valueDecimals": uint8(18), "indexedTag1": emptyStringHash.Hex(), "tag1": "", "tag2": "",
				"endpoint": "", "feedbackURI": "", "feedbackHash": common.Hash{}.Hex()},
		},
		{
			name: "FeedbackRevoked", sig: sigFeedbackRevoked,
			vals: []any{big.NewInt(9), addrA, uint64(7)},
			want: &FeedbackRevoked{AgentID: big.NewInt(9), Client: addrA, FeedbackIndex: 7},
			args: map[string]any{"agentId": "9", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(7)},
		},
		{
			name: "ResponseAppended", sig: sigResponseAppended,
			vals: []any{big.NewInt(9), addrA, uint64(7), addrB, "ipfs://resp", [32]byte(hashB)},
			want: &ResponseAppended{AgentID: big.NewInt(9), Client: addrA, FeedbackIndex: 7, Responder: addrB, ResponseURI: "ipfs://resp", ResponseHash: hashB},
			args: map[string]any{"agentId": "9", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(7),
				"responder": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "responseURI": "ipfs://resp", "responseHash": hashB.Hex()},
		},
		{
			name: "ResponseAppendedSpecOnly", sig: sigResponseAppendedSpec,
			vals: []any{big.NewInt(9), addrA, uint64(8), addrC, "ipfs://resp2"},
			want: &ResponseAppended{AgentID: big.NewInt(9), Client: addrA, FeedbackIndex: 8, Responder: addrC, ResponseURI: "ipfs://resp2", LegacyTopic0: topic0Of(sigResponseAppendedSpec)},
			args: map[string]any{"agentId": "9", "clientAddress": "0x9ce7082814bda389f3ba548bdf2626006279569c", "feedbackIndex": uint64(8),
				"responder": "0xffffffffffffffffffffffffffffffffffffffff", "responseURI": "ipfs://resp2"},
		},
		{
			name: "ValidationRequest", sig: sigValidationRequest,
			vals: []any{addrB, big.NewInt(3), "https://req.example/1", [32]byte(hashA)},
			want: &ValidationRequest{Validator: addrB, AgentID: big.NewInt(3), RequestURI: "https://req.example/1", RequestHash: hashA},
			args: map[string]any{"validatorAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "agentId": "3", "requestURI": "https://req.example/1", "requestHash": hashA.Hex()},
		},
		{
			name: "ValidationResponseV10", sig: sigValidationRespV10,
			vals: []any{addrB, big.NewInt(3), [32]byte(hashA), uint8(100), "ipfs://v", [32]byte(hashB), b32("tee")},
			want: &ValidationResponse{Validator: addrB, AgentID: big.NewInt(3), RequestHash: hashA, Response: 100, ResponseURI: "ipfs://v", ResponseHash: hashB, Tag: "tee",
				LegacyTopic0: topic0Of(sigValidationRespV10)},
			args: map[string]any{"validatorAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "agentId": "3", "requestHash": hashA.Hex(), "response": uint8(100),
				"responseURI": "ipfs://v", "responseHash": hashB.Hex(), "tag": "tee"},
		},
		{
			name: "ValidationResponse", sig: sigValidationResponse,
			vals: []any{addrB, big.NewInt(3), [32]byte(hashA), uint8(0), "", [32]byte(hashB), "tee-attestation"},
			want: &ValidationResponse{Validator: addrB, AgentID: big.NewInt(3), RequestHash: hashA, Response: 0, ResponseHash: hashB, Tag: "tee-attestation"},
			args: map[string]any{"validatorAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "agentId": "3", "requestHash": hashA.Hex(), "response": uint8(0),
				"responseURI": "", "responseHash": hashB.Hex(), "tag": "tee-attestation"},
		},
		{
			name: "ValidationResponseSpecOnly", sig: sigValidationRespSpec,
			vals: []any{addrB, big.NewInt(3), [32]byte(hashA), uint8(50), "ipfs://v", b32("zk")},
			want: &ValidationResponse{Validator: addrB, AgentID: big.NewInt(3), RequestHash: hashA, Response: 50, ResponseURI: "ipfs://v", Tag: "zk",
				LegacyTopic0: topic0Of(sigValidationRespSpec)},
			args: map[string]any{"validatorAddress": "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432", "agentId": "3", "requestHash": hashA.Hex(), "response": uint8(50),
				"responseURI": "ipfs://v", "tag": "zk"},
		},
	}
}

// topicOfString is the topic of an indexed string, computed by go-ethereum.
func topicOfString(s string) common.Hash {
	tp, err := abi.MakeTopics([]any{s})
	if err != nil {
		panic(err)
	}
	return tp[0][0]
}

func TestDecode_EveryVariant(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, tc := range decodeCases() {
		covered[tc.sig] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := buildLog(t, topic0Of(tc.sig), tc.vals...)
			got, err := Decode(l)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)

			v, ok := Lookup(l.Topics[0])
			require.True(t, ok)
			require.Equal(t, tc.sig, got.Signature())
			require.Equal(t, v.Signature, got.Signature())
			require.Equal(t, v.Name, got.Name())
			require.Equal(t, tc.args, got.Args())
			_, err = json.Marshal(got.Args())
			require.NoError(t, err)

			// A struct built by hand (as other packages' tests do) reports the
			// same signature and args as the decoded one.
			require.Equal(t, tc.want.Signature(), got.Signature())
			require.Equal(t, tc.want.Args(), got.Args())
		})
	}
	for _, v := range Variants() {
		require.True(t, covered[v.Signature], "no decode case for %s", v.Signature)
	}
}

func TestDecode_NamesAndAgentID(t *testing.T) {
	t.Parallel()
	for _, tc := range decodeCases() {
		l := buildLog(t, topic0Of(tc.sig), tc.vals...)
		ev, err := Decode(l)
		require.NoError(t, err, tc.name)
		id := AgentID(ev)
		switch e := ev.(type) {
		case *Transfer, *Approval, *MetadataUpdate:
			require.NotNil(t, id, tc.name)
			require.Equal(t, 0, id.Cmp(tc.vals[indexOfTokenID(e)].(*big.Int)), tc.name)
		case *Registered, *MetadataSet, *URIUpdated, *NewFeedback, *FeedbackRevoked, *ResponseAppended:
			require.Equal(t, 0, id.Cmp(tc.vals[0].(*big.Int)), tc.name)
		case *ValidationRequest, *ValidationResponse:
			require.Equal(t, 0, id.Cmp(tc.vals[1].(*big.Int)), tc.name)
		default:
			require.Nil(t, id, tc.name)
		}
	}
	require.Equal(t, "URIUpdated", (&URIUpdated{LegacyTopic0: topic0Of(sigUriUpdatedV10)}).Name())
	require.Equal(t, sigUriUpdatedV10, (&URIUpdated{LegacyTopic0: topic0Of(sigUriUpdatedV10)}).Signature())
	// A LegacyTopic0 of another event names no layout of this one.
	require.Empty(t, (&URIUpdated{LegacyTopic0: topic0Of(sigNewFeedbackV10)}).Signature())
	require.Equal(t, "unknown", RegistryUnknown.String())
	require.Equal(t, "identity", RegistryIdentity.String())
	require.Equal(t, "reputation", RegistryReputation.String())
	require.Equal(t, "validation", RegistryValidation.String())
	require.Equal(t, "unknown", Registry(200).String())
}

func indexOfTokenID(ev Event) int {
	if _, ok := ev.(*MetadataUpdate); ok {
		return 0
	}
	return 2
}

func TestDecode_RawStringsKeptArgsSanitised(t *testing.T) {
	t.Parallel()
	raw := "ipfs://\xff\xfeabc\x00def\xc3"
	l := buildLog(t, topic0Of(sigRegistered), big.NewInt(1), raw, addrA)
	ev, err := Decode(l)
	require.NoError(t, err)
	require.Equal(t, raw, ev.(*Registered).AgentURI)
	require.Equal(t, "ipfs://\uFFFD\uFFFDabc\uFFFDdef\uFFFD", ev.Args()["agentURI"])
	b, err := json.Marshal(ev.Args())
	require.NoError(t, err)
	require.NotContains(t, string(b), `\u0000`)
}

func TestDecode_OneMegabyteString(t *testing.T) {
	t.Parallel()
	// A genuinely 1 MB string is valid ABI (the contracts accept any length,
	// and L2 gas limits allow it): it must decode exactly, not be rejected.
	big1M := make([]byte, 1<<20)
	for i := range big1M {
		big1M[i] = byte('a' + i%26)
	}
	l := buildLog(t, topic0Of(sigURIUpdated), big.NewInt(77), string(big1M), addrA)
	ev, err := Decode(l)
	require.NoError(t, err)
	require.Equal(t, string(big1M), ev.(*URIUpdated).NewURI)
	require.Len(t, ev.Args()["newURI"], 1<<20)

	// A 1 MB length claim without the bytes behind it is malformed.
	l.Data = l.Data[:64+1000]
	_, err = Decode(l)
	require.ErrorIs(t, err, ErrMalformed)
	require.Contains(t, err.Error(), "URIUpdated")
}

func TestDecode_DoesNotAliasLogData(t *testing.T) {
	t.Parallel()
	l := buildLog(t, topic0Of(sigMetadataSet), big.NewInt(7), "k", "k", []byte{1, 2, 3})
	ev, err := Decode(l)
	require.NoError(t, err)
	for i := range l.Data {
		l.Data[i] = 0xee
	}
	require.Equal(t, []byte{1, 2, 3}, ev.(*MetadataSet).Value)
	require.Equal(t, "k", ev.(*MetadataSet).Key)
}
