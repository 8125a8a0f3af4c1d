package redact

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRedact checks that an endpoint URL's password, query values and key-like path segments
// never survive URL, and that a Scrubber masks them from any message that quotes them.
func FuzzRedact(f *testing.F) {
	f.Add("https", "user", "hunter2", "node.example.com:8545", "/v2/"+testKey, "apikey=secret&x=1")
	f.Add("wss", "", "", "mainnet.infura.io", "/ws/v3/0123456789abcdef0123456789abcdef", "")
	f.Add("https", "0123456789abcdef0123", "", "node.example.com", "/", "")
	f.Add("http", "u", "p@ss w/rd", "[::1]:8545", "/rpc", "dkey=Ak80gSCleU1Frwnafb5Ka4V")
	f.Add("https", "u", "pa%zz", "h", "/%zz", "k=%zz")
	f.Fuzz(func(t *testing.T, scheme, user, password, host, path, query string) {
		raw := scheme + "://"
		if user != "" || password != "" {
			raw += url.PathEscape(user)
			if password != "" {
				raw += ":" + url.PathEscape(password)
			}
			raw += "@"
		}
		raw += host + path
		if query != "" {
			raw += "?" + query
		}
		out := URL(raw)
		u, err := url.Parse(raw)
		if err != nil {
			// Text masking is tested by TestURL; a parsable URL is checked part by part.
			return
		}
		secrets := []string{}
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && !plainParams[strings.ToLower(k)] {
				secrets = append(secrets, v)
			}
		}
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			if looksLikeKey(seg) {
				secrets = append(secrets, seg)
			}
		}
		// A secret can legitimately appear in the redacted URL's other, public parts
		// ("http" as a password of http://...): only check those that do not.
		// What the URL shows without its password and query, redacted: a secret that this text
		// spells anyway (a password equal to host/path) is no leak of Redact's.
		bare := *u
		bare.RawQuery = ""
		if bare.User != nil {
			bare.User = url.User(bare.User.Username())
		}
		public := strings.ToLower(URL(bare.String()) + "/" + Mask)
		msg := fmt.Sprintf("Post %q: dial tcp: refused", raw)
		scrubbed := New(raw).Text(msg)
		for _, s := range secrets {
			// A secret that the URL also carries elsewhere (a query value equal to a readable
			// path segment) may show there.
			// Short values can occur in the public parts by chance ("0000" in an escaped path
			// "%20000"): only values as long as real keys are looked for.
			if len(s) < 8 || strings.Contains(public, strings.ToLower(s)) || strings.Contains(Mask, s) || strings.Count(raw, s) > 1 {
				continue
			}
			require.NotContains(t, out, s, "URL(%q)", raw)
			require.NotContains(t, scrubbed, s, "scrub of %q", raw)
		}
	})
}
