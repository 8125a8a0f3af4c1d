package offchain

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

func TestParseRegistration_Variants(t *testing.T) {
	t.Parallel()
	r := ParseRegistration([]byte(`{"type":"` + RegistrationType + `","name":"A","description":"d","image":"i",
		"services":[{"name":"MCP","endpoint":"https://m","version":"2025-06-18","mcpTools":["t"]}],
		"x402Support":{"enabled":true},"active":false,"supportedTrust":["reputation"],
		"registrations":[{"agentId":22,"agentRegistry":"eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"}]}`))
	require.Equal(t, StatusOK, r.Status, r.Errors)
	require.Equal(t, "A", r.Name)
	require.True(t, *r.X402Support)
	require.False(t, *r.Active)
	require.Equal(t, []string{"reputation"}, r.SupportedTrust)
	require.Equal(t, []RegistrationRef{{AgentID: "22", AgentRegistry: "eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"}}, r.Registrations)
	require.JSONEq(t, `[{"name":"MCP","endpoint":"https://m","version":"2025-06-18","mcpTools":["t"]}]`, string(r.Services))
	require.Equal(t, []string{`x402Support given as {"enabled": bool}`}, r.Warnings)

	// Both spellings: the canonical one wins, with a warning.
	r = ParseRegistration([]byte(`{"name":"B","x402Support":true,"x402support":false,"supportedTrusts":["x"]}`))
	require.Equal(t, StatusOK, r.Status)
	require.True(t, *r.X402Support)
	require.Equal(t, []string{"x"}, r.SupportedTrust)
	require.Contains(t, r.Warnings, "both x402Support and x402support given; x402Support used")
}

func TestParseRegistration_Strict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		status Status
		err    string
	}{
		{``, StatusEmpty, "empty file"},
		{" \n\t", StatusEmpty, "empty file"},
		{`{}`, StatusEmpty, "empty JSON object"},
		{`[1,2]`, StatusInvalid, "not an object"},
		{`"name"`, StatusInvalid, "not an object"},
		{`{"name":`, StatusInvalid, "bad JSON"},
		{`{"name":"a"} {}`, StatusInvalid, "data after"},
		{`<html></html>`, StatusUnsupported, "not JSON (markup)"},
		{"\x89PNG\r\n", StatusUnsupported, "not JSON (an image)"},
		{`{"foo":1}`, StatusUnsupported, "not a registration file"},
		{`{"name":42}`, StatusInvalid, "name: expected a string, got a number"},
		{`{"name":"a","active":"true"}`, StatusInvalid, "active: expected a boolean, got a string"},
		{`{"name":"a","x402support":1}`, StatusInvalid, "x402support: expected a boolean, got a number"},
		{`{"name":"a","supportedTrust":"reputation"}`, StatusInvalid, "supportedTrust: expected an array of strings, got a string"},
		{`{"name":"a","supportedTrust":["a",1]}`, StatusInvalid, "supportedTrust[1]: expected a string, got a number"},
		{`{"name":"a","services":"https://x"}`, StatusInvalid, "services: expected an array, got a string"},
		{`{"name":"a","services":[{"endpoint":"https://x"}]}`, StatusInvalid, "services[0]: name: expected a non-empty string, got null"},
		{`{"name":"a","services":[{"name":"web","endpoint":7}]}`, StatusInvalid, "services[0]: endpoint: expected a string, got a number"},
		{`{"name":"a","services":[{"name":"web","endpoint":"x","version":1}]}`, StatusInvalid, "services[0]: version: expected a string, got a number"},
		{`{"name":"a","registrations":{}}`, StatusInvalid, "registrations: expected an array, got an object"},
		{`{"name":"a","b":` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `}`, StatusInvalid, "nested deeper"},
	} {
		r := ParseRegistration([]byte(tc.in))
		require.Equal(t, tc.status, r.Status, "%q", tc.in)
		require.NotEmpty(t, r.Errors, "%q", tc.in)
		require.Contains(t, strings.Join(r.Errors, "; "), tc.err, "%q", tc.in)
	}
	// A depth exactly at the limit is fine, and a wrong-typed field keeps the others.
	r := ParseRegistration([]byte(`{"name":"a","image":5,"b":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`))
	require.Equal(t, StatusInvalid, r.Status)
	require.Equal(t, "a", r.Name)
	require.NotNil(t, r.Document)
}

func TestParseRegistration_Storable(t *testing.T) {
	t.Parallel()
	// NUL is legal JSON but not legal in jsonb: it is replaced, as is invalid UTF-8.
	r := ParseRegistration([]byte("{\"name\":\"a\\u0000b\",\"description\":\"\xff\",\"k\\u0000\":1}"))
	require.Equal(t, StatusOK, r.Status)
	require.Equal(t, "a\uFFFDb", r.Name)
	require.Equal(t, "\uFFFD", r.Description)
	require.NotContains(t, string(r.Document), `\u0000`)
	// Large numbers stay exact.
	r = ParseRegistration([]byte(`{"name":"a","n":123456789012345678901234567890}`))
	require.Contains(t, string(r.Document), `123456789012345678901234567890`)
}

func TestParseFeedback(t *testing.T) {
	t.Parallel()
	f := ParseFeedback([]byte(`{"agentRegistry":"eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432","agentId":22,
		"clientAddress":"eip155:1:0x00000000000000000000000000000000000000aa","createdAt":"2025-09-23T12:00:00Z",
		"value":100,"valueDecimals":0,"tag1":"foo","tag2":"bar","endpoint":"https://agent.example.com/GetPrice",
		"mcp":{"tool":"ToolName"},"a2a":{"skills":["s"],"taskId":"t"},"oasf":{"skills":["k"]},"text":"great",
		"proofOfPayment":{"fromAddress":"0x01","toAddress":"0x02","chainId":"1","txHash":"0x03"}}`))
	require.Equal(t, StatusOK, f.Status, f.Errors)
	require.Empty(t, f.Warnings)
	require.Equal(t, "22", f.AgentID)
	require.Equal(t, "100", f.Value)
	require.Equal(t, 0, *f.ValueDecimals)
	require.Equal(t, "great", f.Text)
	require.Equal(t, "https://agent.example.com/GetPrice", f.Endpoint)
	require.JSONEq(t, `{"tool":"ToolName"}`, string(f.MCP))
	require.JSONEq(t, `{"fromAddress":"0x01","toAddress":"0x02","chainId":"1","txHash":"0x03"}`, string(f.ProofOfPayment))

	// Oct-2025: proof_of_payment, score; agent0-sdk: flat mcpTool, a2aSkills, oasfDomains.
	f = ParseFeedback([]byte(`{"agentId":"7","score":90,"proof_of_payment":{"txHash":"0x1"},"mcpTool":"t","a2aSkills":["x"],"oasfDomains":["d"],"value":"1.5"}`))
	require.Equal(t, StatusOK, f.Status, f.Errors)
	require.JSONEq(t, `{"txHash":"0x1"}`, string(f.ProofOfPayment))
	require.JSONEq(t, `{"tool":"t"}`, string(f.MCP))
	require.JSONEq(t, `{"skills":["x"]}`, string(f.A2A))
	require.JSONEq(t, `{"domains":["d"]}`, string(f.OASF))
	require.Equal(t, "1.5", f.Value)
	require.Contains(t, f.Warnings, "proof_of_payment used for proofOfPayment")
	require.Contains(t, f.Warnings, "createdAt missing")

	for _, in := range []string{`{"agentId":-1}`, `{"value":"ten"}`, `{"valueDecimals":99}`, `{"mcp":"tool"}`, `{"proofOfPayment":[1]}`, `{"text":5}`} {
		require.Equal(t, StatusInvalid, ParseFeedback([]byte(in)).Status, in)
	}
}

func TestHashOK(t *testing.T) {
	t.Parallel()
	body := []byte(`{"value":1}`)
	h := crypto.Keccak256Hash(body).Hex()
	require.Nil(t, HashOK("0x0000000000000000000000000000000000000000000000000000000000000000", Result{Body: body}))
	require.True(t, *HashOK(h, Result{Body: body}))
	require.False(t, *HashOK(h, Result{Body: []byte(`{"value":2}`)}))
	require.True(t, *HashOK(crypto.Keccak256Hash([]byte("gz")).Hex(), Result{Body: body, Raw: []byte("gz")}))
	require.Equal(t, h, ContentHash(body))
}

// FuzzParse feeds arbitrary bytes to both parsers: they never panic, always return a known
// status with a reason when not ok, and a stored document is always valid JSON without NULs.
func FuzzParse(f *testing.F) {
	// Seeds: the fixture's inline files (data: and raw JSON; nothing is fetched).
	r := NewResolver(Config{})
	defer r.Close()
	for _, fu := range fixtureURIs(f) {
		switch erc8004.ClassifyURI(fu.URI) {
		case erc8004.URIJSON, erc8004.URIData, erc8004.URIDataBase64, erc8004.URIDataGzipBase64:
			res, err := r.Resolve(f.Context(), fu.URI, Validators{})
			require.NoError(f, err)
			f.Add(res.Body)
		}
	}
	f.Add([]byte(`{"agentId":"7","score":90,"proof_of_payment":{"txHash":"0x1"},"mcpTool":"t"}`))
	f.Add([]byte(`{"name":"a","services":{"web":[{"url":"x"}],"ens":"a.eth"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := ParseRegistration(b)
		fb := ParseFeedback(b)
		for _, c := range []struct {
			s    Status
			errs []string
			doc  json.RawMessage
		}{{r.Status, r.Errors, r.Document}, {fb.Status, fb.Errors, fb.Document}} {
			switch c.s {
			case StatusOK:
				require.Empty(t, c.errs)
			case StatusInvalid, StatusUnsupported, StatusEmpty:
				require.NotEmpty(t, c.errs)
			default:
				t.Fatalf("status %q", c.s)
			}
			if c.doc != nil {
				require.True(t, json.Valid(c.doc))
				require.NotContains(t, string(c.doc), `\u0000`)
			}
		}
	})
}
