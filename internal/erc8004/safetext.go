package erc8004

import (
	"strings"
	"unicode/utf8"
)

// SafeText returns s made valid for a PostgreSQL text / jsonb value: every
// byte that is not part of a valid UTF-8 sequence is replaced by U+FFFD, and
// so is every NUL byte (PostgreSQL rejects NUL in text and \u0000 in jsonb).
// Valid UTF-8 without NUL is returned unchanged (no allocation). The result is
// deterministic and idempotent, so the projection and the verifier, which
// both apply it, compare equal strings.
func SafeText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// One replacement per invalid byte (as Go's range loop does),
			// not per run: simple to reproduce in any language.
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}
