package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// File is the YAML configuration file (--config): several chains for one process, and defaults
// for the process-wide flags. Every string may reference environment variables as ${NAME}
// (secrets such as RPC API keys stay out of the file); an unset variable is an error.
//
//	database_url: ${DATABASE_URL}
//	http_addr: 0.0.0.0:9090
//	chains:
//	  - chain: base
//	    rpc_urls: # in failover order; ${...} needs the block style (braces end a [flow] list)
//	      - https://base.example/v2/${BASE_KEY}
//	      - wss://base.example/ws/${BASE_KEY}
//	    confirmations: 2
//	  - chain: 31337
//	    name: local
//	    rpc_urls: [http://127.0.0.1:8545]
//	    identity_registry: 0x5FbDB2315678afecb367f032d93F642f64180aa3
//	    start_block: 0
//	offchain: # the off-chain worker of run (FileOffchain)
//	  ipfs_gateways: [https://ipfs.io/ipfs/]
//	api: # indexer api (FileAPI)
//	  listen: 0.0.0.0:8080
type File struct {
	DatabaseURL    string         `yaml:"database_url"`
	Schema         string         `yaml:"schema"`
	ValkeyURL      string         `yaml:"valkey_url"`
	KeyPrefix      string         `yaml:"key_prefix"`
	AgentTTL       *time.Duration `yaml:"agent_ttl"`
	HTTPAddr       *string        `yaml:"http_addr"` // "" disables the server
	MaxLag         *uint64        `yaml:"max_lag"`
	LogFormat      string         `yaml:"log_format"`
	LogLevel       string         `yaml:"log_level"`
	AllowDeepReorg bool           `yaml:"allow_deep_reorg"`
	SkipMigrate    bool           `yaml:"skip_migrate"`
	Chains         []FileChain    `yaml:"chains"`
	// API holds the settings of 'indexer api'.
	API *FileAPI `yaml:"api"`
	// Offchain holds the off-chain worker settings of run (docs/offchain.md).
	Offchain FileOffchain `yaml:"offchain"`
}

// FileChain is one chain of the configuration file.
type FileChain struct {
	// Chain is a built-in chain name or a chain id (required).
	Chain string `yaml:"chain"`
	// Name labels the chain in logs and metrics (default: the built-in name, else the id).
	Name string `yaml:"name"`
	// RPCURLs are the chain's JSON-RPC endpoints, in failover order (required).
	RPCURLs []string `yaml:"rpc_urls"`
	// IdentityRegistry, ReputationRegistry and ValidationRegistry override (or, for a chain
	// without a built-in deployment, give) the registry addresses.
	IdentityRegistry   string `yaml:"identity_registry"`
	ReputationRegistry string `yaml:"reputation_registry"`
	ValidationRegistry string `yaml:"validation_registry"`
	// StartBlock is the first block to index when the chain has no cursor (default: the
	// built-in start block, else searched for).
	StartBlock *uint64 `yaml:"start_block"`
	// Confirmations keeps the indexer this many blocks behind the head.
	Confirmations uint64 `yaml:"confirmations"`
	// FinalityDepth is the reorg window when the node has no finalized tag (default 64).
	FinalityDepth uint64 `yaml:"finality_depth"`
	// UseFinalizedTag asks the node for its "finalized" block (default true).
	UseFinalizedTag *bool `yaml:"use_finalized_tag"`
	// AllowDeepReorg rolls back a reorg deeper than the finality depth instead of halting.
	AllowDeepReorg bool `yaml:"allow_deep_reorg"`
	// PaymentTokens add to or replace the built-in payment tokens ("ADDRESS" or
	// "ADDRESS:DECIMALS"; "none" drops the built-in ones), like --payment-token.
	PaymentTokens []string `yaml:"payment_tokens"`
	// PaymentOwners counts transfers to an agent's owner too (default: --payment-owners).
	PaymentOwners *bool `yaml:"payment_owners"`

	// ID is the chain id, resolved from Chain by LoadFile.
	ID uint64 `yaml:"-"`
}

// MarshalLogObject logs the chain with its RPC URLs redacted.
func (fc FileChain) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("name", fc.Name)
	enc.AddUint64("chain_id", fc.ID)
	enc.AddString("rpc_urls", redactRPC(fc.RPCURLs))
	return nil
}

// chainLevelFlags are the flags that describe one chain; with a configuration file they go in
// the file, per chain, and the command line may only select chains with --chain.
var chainLevelFlags = []string{"rpc-url", "chain-id", "identity-registry", "reputation-registry",
	"validation-registry", "from-block", "confirmations", "finality-depth", "payment-token"}

// LoadFile reads ConfigFile, when set, into c. The file's process-wide settings fill the values
// that neither the command line (the flags fs visited) nor the environment (getenv, for the
// flags' variables) set; its chains become FileChains, restricted to those named by --chain
// when it is given. Problems are *FieldError values naming the file and the field.
func (c *Config) LoadFile(fs *flag.FlagSet, getenv func(string) string) error {
	if c.ConfigFile == "" {
		return nil
	}
	f, err := ReadFile(c.ConfigFile, getenv)
	if err != nil {
		return err
	}
	explicit := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { explicit[fl.Name] = true })
	fs.VisitAll(func(fl *flag.Flag) {
		for _, env := range envVars[fl.Name] {
			if getenv(env) != "" {
				explicit[fl.Name] = true
			}
		}
	})
	for _, name := range chainLevelFlags {
		if explicit[name] {
			return &FieldError{Field: name, Msg: "cannot be combined with --config: set it per chain in " + c.ConfigFile}
		}
	}
	setString := func(flag string, dst *string, v string) {
		if v != "" && !explicit[flag] {
			*dst = v
		}
	}
	setString("database-url", &c.DatabaseURL, f.DatabaseURL)
	setString("schema", &c.Schema, f.Schema)
	setString("valkey-url", &c.ValkeyURL, f.ValkeyURL)
	setString("key-prefix", &c.KeyPrefix, f.KeyPrefix)
	setString("log-format", &c.LogFormat, f.LogFormat)
	setString("log-level", &c.LogLevel, f.LogLevel)
	if f.HTTPAddr != nil && !explicit["http-addr"] {
		c.HTTPAddr = *f.HTTPAddr
	}
	if f.MaxLag != nil && !explicit["max-lag"] {
		c.MaxLag = *f.MaxLag
	}
	if f.AgentTTL != nil && !explicit["agent-ttl"] {
		c.AgentTTL = *f.AgentTTL
	}
	if f.AllowDeepReorg {
		c.AllowDeepReorg = true
	}
	if f.SkipMigrate {
		c.SkipMigrate = true
	}
	if err := f.API.apply(c.ConfigFile, &c.API, explicit); err != nil {
		return err
	}
	c.applyFileOffchain(f.Offchain, explicit)

	chains := f.Chains
	if len(c.Chains) > 0 {
		chains = nil
		for _, want := range c.Chains {
			found := false
			for _, fc := range f.Chains {
				if strings.EqualFold(fc.Name, want) || strings.EqualFold(fc.Chain, want) || strconv.FormatUint(fc.ID, 10) == want {
					chains = append(chains, fc)
					found = true
					break
				}
			}
			if !found {
				return newFieldError("chain", want, "is not among the chains of "+c.ConfigFile)
			}
		}
	}
	c.FileChains = chains
	// The file's process-wide values may be as wrong as a flag's: check them the same way.
	return c.Validate()
}

// ReadFile parses and checks a configuration file. getenv resolves ${NAME} references.
func ReadFile(path string, getenv func(string) string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		// yaml.v3 errors read "yaml: line 3: field foo not found in type config.File".
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		msg = strings.ReplaceAll(msg, " in type config.FileChain", " (chain settings)")
		msg = strings.ReplaceAll(msg, " in type config.File", "")
		return nil, &FieldError{File: path, Msg: strings.Join(strings.Fields(msg), " ")}
	}
	if err := f.expand(path, getenv); err != nil {
		return nil, err
	}
	if err := f.check(path); err != nil {
		return nil, err
	}
	return &f, nil
}

// envRefRe matches ${NAME}; a bare $NAME is left alone (passwords may contain '$').
var envRefRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func expandString(path, field, s string, getenv func(string) string) (string, error) {
	var missing string
	out := envRefRe.ReplaceAllStringFunc(s, func(ref string) string {
		name := envRefRe.FindStringSubmatch(ref)[1]
		v := getenv(name)
		if v == "" && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", &FieldError{File: path, Field: field, Msg: "references ${" + missing + "}, which is not set"}
	}
	return out, nil
}

func (f *File) expand(path string, getenv func(string) string) error {
	var err error
	str := func(field string, p *string) {
		if err == nil {
			*p, err = expandString(path, field, *p, getenv)
		}
	}
	str("database_url", &f.DatabaseURL)
	str("schema", &f.Schema)
	str("valkey_url", &f.ValkeyURL)
	str("key_prefix", &f.KeyPrefix)
	if f.HTTPAddr != nil {
		str("http_addr", f.HTTPAddr)
	}
	if a := f.API; a != nil {
		str("api.listen", &a.Listen)
		str("api.anonymous_rate", &a.AnonymousRate)
		str("api.key_rate", &a.KeyRate)
		str("api.cache_ttl", &a.CacheTTL)
		str("api.request_timeout", &a.RequestTimeout)
	}
	for i := range f.Offchain.IPFSGateways {
		str(fmt.Sprintf("offchain.ipfs_gateways[%d]", i), &f.Offchain.IPFSGateways[i])
	}
	for i := range f.Offchain.ArweaveGateways {
		str(fmt.Sprintf("offchain.arweave_gateways[%d]", i), &f.Offchain.ArweaveGateways[i])
	}
	for i := range f.Chains {
		fc := &f.Chains[i]
		p := fmt.Sprintf("chains[%d].", i)
		str(p+"chain", &fc.Chain)
		str(p+"name", &fc.Name)
		for j := range fc.RPCURLs {
			str(fmt.Sprintf("%srpc_urls[%d]", p, j), &fc.RPCURLs[j])
		}
		str(p+"identity_registry", &fc.IdentityRegistry)
		str(p+"reputation_registry", &fc.ReputationRegistry)
		str(p+"validation_registry", &fc.ValidationRegistry)
		for j := range fc.PaymentTokens {
			str(fmt.Sprintf("%spayment_tokens[%d]", p, j), &fc.PaymentTokens[j])
		}
	}
	return err
}

// check validates every chain, resolves its id and default name, and rejects duplicates.
func (f *File) check(path string) error {
	bad := func(field, value, msg string) error {
		fe := newFieldError(field, value, msg)
		fe.File = path
		return fe
	}
	if len(f.Chains) == 0 {
		return &FieldError{File: path, Field: "chains", Msg: "lists no chain"}
	}
	ids := map[uint64]int{}
	names := map[string]int{}
	for i := range f.Chains {
		fc := &f.Chains[i]
		p := fmt.Sprintf("chains[%d].", i)
		if strings.TrimSpace(fc.Chain) == "" {
			return &FieldError{File: path, Field: p + "chain", Msg: "is required (a built-in name or a chain id)"}
		}
		info, builtIn := LookupChain(fc.Chain)
		if builtIn {
			fc.ID = info.ID
		} else {
			id, err := strconv.ParseUint(strings.TrimSpace(fc.Chain), 10, 64)
			if err != nil || id == 0 {
				return bad(p+"chain", fc.Chain, "unknown chain; use a chain id or a built-in name (see 'indexer chains')")
			}
			fc.ID = id
		}
		if fc.Name == "" {
			fc.Name = info.Name
			if !builtIn {
				fc.Name = strconv.FormatUint(fc.ID, 10)
			}
		}
		if j, dup := ids[fc.ID]; dup {
			return bad(p+"chain", fc.Chain, fmt.Sprintf("chain id %d is already chains[%d]", fc.ID, j))
		}
		if j, dup := names[strings.ToLower(fc.Name)]; dup {
			return bad(p+"name", fc.Name, fmt.Sprintf("is already the name of chains[%d]", j))
		}
		ids[fc.ID], names[strings.ToLower(fc.Name)] = i, i
		if len(fc.RPCURLs) == 0 {
			return &FieldError{File: path, Field: p + "rpc_urls", Msg: "is required (one or more http(s):// or ws(s):// URLs)"}
		}
		for j, raw := range fc.RPCURLs {
			if msg := checkRPCURL(raw); msg != "" {
				return bad(fmt.Sprintf("%srpc_urls[%d]", p, j), redact.URL(raw), msg)
			}
		}
		regs := 0
		for _, r := range []struct{ field, addr string }{
			{"identity_registry", fc.IdentityRegistry},
			{"reputation_registry", fc.ReputationRegistry},
			{"validation_registry", fc.ValidationRegistry},
		} {
			if r.addr == "" {
				continue
			}
			regs++
			if !addressRe.MatchString(r.addr) {
				return bad(p+r.field, r.addr, "not a 0x-prefixed 20-byte hex address")
			}
		}
		if !builtIn && regs == 0 {
			return bad(p+"chain", fc.Chain, "has no built-in deployment: give at least one of identity_registry, reputation_registry, validation_registry")
		}
		for j, t := range fc.PaymentTokens {
			if _, err := PaymentTokens(fc.ID, []string{t}); err != nil {
				return bad(fmt.Sprintf("%spayment_tokens[%d]", p, j), t, "not a token (ADDRESS, ADDRESS:DECIMALS or none)")
			}
		}
	}
	if f.HTTPAddr != nil && *f.HTTPAddr != "" {
		if msg := checkHostPort(*f.HTTPAddr); msg != "" {
			return bad("http_addr", *f.HTTPAddr, msg)
		}
	}
	return nil
}

// checkRPCURL returns what is wrong with an RPC endpoint URL, or "".
func checkRPCURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "not an http(s):// or ws(s):// URL"
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		return ""
	}
	return "scheme must be http, https, ws or wss"
}
