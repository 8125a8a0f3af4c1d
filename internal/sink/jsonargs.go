package sink

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendArgs appends the JSON object of an event's Args to b. It produces the same JSON value as
// json.Marshal (object keys sorted, the same string contents) without reflection: with about a
// million events per backfill, encoding/json's map marshalling was one of the largest CPU costs
// of the write path. Values of a type it does not know go through encoding/json.
func appendArgs(b []byte, args map[string]any) ([]byte, error) {
	var keysBuf [16]string
	keys := keysBuf[:0]
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, args[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	default:
		js, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(b, js...), nil
	}
}

// appendJSONString appends s as a JSON string. Plain printable ASCII is copied as is; anything
// else (escapes, control characters, non-ASCII, invalid UTF-8) is left to encoding/json, which
// then decides exactly as json.Marshal would.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			js, _ := json.Marshal(s) // a string always marshals
			return append(b, js...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
