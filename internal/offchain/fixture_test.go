package offchain

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture-registrations.golden.json")

// fixtureURI is one agentURI of the mainnet fixture with the agent it belongs to.
type fixtureURI struct {
	AgentID string
	URI     string
}

// fixtureURIs returns every agentURI (Registered and URIUpdated) of the mainnet fixture.
func fixtureURIs(t testing.TB) []fixtureURI {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "mainnet-identity-logs.json"))
	require.NoError(t, err)
	var f struct {
		RegisteredLogs, URIUpdatedLogs []struct {
			Topics []string
			Data   string
		}
	}
	require.NoError(t, json.Unmarshal(b, &f))
	var out []fixtureURI
	for _, l := range append(f.RegisteredLogs, f.URIUpdatedLogs...) {
		data, err := hex.DecodeString(strings.TrimPrefix(l.Data, "0x"))
		require.NoError(t, err)
		// The URI is the event's only non-indexed argument: an ABI string at the offset in the
		// first word.
		off := new(big.Int).SetBytes(data[:32]).Int64()
		n := new(big.Int).SetBytes(data[off : off+32]).Int64()
		id := new(big.Int).SetBytes(common32(t, l.Topics[1])).String()
		out = append(out, fixtureURI{AgentID: id, URI: string(data[off+32 : off+32+n])})
	}
	require.Equal(t, 80, len(out), "logs in the fixture")
	return out
}

func common32(t testing.TB, h string) []byte {
	b, err := hex.DecodeString(strings.TrimPrefix(h, "0x"))
	require.NoError(t, err)
	return b
}

// servedFile is what the test's stand-in for the web serves at an https URL of the fixture
// (their real content is not part of the fixture): a site root answers HTML, as such roots do;
// the railway.app agents answer the Oct-2025 shape with the variant spellings; the others the
// current shape.
func servedFile(host, path string) (string, []byte) {
	switch {
	case path == "" || path == "/":
		return "text/html", []byte("<!doctype html><title>agent</title>")
	case strings.HasSuffix(host, ".up.railway.app"):
		return "application/json", fmt.Appendf(nil, `{"name":"%s","description":"served for %s%s","image":"https://%s/logo.png",`+
			`"endpoints":[{"name":"A2A","endpoint":"https://%s/.well-known/agent-card.json","version":"0.3.0"}],`+
			`"x402support":true,"active":true,"supportedTrusts":["reputation"]}`, host, host, path, host, host)
	}
	return "application/json", fmt.Appendf(nil, `{"type":"%s","name":"%s","description":"served for %s%s","image":"https://%s/logo.png",`+
		`"services":[{"name":"web","endpoint":"https://%s/"},{"name":"MCP","endpoint":"https://%s/mcp","version":"2025-06-18"}],`+
		`"x402Support":false,"active":true,"registrations":[{"agentId":1,"agentRegistry":"eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"}],`+
		`"supportedTrust":["reputation","crypto-economic"]}`, RegistrationType, host, host, path, host, host, host)
}

// fixtureResolver returns a resolver that reaches the fixture's https hosts and an IPFS gateway
// on loopback: every connection is dialled to a local TLS server that answers as the URL's host.
func fixtureResolver(t *testing.T) *Resolver {
	t.Helper()
	web := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ipfs/") { // the gateway, and https URLs of public gateways
			cid := strings.TrimPrefix(r.URL.Path, "/ipfs/")
			_, _ = fmt.Fprintf(w, `{"type":"%s","name":"ipfs %s","description":"pinned","image":"ipfs://%s/image.png","services":[],"x402Support":true,"active":false}`,
				RegistrationType, cid, cid)
			return
		}
		ct, body := servedFile(r.Host, r.URL.Path)
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	}))
	t.Cleanup(web.Close)
	r := testResolver(t, func(c *Config) {
		c.IPFSGateways = []string{"https://gateway.test/ipfs/"}
		c.AllowHTTP = false
		c.Attempts = 1
	})
	tr := r.client.Transport.(*http.Transport)
	addr := web.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a loopback stand-in for the fixture's hosts
	return r
}

// goldenRow is what the golden file records per fixture URI.
type goldenRow struct {
	AgentID        string            `json:"agentId"`
	URI            string            `json:"uri"` // the first 96 characters
	Status         Status            `json:"status"`
	Name           string            `json:"name,omitempty"`
	Description    string            `json:"description,omitempty"`
	Image          string            `json:"image,omitempty"`
	X402Support    *bool             `json:"x402Support,omitempty"`
	Active         *bool             `json:"active,omitempty"`
	Services       []string          `json:"services,omitempty"`
	SupportedTrust []string          `json:"supportedTrust,omitempty"`
	Registrations  []RegistrationRef `json:"registrations,omitempty"`
	Errors         []string          `json:"errors,omitempty"`
	Warnings       []string          `json:"warnings,omitempty"`
}

// TestFixture_Registrations resolves and parses every agentURI of the mainnet fixture (inline
// ones as on chain, https and IPFS ones from loopback) and compares the fields with the
// reviewed golden file.
func TestFixture_Registrations(t *testing.T) {
	t.Parallel()
	r := fixtureResolver(t)
	var got []goldenRow
	counts := map[Status]int{}
	for _, fu := range fixtureURIs(t) {
		row := goldenRow{AgentID: fu.AgentID, URI: fu.URI}
		if len(row.URI) > 96 {
			row.URI = row.URI[:96]
		}
		res, err := r.Resolve(context.Background(), fu.URI, Validators{})
		if err != nil {
			row.Status, row.Errors = StatusOf(err), []string{err.Error()}
		} else {
			reg := ParseRegistration(res.Body)
			row.Status, row.Errors, row.Warnings = reg.Status, reg.Errors, reg.Warnings
			row.Name, row.Description, row.Image = reg.Name, reg.Description, reg.Image
			row.X402Support, row.Active, row.SupportedTrust, row.Registrations = reg.X402Support, reg.Active, reg.SupportedTrust, reg.Registrations
			var svcs []struct{ Name, Endpoint string }
			if reg.Services != nil {
				require.NoError(t, json.Unmarshal(reg.Services, &svcs))
			}
			for _, s := range svcs {
				row.Services = append(row.Services, s.Name+" "+s.Endpoint)
			}
			if len(row.Description) > 60 {
				row.Description = row.Description[:60]
			}
			require.Equal(t, reg.Document != nil, json.Valid(reg.Document), fu.URI)
		}
		counts[row.Status]++
		got = append(got, row)
	}
	// Every fetchable or inline file parses; only the junk ones do not.
	require.Equal(t, map[Status]int{StatusOK: 75, StatusEmpty: 2, StatusUnsupported: 3}, counts)

	b, err := json.MarshalIndent(got, "", " ")
	require.NoError(t, err)
	golden := filepath.Join("testdata", "fixture-registrations.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, append(b, '\n'), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(b))
}

// TestFixture_Offline resolves the fixture with every network connection refused: each file to
// fetch (https, IPFS) is recorded unreachable with the reason, and every inline one parses
// exactly as in the golden file.
func TestFixture_Offline(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "fixture-registrations.golden.json"))
	require.NoError(t, err)
	var golden []goldenRow
	require.NoError(t, json.Unmarshal(b, &golden))
	r := testResolver(t, func(c *Config) {
		c.Attempts = 1
		c.Dial = func(context.Context, string, string) (net.Conn, error) {
			return nil, fmt.Errorf("connection refused")
		}
	})
	fetched := 0
	for i, fu := range fixtureURIs(t) {
		res, err := r.Resolve(context.Background(), fu.URI, Validators{})
		switch res.Kind {
		case erc8004.URIHTTPS, erc8004.URIIPFS, erc8004.URICID:
			if len(golden[i].Errors) > 0 && strings.HasPrefix(golden[i].Errors[0], "unsupported uri") {
				require.Equal(t, StatusUnsupported, StatusOf(err), fu.URI) // junk, never fetched
				continue
			}
			fetched++
			require.Equal(t, StatusUnreachable, StatusOf(err), fu.URI)
			require.Contains(t, err.Error(), "connection refused")
		default:
			got := goldenRow{Status: StatusOf(err)}
			if err == nil {
				reg := ParseRegistration(res.Body)
				got.Status, got.Name, got.X402Support, got.Active = reg.Status, reg.Name, reg.X402Support, reg.Active
			}
			want := golden[i]
			require.Equal(t, want.Status, got.Status, fu.URI)
			require.Equal(t, want.Name, got.Name, fu.URI)
			require.Equal(t, want.X402Support, got.X402Support, fu.URI)
			require.Equal(t, want.Active, got.Active, fu.URI)
		}
	}
	require.Equal(t, 27, fetched, "https and IPFS files of the fixture")
}
