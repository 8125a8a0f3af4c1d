package synthchain

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// The server ABI-encodes about a million logs per benchmark run. go-ethereum's
// abi.Arguments.Pack works through reflection and costs several microseconds per event, which
// would make the synthetic chain, not the indexer, the bottleneck on a 2-core machine. So the
// logs are encoded by a small encoder driven by the layouts of the project's compiled registry
// ABIs (contracts/abi): the argument order, which inputs are indexed and their types all come
// from the binding, and a test checks every produced log against Pack and abi.MakeTopics.

// argKind is the ABI type class of one event input.
type argKind uint8

const (
	kindUint argKind = iota
	kindInt
	kindAddress
	kindBool
	kindBytes32
	kindString
	kindBytes
)

// val is one event argument. Which field is read depends on the input's kind: u for unsigned
// integers and bools (non-zero is true), i for signed integers, a for addresses, h for bytes32,
// s for strings and bytes.
type val struct {
	u uint64
	i int64
	a common.Address
	h common.Hash
	s []byte
}

// input is one event input of a layout.
type input struct {
	name    string
	kind    argKind
	indexed bool
}

// layout is an event's ABI layout, taken from the registry binding.
type layout struct {
	name   string
	id     common.Hash // topic0
	inputs []input
}

// registryABIs are the parsed ABIs of the three registries, from the generated bindings.
var registryABIs = map[string]abi.ABI{
	"identity":   contracts.NewIdentityRegistry().GetABI(),
	"reputation": contracts.NewReputationRegistry().GetABI(),
	"validation": contracts.NewValidationRegistry().GetABI(),
}

// mustLayout returns the layout of event name of a registry ABI. The names are constants of
// this package, so a missing one is a programming error caught by any test run.
func mustLayout(registry, name string) *layout {
	ev, ok := registryABIs[registry].Events[name]
	if !ok {
		panic(fmt.Sprintf("synthchain: %s registry ABI has no event %s", registry, name))
	}
	l := &layout{name: name, id: ev.ID}
	for _, in := range ev.Inputs {
		var k argKind
		switch in.Type.T {
		case abi.UintTy:
			k = kindUint
		case abi.IntTy:
			k = kindInt
		case abi.AddressTy:
			k = kindAddress
		case abi.BoolTy:
			k = kindBool
		case abi.FixedBytesTy:
			if in.Type.Size != 32 {
				panic(fmt.Sprintf("synthchain: %s.%s: bytes%d not supported", name, in.Name, in.Type.Size))
			}
			k = kindBytes32
		case abi.StringTy:
			k = kindString
		case abi.BytesTy:
			k = kindBytes
		default:
			panic(fmt.Sprintf("synthchain: %s.%s: type %s not supported", name, in.Name, in.Type))
		}
		l.inputs = append(l.inputs, input{name: in.Name, kind: k, indexed: in.Indexed})
	}
	return l
}

// The v2.0 events the synthetic traffic emits.
var (
	evTransfer           = mustLayout("identity", "Transfer")
	evApproval           = mustLayout("identity", "Approval")
	evApprovalForAll     = mustLayout("identity", "ApprovalForAll")
	evMetadataUpdate     = mustLayout("identity", "MetadataUpdate")
	evRegistered         = mustLayout("identity", "Registered")
	evMetadataSet        = mustLayout("identity", "MetadataSet")
	evURIUpdated         = mustLayout("identity", "URIUpdated")
	evNewFeedback        = mustLayout("reputation", "NewFeedback")
	evFeedbackRevoked    = mustLayout("reputation", "FeedbackRevoked")
	evResponseAppended   = mustLayout("reputation", "ResponseAppended")
	evValidationRequest  = mustLayout("validation", "ValidationRequest")
	evValidationResponse = mustLayout("validation", "ValidationResponse")
)

// stringTopics caches keccak256 of the indexed strings (metadata keys, tags): they come from
// small fixed sets, and hashing them again for every log would dominate the encoding.
var stringTopics sync.Map // string -> common.Hash

func stringTopic(s []byte) common.Hash {
	if h, ok := stringTopics.Load(string(s)); ok {
		return h.(common.Hash)
	}
	h := crypto.Keccak256Hash(s)
	stringTopics.Store(string(s), h)
	return h
}

// encode ABI-encodes an event: its topics (topic0 first, then the indexed inputs in order) into
// topics, returning how many, and its data appended to buf. args are in ABI input order, indexed
// ones included.
func (l *layout) encode(args []val, topics *[4]common.Hash, buf []byte) (int, []byte) {
	if len(args) != len(l.inputs) {
		panic(fmt.Sprintf("synthchain: %s takes %d arguments, got %d", l.name, len(l.inputs), len(args)))
	}
	topics[0] = l.id
	n := 1
	heads := 0
	for i, in := range l.inputs {
		if in.indexed {
			topics[n] = indexedTopic(in.kind, &args[i])
			n++
		} else {
			heads++
		}
	}
	// Heads first (static values in place, offsets for dynamic ones), then the tails.
	start := len(buf)
	buf = append(buf, make([]byte, 32*heads)...)
	head := start
	for i, in := range l.inputs {
		if in.indexed {
			continue
		}
		word := buf[head : head+32]
		head += 32
		a := &args[i]
		switch in.kind {
		case kindString, kindBytes:
			binary.BigEndian.PutUint64(word[24:], uint64(len(buf)-start))
			buf = appendTail(buf, a.s)
		default:
			putStatic(word, in.kind, a)
		}
	}
	return n, buf
}

// indexedTopic is the topic of an indexed input: the value's 32-byte word, or keccak256 of a
// string or bytes value.
func indexedTopic(k argKind, a *val) common.Hash {
	var h common.Hash
	switch k {
	case kindString, kindBytes:
		return stringTopic(a.s)
	default:
		putStatic(h[:], k, a)
	}
	return h
}

// putStatic writes a static value into a zeroed 32-byte word.
func putStatic(word []byte, k argKind, a *val) {
	switch k {
	case kindUint:
		binary.BigEndian.PutUint64(word[24:], a.u)
	case kindBool:
		if a.u != 0 {
			word[31] = 1
		}
	case kindInt:
		binary.BigEndian.PutUint64(word[24:], uint64(a.i))
		if a.i < 0 { // two's complement sign extension
			for j := 0; j < 24; j++ {
				word[j] = 0xff
			}
		}
	case kindAddress:
		copy(word[12:], a.a[:])
	case kindBytes32:
		copy(word, a.h[:])
	}
}

// appendTail appends the length word and the zero-padded bytes of a dynamic value.
func appendTail(buf, s []byte) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], uint64(len(s)))
	buf = append(buf, w[:]...)
	buf = append(buf, s...)
	if pad := (32 - len(s)%32) % 32; pad > 0 {
		buf = append(buf, make([]byte, pad)...)
	}
	return buf
}
