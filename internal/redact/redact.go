// Package redact masks secrets in URLs and connection strings (RPC endpoints, PostgreSQL and
// Valkey URLs, keyword/value DSNs) and in messages that quote them, so that they can be logged.
// It is the project's one redaction: every log line, error and status output goes through it.
package redact

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Mask replaces every secret.
const Mask = "xxxxx"

var (
	// versionSegment matches API version path segments (v1, v2, v3, ...) after which providers
	// such as Alchemy (/v2/KEY) and Infura (/v3/PROJECT) put the key.
	versionSegment = regexp.MustCompile(`^v[0-9]+$`)
	// userinfoRe matches "scheme://user:password@" anywhere in a text, for strings url.Parse
	// rejects (a bad port, a space or newline in a raw password) and for messages that quote a
	// URL. The password runs to the last '@' of the text: a raw password may hold spaces,
	// newlines, '/' and '@', and masking too much of a message is better than leaking a secret.
	userinfoRe = regexp.MustCompile(`(?is)([a-z][a-z0-9+.-]*://[^/@:\s]*:).*@`)
	// keywordRe matches password=... in a keyword/value connection string, quoted or not.
	keywordRe = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)`)
	// keyRunRe matches runs of characters an API key is made of.
	keyRunRe = regexp.MustCompile(`[A-Za-z0-9_-]{16,}`)
)

// plainParams are query parameters whose values are connection settings, never secrets; every
// other query value is masked (RPC providers name their key parameters freely: key, dkey,
// apikey, token, ...).
var plainParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "connect_timeout": true, "application_name": true,
	"target_session_attrs": true, "search_path": true, "pool_max_conns": true, "pool_min_conns": true,
	"pool_max_conn_lifetime": true, "pool_max_conn_idle_time": true, "pool_health_check_period": true,
	"statement_cache_capacity": true, "default_query_exec_mode": true, "dial_timeout": true,
	"read_timeout": true, "write_timeout": true, "protocol": true, "db": true,
}

// URL returns s with its secrets masked: the user-info password (and a key-like user name),
// every query value but plain connection settings (sslmode, connect_timeout, ...), the path
// segment after /v1/, /v2/, ... and any path segment that looks like an API key (long hex,
// base62 or UUID); the fragment is dropped. A keyword/value connection string has its password
// masked; a URL that does not parse has its password and key-like runs masked. Text with no
// secret is returned unchanged.
func URL(s string) string {
	u, sec, err := parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return maskText(s)
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	if u.User != nil {
		name := u.User.Username()
		if looksLikeKey(name) {
			name = Mask
		}
		b.WriteString(url.PathEscape(name))
		if _, ok := u.User.Password(); ok {
			b.WriteString(":" + Mask)
		}
		b.WriteString("@")
	}
	b.WriteString(u.Host)
	b.WriteString(maskPath(u.EscapedPath(), sec.path))
	if u.RawQuery != "" {
		b.WriteString("?")
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteString("&")
			}
			k, _, hasValue := strings.Cut(kv, "=")
			b.WriteString(k)
			if hasValue {
				if plainParams[strings.ToLower(k)] {
					b.WriteString("=" + kv[len(k)+1:])
				} else {
					b.WriteString("=" + Mask)
				}
			}
		}
	}
	return b.String()
}

// maskText masks what can be recognised in a string that is not a parsable URL.
func maskText(s string) string {
	s = userinfoRe.ReplaceAllString(s, "${1}"+Mask+"@")
	s = keywordRe.ReplaceAllString(s, "${1}"+Mask)
	if strings.Contains(s, "://") {
		// A URL that does not parse may still carry a key in its path.
		s = keyRunRe.ReplaceAllStringFunc(s, func(run string) string {
			if looksLikeKey(run) {
				return Mask
			}
			return run
		})
	}
	return s
}

// secrets are the parts of one URL or connection string that must not be shown.
type secrets struct {
	list []string            // every secret, raw and escaped forms
	path map[string]struct{} // escaped path segments to mask
}

func (s *secrets) add(v string) {
	// Very short values (a "1" in ?v=1) would mask unrelated text in messages; they are still
	// masked in URL's output.
	if len(v) < 4 {
		return
	}
	s.list = append(s.list, v, url.QueryEscape(v), url.PathEscape(v))
	if uv, err := url.PathUnescape(v); err == nil && uv != v {
		s.list = append(s.list, uv)
	}
}

// parse parses raw and collects its secret parts; a keyword/value string yields its password.
func parse(raw string) (*url.URL, secrets, error) {
	s := secrets{path: map[string]struct{}{}}
	if m := keywordRe.FindStringSubmatch(raw); m != nil {
		s.add(strings.Trim(m[2], "'"))
	}
	if m := userinfoRe.FindStringSubmatchIndex(raw); m != nil {
		s.add(raw[m[3] : m[1]-1])
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, s, err
	}
	if u.User != nil {
		if looksLikeKey(u.User.Username()) {
			s.add(u.User.Username())
		}
		if p, ok := u.User.Password(); ok {
			s.add(p)
		}
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && !plainParams[strings.ToLower(k)] {
			s.add(v)
			if uv, err := url.QueryUnescape(v); err == nil {
				s.add(uv)
			}
		}
	}
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		if afterVersion := i > 0 && versionSegment.MatchString(segs[i-1]); afterVersion || looksLikeKey(seg) {
			s.path[seg] = struct{}{}
			s.add(seg)
		}
	}
	return u, s, nil
}

// maskPath masks the escaped path segments in set.
func maskPath(escaped string, set map[string]struct{}) string {
	if len(set) == 0 {
		return escaped
	}
	segs := strings.Split(escaped, "/")
	for i, seg := range segs {
		if _, ok := set[seg]; ok {
			segs[i] = Mask
		}
	}
	return strings.Join(segs, "/")
}

// looksLikeKey reports whether s looks like an API key or project id: at least 16 characters
// of [A-Za-z0-9_-] that mix letters and digits (hex, base62, UUID), or any such run of 32
// characters or more. Readable names such as "eth-mainnet" or "arbitrum-sepolia" stay visible.
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

// Scrubber masks the secrets of one URL or connection string wherever a text quotes them, such
// as a *url.Error message that embeds the full request URL or a driver error that quotes a DSN.
type Scrubber struct {
	raw     string
	secrets []string
}

// New collects the secrets of raw.
func New(raw string) Scrubber {
	_, s, _ := parse(raw)
	list := s.list
	// Longest first so that a secret containing another is replaced whole.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return Scrubber{raw: raw, secrets: list}
}

// Text returns text with the URL, its secrets and any other URL password masked.
func (r Scrubber) Text(text string) string {
	if r.raw != "" && strings.Contains(text, r.raw) {
		text = strings.ReplaceAll(text, r.raw, URL(r.raw))
	}
	for _, sec := range r.secrets {
		if strings.Contains(text, sec) {
			text = strings.ReplaceAll(text, sec, Mask)
		}
	}
	text = userinfoRe.ReplaceAllString(text, "${1}"+Mask+"@")
	return keywordRe.ReplaceAllString(text, "${1}"+Mask)
}

// Text masks in text the secrets of raw (see Scrubber).
func Text(text, raw string) string { return New(raw).Text(text) }
