package config

import (
	"flag"
	"net/url"
	"strings"
	"time"
)

// Offchain configures the off-chain file worker of `run` and `dev` (internal/offchain). Zero
// values mean the worker's own defaults (docs/offchain.md lists them).
type Offchain struct {
	// Fetch turns the worker on (--fetch-offchain, FETCH_OFFCHAIN; default true).
	Fetch bool
	// IPFSGateways are tried in order for ipfs:// URIs and bare CIDs, each a base URL to which
	// "<cid>/<path>" is appended (--ipfs-gateway, IPFS_GATEWAYS).
	IPFSGateways []string
	// ArweaveGateways are tried in order for ar:// URIs (--arweave-gateway, ARWEAVE_GATEWAYS).
	ArweaveGateways []string
	// AllowHTTP lets plain http:// files be fetched (--offchain-allow-http).
	AllowHTTP bool
	// AllowPrivate turns the SSRF guard off: loopback, private, link-local, CGNAT and metadata
	// addresses become reachable. Tests and dev only (--offchain-allow-private).
	AllowPrivate bool
	// MaxBytes is the largest file accepted, after decompression (--offchain-max-bytes).
	MaxBytes uint64
	// Timeout bounds one attempt at one URL (--offchain-timeout).
	Timeout time.Duration
	// Concurrency bounds the fetches in flight overall, PerHost per host
	// (--offchain-concurrency, --offchain-per-host).
	Concurrency, PerHost uint64
	// Refresh is how often an http(s) file is fetched again (--offchain-refresh).
	Refresh time.Duration
	// VerifyDomains checks the domains of the https endpoints of each registration file through
	// their /.well-known/agent-registration.json (--offchain-verify-domains; default true).
	VerifyDomains bool
}

// FileOffchain is the "offchain:" section of the configuration file; unset fields leave the
// flags' values.
type FileOffchain struct {
	Fetch           *bool         `yaml:"fetch"`
	IPFSGateways    []string      `yaml:"ipfs_gateways"`
	ArweaveGateways []string      `yaml:"arweave_gateways"`
	AllowHTTP       bool          `yaml:"allow_http"`
	AllowPrivate    bool          `yaml:"allow_private"`
	MaxBytes        uint64        `yaml:"max_bytes"`
	Timeout         time.Duration `yaml:"timeout"`
	Concurrency     uint64        `yaml:"concurrency"`
	PerHost         uint64        `yaml:"per_host"`
	Refresh         time.Duration `yaml:"refresh"`
	VerifyDomains   *bool         `yaml:"verify_domains"`
}

func init() {
	for name, env := range map[string]string{
		"fetch-offchain":          "FETCH_OFFCHAIN",
		"ipfs-gateway":            "IPFS_GATEWAYS",
		"arweave-gateway":         "ARWEAVE_GATEWAYS",
		"offchain-allow-http":     "OFFCHAIN_ALLOW_HTTP",
		"offchain-allow-private":  "OFFCHAIN_ALLOW_PRIVATE",
		"offchain-max-bytes":      "OFFCHAIN_MAX_BYTES",
		"offchain-timeout":        "OFFCHAIN_TIMEOUT",
		"offchain-concurrency":    "OFFCHAIN_CONCURRENCY",
		"offchain-per-host":       "OFFCHAIN_PER_HOST",
		"offchain-refresh":        "OFFCHAIN_REFRESH",
		"offchain-verify-domains": "OFFCHAIN_VERIFY_DOMAINS",
	} {
		envVars[name] = []string{env}
	}
}

// FetchOffchainFlag binds --fetch-offchain alone (dev mode serves its own files).
func (c *Config) FetchOffchainFlag(fs *flag.FlagSet) {
	fs.BoolVar(&c.Offchain.Fetch, "fetch-offchain", c.Offchain.Fetch, usage("fetch-offchain",
		"fetch, parse and store the agents' registration files and the feedback files"))
}

// OffchainFlags binds the off-chain worker's flags.
func (c *Config) OffchainFlags(fs *flag.FlagSet) {
	c.FetchOffchainFlag(fs)
	o := &c.Offchain
	fs.Var(&listValue{p: &o.IPFSGateways}, "ipfs-gateway", usage("ipfs-gateway",
		"IPFS gateway base `url`, tried in order (repeatable, comma-separated; default https://ipfs.io/ipfs/,https://dweb.link/ipfs/)"))
	fs.Var(&listValue{p: &o.ArweaveGateways}, "arweave-gateway", usage("arweave-gateway",
		"Arweave gateway base `url`, tried in order (repeatable, comma-separated; default https://arweave.net/)"))
	fs.BoolVar(&o.AllowHTTP, "offchain-allow-http", o.AllowHTTP, usage("offchain-allow-http", "also fetch plain http:// files"))
	fs.BoolVar(&o.AllowPrivate, "offchain-allow-private", o.AllowPrivate, usage("offchain-allow-private",
		"let files be fetched from loopback, private, link-local and metadata addresses (tests and dev only: turns the SSRF guard off)"))
	fs.Var(uintValue{&o.MaxBytes}, "offchain-max-bytes", usage("offchain-max-bytes", "largest file accepted, after decompression, in `bytes` (default 1048576)"))
	fs.DurationVar(&o.Timeout, "offchain-timeout", o.Timeout, usage("offchain-timeout", "time limit of one fetch attempt (`duration`, default 15s)"))
	fs.Var(uintValue{&o.Concurrency}, "offchain-concurrency", usage("offchain-concurrency", "most fetches in flight (`N`, default 32)"))
	fs.Var(uintValue{&o.PerHost}, "offchain-per-host", usage("offchain-per-host", "most fetches in flight per host (`N`, default 4)"))
	fs.DurationVar(&o.Refresh, "offchain-refresh", o.Refresh, usage("offchain-refresh", "how often an http(s) file is fetched again (`duration`, default 6h)"))
	fs.BoolVar(&o.VerifyDomains, "offchain-verify-domains", o.VerifyDomains, usage("offchain-verify-domains",
		"check the domains of the registration files' https endpoints through their /.well-known/agent-registration.json"))
}

// applyFileOffchain sets from the file what neither the command line nor the environment set.
func (c *Config) applyFileOffchain(f FileOffchain, explicit map[string]bool) {
	o := &c.Offchain
	if f.Fetch != nil && !explicit["fetch-offchain"] {
		o.Fetch = *f.Fetch
	}
	if len(f.IPFSGateways) > 0 && !explicit["ipfs-gateway"] {
		o.IPFSGateways = f.IPFSGateways
	}
	if len(f.ArweaveGateways) > 0 && !explicit["arweave-gateway"] {
		o.ArweaveGateways = f.ArweaveGateways
	}
	if f.AllowHTTP {
		o.AllowHTTP = true
	}
	if f.AllowPrivate {
		o.AllowPrivate = true
	}
	if f.MaxBytes > 0 && !explicit["offchain-max-bytes"] {
		o.MaxBytes = f.MaxBytes
	}
	if f.Timeout > 0 && !explicit["offchain-timeout"] {
		o.Timeout = f.Timeout
	}
	if f.Concurrency > 0 && !explicit["offchain-concurrency"] {
		o.Concurrency = f.Concurrency
	}
	if f.PerHost > 0 && !explicit["offchain-per-host"] {
		o.PerHost = f.PerHost
	}
	if f.Refresh > 0 && !explicit["offchain-refresh"] {
		o.Refresh = f.Refresh
	}
	if f.VerifyDomains != nil && !explicit["offchain-verify-domains"] {
		o.VerifyDomains = *f.VerifyDomains
	}
}

// validateOffchain checks the gateway URLs: absolute http(s) URLs.
func (c *Config) validateOffchain() error {
	for flag, gws := range map[string][]string{"ipfs-gateway": c.Offchain.IPFSGateways, "arweave-gateway": c.Offchain.ArweaveGateways} {
		for _, g := range gws {
			u, err := url.Parse(g)
			if err != nil || (!strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http")) || u.Host == "" {
				return newFieldError(flag, g, "must be an http(s) URL such as https://ipfs.io/ipfs/")
			}
		}
	}
	return nil
}
