package offchain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects a file may have. Real files nest four or
// five levels; the bound keeps a hostile file from costing recursion in the decoder or in
// PostgreSQL's jsonb.
const MaxDepth = 32

// jsonDepth returns the deepest nesting of arrays and objects in b, scanning bytes without
// decoding, and stops counting once max is exceeded.
func jsonDepth(b []byte, max int) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return deepest
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// decodeObject decodes b as one JSON object with exact numbers. It returns the decoded object,
// or the status and error that explain why b is not one.
func decodeObject(b []byte) (map[string]any, Status, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, StatusEmpty, fmt.Errorf("empty file")
	}
	if t[0] != '{' && t[0] != '[' && !json.Valid(t) {
		return nil, StatusUnsupported, fmt.Errorf("not JSON (%s)", sniff(t))
	}
	if d := jsonDepth(t, MaxDepth); d > MaxDepth {
		return nil, StatusInvalid, fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, StatusInvalid, fmt.Errorf("bad JSON: %v", err)
	}
	if dec.More() {
		return nil, StatusInvalid, fmt.Errorf("bad JSON: data after the top-level value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, StatusInvalid, fmt.Errorf("top-level JSON value is %s, not an object", jsonType(v))
	}
	if len(obj) == 0 {
		return nil, StatusEmpty, fmt.Errorf("empty JSON object")
	}
	return obj, StatusOK, nil
}

// sniff names what non-JSON content looks like, without quoting it (content is never echoed).
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("<")):
		return "markup"
	case bytes.HasPrefix(b, []byte("\x89PNG")), bytes.HasPrefix(b, []byte("\xff\xd8\xff")), bytes.HasPrefix(b, []byte("GIF8")):
		return "an image"
	case !utf8.Valid(b):
		return "binary"
	}
	return "text"
}

// jsonType names the JSON type of a decoded value for error messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// storable re-encodes a decoded value for a jsonb column: PostgreSQL rejects the NUL character
// in jsonb strings, so NULs in keys and strings become U+FFFD (invalid UTF-8 already did, in
// the decoder). It returns nil for nil.
func storable(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(clean(v))
	if err != nil {
		return nil // unreachable: v came from the decoder
	}
	return b
}

func clean(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\x00", "\uFFFD")
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clean(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ReplaceAll(k, "\x00", "\uFFFD")] = clean(e)
		}
		return out
	}
	return v
}

// issues collects the errors and warnings of one file.
type issues struct {
	Errors   []string
	Warnings []string
}

func (is *issues) errorf(format string, args ...any) {
	is.Errors = append(is.Errors, fmt.Sprintf(format, args...))
}

func (is *issues) warnf(format string, args ...any) {
	is.Warnings = append(is.Warnings, fmt.Sprintf(format, args...))
}

// str reads an optional string field: absent or null is "", another type is an error.
func (is *issues) str(obj map[string]any, key string) string {
	v, ok := obj[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		is.errorf("%s: expected a string, got %s", key, jsonType(v))
		return ""
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// boolean reads an optional boolean field: absent or null is nil, another type is an error.
func (is *issues) boolean(obj map[string]any, key string) *bool {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil
	}
	b, ok := v.(bool)
	if !ok {
		is.errorf("%s: expected a boolean, got %s", key, jsonType(v))
		return nil
	}
	return &b
}

// object reads an optional object field as storable JSON: absent or null is nil, another type
// is an error.
func (is *issues) object(obj map[string]any, key string) json.RawMessage {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		is.errorf("%s: expected an object, got %s", key, jsonType(v))
		return nil
	}
	return storable(v)
}

// strings reads an optional array of strings: absent or null is nil, another type (or an element
// of another type) is an error.
func (is *issues) strings(obj map[string]any, key string) []string {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		is.errorf("%s: expected an array of strings, got %s", key, jsonType(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			is.errorf("%s[%d]: expected a string, got %s", key, i, jsonType(e))
			continue
		}
		out = append(out, strings.ReplaceAll(s, "\x00", "\uFFFD"))
	}
	return out
}

// alias reads the first present key of keys (the canonical one first), warning when a variant
// spelling was used and when both were given.
func (is *issues) alias(obj map[string]any, keys ...string) (string, bool) {
	found := ""
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			continue
		}
		if found == "" {
			found = k
			continue
		}
		is.warnf("both %s and %s given; %s used", found, k, found)
	}
	if found == "" {
		return keys[0], false
	}
	if found != keys[0] {
		is.warnf("%s used for %s", found, keys[0])
	}
	return found, true
}
