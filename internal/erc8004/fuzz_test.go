package erc8004

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// rawTopics is the FuzzDecode selector meaning "topic0 is the first 32 bytes
// of topics" instead of a catalogued topic0 picked by index.
const rawTopics = 0xff

// fuzzLog builds a log from fuzzer input: topics is cut into 32-byte words
// (a trailing partial word is dropped); sel < len(catalog) picks topic0 from
// the catalog so that mutations keep hitting real layouts.
func fuzzLog(sel byte, topics, data []byte) *types.Log {
	l := &types.Log{Data: data}
	if int(sel) < len(catalogEntries) {
		l.Topics = append(l.Topics, catalogEntries[sel].Topic0)
	}
	for i := 0; i+32 <= len(topics) && len(l.Topics) < 5; i += 32 {
		l.Topics = append(l.Topics, common.BytesToHash(topics[i:i+32]))
	}
	return l
}

// fuzzSeed splits a log into FuzzDecode arguments with the raw selector.
func fuzzSeed(l *types.Log) (byte, []byte, []byte) {
	var topics []byte
	for _, tp := range l.Topics {
		topics = append(topics, tp[:]...)
	}
	return rawTopics, topics, l.Data
}

func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases() {
		sel, topics, data := fuzzSeed(buildLog(f, topic0Of(tc.sig), tc.vals...))
		f.Add(sel, topics, data)
	}
	fx := loadFixture(f)
	for _, fl := range append(fx.RegisteredLogs[:5:5], fx.URIUpdatedLogs[:5]...) {
		sel, topics, data := fuzzSeed(fl.log())
		f.Add(sel, topics, data)
	}
	f.Fuzz(func(t *testing.T, sel byte, topics, data []byte) {
		l := fuzzLog(sel, topics, data)
		ev, err := Decode(l)
		if err != nil {
			require.Nil(t, ev)
			if errors.Is(err, ErrUnknownEvent) {
				require.Equal(t, ErrUnknownEvent, err)
				if len(l.Topics) > 0 {
					_, known := Lookup(l.Topics[0])
					require.False(t, known)
				}
				return
			}
			require.ErrorIs(t, err, ErrMalformed)
			v, ok := Lookup(l.Topics[0])
			require.True(t, ok)
			require.True(t, strings.HasPrefix(err.Error(), "decode "+v.Name+" ("), err.Error())
			require.NotContains(t, err.Error(), "\n")
			return
		}
		checkAgainstGeth(t, l, ev)
	})
}

// checkAgainstGeth is the differential oracle: whatever Decode accepts,
// go-ethereum's reflection-based decoder must accept too and produce the same
// value for every parameter (Decode is stricter, never looser).
func checkAgainstGeth(t *testing.T, l *types.Log, ev Event) {
	v, ok := Lookup(l.Topics[0])
	require.True(t, ok)
	require.Equal(t, v.Name, ev.Name())
	require.Equal(t, v.Signature, ev.Signature())

	def := testEvents[l.Topics[0]]
	var indexed abi.Arguments
	for _, in := range def.Inputs {
		if in.Indexed {
			indexed = append(indexed, in)
		}
	}
	require.Len(t, l.Topics, 1+len(indexed))
	fromTopics := map[string]any{}
	require.NoError(t, abi.ParseTopicsIntoMap(fromTopics, indexed, l.Topics[1:]), def.decl)
	fromData, err := def.Inputs.NonIndexed().UnpackValues(l.Data)
	require.NoError(t, err, def.decl)

	di := 0
	for _, in := range def.Inputs {
		var want any
		if in.Indexed {
			want = fromTopics[in.Name]
		} else {
			want = fromData[di]
			di++
		}
		require.Equal(t, norm(want), norm(param(t, ev, in)), "%s: %s", def.decl, in.Name)
	}

	args := ev.Args()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	require.True(t, utf8.Valid(b))
	for k, a := range args {
		if s, ok := a.(string); ok {
			require.True(t, utf8.ValidString(s), k)
			require.NotContains(t, s, "\x00", k)
		}
	}
}

// norm maps equal values of different Go representations to one form.
func norm(v any) any {
	switch x := v.(type) {
	case *big.Int:
		return x.String()
	case [32]byte:
		return common.Hash(x)
	case []byte:
		return string(x)
	}
	return v
}

// param returns the decoded value of one declared parameter, in the Go type
// go-ethereum uses for it.
func param(t *testing.T, ev Event, in abi.Argument) any {
	t.Helper()
	n := in.Name
	isB32 := in.Type.T == abi.FixedBytesTy
	switch e := ev.(type) {
	case *Registered:
		return pick(t, n, map[string]any{"agentId": e.AgentID, "agentURI": e.AgentURI, "owner": e.Owner})
	case *MetadataSet:
		return pick(t, n, map[string]any{"agentId": e.AgentID, "indexedMetadataKey": e.KeyHash, "metadataKey": e.Key, "metadataValue": e.Value})
	case *URIUpdated:
		return pick(t, n, map[string]any{"agentId": e.AgentID, "newURI": e.NewURI, "updatedBy": e.UpdatedBy})
	case *Transfer:
		return pick(t, n, map[string]any{"from": e.From, "to": e.To, "tokenId": e.TokenID})
	case *Approval:
		return pick(t, n, map[string]any{"owner": e.Owner, "approved": e.Approved, "tokenId": e.TokenID})
	case *ApprovalForAll:
		return pick(t, n, map[string]any{"owner": e.Owner, "operator": e.Operator, "approved": e.Approved})
	case *MetadataUpdate:
		return pick(t, n, map[string]any{"_tokenId": e.TokenID})
	case *BatchMetadataUpdate:
		return pick(t, n, map[string]any{"_fromTokenId": e.FromTokenID, "_toTokenId": e.ToTokenID})
	case *Upgraded:
		return pick(t, n, map[string]any{"implementation": e.Implementation})
	case *Initialized:
		return pick(t, n, map[string]any{"version": e.Version})
	case *OwnershipTransferred:
		return pick(t, n, map[string]any{"previousOwner": e.PreviousOwner, "newOwner": e.NewOwner})
	case *EIP712DomainChanged:
		t.Fatalf("EIP712DomainChanged has no parameter %s", n)
	case *NewFeedback:
		tag1 := any(e.Tag1)
		if in.Indexed { // hashed string, or the raw bytes32 tag in v1.0
			tag1 = e.Tag1Topic
		}
		tag2 := any(e.Tag2)
		if isB32 { // v1.0: trimming only removed trailing zeros, so re-padding restores the word
			tag2 = b32(e.Tag2)
		}
		var score any
		if e.Value.IsUint64() && e.Value.Uint64() <= 255 {
			score = uint8(e.Value.Uint64())
		}
		return pick(t, n, map[string]any{"agentId": e.AgentID, "clientAddress": e.Client, "feedbackIndex": e.FeedbackIndex,
			"score": score, "value": e.Value, "valueDecimals": e.ValueDecimals, "indexedTag1": e.Tag1Topic, "tag1": tag1, "tag2": tag2,
			"endpoint": e.Endpoint, "feedbackURI": e.FeedbackURI, "feedbackHash": e.FeedbackHash})
	case *FeedbackRevoked:
		return pick(t, n, map[string]any{"agentId": e.AgentID, "clientAddress": e.Client, "feedbackIndex": e.FeedbackIndex})
	case *ResponseAppended:
		return pick(t, n, map[string]any{"agentId": e.AgentID, "clientAddress": e.Client, "feedbackIndex": e.FeedbackIndex,
			"responder": e.Responder, "responseURI": e.ResponseURI, "responseHash": e.ResponseHash})
	case *ValidationRequest:
		return pick(t, n, map[string]any{"validatorAddress": e.Validator, "agentId": e.AgentID, "requestURI": e.RequestURI, "requestHash": e.RequestHash})
	case *ValidationResponse:
		tag := any(e.Tag)
		if isB32 {
			tag = b32(e.Tag)
		}
		return pick(t, n, map[string]any{"validatorAddress": e.Validator, "agentId": e.AgentID, "requestHash": e.RequestHash,
			"response": e.Response, "responseURI": e.ResponseURI, "responseHash": e.ResponseHash, "tag": tag})
	}
	t.Fatalf("unexpected event type %T", ev)
	return nil
}

func pick(t *testing.T, name string, m map[string]any) any {
	t.Helper()
	v, ok := m[name]
	require.True(t, ok, "no field for parameter %s", name)
	return v
}

func FuzzClassifyURI(f *testing.F) {
	fx := loadFixture(f)
	for _, fl := range fx.RegisteredLogs[:10] {
		var s string
		if ev, err := Decode(fl.log()); err == nil {
			s = ev.(*Registered).AgentURI
		}
		f.Add(s)
	}
	for _, s := range []string{"", "cd", "tinybanana", "data:,x", "data:application/json;enc=gzip;base64,H4sI", "{\"a\":1}", "\xff\x00"} {
		f.Add(s)
	}
	valid := map[URIKind]bool{URIEmpty: true, URIHTTPS: true, URIHTTP: true, URIIPFS: true, URIArweave: true, URIDataBase64: true,
		URIDataGzipBase64: true, URIData: true, URIJSON: true, URICID: true, URIOther: true}
	f.Fuzz(func(t *testing.T, s string) {
		k := ClassifyURI(s)
		require.True(t, valid[k], "kind %q", k)
		require.Equal(t, k, ClassifyURI(s), "deterministic")
		require.Equal(t, s == "", k == URIEmpty)
		if s != "" {
			require.Equal(t, k, ClassifyURI(" "+s+"\n"), "surrounding whitespace is ignored")
		}

		safe := SafeText(s)
		require.True(t, utf8.ValidString(safe))
		require.NotContains(t, safe, "\x00")
		require.Equal(t, safe, SafeText(safe), "idempotent")
		if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
			require.Equal(t, s, safe)
		}
	})
}
