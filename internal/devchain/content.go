package devchain

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// The argument generators below draw only from g.rng, so the calls are deterministic. They
// favour the encodings and oddities seen on mainnet (SPEC §5.3): empty strings, https, ipfs,
// bare CIDs, base64 and gzip data URIs, raw JSON, junk, non-ASCII, invalid UTF-8 and NUL bytes.

// maxFeedbackValue is the largest |value| giveFeedback accepts (1e38).
var maxFeedbackValue = new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil)

func (g *Generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *Generator) hash32() [32]byte {
	var h [32]byte
	for i := 0; i < 32; i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			h[i+j] = byte(v >> (8 * j))
		}
	}
	return h
}

func (g *Generator) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return b
}

// cid returns a fake but well-formed-looking CIDv1 (base32, "bafy…").
func (g *Generator) cid() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var sb strings.Builder
	sb.WriteString("bafkrei")
	for range 52 {
		sb.WriteByte(alphabet[g.rng.IntN(len(alphabet))])
	}
	return sb.String()
}

// registrationJSON is an agent registration file (SPEC §5.1) for agent id.
func (g *Generator) registrationJSON(id uint64) []byte {
	services := []map[string]any{
		{"name": "web", "endpoint": fmt.Sprintf("https://agent%d.example.org/", id)},
		{"name": "A2A", "endpoint": fmt.Sprintf("https://agent%d.example.org/.well-known/agent-card.json", id), "version": "0.3.0"},
	}
	if g.rng.IntN(2) == 0 {
		services = append(services, map[string]any{"name": "MCP", "endpoint": "https://mcp.example.org/", "version": "2025-06-18"})
	}
	if g.rng.IntN(3) == 0 {
		services = append(services, map[string]any{"name": "OASF", "endpoint": "ipfs://" + g.cid(), "version": "0.8", "skills": []string{}, "domains": []string{}})
	}
	doc := map[string]any{
		"type":        "https://eips.ethereum.org/EIPS/eip-8004#registration-v1",
		"name":        g.pick([]string{fmt.Sprintf("agent-%d", id), fmt.Sprintf("Агент %d 🤖", id), fmt.Sprintf("agent \"%d\" <b>", id)}),
		"description": g.pick([]string{"", "A test agent of the devchain generator.", strings.Repeat("long description ", 20)}),
		"image":       fmt.Sprintf("https://img.example.org/%d.png", id),
		"services":    services,
		"x402Support": g.rng.IntN(2) == 0,
		"active":      g.rng.IntN(4) != 0,
		"registrations": []map[string]any{{
			"agentId":       id,
			"agentRegistry": fmt.Sprintf("eip155:%d:%s", ChainID, strings.ToLower(g.regs[regIdentity].Hex())),
		}},
		"supportedTrust": []string{"reputation", "crypto-economic"},
	}
	b, _ := json.Marshal(doc) // cannot fail: plain maps, slices and scalars
	return b
}

// gzipBase64 gzips b at level 6 (as 8004scan does) and base64-encodes it. The gzip header
// carries no timestamp, so the output is deterministic.
func gzipBase64(b []byte) string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, 6) // level 6 is valid
	_, _ = zw.Write(b)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// agentURI returns an agent URI for agent id in one of the observed encodings.
func (g *Generator) agentURI(id uint64) string {
	switch g.rng.IntN(12) {
	case 0:
		return ""
	case 1, 2:
		return fmt.Sprintf("https://agents.example.org/%d/registration.json", id)
	case 3, 4:
		return "ipfs://" + g.cid()
	case 5:
		return "data:application/json;base64," + base64.StdEncoding.EncodeToString(g.registrationJSON(id))
	case 6, 7:
		return "data:application/json;enc=gzip;level=6;base64," + gzipBase64(g.registrationJSON(id))
	case 8:
		return string(g.registrationJSON(id))
	case 9:
		return "Qm" + strings.Repeat("x", 44)
	case 10:
		return "https://agents.example.org/" + strings.Repeat("long/", 200) + "end.json"
	default:
		return g.pick([]string{"cd", "tinybanana", " spaced ", "агент://🤖", "nul\x00byte", "bad utf8 \xff\xfe", "data:application/json;base64,!!!not-base64"})
	}
}

// metadataKey returns a key for setMetadata: usually a common one, sometimes "", non-ASCII or
// long. Never "agentWallet" (reserved).
func (g *Generator) metadataKey() string {
	return g.pick([]string{"name", "description", "image", "x402", "version", "", "ключ-🔑", "agentWallet2", "AgentWallet", strings.Repeat("k", 80)})
}

// metadataValue returns bytes for setMetadata: empty, text, an address, JSON or random bytes.
func (g *Generator) metadataValue() []byte {
	switch g.rng.IntN(6) {
	case 0:
		return []byte{}
	case 1:
		return []byte(g.pick([]string{"hello", "Агент", "v1.2.3"}))
	case 2:
		return g.accts[g.rng.IntN(len(g.accts))].Address.Bytes()
	case 3:
		return []byte(`{"k":"v","n":1}`)
	case 4:
		return g.randBytes(1 + g.rng.IntN(200))
	default:
		return []byte("with\x00nul and \xff")
	}
}

// tag returns a feedback tag: often empty, else a known one or an oddity.
func (g *Generator) tag() string {
	if g.rng.IntN(3) == 0 {
		return ""
	}
	return g.pick([]string{"starred", "uptime", "tradingYield", "responseTime", "successRate", "рейтинг", "tag with spaces", strings.Repeat("t", 100), "nul\x00tag"})
}

// feedbackValue returns a valid (value, decimals): spec examples, zero, negatives, random
// 127-bit values and the ±1e38 bounds, with decimals 0..18.
func (g *Generator) feedbackValue() (*big.Int, uint8) {
	switch g.rng.IntN(8) {
	case 0:
		return big.NewInt(int64(g.rng.IntN(101))), 0
	case 1:
		return big.NewInt(9977), 2
	case 2:
		return big.NewInt(-32), 1
	case 3:
		return big.NewInt(0), uint8(g.rng.IntN(19))
	case 4:
		v := new(big.Int).Set(maxFeedbackValue)
		if g.rng.IntN(2) == 0 {
			v.Neg(v)
		}
		return v, uint8(g.rng.IntN(19))
	case 5:
		return big.NewInt(-g.rng.Int64N(1_000_000)), uint8(g.rng.IntN(19))
	default:
		// Uniform-ish in [-1e38, 1e38].
		v := new(big.Int).Lsh(new(big.Int).SetUint64(g.rng.Uint64()), 64)
		v.Or(v, new(big.Int).SetUint64(g.rng.Uint64()))
		span := new(big.Int).Add(new(big.Int).Lsh(maxFeedbackValue, 1), big.NewInt(1))
		v.Mod(v, span).Sub(v, maxFeedbackValue)
		return v, uint8(g.rng.IntN(19))
	}
}

// tooLargeValue returns a value just outside [-1e38, 1e38].
func (g *Generator) tooLargeValue() *big.Int {
	v := new(big.Int).Add(maxFeedbackValue, big.NewInt(1+g.rng.Int64N(1000)))
	if g.rng.IntN(2) == 0 {
		v.Neg(v)
	}
	return v
}

// feedbackFile returns a feedback file (SPEC §5.2) and its URI in some encoding, and the hash
// the client would commit to (zero sometimes, as allowed for IPFS).
func (g *Generator) feedbackFile(agent uint64, client common.Address, value *big.Int, dec uint8, tag1, tag2 string) (uri string, hash [32]byte) {
	doc := map[string]any{
		"agentRegistry": fmt.Sprintf("eip155:%d:%s", ChainID, strings.ToLower(g.regs[regIdentity].Hex())),
		"agentId":       agent,
		"clientAddress": fmt.Sprintf("eip155:%d:%s", ChainID, strings.ToLower(client.Hex())),
		"createdAt":     "2026-01-29T12:00:00Z",
		"value":         value.String(),
		"valueDecimals": dec,
		"tag1":          tag1,
		"tag2":          tag2,
	}
	body, _ := json.Marshal(doc) // cannot fail
	switch g.rng.IntN(5) {
	case 0:
		return "", [32]byte{}
	case 1:
		return "ipfs://" + g.cid(), [32]byte{}
	case 2:
		return "https://feedback.example.org/" + common.Bytes2Hex(g.randBytes(8)) + ".json", crypto.Keccak256Hash(body)
	case 3:
		return "data:application/json;enc=gzip;level=6;base64," + gzipBase64(body), crypto.Keccak256Hash(body)
	default:
		return "data:application/json;base64," + base64.StdEncoding.EncodeToString(body), crypto.Keccak256Hash(body)
	}
}

// endpoint returns a feedback endpoint (often empty).
func (g *Generator) endpoint() string {
	return g.pick([]string{"", "", "https://agent.example/GetPrice", "mcp://tools/quote", "a2a:task/42"})
}

// responseURI returns a non-empty URI for appendResponse and validation responses.
func (g *Generator) responseURI() string {
	return g.pick([]string{"ipfs://" + g.cid(), "https://responses.example.org/r.json", "data:application/json;base64,e30=", "x"})
}

// optionalHash returns zero or a random hash.
func (g *Generator) optionalHash() [32]byte {
	if g.rng.IntN(3) == 0 {
		return [32]byte{}
	}
	return g.hash32()
}
