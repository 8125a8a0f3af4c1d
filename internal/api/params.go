package api

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Page sizes of the list routes: DefaultLimit when ?limit= is absent, at most MaxLimit.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

var (
	addressRe = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	hashRe    = regexp.MustCompile(`^0x[0-9a-fA-F]{64}$`)
	// maxUint256 bounds agent ids: the Identity registry's token ids are uint256.
	maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
)

// query is a request's query string, checked against the parameters its route accepts: an
// unknown parameter is a 400, so that a misspelt filter is never silently ignored.
type query struct{ v url.Values }

func parseQuery(r *http.Request, allowed ...string) (query, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return query{}, badRequest("malformed query string")
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var unknown []string
	for k, vs := range v {
		if !ok[k] {
			unknown = append(unknown, k)
		}
		if len(vs) > 1 {
			return query{}, badRequest("parameter " + k + " is given more than once")
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		sort.Strings(allowed)
		return query{}, badRequest("unknown parameter " + unknown[0] + " (this route accepts: " + strings.Join(allowed, ", ") + ")")
	}
	return query{v}, nil
}

// has reports whether the parameter is present (even empty).
func (q query) has(name string) bool { _, ok := q.v[name]; return ok }

func (q query) get(name string) string { return q.v.Get(name) }

// address returns the parameter as a lowercase address, nil when absent.
func (q query) address(name string) (*string, error) {
	if !q.has(name) {
		return nil, nil
	}
	a, err := parseAddress(name, q.get(name))
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// text returns the parameter, nil when absent.
func (q query) text(name string) *string {
	if !q.has(name) {
		return nil
	}
	s := q.get(name)
	return &s
}

// tag returns a tag filter made comparable with the stored tags (erc8004.SafeText), nil when
// absent.
func (q query) tag(name string) *string {
	if !q.has(name) {
		return nil
	}
	s := erc8004.SafeText(q.get(name))
	return &s
}

// boolean returns the parameter as a bool ("true"/"false"), nil when absent.
func (q query) boolean(name string) (*bool, error) {
	if !q.has(name) {
		return nil, nil
	}
	b, err := strconv.ParseBool(q.get(name))
	if err != nil {
		return nil, badRequest(name + " must be true or false")
	}
	return &b, nil
}

// limit returns ?limit=, DefaultLimit when absent.
func (q query) limit() (int, error) {
	if !q.has("limit") {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(q.get("limit"))
	if err != nil || n < 1 || n > MaxLimit {
		return 0, badRequest("limit must be an integer from 1 to " + strconv.Itoa(MaxLimit))
	}
	return n, nil
}

func parseAddress(name, s string) (string, error) {
	if !addressRe.MatchString(s) {
		return "", badRequest(name + " must be a 0x-prefixed 20-byte hex address")
	}
	return strings.ToLower(s), nil
}

// parseAgentID reads a decimal uint256 without sign or leading zeros.
func parseAgentID(s string) (string, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 || n.Cmp(maxUint256) > 0 || n.String() != s {
		return "", badRequest("agent id must be a decimal integer from 0 to 2^256-1")
	}
	return s, nil
}

func parseHash(name, s string) (string, error) {
	if !hashRe.MatchString(s) {
		return "", badRequest(name + " must be a 0x-prefixed 32-byte hex hash")
	}
	return strings.ToLower(s), nil
}

// parseChain resolves a chain path segment: a built-in name or a decimal chain id.
func parseChain(s string) (uint64, error) {
	id, _, _, err := config.ResolveChain(s)
	if err != nil || id >= 1<<63 {
		return 0, badRequest("unknown chain " + strconv.Quote(s) + ": use a chain id or a built-in name")
	}
	return id, nil
}

// chainName is the built-in name of a chain id, or "" for a custom chain.
func chainName(id uint64) string {
	if _, info, builtIn, err := config.ResolveChain(strconv.FormatUint(id, 10)); err == nil && builtIn {
		return info.Name
	}
	return ""
}

// pageCursor is the position after the last item of a page. It is opaque to clients: base64url
// of this JSON, carrying the route and sort it belongs to so that a cursor of another listing is
// rejected rather than misread.
type pageCursor struct {
	Kind string `json:"t"`           // listing and sort, e.g. "agents:id:asc"
	Key  string `json:"k,omitempty"` // sort key of the last item (a decimal)
	ID   string `json:"i,omitempty"` // tie-breakers of the last item
	Sub  string `json:"s,omitempty"`
}

func (c pageCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decimalRe is what a cursor's numeric parts may hold (they go to PostgreSQL as numeric).
var decimalRe = regexp.MustCompile(`^-?[0-9]{1,80}$`)

// cursor decodes ?cursor= for the listing kind; nil when absent.
func (q query) cursor(kind string) (*pageCursor, error) {
	if !q.has("cursor") {
		return nil, nil
	}
	bad := badRequest("cursor is not a cursor of this listing (use the nextCursor of its previous page)")
	b, err := base64.RawURLEncoding.DecodeString(q.get("cursor"))
	if err != nil || len(b) > 512 {
		return nil, bad
	}
	var c pageCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Kind != kind || !decimalRe.MatchString(c.Key) {
		return nil, bad
	}
	return &c, nil
}
