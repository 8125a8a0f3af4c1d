package config

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// API is the configuration of 'indexer api', the read API (bound by APIFlags, read from the
// "api:" section of the configuration file by LoadFile).
type API struct {
	// Listen is the API's listen address (--listen, API_LISTEN).
	Listen string
	// AnonymousRate limits requests without a key, per client IP; a zero Rate turns anonymous
	// access off (--anonymous-rate, API_ANONYMOUS_RATE).
	AnonymousRate Rate
	// KeyRate limits requests with a key, per key; a zero Rate means unlimited (--key-rate,
	// API_KEY_RATE).
	KeyRate Rate
	// CacheTTL is how long a response stays in the cache; 0 turns the cache off (--cache-ttl,
	// API_CACHE_TTL).
	CacheTTL time.Duration
	// TrustedProxies is how many reverse proxies in front of the API append to
	// X-Forwarded-For; the client IP is the address the outermost of them saw
	// (--trusted-proxies, API_TRUSTED_PROXIES).
	TrustedProxies uint64
	// RequestTimeout bounds every request and, as statement_timeout, every query
	// (--request-timeout, API_REQUEST_TIMEOUT).
	RequestTimeout time.Duration
}

// FileAPI is the "api:" section of the configuration file.
type FileAPI struct {
	Listen         string  `yaml:"listen"`
	AnonymousRate  string  `yaml:"anonymous_rate"`
	KeyRate        string  `yaml:"key_rate"`
	CacheTTL       string  `yaml:"cache_ttl"`
	TrustedProxies *uint64 `yaml:"trusted_proxies"`
	RequestTimeout string  `yaml:"request_timeout"`
}

// DefaultAPI is the API's default configuration: loopback, 20 anonymous requests a minute per
// IP, 600 a minute per key, a 5-minute cache (every key names the chain's indexed block hash, so
// a new block or a reorg is never hidden by it) and 10 s per request.
func DefaultAPI() API {
	return API{
		Listen:         "127.0.0.1:8080",
		AnonymousRate:  Rate{Limit: 20, Per: time.Minute},
		KeyRate:        Rate{Limit: 600, Per: time.Minute},
		CacheTTL:       5 * time.Minute,
		RequestTimeout: 10 * time.Second,
	}
}

// Rate is a request budget: Limit requests per Per. The zero Rate is "none".
type Rate struct {
	Limit int
	Per   time.Duration
}

// IsZero reports whether r is the zero Rate.
func (r Rate) IsZero() bool { return r.Limit == 0 }

// String formats r as ParseRate reads it ("20/m"; "0" for the zero Rate).
func (r Rate) String() string {
	if r.IsZero() {
		return "0"
	}
	for _, u := range rateUnits {
		if r.Per == u.d {
			return fmt.Sprintf("%d/%s", r.Limit, u.name)
		}
	}
	return fmt.Sprintf("%d/%s", r.Limit, r.Per)
}

var rateUnits = []struct {
	name string
	d    time.Duration
}{{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}

var errRate = errors.New("must be N/s, N/m, N/h, N/d, N/<duration> (e.g. 20/m, 100/10s) or 0")

// ParseRate reads "N/unit" where unit is s, m, h, d or a Go duration ("100/10s"); "0" is the
// zero Rate.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return Rate{}, nil
	}
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errRate
	}
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || limit < 0 {
		return Rate{}, errRate
	}
	if limit == 0 {
		return Rate{}, nil
	}
	unit = strings.TrimSpace(unit)
	for _, u := range rateUnits {
		if unit == u.name {
			return Rate{Limit: limit, Per: u.d}, nil
		}
	}
	d, err := time.ParseDuration(unit)
	if err != nil || d < time.Second {
		return Rate{}, errRate
	}
	return Rate{Limit: limit, Per: d}, nil
}

// rateValue is a Rate flag.
type rateValue struct{ p *Rate }

func (v rateValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v rateValue) Set(s string) error {
	r, err := ParseRate(s)
	if err != nil {
		return err
	}
	*v.p = r
	return nil
}

// APIFlags binds the read API's flags: --listen, --anonymous-rate, --key-rate, --cache-ttl,
// --trusted-proxies and --request-timeout.
func (c *Config) APIFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.API.Listen, "listen", c.API.Listen, usage("listen", "listen `address` of the API"))
	fs.Var(rateValue{&c.API.AnonymousRate}, "anonymous-rate", usage("anonymous-rate",
		"`rate` of requests without a key, per client IP (e.g. 20/m; 0: anonymous access off)"))
	fs.Var(rateValue{&c.API.KeyRate}, "key-rate", usage("key-rate", "`rate` of requests per API key (e.g. 600/m; 0: unlimited)"))
	fs.DurationVar(&c.API.CacheTTL, "cache-ttl", c.API.CacheTTL, usage("cache-ttl", "lifetime of a cached response (`duration`; 0: no cache)"))
	fs.Var(uintValue{&c.API.TrustedProxies}, "trusted-proxies", usage("trusted-proxies",
		"`number` of reverse proxies in front of the API whose X-Forwarded-For entries are trusted"))
	fs.DurationVar(&c.API.RequestTimeout, "request-timeout", c.API.RequestTimeout, usage("request-timeout",
		"bound of every request and database statement (`duration`)"))
}

// apply sets from the file's api section the values that explicit (flags given on the command
// line or through the environment) does not name.
func (f *FileAPI) apply(path string, c *API, explicit map[string]bool) error {
	if f == nil {
		return nil
	}
	bad := func(field, value string, err error) error {
		return &FieldError{File: path, Field: "api." + field, Value: value, Msg: err.Error()}
	}
	if f.Listen != "" && !explicit["listen"] {
		c.Listen = f.Listen
	}
	for _, r := range []struct {
		flag, field, v string
		dst            *Rate
	}{{"anonymous-rate", "anonymous_rate", f.AnonymousRate, &c.AnonymousRate}, {"key-rate", "key_rate", f.KeyRate, &c.KeyRate}} {
		if r.v == "" || explicit[r.flag] {
			continue
		}
		rate, err := ParseRate(r.v)
		if err != nil {
			return bad(r.field, r.v, err)
		}
		*r.dst = rate
	}
	for _, d := range []struct {
		flag, field, v string
		dst            *time.Duration
	}{{"cache-ttl", "cache_ttl", f.CacheTTL, &c.CacheTTL}, {"request-timeout", "request_timeout", f.RequestTimeout, &c.RequestTimeout}} {
		if d.v == "" || explicit[d.flag] {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v < 0 {
			return bad(d.field, d.v, errors.New("must be a duration such as 5m or 10s"))
		}
		*d.dst = v
	}
	if f.TrustedProxies != nil && !explicit["trusted-proxies"] {
		c.TrustedProxies = *f.TrustedProxies
	}
	return nil
}
