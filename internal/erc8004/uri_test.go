package erc8004

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestClassifyURI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want URIKind
	}{
		{"", URIEmpty},
		{"https://mesh-data.heurist.xyz/erc8004/TokenResolverAgent.json", URIHTTPS},
		{"HTTPS://EXAMPLE.COM", URIHTTPS},
		{"  https://example.com/a.json\n", URIHTTPS},
		{"http://example.com", URIHTTP},
		{"ipfs://bafkreidky4zbb4jya5cysj5iljpjjqa3xehrz3otwz3i2itqe4bw5rx3ji", URIIPFS},
		{"ipfs://0x0665b232bE50fa99AfAa430F560bE9788E440fF9", URIIPFS}, // scheme says ipfs, even if the CID is junk
		{"/ipfs/QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG", URIIPFS},
		{"ar://bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U", URIArweave},
		{"data:application/json;base64,eyJ0eXBlIjoiIn0=", URIDataBase64},
		{"DATA:application/json;BASE64,eyJ0eXBlIjoiIn0=", URIDataBase64},
		{"data:application/json;enc=gzip;level=6;base64,H4sIAG+Ve2kAA61XS2", URIDataGzipBase64},
		{"data:application/gzip;base64,H4sI", URIDataGzipBase64},
		{"data:application/json;enc=gzip,{}", URIData}, // gzip but not base64: not decodable as text
		{"data:application/json,{\"name\":\"x\"}", URIData},
		{"data:,hello", URIData},
		{"data:text/plain;charset=utf-8,hi;base64", URIData}, // ";base64" after the comma is payload
		{"data:application/json;base64", URIData},            // no comma: broken data URI
		{`{"type":"https://eips.ethereum.org/EIPS/eip-8004#registration-v1","name":"PhantomAgent"}`, URIJSON},
		{"  {\"name\": \"x\"}  ", URIJSON},
		{`{"name":"truncated`, URIOther},
		{"QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG", URICID},
		{"QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKptG/agent.json", URICID},
		{"bafkreidky4zbb4jya5cysj5iljpjjqa3xehrz3otwz3i2itqe4bw5rx3ji", URICID},
		{"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", URICID},
		{"BAFYBEIGDYRZT5SFP7UDM7HU76UH7Y26NF3EFUYLQABF3OCLGTQY55FBZDI", URICID},
		{"QmRkM7e5AeKBe6BvKgTw2ktmMxH9p8X7k8dPSFwvyaKpt0", URIOther}, // '0' is not base58
		{"QmShort", URIOther},
		{"bafy", URIOther},
		{"cd", URIOther},
		{"tinybanana", URIOther},
		{"ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8", URIOther},
		{"   ", URIOther},
		{"\x00\xff", URIOther},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, ClassifyURI(tc.in), "%q", tc.in)
	}
}

// TestClassifyURI_Fixture classifies every URI of the mainnet fixture. The
// fixture subset has no junk URIs, so none may come out as "other", and the
// kinds SPEC §5.3 lists must all be present.
func TestClassifyURI_Fixture(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	counts := map[URIKind]int{}
	for _, fl := range append(append([]fixtureLog(nil), f.RegisteredLogs...), f.URIUpdatedLogs...) {
		uri := handReadString(t, fl.Data)
		k := ClassifyURI(uri)
		require.NotEqual(t, URIOther, k, "%q", uri)
		counts[k]++
		// Cross-check against the URI's own prefix.
		switch {
		case uri == "":
			require.Equal(t, URIEmpty, k)
		case strings.HasPrefix(uri, "data:application/json;enc=gzip;level=6;base64,"):
			require.Equal(t, URIDataGzipBase64, k)
		case strings.HasPrefix(uri, "data:application/json;base64,"):
			require.Equal(t, URIDataBase64, k)
		case strings.HasPrefix(uri, "https://"):
			require.Equal(t, URIHTTPS, k)
		case strings.HasPrefix(uri, "ipfs://"):
			require.Equal(t, URIIPFS, k)
		case strings.HasPrefix(uri, "{"):
			require.Equal(t, URIJSON, k)
		case strings.HasPrefix(uri, "Qm"):
			require.Equal(t, URICID, k)
		default:
			t.Fatalf("fixture URI with an unexpected shape: %q", uri)
		}
	}
	for _, k := range []URIKind{URIEmpty, URIHTTPS, URIIPFS, URIDataBase64, URIDataGzipBase64, URIJSON, URICID} {
		require.Positive(t, counts[k], "no fixture URI of kind %s", k)
	}
}

func TestClassifyURI_Large(t *testing.T) {
	t.Parallel()
	// 1 MB inputs of the expensive shapes stay linear (and do not panic).
	big1M := strings.Repeat("a", 1<<20)
	require.Equal(t, URIOther, ClassifyURI(big1M))
	require.Equal(t, URIData, ClassifyURI("data:"+strings.Repeat(";", 1<<20)))
	require.Equal(t, URIDataBase64, ClassifyURI("data:application/json;base64,"+big1M))
	require.Equal(t, URIJSON, ClassifyURI(`{"a":"`+big1M+`"}`))
	require.Equal(t, URIOther, ClassifyURI(strings.Repeat("{", 1<<20)))
}

func TestSafeText(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain ascii", "plain ascii"},
		{"héllo ✓ 🚀", "héllo ✓ 🚀"},
		{"a\x00b", "a\uFFFDb"},
		{"\x00\x00", "\uFFFD\uFFFD"},
		{"\xff", "\uFFFD"},
		{"a\xff\xfeb", "a\uFFFD\uFFFDb"},       // one replacement per invalid byte
		{"\xe2\x9c", "\uFFFD\uFFFD"},           // truncated 3-byte sequence
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"}, // UTF-16 surrogate encoded in UTF-8
		{"\xc0\xaf", "\uFFFD\uFFFD"},           // overlong encoding
		{"ok\uFFFDok", "ok\uFFFDok"},           // a real U+FFFD stays
	}
	for _, tc := range cases {
		got := SafeText(tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
		require.True(t, utf8.ValidString(got))
		require.NotContains(t, got, "\x00")
		require.Equal(t, got, SafeText(got), "idempotent for %q", tc.in)
	}
	// Valid input is returned as is (same backing bytes, no copy).
	s := strings.Repeat("valid ✓", 100)
	require.Equal(t, unsafe.StringData(s), unsafe.StringData(SafeText(s)))
}
