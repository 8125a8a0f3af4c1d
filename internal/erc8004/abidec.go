package erc8004

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// This file holds the bounds-checked ABI primitives. They read 32-byte words
// straight from the log, with no reflection and no intermediate allocation
// besides the returned values. Every value type is checked for canonical
// padding, the way solc encodes it; a log that violates that was not produced
// by the registry contracts and is reported as malformed instead of being
// silently truncated.

// two256 is 2**256, used to sign-extend negative int128/int256 words. Read-only.
var two256 = new(big.Int).Lsh(big.NewInt(1), 256)

// malformed builds the error for a log that does not fit s's layout.
func malformed(s *spec, format string, args ...any) error {
	return fmt.Errorf("decode %s (%s): %s: %w", s.Name, s.Version, fmt.Sprintf(format, args...), ErrMalformed)
}

// checkShape verifies the topic count exactly and that the data holds at least
// the head (headWords static words). exact demands len(data) == headWords*32,
// for layouts without dynamic parts.
func checkShape(l *types.Log, s *spec, topics, headWords int, exact bool) error {
	if len(l.Topics) != topics {
		return malformed(s, "got %d topics, want %d", len(l.Topics), topics)
	}
	need := headWords * 32
	if exact && len(l.Data) != need {
		return malformed(s, "data is %d bytes, want exactly %d", len(l.Data), need)
	}
	if len(l.Data) < need {
		return malformed(s, "data is %d bytes, head needs %d", len(l.Data), need)
	}
	return nil
}

// allZero reports whether b is all zero bytes.
func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// reader decodes the data section of one log whose head size was already
// checked by checkShape; word still bounds-checks so that a caller mistake
// becomes an error, not a panic.
type reader struct {
	s    *spec
	data []byte
	head int // bytes in the static head; dynamic offsets must point at or past it
}

func newReader(l *types.Log, s *spec, headWords int) reader {
	return reader{s: s, data: l.Data, head: headWords * 32}
}

func (r *reader) word(i int, field string) ([]byte, error) {
	off := i * 32
	if i < 0 || off+32 > len(r.data) {
		return nil, malformed(r.s, "data word %d (%s) out of range of %d bytes", i, field, len(r.data))
	}
	return r.data[off : off+32], nil
}

// uint256 reads an unsigned 256-bit word.
func (r *reader) uint256(i int, field string) (*big.Int, error) {
	w, err := r.word(i, field)
	if err != nil {
		return nil, err
	}
	return bigFromWord(w), nil
}

// bigFromWord reads an unsigned big-endian word. Zero is returned as
// new(big.Int) so that it is reflect.DeepEqual to big.NewInt(0) (SetBytes
// leaves a non-nil empty slice), which keeps require.Equal in callers' tests
// meaningful for agentId 0.
func bigFromWord(w []byte) *big.Int {
	if allZero(w) {
		return new(big.Int)
	}
	return new(big.Int).SetBytes(w)
}

// uint64 reads a uint64 word; the upper 24 bytes must be zero.
func (r *reader) uint64(i int, field string) (uint64, error) {
	w, err := r.word(i, field)
	if err != nil {
		return 0, err
	}
	if !allZero(w[:24]) {
		return 0, malformed(r.s, "data word %d (%s): uint64 out of range", i, field)
	}
	return binary.BigEndian.Uint64(w[24:]), nil
}

// uint8 reads a uint8 word; the upper 31 bytes must be zero.
func (r *reader) uint8(i int, field string) (uint8, error) {
	w, err := r.word(i, field)
	if err != nil {
		return 0, err
	}
	if !allZero(w[:31]) {
		return 0, malformed(r.s, "data word %d (%s): uint8 out of range", i, field)
	}
	return w[31], nil
}

// bool reads a bool word, which must be exactly 0 or 1.
func (r *reader) bool(i int, field string) (bool, error) {
	w, err := r.word(i, field)
	if err != nil {
		return false, err
	}
	if !allZero(w[:31]) || w[31] > 1 {
		return false, malformed(r.s, "data word %d (%s): bool is not 0 or 1", i, field)
	}
	return w[31] == 1, nil
}

// bytes32 reads a bytes32 word verbatim.
func (r *reader) bytes32(i int, field string) (common.Hash, error) {
	w, err := r.word(i, field)
	if err != nil {
		return common.Hash{}, err
	}
	return common.BytesToHash(w), nil
}

// int256 reads a two's-complement int256 word.
func (r *reader) int256(i int, field string) (*big.Int, error) {
	w, err := r.word(i, field)
	if err != nil {
		return nil, err
	}
	return signed(w), nil
}

// int128 reads an int128 word: the upper 16 bytes must be the sign extension
// of bit 127 (all 0x00 for non-negative, all 0xff for negative values).
func (r *reader) int128(i int, field string) (*big.Int, error) {
	w, err := r.word(i, field)
	if err != nil {
		return nil, err
	}
	var ext byte
	if w[16]&0x80 != 0 {
		ext = 0xff
	}
	for _, b := range w[:16] {
		if b != ext {
			return nil, malformed(r.s, "data word %d (%s): int128 not sign-extended", i, field)
		}
	}
	return signed(w), nil
}

// signed interprets a 32-byte word as a two's-complement integer.
func signed(w []byte) *big.Int {
	v := bigFromWord(w)
	if w[0]&0x80 != 0 {
		v.Sub(v, two256)
	}
	return v
}

// dynamic reads the bytes/string whose offset is in head word i. The offset
// must be 32-aligned, point past the head and leave room for the length word;
// the length must fit in the remaining data. The returned slice aliases the
// log data.
func (r *reader) dynamic(i int, field string) ([]byte, error) {
	w, err := r.word(i, field)
	if err != nil {
		return nil, err
	}
	if !allZero(w[:24]) {
		return nil, malformed(r.s, "data word %d (%s): offset out of range", i, field)
	}
	off := binary.BigEndian.Uint64(w[24:])
	n := uint64(len(r.data))
	switch {
	case off%32 != 0:
		return nil, malformed(r.s, "data word %d (%s): offset %d not a multiple of 32", i, field, off)
	case off < uint64(r.head):
		return nil, malformed(r.s, "data word %d (%s): offset %d points into the %d-byte head", i, field, off, r.head)
	case n < 32 || off > n-32:
		return nil, malformed(r.s, "data word %d (%s): offset %d past the end of %d-byte data", i, field, off, n)
	}
	lw := r.data[off : off+32]
	if !allZero(lw[:24]) {
		return nil, malformed(r.s, "%s: length out of range", field)
	}
	size := binary.BigEndian.Uint64(lw[24:])
	start := off + 32
	if size > n-start {
		return nil, malformed(r.s, "%s: length %d exceeds the %d remaining bytes", field, size, n-start)
	}
	return r.data[start : start+size], nil
}

// str reads a dynamic string. The raw bytes are kept, valid UTF-8 or not (the
// contracts accept any bytes); Args applies SafeText.
func (r *reader) str(i int, field string) (string, error) {
	b, err := r.dynamic(i, field)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// bytesCopy reads a dynamic bytes value into a fresh slice (never aliasing the log).
func (r *reader) bytesCopy(i int, field string) ([]byte, error) {
	b, err := r.dynamic(i, field)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// Topic helpers. Topics are fixed 32-byte words, so only canonical padding
// can go wrong.

func topicAddress(s *spec, l *types.Log, i int, field string) (common.Address, error) {
	t := &l.Topics[i]
	if !allZero(t[:12]) {
		return common.Address{}, malformed(s, "topic %d (%s): address has non-zero upper bytes", i, field)
	}
	return common.BytesToAddress(t[12:]), nil
}

func topicUint64(s *spec, l *types.Log, i int, field string) (uint64, error) {
	t := &l.Topics[i]
	if !allZero(t[:24]) {
		return 0, malformed(s, "topic %d (%s): uint64 out of range", i, field)
	}
	return binary.BigEndian.Uint64(t[24:]), nil
}

func topicUint256(l *types.Log, i int) *big.Int {
	return bigFromWord(l.Topics[i][:])
}

// trimBytes32 returns a bytes32 tag as a string with trailing zero bytes
// removed (how v1.0 clients packed short ASCII tags).
func trimBytes32(h common.Hash) string {
	return string(bytes.TrimRight(h[:], "\x00"))
}
