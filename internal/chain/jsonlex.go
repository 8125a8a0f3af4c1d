package chain

import (
	"bytes"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// The fast log decoder's lexer: the JSON primitives that logScanner builds on
// (whitespace, literals, keys, hex strings, quantities and validated skipping of
// any other value). Each returns false when the input leaves the strict subset
// described in logjson.go, and the caller then falls back to encoding/json.

// space skips JSON whitespace.
func (s *logScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\n', '\r', '\t':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (s *logScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal consumes lit if it is next.
func (s *logScanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// key scans an object key without escapes and returns its bytes.
func (s *logScanner) key() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// hexString scans a string "0x..." without escapes and returns the digits.
func (s *logScanner) hexString() ([]byte, bool) {
	if len(s.b)-s.i < 4 || s.b[s.i] != '"' || s.b[s.i+1] != '0' || (s.b[s.i+2] != 'x' && s.b[s.i+2] != 'X') {
		return nil, false
	}
	start := s.i + 3
	end := bytes.IndexByte(s.b[start:], '"')
	if end < 0 {
		return nil, false
	}
	s.i = start + end + 1
	// Digits are validated by the caller; a backslash or control character
	// fails that validation, so escapes need no separate check.
	return s.b[start : start+end], true
}

// fixedHex scans a 0x string of exactly 2*len(dst) hex digits into dst.
func (s *logScanner) fixedHex(dst []byte) bool {
	h, ok := s.hexString()
	if !ok || len(h) != 2*len(dst) {
		return false
	}
	return decodeHex(dst, h)
}

// decodeHex decodes len(dst) bytes from the hex digits in h.
func decodeHex(dst, h []byte) bool {
	var bad byte
	for k := range dst {
		hi, lo := hexVal[h[2*k]], hexVal[h[2*k+1]]
		bad |= hi | lo
		dst[k] = hi<<4 | lo&0x0f
	}
	return bad&0xf0 == 0
}

// bytesHex scans Log.Data: a 0x string with an even number of hex digits.
func (s *logScanner) bytesHex(l *types.Log) bool {
	h, ok := s.hexString()
	if !ok || len(h)%2 != 0 {
		return false
	}
	n := len(h) / 2
	if s.data == nil || cap(s.data)-len(s.data) < n {
		s.data = make([]byte, 0, max(dataChunk, n))
	}
	off := len(s.data)
	s.data = s.data[:off+n]
	dst := s.data[off : off+n : off+n]
	l.Data = dst
	return decodeHex(dst, h)
}

// topicList scans an array of 32-byte hashes.
func (s *logScanner) topicList(l *types.Log) bool {
	if !s.eat('[') {
		return false
	}
	// Topics are appended to the arena in place; a log has at most 4, but
	// the scan accepts any number and moves to a fresh chunk when needed.
	if cap(s.topics)-len(s.topics) < 4 {
		s.topics = make([]common.Hash, 0, topicChunk)
	}
	start := len(s.topics)
	s.space()
	if s.eat(']') {
		l.Topics = s.topics[start:start:start]
		return true
	}
	for {
		if len(s.topics) == cap(s.topics) {
			// Move the topics of this log to a fresh chunk.
			fresh := make([]common.Hash, len(s.topics)-start, topicChunk+len(s.topics)-start)
			copy(fresh, s.topics[start:])
			s.topics, start = fresh, 0
		}
		s.topics = s.topics[:len(s.topics)+1]
		s.space()
		if !s.fixedHex(s.topics[len(s.topics)-1][:]) {
			return false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			end := len(s.topics)
			l.Topics = s.topics[start:end:end]
			return true
		}
		return false
	}
}

// quantity scans a hexutil quantity: 0x and 1-16 hex digits without leading
// zeros.
func (s *logScanner) quantity() (uint64, bool) {
	h, ok := s.hexString()
	if !ok || len(h) == 0 || len(h) > 16 || (len(h) > 1 && h[0] == '0') {
		return 0, false
	}
	var v uint64
	for _, c := range h {
		d := hexVal[c]
		if d == 0xff {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// maxDepth bounds nesting of skipped values, like encoding/json.
const maxDepth = 10000

// skipValue validates and skips any JSON value.
func (s *logScanner) skipValue(depth int) bool {
	if depth > maxDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		s.i++
		s.space()
		if s.eat('}') {
			return true
		}
		for {
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != '"' || !s.skipString() {
				return false
			}
			s.space()
			if !s.eat(':') {
				return false
			}
			s.space()
			if !s.skipValue(depth + 1) {
				return false
			}
			s.space()
			if s.eat(',') {
				continue
			}
			return s.eat('}')
		}
	case c == '[':
		s.i++
		s.space()
		if s.eat(']') {
			return true
		}
		for {
			s.space()
			if !s.skipValue(depth + 1) {
				return false
			}
			s.space()
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	default:
		return false
	}
}

// skipString validates and skips a string.
func (s *logScanner) skipString() bool {
	s.i++ // opening quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if len(s.b)-s.i < 6 {
					return false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if hexVal[h] == 0xff {
						return false
					}
				}
				s.i += 6
			default:
				return false
			}
		default:
			s.i++
		}
	}
	return false
}

// skipNumber validates and skips a number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *logScanner) skipNumber() bool {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') && !s.digits() {
		return false
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits skips one or more decimal digits.
func (s *logScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
