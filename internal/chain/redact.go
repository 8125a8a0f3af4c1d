package chain

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// mask replaces every secret in a redacted URL or message.
const mask = "xxxxx"

// versionSegment matches API version path segments (v1, v2, v3, ...) after
// which providers such as Alchemy (/v2/KEY) and Infura (/v3/PROJECT) put the
// key.
var versionSegment = regexp.MustCompile(`^v[0-9]+$`)

// Redact returns rawURL with its secrets masked so it can be logged: the
// userinfo password (and a key-like user name), every query-string value, the
// path segment after /v1/, /v2/, /v3/, ... and any path segment that looks like
// an API key (long hex, base62 or UUID). The fragment is dropped. A URL that
// does not parse is replaced entirely.
func Redact(rawURL string) string {
	u, secrets, err := parseSecrets(rawURL)
	if err != nil {
		return "<unparsable url>"
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	if u.User != nil {
		name := u.User.Username()
		if looksLikeKey(name) {
			name = mask
		}
		b.WriteString(url.PathEscape(name))
		if _, ok := u.User.Password(); ok {
			b.WriteString(":" + mask)
		}
		b.WriteString("@")
	}
	b.WriteString(u.Host)
	b.WriteString(redactPath(u.EscapedPath(), secrets.pathSet))
	if u.RawQuery != "" {
		b.WriteString("?")
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteString("&")
			}
			k, _, hasValue := strings.Cut(kv, "=")
			b.WriteString(k)
			if hasValue {
				b.WriteString("=" + mask)
			}
		}
	}
	return b.String()
}

// urlSecrets are the parts of one URL that must not be shown.
type urlSecrets struct {
	list    []string            // every secret, raw and escaped forms
	pathSet map[string]struct{} // escaped path segments to mask
}

// parseSecrets parses rawURL and collects its secret parts.
func parseSecrets(rawURL string) (*url.URL, urlSecrets, error) {
	s := urlSecrets{pathSet: map[string]struct{}{}}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, s, err
	}
	add := func(v string) {
		// Very short values (a "1" in ?v=1) would mask unrelated text in
		// messages; they are still masked in Redact's output.
		if len(v) < 4 {
			return
		}
		s.list = append(s.list, v, url.QueryEscape(v), url.PathEscape(v))
	}
	if u.User != nil {
		if looksLikeKey(u.User.Username()) {
			add(u.User.Username())
		}
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok {
			add(v)
			if uv, err := url.QueryUnescape(v); err == nil {
				add(uv)
			}
		}
	}
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		afterVersion := i > 0 && versionSegment.MatchString(segs[i-1])
		if afterVersion || looksLikeKey(seg) {
			s.pathSet[seg] = struct{}{}
			add(seg)
			if us, err := url.PathUnescape(seg); err == nil {
				add(us)
			}
		}
	}
	return u, s, nil
}

// redactPath masks the escaped path segments in set.
func redactPath(escaped string, set map[string]struct{}) string {
	if len(set) == 0 {
		return escaped
	}
	segs := strings.Split(escaped, "/")
	for i, seg := range segs {
		if _, ok := set[seg]; ok {
			segs[i] = mask
		}
	}
	return strings.Join(segs, "/")
}

// looksLikeKey reports whether s looks like an API key or project id: at
// least 16 characters of [A-Za-z0-9_-] that mix letters and digits (hex,
// base62, UUID), or any such run of 32 characters or more. Readable names
// such as "eth-mainnet" or "arbitrum-sepolia" stay visible.
func looksLikeKey(s string) bool {
	if len(s) < 16 {
		return false
	}
	var letters, digits bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters = true
		case c == '-' || c == '_':
		default:
			return false
		}
	}
	return (letters && digits) || len(s) >= 32
}

// redactor scrubs the secrets of one endpoint URL out of arbitrary text, such
// as a *url.Error message that embeds the full request URL.
type redactor struct {
	raw     string
	secrets []string
}

// newRedactor collects the secrets of rawURL.
func newRedactor(rawURL string) redactor {
	_, s, err := parseSecrets(rawURL)
	r := redactor{raw: rawURL}
	if err == nil {
		r.secrets = s.list
	}
	// Longest first so that a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

// scrub returns s with the endpoint's URL and secrets masked.
func (r redactor) scrub(s string) string {
	if r.raw != "" && strings.Contains(s, r.raw) {
		s = strings.ReplaceAll(s, r.raw, Redact(r.raw))
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, mask)
		}
	}
	return s
}
