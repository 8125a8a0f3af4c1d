package offchain

import (
	"encoding/json"
	"regexp"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Feedback is a parsed off-chain feedback file (SPEC §5.2).
type Feedback struct {
	// Status is ok, invalid, unsupported or empty; Errors and Warnings as for Registration.
	Status   Status
	Errors   []string
	Warnings []string

	AgentRegistry string
	AgentID       string // decimal; "" when missing or not a number
	ClientAddress string
	CreatedAt     string // as written (ISO 8601 in the specification)
	Value         string // decimal as written; "" when missing (older files carry "score")
	ValueDecimals *int
	Tag1, Tag2    string
	Endpoint      string
	Text          string
	// MCP, A2A, OASF are the spec's objects; agent0-sdk's flat fields (mcpTool, a2aSkills,
	// oasfSkills, …) are folded into them.
	MCP, A2A, OASF json.RawMessage
	// ProofOfPayment is "proofOfPayment", or the Oct-2025 "proof_of_payment".
	ProofOfPayment json.RawMessage
	// Document is the whole file as stored; nil unless the file is a JSON object.
	Document json.RawMessage
}

// valueRe is a feedback value as written: an optionally signed decimal, optionally with a
// fraction (some writers put the human value there).
var valueRe = regexp.MustCompile(`^-?[0-9]{1,78}(\.[0-9]{1,78})?$`)

// flatFields maps agent0-sdk's flat feedback fields to the spec object and key they stand for.
var flatFields = []struct{ flat, object, key string }{
	{"mcpTool", "mcp", "tool"}, {"mcpPrompt", "mcp", "prompt"}, {"mcpResource", "mcp", "resource"},
	{"a2aSkills", "a2a", "skills"}, {"a2aContextId", "a2a", "contextId"}, {"a2aTaskId", "a2a", "taskId"},
	{"oasfSkills", "oasf", "skills"}, {"oasfDomains", "oasf", "domains"},
}

// ParseFeedback parses a feedback file. It never fails: what is wrong is in Status and Errors.
func ParseFeedback(b []byte) Feedback {
	var f Feedback
	obj, status, err := decodeObject(b)
	if err != nil {
		f.Status, f.Errors = status, []string{err.Error()}
		return f
	}
	f.Document = storable(obj)
	var is issues
	f.AgentRegistry = is.str(obj, "agentRegistry")
	f.ClientAddress = is.str(obj, "clientAddress")
	f.CreatedAt = is.str(obj, "createdAt")
	f.Tag1 = is.str(obj, "tag1")
	f.Tag2 = is.str(obj, "tag2")
	f.Endpoint = is.str(obj, "endpoint")
	f.Text = is.str(obj, "text")
	switch id := obj["agentId"].(type) {
	case nil:
	case json.Number:
		if decimalRe.MatchString(id.String()) {
			f.AgentID = id.String()
		} else {
			is.errorf("agentId: expected a non-negative integer")
		}
	case string:
		if decimalRe.MatchString(id) {
			f.AgentID = id
			is.warnf("agentId given as a string")
		} else {
			is.errorf("agentId: expected a non-negative integer")
		}
	default:
		is.errorf("agentId: expected a number, got %s", jsonType(id))
	}
	switch v := obj["value"].(type) {
	case nil:
	case json.Number:
		if valueRe.MatchString(v.String()) {
			f.Value = v.String()
		} else {
			is.errorf("value: expected a decimal number")
		}
	case string:
		if valueRe.MatchString(v) {
			f.Value = v
			is.warnf("value given as a string")
		} else {
			is.errorf("value: expected a decimal number")
		}
	default:
		is.errorf("value: expected a number, got %s", jsonType(v))
	}
	switch d := obj["valueDecimals"].(type) {
	case nil:
	case json.Number:
		n, err := d.Int64()
		if err != nil || n < 0 || n > 18 {
			is.errorf("valueDecimals: expected an integer from 0 to 18")
		} else {
			v := int(n)
			f.ValueDecimals = &v
		}
	default:
		is.errorf("valueDecimals: expected a number, got %s", jsonType(d))
	}
	for _, k := range []string{"agentRegistry", "agentId", "clientAddress", "createdAt", "value", "valueDecimals"} {
		if _, ok := obj[k]; !ok {
			is.warnf("%s missing", k)
		}
	}
	objects := map[string]map[string]any{}
	for _, k := range []string{"mcp", "a2a", "oasf"} {
		if raw := is.object(obj, k); raw != nil {
			objects[k] = obj[k].(map[string]any)
		}
	}
	for _, ff := range flatFields {
		v, ok := obj[ff.flat]
		if !ok || v == nil {
			continue
		}
		o := objects[ff.object]
		if o == nil {
			o = map[string]any{}
			objects[ff.object] = o
		}
		if _, taken := o[ff.key]; !taken {
			o[ff.key] = v
		}
	}
	f.MCP, f.A2A, f.OASF = storable(mapOrNil(objects["mcp"])), storable(mapOrNil(objects["a2a"])), storable(mapOrNil(objects["oasf"]))
	if k, ok := is.alias(obj, "proofOfPayment", "proof_of_payment"); ok {
		f.ProofOfPayment = is.object(obj, k)
	}
	f.Errors, f.Warnings = is.Errors, is.Warnings
	f.Status = StatusOK
	if len(f.Errors) > 0 {
		f.Status = StatusInvalid
	}
	return f
}

// mapOrNil returns m as an any, nil when m is nil (so storable yields SQL NULL).
func mapOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// HashOK checks a fetched file against the feedbackHash committed on chain (0x-prefixed hex). It
// returns nil when no hash was committed (bytes32(0)), else whether keccak256 of the file's bytes
// (or of its bytes as transported, for gzip) equals it.
func HashOK(feedbackHash string, res Result) *bool {
	want := common.HexToHash(feedbackHash)
	if want == (common.Hash{}) {
		return nil
	}
	ok := crypto.Keccak256Hash(res.Body) == want || (res.Raw != nil && crypto.Keccak256Hash(res.Raw) == want)
	return &ok
}

// ContentHash is keccak256 of b as 0x-prefixed lowercase hex, the form of the schema's hashes.
func ContentHash(b []byte) string {
	return crypto.Keccak256Hash(b).Hex()
}
