package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// The fast log decoder.
//
// encoding/json with go-ethereum's generated Log.UnmarshalJSON decodes about
// 30k logs/s on one core, far below the network rate, so eth_getLogs answers
// are decoded by a hand-written scanner for the fixed log shape instead. The
// scanner accepts only a strict subset of what encoding/json accepts:
// lowercase 0x hex in the exact shapes hexutil accepts, keys without escapes,
// no nulls for log fields. Whenever it meets anything else it gives up and the
// input is decoded again by encoding/json, which then decides. So a success of
// the fast path always equals what the standard decoder returns, and odd but
// valid answers still decode.

// errSlowPath makes the decoder fall back to encoding/json.
var errSlowPath = errors.New("input outside the fast decoder's subset")

// jsonRPCError is a JSON-RPC error object. It satisfies rpc.Error and
// rpc.DataError so it is classified like the rpc package's errors.
type jsonRPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (e *jsonRPCError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("json-rpc error %d", e.Code)
	}
	return e.Message
}

// ErrorCode implements rpc.Error.
func (e *jsonRPCError) ErrorCode() int { return e.Code }

// ErrorData implements rpc.DataError.
func (e *jsonRPCError) ErrorData() any { return e.Data }

// decodeLogsResponse decodes a JSON-RPC response to eth_getLogs. A JSON-RPC
// error object is returned as a *jsonRPCError.
func decodeLogsResponse(b []byte) ([]types.Log, error) {
	s := logScanner{b: b}
	logs, err := s.response()
	if err == nil {
		return logs, nil
	}
	var rerr *jsonRPCError
	if errors.As(err, &rerr) {
		return nil, rerr
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *jsonRPCError   `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, err
	}
	if env.Error != nil {
		return nil, env.Error
	}
	if len(env.Result) == 0 {
		return nil, errors.New("response has neither result nor error")
	}
	var out []types.Log
	if err := json.Unmarshal(env.Result, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeLogs decodes a JSON array of logs (the result of eth_getLogs).
func decodeLogs(b []byte) ([]types.Log, error) {
	s := logScanner{b: b}
	logs, err := s.logsArray()
	if err == nil {
		s.space()
		if s.i == len(s.b) {
			return logs, nil
		}
	}
	var out []types.Log
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Arena chunk sizes: data bytes and topics of many logs share allocations.
const (
	dataChunk  = 256 << 10
	topicChunk = 4096
)

// logScanner is a single-use scanner over one JSON document.
type logScanner struct {
	b      []byte
	i      int
	data   []byte        // arena for Log.Data
	topics []common.Hash // arena for Log.Topics
}

// hexVal maps an ASCII hex digit to its value and anything else to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = byte(c-'A') + 10
	}
	return t
}()

// response scans {"jsonrpc":..,"id":..,"result":[...]} or an error object.
func (s *logScanner) response() ([]types.Log, error) {
	s.space()
	if !s.eat('{') {
		return nil, errSlowPath
	}
	var (
		logs      []types.Log
		hasResult bool
		errRaw    []byte
	)
	s.space()
	if s.eat('}') {
		return nil, errSlowPath
	}
	for {
		s.space()
		key, ok := s.key()
		if !ok {
			return nil, errSlowPath
		}
		s.space()
		if !s.eat(':') {
			return nil, errSlowPath
		}
		s.space()
		switch string(key) {
		case "result":
			l, err := s.logsArray()
			if err != nil {
				return nil, err
			}
			logs, hasResult = l, true
		case "error":
			start := s.i
			if !s.skipValue(0) {
				return nil, errSlowPath
			}
			errRaw = s.b[start:s.i]
		default:
			// encoding/json matches keys case-insensitively: let it decide.
			if bytes.EqualFold(key, []byte("result")) || bytes.EqualFold(key, []byte("error")) {
				return nil, errSlowPath
			}
			if !s.skipValue(0) {
				return nil, errSlowPath
			}
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			break
		}
		return nil, errSlowPath
	}
	s.space()
	if s.i != len(s.b) {
		return nil, errSlowPath
	}
	if errRaw != nil && !bytes.Equal(errRaw, []byte("null")) {
		var e jsonRPCError
		if err := json.Unmarshal(errRaw, &e); err != nil {
			return nil, errSlowPath
		}
		return nil, &e
	}
	if !hasResult {
		return nil, errSlowPath
	}
	return logs, nil
}

// logsArray scans null or an array of log objects.
func (s *logScanner) logsArray() ([]types.Log, error) {
	s.space()
	if s.literal("null") {
		return nil, nil
	}
	if !s.eat('[') {
		return nil, errSlowPath
	}
	// A log is 500-1000 bytes of JSON; guess the count to avoid regrowing.
	logs := make([]types.Log, 0, (len(s.b)-s.i)/600+1)
	s.space()
	if s.eat(']') {
		return logs, nil
	}
	for {
		logs = append(logs, types.Log{})
		if !s.log(&logs[len(logs)-1]) {
			return nil, errSlowPath
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return logs, nil
		}
		return nil, errSlowPath
	}
}

// Bits of the fields gencodec marks as required on types.Log.
const (
	seenAddress = 1 << iota
	seenTopics
	seenData
	seenTxHash
	seenRequired = seenAddress | seenTopics | seenData | seenTxHash
)

// logKeys are the JSON keys of types.Log, for the case-insensitive check.
var logKeys = [][]byte{
	[]byte("address"), []byte("topics"), []byte("data"), []byte("blockNumber"),
	[]byte("transactionHash"), []byte("transactionIndex"), []byte("blockHash"),
	[]byte("blockTimestamp"), []byte("logIndex"), []byte("removed"),
}

// log scans one log object into l.
func (s *logScanner) log(l *types.Log) bool {
	s.space()
	if !s.eat('{') {
		return false
	}
	seen := 0
	s.space()
	if s.eat('}') {
		return false // required fields missing
	}
	for {
		s.space()
		key, ok := s.key()
		if !ok {
			return false
		}
		s.space()
		if !s.eat(':') {
			return false
		}
		s.space()
		switch string(key) {
		case "address":
			ok = s.fixedHex(l.Address[:])
			seen |= seenAddress
		case "topics":
			ok = s.topicList(l)
			seen |= seenTopics
		case "data":
			ok = s.bytesHex(l)
			seen |= seenData
		case "blockNumber":
			l.BlockNumber, ok = s.quantity()
		case "transactionHash":
			ok = s.fixedHex(l.TxHash[:])
			seen |= seenTxHash
		case "transactionIndex":
			var v uint64
			v, ok = s.quantity()
			l.TxIndex = uint(v)
			ok = ok && v <= math.MaxUint
		case "blockHash":
			ok = s.fixedHex(l.BlockHash[:])
		case "blockTimestamp":
			l.BlockTimestamp, ok = s.quantity()
		case "logIndex":
			var v uint64
			v, ok = s.quantity()
			l.Index = uint(v)
			ok = ok && v <= math.MaxUint
		case "removed":
			switch {
			case s.literal("true"):
				l.Removed = true
			case s.literal("false"):
				l.Removed = false
			default:
				ok = false
			}
		default:
			for _, k := range logKeys {
				if bytes.EqualFold(key, k) {
					return false
				}
			}
			ok = s.skipValue(0)
		}
		if !ok {
			return false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return seen&seenRequired == seenRequired
		}
		return false
	}
}
