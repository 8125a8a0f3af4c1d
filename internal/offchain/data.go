package offchain

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// ErrMalformed is returned for a URI whose inline content cannot be decoded (bad base64, bad
// percent-encoding, a broken gzip stream).
var ErrMalformed = errors.New("malformed inline content")

// ErrTooLarge is returned when a file is larger than the configured limit, after decompression.
var ErrTooLarge = errors.New("file too large")

// decodeDataURI returns the bytes of a data: URI (RFC 2397), s without the "data:" prefix. It
// understands base64 and percent-encoded payloads and the gzip variants seen on mainnet
// ("data:application/json;enc=gzip;level=6;base64,…", media type application/gzip). The result is
// at most limit bytes; a larger one, compressed or not, is ErrTooLarge.
func decodeDataURI(s string, limit int64) ([]byte, error) {
	header, payload, ok := strings.Cut(s, ",")
	if !ok {
		return nil, fmt.Errorf("%w: data URI without a comma", ErrMalformed)
	}
	isBase64, isGzip := erc8004.DataURIHeader(header)
	var raw []byte
	if isBase64 {
		// Some writers percent-encode the base64 text or wrap it; tolerate both, then accept
		// padded and unpadded forms.
		if strings.ContainsRune(payload, '%') {
			if u, err := url.PathUnescape(payload); err == nil {
				payload = u
			}
		}
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, payload)
		if int64(base64.StdEncoding.DecodedLen(len(payload))) > limit && !isGzip {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		var err error
		raw, err = decodeBase64(payload)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	} else {
		u, err := url.PathUnescape(payload)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		raw = []byte(u)
	}
	if !isGzip {
		if int64(len(raw)) > limit {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		return raw, nil
	}
	return gunzipLimited(raw, limit)
}

// decodeBase64 accepts standard and URL alphabets, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// gunzipLimited decompresses b, reading at most limit+1 bytes of output so that a decompression
// bomb costs no more than the limit in memory and time.
func gunzipLimited(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, limit)
	}
	return out, nil
}
