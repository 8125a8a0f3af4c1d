package erc8004

import (
	"encoding/json"
	"strings"
)

// URIKind classifies an agentURI / feedbackURI / responseURI by its encoding
// (SPEC §5.3). Values are stable strings suitable for a text column.
type URIKind string

// URI kinds returned by ClassifyURI.
const (
	URIEmpty          URIKind = "empty"            // ""
	URIHTTPS          URIKind = "https"            // https://…
	URIHTTP           URIKind = "http"             // http://…
	URIIPFS           URIKind = "ipfs"             // ipfs://… (or a /ipfs/… path)
	URIArweave        URIKind = "ar"               // ar://…
	URIDataBase64     URIKind = "data-base64"      // data:…;base64,…
	URIDataGzipBase64 URIKind = "data-gzip-base64" // data:application/json;enc=gzip;level=6;base64,…
	URIData           URIKind = "data"             // any other data: URI
	URIJSON           URIKind = "json"             // a raw inline JSON object
	URICID            URIKind = "cid"              // a bare IPFS CID (Qm… v0, ba… base32 v1), optionally with a /path
	URIOther          URIKind = "other"            // anything else (junk, unknown schemes)
)

// ClassifyURI returns the kind of s. Scheme prefixes are matched
// case-insensitively after trimming surrounding whitespace; only the empty
// string is URIEmpty. It never panics and runs in O(len(s)).
func ClassifyURI(s string) URIKind {
	if s == "" {
		return URIEmpty
	}
	t := strings.TrimSpace(s)
	switch {
	case hasPrefixFold(t, "https://"):
		return URIHTTPS
	case hasPrefixFold(t, "http://"):
		return URIHTTP
	case hasPrefixFold(t, "ipfs://"), strings.HasPrefix(t, "/ipfs/"):
		return URIIPFS
	case hasPrefixFold(t, "ar://"):
		return URIArweave
	case hasPrefixFold(t, "data:"):
		return classifyDataURI(t[len("data:"):])
	case strings.HasPrefix(t, "{"):
		if json.Valid([]byte(t)) {
			return URIJSON
		}
		return URIOther
	case isCID(t):
		return URICID
	}
	return URIOther
}

// classifyDataURI classifies the part of a data: URI after "data:". The
// header (media type and parameters) ends at the first comma (RFC 2397).
func classifyDataURI(rest string) URIKind {
	comma := strings.IndexByte(rest, ',')
	if comma < 0 {
		return URIData
	}
	base64, gzip := DataURIHeader(rest[:comma])
	switch {
	case base64 && gzip:
		return URIDataGzipBase64
	case base64:
		return URIDataBase64
	default:
		return URIData
	}
}

// DataURIHeader reads the header of a data: URI (the part between "data:" and the first comma,
// RFC 2397): whether its payload is base64 and whether it is gzip-compressed, by media type
// (application/gzip, application/x-gzip) or by one of the parameters seen on mainnet (enc=gzip,
// encoding=gzip, compression=gzip). It does not allocate.
func DataURIHeader(header string) (base64, gzip bool) {
	mediaType, params, _ := strings.Cut(header, ";")
	mediaType = strings.TrimSpace(mediaType)
	gzip = strings.EqualFold(mediaType, "application/gzip") || strings.EqualFold(mediaType, "application/x-gzip")
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		p = strings.TrimSpace(p)
		switch {
		case strings.EqualFold(p, "base64"):
			base64 = true
		case strings.EqualFold(p, "enc=gzip"), strings.EqualFold(p, "encoding=gzip"), strings.EqualFold(p, "compression=gzip"):
			gzip = true
		}
	}
	return base64, gzip
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isCID reports whether s is a bare IPFS CID, optionally followed by a path:
// CIDv0 ("Qm" + 44 base58btc characters) or CIDv1 in multibase base32
// ("b" + lowercase, or "B" + uppercase, starting "ba"/"BA" = version 1).
func isCID(s string) bool {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	switch {
	case len(s) == 46 && strings.HasPrefix(s, "Qm"):
		for i := 0; i < len(s); i++ {
			if !isBase58(s[i]) {
				return false
			}
		}
		return true
	case len(s) >= 50 && len(s) <= 128 && strings.HasPrefix(s, "ba"):
		for i := 0; i < len(s); i++ {
			if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
				return false
			}
		}
		return true
	case len(s) >= 50 && len(s) <= 128 && strings.HasPrefix(s, "BA"):
		for i := 0; i < len(s); i++ {
			if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
				return false
			}
		}
		return true
	}
	return false
}

// isBase58 reports whether c is in the Bitcoin base58 alphabet (no 0, O, I, l).
func isBase58(c byte) bool {
	switch {
	case c >= '1' && c <= '9':
		return true
	case c >= 'A' && c <= 'Z':
		return c != 'I' && c != 'O'
	case c >= 'a' && c <= 'z':
		return c != 'l'
	}
	return false
}
