// Package config is the indexer's command-line configuration: one Config shared by every
// subcommand, the flags that fill it, their environment-variable fallbacks, validation with
// errors that name the offending flag, and the logger.
//
// Precedence, lowest first: Default(), then the environment (ApplyEnv), then the command line.
// A subcommand binds only the flag groups it uses (DatabaseFlags, ChainFlags, ...), and only the
// environment variables of bound flags are read, so a stray variable cannot fail a command that
// does not use it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// Config is the configuration of every indexer subcommand.
type Config struct {
	// Chains are the chains to index, each a built-in name or a chain id (--chain, CHAIN).
	Chains []string
	// RPCURLs are the JSON-RPC endpoints, several for failover (--rpc-url, RPC_URL).
	RPCURLs []string
	// DatabaseURL is the PostgreSQL connection string (--database-url, DATABASE_URL).
	DatabaseURL string
	// Schema is the PostgreSQL schema of the indexer's tables (--schema, DB_SCHEMA).
	Schema string
	// SkipMigrate makes run and dev use the schema as it is, for a role without DDL rights:
	// they fail if a migration is pending (--skip-migrate, SKIP_MIGRATE, skip_migrate).
	SkipMigrate bool
	// ValkeyURL is the Valkey/Redis URL; empty means nothing is published (--valkey-url,
	// VALKEY_URL, REDIS_URL).
	ValkeyURL string
	// KeyPrefix prefixes every Valkey key and channel (--key-prefix, KEY_PREFIX).
	KeyPrefix string
	// AgentTTL is the lifetime of the Valkey agent hashes (--agent-ttl, AGENT_TTL); 0: none.
	AgentTTL time.Duration
	// FromBlock overrides the first block to index; nil means the cursor or the chain's start.
	FromBlock *uint64
	// Confirmations is how many blocks below the head the indexer stays (--confirmations,
	// CONFIRMATIONS).
	Confirmations uint64
	// HTTPAddr is the listen address of /metrics, /healthz and /readyz; empty disables the
	// server (--http-addr, HTTP_ADDR).
	HTTPAddr string
	// ChainID selects a custom deployment together with the registry addresses below.
	ChainID uint64
	// IdentityRegistry, ReputationRegistry and ValidationRegistry are the registry addresses
	// of a custom deployment (or overrides of a built-in one).
	IdentityRegistry   string
	ReputationRegistry string
	ValidationRegistry string
	// AllowDeepReorg lets the indexer roll back a reorg deeper than the finality depth instead
	// of halting.
	AllowDeepReorg bool
	// LogFormat is "auto" (console on a terminal, else JSON), "json" or "console".
	LogFormat string
	// LogLevel is a zap level: debug, info, warn, error.
	LogLevel string
	// ConfigFile is the YAML file with several chains and defaults for the settings above
	// (--config, INDEXER_CONFIG); see LoadFile.
	ConfigFile string
	// FileChains are the chains of ConfigFile, set by LoadFile.
	FileChains []FileChain
	// FinalityDepth is how far below the head a block counts as final when the node has no
	// "finalized" tag, and the deepest reorg handled without AllowDeepReorg; 0 means the
	// default (--finality-depth, FINALITY_DEPTH).
	FinalityDepth uint64
	// MaxLag is the most blocks the indexed block may trail the chain head (beyond the
	// confirmations) for /readyz to answer 200 (--max-lag, MAX_LAG).
	MaxLag uint64
	// PaymentTokens add to or replace the chain's built-in payment tokens, each "ADDRESS" or
	// "ADDRESS:DECIMALS"; "none" drops the built-in ones (--payment-token, PAYMENT_TOKEN).
	PaymentTokens []string
	// PaymentOwners also counts transfers to an agent's owner as payments to the agent
	// (--payment-owners, PAYMENT_OWNERS).
	PaymentOwners bool
	// API is the configuration of 'indexer api' (APIFlags).
	API API
	// Offchain configures the off-chain file worker of run and dev.
	Offchain Offchain
}

// DefaultHTTPAddr is the default listen address of /metrics, /healthz and /readyz: loopback only.
const DefaultHTTPAddr = "127.0.0.1:9090"

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Schema:    "public",
		KeyPrefix: "erc8004:",
		AgentTTL:  24 * time.Hour,
		HTTPAddr:  DefaultHTTPAddr,
		LogFormat: "auto",
		LogLevel:  "info",
		MaxLag:    100,
		API:       DefaultAPI(),
		Offchain:  Offchain{Fetch: true, VerifyDomains: true},
	}
}

// envVars maps a flag name to the environment variables it falls back to, first one set wins.
var envVars = map[string][]string{
	"chain":          {"CHAIN"},
	"rpc-url":        {"RPC_URL"},
	"database-url":   {"DATABASE_URL"},
	"schema":         {"DB_SCHEMA"},
	"skip-migrate":   {"SKIP_MIGRATE"},
	"valkey-url":     {"VALKEY_URL", "REDIS_URL"},
	"key-prefix":     {"KEY_PREFIX"},
	"agent-ttl":      {"AGENT_TTL"},
	"confirmations":  {"CONFIRMATIONS"},
	"http-addr":      {"HTTP_ADDR"},
	"max-lag":        {"MAX_LAG"},
	"config":         {"INDEXER_CONFIG"},
	"finality-depth": {"FINALITY_DEPTH"},
	"payment-token":  {"PAYMENT_TOKEN"},
	"payment-owners": {"PAYMENT_OWNERS"},
	// indexer api
	"listen":          {"API_LISTEN"},
	"anonymous-rate":  {"API_ANONYMOUS_RATE"},
	"key-rate":        {"API_KEY_RATE"},
	"cache-ttl":       {"API_CACHE_TTL"},
	"trusted-proxies": {"API_TRUSTED_PROXIES"},
	"request-timeout": {"API_REQUEST_TIMEOUT"},
}

// EnvVars returns every environment variable the indexer reads, sorted.
func EnvVars() []string {
	var out []string
	for _, vs := range envVars {
		out = append(out, vs...)
	}
	sort.Strings(out)
	return out
}

// usage appends the flag's environment variables to its help text.
func usage(name, text string) string {
	if env := envVars[name]; len(env) > 0 {
		return text + " [" + strings.Join(env, ", ") + "]"
	}
	return text
}

// DatabaseFlags binds --database-url and --schema.
func (c *Config) DatabaseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, usage("database-url", "PostgreSQL connection `url`"))
	fs.StringVar(&c.Schema, "schema", c.Schema, usage("schema", "PostgreSQL `schema` of the indexer's tables"))
}

// ChainFlags binds the chain selection: --chain, --rpc-url, and --chain-id with the registry
// addresses of a custom deployment.
func (c *Config) ChainFlags(fs *flag.FlagSet) {
	fs.Var(&listValue{p: &c.Chains}, "chain", usage("chain",
		"`chain`: a built-in name (ethereum, base, sepolia, ...; see 'indexer chains') or a chain id (repeatable, comma-separated)"))
	fs.Var(&listValue{p: &c.RPCURLs}, "rpc-url", usage("rpc-url",
		"JSON-RPC endpoint `url`, http(s) or ws(s) (repeatable for failover, comma-separated)"))
	fs.Var(uintValue{&c.ChainID}, "chain-id", "chain `id` of a custom deployment (needs a registry address unless built in)")
	fs.StringVar(&c.IdentityRegistry, "identity-registry", c.IdentityRegistry, "Identity registry `address` of a custom deployment")
	fs.StringVar(&c.ReputationRegistry, "reputation-registry", c.ReputationRegistry, "Reputation registry `address` of a custom deployment")
	fs.StringVar(&c.ValidationRegistry, "validation-registry", c.ValidationRegistry, "Validation registry `address` of a custom deployment")
}

// IndexFlags binds how far and how carefully to index: --from-block, --confirmations,
// --allow-deep-reorg.
func (c *Config) IndexFlags(fs *flag.FlagSet) {
	fs.Var(optUintValue{&c.FromBlock}, "from-block", "first `block` to index (default: the cursor, else the chain's start block)")
	fs.Var(uintValue{&c.Confirmations}, "confirmations", usage("confirmations", "stay this many `blocks` behind the head"))
	fs.Var(uintValue{&c.FinalityDepth}, "finality-depth", usage("finality-depth",
		"`blocks` below the head that count as final when the node has no finalized tag, and the deepest reorg rolled back (default 64)"))
	fs.BoolVar(&c.AllowDeepReorg, "allow-deep-reorg", c.AllowDeepReorg, "roll back a reorg deeper than the finality depth instead of halting")
}

// MigrateFlags binds --skip-migrate (the commands that migrate at start).
func (c *Config) MigrateFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.SkipMigrate, "skip-migrate", c.SkipMigrate, usage("skip-migrate",
		"do not apply migrations at start (a role without DDL rights; run 'indexer migrate' as the schema's owner): fail if one is pending"))
}

// FileFlags binds --config.
func (c *Config) FileFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "config", c.ConfigFile, usage("config",
		"YAML `file` with the chains to index (several per process) and defaults for the other flags"))
}

// ValkeyFlags binds --valkey-url and --key-prefix.
func (c *Config) ValkeyFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ValkeyURL, "valkey-url", c.ValkeyURL, usage("valkey-url", "Valkey/Redis `url`; empty: publish nothing"))
	fs.StringVar(&c.KeyPrefix, "key-prefix", c.KeyPrefix, usage("key-prefix", "`prefix` of every Valkey key and channel"))
}

// PublishFlags binds --agent-ttl, for the commands that publish (run, dev, publish).
func (c *Config) PublishFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.AgentTTL, "agent-ttl", c.AgentTTL, usage("agent-ttl", "lifetime of the Valkey agent hashes (`duration`; 0: none)"))
}

// PublishTTL is AgentTTL as publish.Options takes it: negative for "no expiry".
func (c *Config) PublishTTL() time.Duration {
	if c.AgentTTL == 0 {
		return -1
	}
	return c.AgentTTL
}

// HTTPFlags binds --http-addr and --max-lag.
func (c *Config) HTTPFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, usage("http-addr", "listen `address` of /metrics, /healthz, /readyz; empty: no server"))
	fs.Var(uintValue{&c.MaxLag}, "max-lag", usage("max-lag", "/readyz fails when the indexed block trails the head by more than this many `blocks` (plus --confirmations)"))
}

// LogFlags binds --log-format and --log-level.
func (c *Config) LogFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log `format`: auto (console on a terminal, else json), json, console")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log `level`: debug, info, warn, error")
}

// ApplyEnv sets every flag bound in fs that is still at its default from its environment
// variables (see the [VARS] in each flag's help). Call it after binding and before fs.Parse, so
// the command line wins. An unparsable value is a *FieldError naming the variable.
func ApplyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		for _, env := range envVars[f.Name] {
			v := getenv(env)
			if v == "" {
				continue
			}
			if serr := f.Value.Set(v); serr != nil {
				err = newFieldError(f.Name, v, fmt.Sprintf("%v (from %s)", serr, env))
				return
			}
			// A repeatable flag given on the command line replaces the environment's list
			// rather than adding to it.
			if l, ok := f.Value.(*listValue); ok {
				l.set = false
			}
			return
		}
	})
	return err
}

// listValue is a repeatable flag whose values may also be comma-separated.
type listValue struct {
	p   *[]string
	set bool // set on the first Set, so the first value replaces the default list
}

func (l *listValue) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listValue) Set(v string) error {
	if !l.set {
		*l.p = nil
		l.set = true
	}
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l.p = append(*l.p, part)
		}
	}
	return nil
}

var errNotUint = errors.New("must be a non-negative integer")

func parseUint(v string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, errNotUint
	}
	return n, nil
}

// uintValue is a uint64 flag with a readable parse error.
type uintValue struct{ p *uint64 }

func (u uintValue) String() string {
	if u.p == nil || *u.p == 0 {
		return ""
	}
	return strconv.FormatUint(*u.p, 10)
}

func (u uintValue) Set(v string) error {
	n, err := parseUint(v)
	if err != nil {
		return err
	}
	*u.p = n
	return nil
}

// optUintValue is a uint64 flag that distinguishes "not given" (nil) from 0.
type optUintValue struct{ p **uint64 }

func (o optUintValue) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return strconv.FormatUint(**o.p, 10)
}

func (o optUintValue) Set(v string) error {
	n, err := parseUint(v)
	if err != nil {
		return err
	}
	*o.p = &n
	return nil
}

// redactRPC masks RPC endpoint URLs for logs: beyond passwords and query parameters, providers
// put API keys in the path (Alchemy's /v2/KEY, Infura's /v3/PROJECT), which redact.URL masks.
func redactRPC(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redact.URL(u)
	}
	return strings.Join(out, ",")
}

// MarshalLogObject logs the configuration with every secret-bearing URL redacted, so that
// zap.Object("config", cfg) is safe.
func (c Config) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("chains", strings.Join(c.Chains, ","))
	enc.AddString("rpc_urls", redactRPC(c.RPCURLs))
	enc.AddString("database_url", redact.URL(c.DatabaseURL))
	enc.AddString("schema", c.Schema)
	enc.AddString("valkey_url", redact.URL(c.ValkeyURL))
	enc.AddString("key_prefix", c.KeyPrefix)
	enc.AddDuration("agent_ttl", c.AgentTTL)
	if c.FromBlock != nil {
		enc.AddUint64("from_block", *c.FromBlock)
	}
	enc.AddUint64("confirmations", c.Confirmations)
	enc.AddString("http_addr", c.HTTPAddr)
	if c.ChainID != 0 {
		enc.AddUint64("chain_id", c.ChainID)
	}
	for k, v := range map[string]string{"identity_registry": c.IdentityRegistry,
		"reputation_registry": c.ReputationRegistry, "validation_registry": c.ValidationRegistry} {
		if v != "" {
			enc.AddString(k, v)
		}
	}
	enc.AddBool("allow_deep_reorg", c.AllowDeepReorg)
	if c.SkipMigrate {
		enc.AddBool("skip_migrate", true)
	}
	if c.FinalityDepth != 0 {
		enc.AddUint64("finality_depth", c.FinalityDepth)
	}
	enc.AddUint64("max_lag", c.MaxLag)
	if c.ConfigFile != "" {
		enc.AddString("config_file", c.ConfigFile)
		for i, ch := range c.FileChains {
			_ = enc.AddObject(fmt.Sprintf("chain_%d", i), ch)
		}
	}
	return nil
}
