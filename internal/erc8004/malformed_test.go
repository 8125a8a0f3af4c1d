package erc8004

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// mutate returns a copy of l after f changed it.
func mutate(l *types.Log, f func(l *types.Log)) *types.Log {
	c := &types.Log{Topics: append([]common.Hash(nil), l.Topics...), Data: append([]byte(nil), l.Data...)}
	f(c)
	return c
}

// setWord overwrites data word i with v.
func setWord(l *types.Log, i int, v *big.Int) { copy(l.Data[i*32:i*32+32], word(v)) }

func TestDecode_Malformed(t *testing.T) {
	t.Parallel()
	reg := buildLog(t, topic0Of(sigRegistered), big.NewInt(1), "https://example.com/agent.json", addrA) // 32 head + 32 len + 32 bytes
	afa := buildLog(t, topic0Of(sigApprovalForAll), addrA, addrB, true)
	nf := buildLog(t, topic0Of(sigNewFeedback), big.NewInt(1), addrA, uint64(3), big.NewInt(-5), uint8(2), "t", "t", "u", "e", "f", [32]byte(hashA))
	nf10 := buildLog(t, topic0Of(sigNewFeedbackV10), big.NewInt(1), addrA, uint8(9), b32("a"), b32("b"), "f", [32]byte(hashA))
	tr := buildLog(t, topic0Of(sigTransfer), addrA, addrB, big.NewInt(1))
	rev := buildLog(t, topic0Of(sigFeedbackRevoked), big.NewInt(1), addrA, uint64(1))
	ini := buildLog(t, topic0Of(sigInitialized), uint64(1))
	vr := buildLog(t, topic0Of(sigValidationResponse), addrB, big.NewInt(3), [32]byte(hashA), uint8(1), "u", [32]byte(hashB), "tag")
	ms := buildLog(t, topic0Of(sigMetadataSet), big.NewInt(7), "k", "k", []byte{1})
	up := buildLog(t, topic0Of(sigUpgraded), addrB)
	ra := buildLog(t, topic0Of(sigResponseAppended), big.NewInt(9), addrA, uint64(7), addrB, "ipfs://resp", [32]byte(hashB))
	mu := buildLog(t, topic0Of(sigMetadataUpdate), big.NewInt(42))
	eip := buildLog(t, topic0Of(sigEIP712DomainChanged))
	one := big.NewInt(1)
	two128 := new(big.Int).Lsh(one, 128)

	cases := []struct {
		name, want string
		l          *types.Log
	}{
		{"ShortDataEmpty", "head needs", mutate(reg, func(l *types.Log) { l.Data = nil })},
		{"ShortDataPartialHead", "head needs", mutate(reg, func(l *types.Log) { l.Data = l.Data[:31] })},
		{"ShortDataNoLengthWord", "past the end", mutate(reg, func(l *types.Log) { l.Data = l.Data[:63] })},
		{"ShortDataTruncatedString", "exceeds", mutate(reg, func(l *types.Log) { l.Data = l.Data[:64+10] })},
		{"OffsetMisaligned", "not a multiple of 32", mutate(reg, func(l *types.Log) { setWord(l, 0, big.NewInt(33)) })},
		{"OffsetIntoHead", "points into", mutate(reg, func(l *types.Log) { setWord(l, 0, big.NewInt(0)) })},
		{"OffsetPastEnd", "past the end", mutate(reg, func(l *types.Log) { setWord(l, 0, big.NewInt(int64(len(l.Data)))) })},
		{"OffsetFarPastEnd", "past the end", mutate(reg, func(l *types.Log) { setWord(l, 0, big.NewInt(1<<40)) })},
		{"OffsetOverflowsUint64", "offset out of range", mutate(reg, func(l *types.Log) { setWord(l, 0, maxU256) })},
		{"LengthExceedsRemaining", "exceeds", mutate(reg, func(l *types.Log) { setWord(l, 1, big.NewInt(33)) })},
		{"LengthMaxUint64", "exceeds", mutate(reg, func(l *types.Log) { setWord(l, 1, new(big.Int).SetUint64(^uint64(0))) })},
		{"LengthOverflowsUint64", "length out of range", mutate(reg, func(l *types.Log) { setWord(l, 1, maxU256) })},
		{"LengthOneMegabyteClaim", "exceeds", mutate(reg, func(l *types.Log) { setWord(l, 1, big.NewInt(1<<20)) })},
		{"TooFewTopics", "got 2 topics, want 3", mutate(reg, func(l *types.Log) { l.Topics = l.Topics[:2] })},
		{"TooManyTopics", "got 4 topics, want 3", mutate(reg, func(l *types.Log) { l.Topics = append(l.Topics, hashA) })},
		{"AddressTopicPadding", "address has non-zero upper bytes", mutate(reg, func(l *types.Log) { l.Topics[2][0] = 1 })},
		{"BoolTwo", "bool is not 0 or 1", mutate(afa, func(l *types.Log) { l.Data[31] = 2 })},
		{"BoolPadding", "bool is not 0 or 1", mutate(afa, func(l *types.Log) { l.Data[0] = 1 })},
		{"StaticDataTooLong", "want exactly 32", mutate(afa, func(l *types.Log) { l.Data = append(l.Data, make([]byte, 32)...) })},
		{"StaticDataTooShort", "want exactly 32", mutate(afa, func(l *types.Log) { l.Data = l.Data[:31] })},
		{"Uint8Padding", "valueDecimals", mutate(nf, func(l *types.Log) { l.Data[2*32+30] = 1 })},
		{"Uint8ScorePadding", "score", mutate(nf10, func(l *types.Log) { l.Data[0] = 0x80 })},
		{"Int128PositiveNotExtended", "int128 not sign-extended", mutate(nf, func(l *types.Log) { setWord(l, 1, two128) })},
		{"Int128NegativeNotExtended", "int128 not sign-extended", mutate(nf, func(l *types.Log) { setWord(l, 1, new(big.Int).Sub(two128, one)) })},
		{"Int128MixedExtension", "int128 not sign-extended", mutate(nf, func(l *types.Log) { l.Data[32+3] = 0 })},
		{"Uint64DataOverflow", "feedbackIndex", mutate(nf, func(l *types.Log) { l.Data[23] = 1 })},
		{"NewFeedbackUnindexedTag1Layout", "got 3 topics, want 4", mutate(nf, func(l *types.Log) { l.Topics = l.Topics[:3] })},
		{"NewFeedbackStringOffsetPastEnd", "past the end", mutate(nf, func(l *types.Log) { setWord(l, 6, big.NewInt(int64(len(l.Data)))) })},
		{"ERC20Transfer", "got 3 topics, want 4", mutate(tr, func(l *types.Log) { l.Topics = l.Topics[:3]; l.Data = word(one) })},
		{"TransferWithData", "want exactly 0", mutate(tr, func(l *types.Log) { l.Data = word(one) })},
		{"Uint64TopicOverflow", "uint64 out of range", mutate(rev, func(l *types.Log) { l.Topics[3][0] = 1 })},
		{"InitializedOverflow", "uint64 out of range", mutate(ini, func(l *types.Log) { setWord(l, 0, new(big.Int).Lsh(one, 64)) })},
		{"ResponseUint8Padding", "response", mutate(vr, func(l *types.Log) { setWord(l, 0, big.NewInt(256)) })},
		{"MetadataValueOffsetPastEnd", "metadataValue", mutate(ms, func(l *types.Log) { setWord(l, 1, big.NewInt(int64(len(l.Data)))) })},
		{"MetadataValueLengthTooLong", "metadataValue", mutate(ms, func(l *types.Log) { setWord(l, 4, big.NewInt(40)) })},
		{"UpgradedAddressPadding", "implementation", mutate(up, func(l *types.Log) { l.Topics[1][11] = 0xff })},
		{"ResponderPadding", "responder", mutate(ra, func(l *types.Log) { l.Topics[3][5] = 0x01 })},
		{"MetadataUpdateShort", "want exactly 32", mutate(mu, func(l *types.Log) { l.Data = l.Data[:16] })},
		{"MetadataUpdateIndexed", "got 2 topics, want 1", mutate(mu, func(l *types.Log) { l.Topics = append(l.Topics, hashA); l.Data = nil })},
		{"EIP712WithData", "want exactly 0", mutate(eip, func(l *types.Log) { l.Data = []byte{0} })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				ev  Event
				err error
			)
			require.NotPanics(t, func() { ev, err = Decode(tc.l) })
			require.Nil(t, ev)
			require.ErrorIs(t, err, ErrMalformed)
			require.NotErrorIs(t, err, ErrUnknownEvent)
			v, _ := Lookup(tc.l.Topics[0])
			msg := err.Error()
			require.True(t, strings.HasPrefix(msg, "decode "+v.Name+" ("), msg)
			require.Contains(t, msg, tc.want)
			require.NotContains(t, msg, "\n")
		})
	}
}

// TestDecode_EveryTruncationAndCorruption runs every valid crafted log through
// every data truncation and every single-byte corruption of data and topics:
// no panic, and any error is a one-line ErrMalformed naming the event.
func TestDecode_EveryTruncationAndCorruption(t *testing.T) {
	t.Parallel()
	for _, tc := range decodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			valid := buildLog(t, topic0Of(tc.sig), tc.vals...)
			v, _ := Lookup(valid.Topics[0])
			check := func(l *types.Log) {
				var (
					ev  Event
					err error
				)
				require.NotPanics(t, func() { ev, err = Decode(l) })
				if err != nil {
					require.ErrorIs(t, err, ErrMalformed)
					require.True(t, strings.HasPrefix(err.Error(), "decode "+v.Name+" ("), err.Error())
					return
				}
				// Whatever still decodes must agree with go-ethereum.
				checkAgainstGeth(t, l, ev)
			}
			for n := 0; n < len(valid.Data); n++ {
				l := mutate(valid, func(l *types.Log) { l.Data = l.Data[:n] })
				check(l)
				// Canonical encodings never put non-zero bytes in padding, so
				// cutting off any non-zero byte must be detected.
				if !allZero(valid.Data[n:]) {
					_, err := Decode(l)
					require.ErrorIs(t, err, ErrMalformed, "truncated to %d of %d bytes", n, len(valid.Data))
				}
			}
			for i := range valid.Data {
				for _, b := range []byte{0x01, 0x80, 0xff} {
					check(mutate(valid, func(l *types.Log) { l.Data[i] ^= b }))
				}
			}
			for ti := 1; ti < len(valid.Topics); ti++ {
				for i := 0; i < 32; i++ {
					check(mutate(valid, func(l *types.Log) { l.Topics[ti][i] ^= 0x80 }))
				}
			}
			check(mutate(valid, func(l *types.Log) { l.Topics = l.Topics[:1] }))
			check(mutate(valid, func(l *types.Log) { l.Topics = append(l.Topics, hashA) }))
			check(mutate(valid, func(l *types.Log) { l.Data = append(l.Data, 0) }))
		})
	}
}
