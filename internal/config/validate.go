package config

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zapcore"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// FieldError is a configuration value that cannot be used. Field is the flag name (without
// dashes), or the field's path in the configuration file File; Value is the offending value with
// any password masked, Msg what is wrong with it.
type FieldError struct {
	Field string
	Value string
	Msg   string
	// File is the configuration file the value comes from; empty for flags and environment
	// variables.
	File string
}

// newFieldError builds a FieldError, masking any secret in the value and the message.
func newFieldError(field, value, msg string) *FieldError {
	return &FieldError{Field: field, Value: redact.URL(value), Msg: redact.Text(msg, value)}
}

// Error reads `invalid --field "value": msg`, or `--field msg` when there is no value. A value
// from a configuration file reads `file: invalid field "value": msg` (or `file: field msg`, or
// `file: msg` for a syntax error).
func (e *FieldError) Error() string {
	name := "--" + e.Field
	prefix := ""
	if e.File != "" {
		name, prefix = e.Field, e.File+": "
	}
	switch {
	case e.Field == "":
		return prefix + e.Msg
	case e.Value == "":
		return fmt.Sprintf("%s%s %s", prefix, name, e.Msg)
	}
	return fmt.Sprintf("%sinvalid %s %q: %s", prefix, name, redact.URL(e.Value), e.Msg)
}

var (
	schemaRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	addressRe = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	// parseQuoteRe matches pgconn's "cannot parse `<conn string>`: " prefix.
	parseQuoteRe = regexp.MustCompile("^cannot parse `[^`]*`: ")
)

// Validate checks that every value is well formed, returning the first problem as a
// *FieldError. Whether a value is needed at all depends on the subcommand: see Require.
func (c *Config) Validate() error {
	if err := c.validateOffchain(); err != nil {
		return err
	}
	if !schemaRe.MatchString(c.Schema) {
		return newFieldError("schema", c.Schema, "must be 1-63 letters, digits or _, not starting with a digit")
	}
	if c.DatabaseURL != "" {
		if _, err := pgconn.ParseConfig(c.DatabaseURL); err != nil {
			// pgconn quotes the whole string back (redacted); the field error shows it already.
			msg := parseQuoteRe.ReplaceAllString(err.Error(), "")
			return newFieldError("database-url", c.DatabaseURL, "not a PostgreSQL connection string: "+msg)
		}
	}
	if c.ValkeyURL != "" {
		if _, err := redis.ParseURL(c.ValkeyURL); err != nil {
			return newFieldError("valkey-url", c.ValkeyURL, "not a redis:// or rediss:// URL: "+err.Error())
		}
	}
	if c.KeyPrefix == "" {
		return newFieldError("key-prefix", "", "must not be empty")
	}
	for _, raw := range c.RPCURLs {
		if msg := checkRPCURL(raw); msg != "" {
			return newFieldError("rpc-url", raw, msg)
		}
	}
	for _, ch := range c.Chains {
		if c.ConfigFile != "" {
			break // --chain selects among the file's chains, by their names too: LoadFile checks it
		}
		if _, ok := LookupChain(ch); ok {
			continue
		}
		if _, err := strconv.ParseUint(ch, 10, 64); err != nil {
			return newFieldError("chain", ch, "unknown chain; use a chain id or a built-in name (see 'indexer chains')")
		}
	}
	for _, r := range []struct{ field, addr string }{
		{"identity-registry", c.IdentityRegistry},
		{"reputation-registry", c.ReputationRegistry},
		{"validation-registry", c.ValidationRegistry},
	} {
		if r.addr != "" && !addressRe.MatchString(r.addr) {
			return newFieldError(r.field, r.addr, "not a 0x-prefixed 20-byte hex address")
		}
	}
	if c.ChainID != 0 && c.IdentityRegistry == "" && c.ReputationRegistry == "" && c.ValidationRegistry == "" {
		if _, ok := LookupChain(strconv.FormatUint(c.ChainID, 10)); !ok {
			return newFieldError("chain-id", strconv.FormatUint(c.ChainID, 10),
				"has no built-in deployment: give at least one of --identity-registry, --reputation-registry, --validation-registry")
		}
	}
	if c.HTTPAddr != "" {
		if msg := checkHostPort(c.HTTPAddr); msg != "" {
			return newFieldError("http-addr", c.HTTPAddr, msg)
		}
	}
	switch c.LogFormat {
	case "auto", "json", "console":
	default:
		return newFieldError("log-format", c.LogFormat, "must be auto, json or console")
	}
	if _, err := zapcore.ParseLevel(c.LogLevel); err != nil {
		return newFieldError("log-level", c.LogLevel, "must be debug, info, warn or error")
	}
	return nil
}

// checkHostPort returns what is wrong with a listen address, or "".
func checkHostPort(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "not host:port"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "port must be a number from 0 to 65535"
	}
	return ""
}

// Require returns a *FieldError for the first of the named flags that has no value (neither
// from the command line nor from the environment). Names are flag names without dashes:
// "database-url", "rpc-url", "chain" (satisfied by --chain or --chain-id), "valkey-url".
// An unknown name is a programming error and panics.
func (c *Config) Require(flags ...string) error {
	for _, name := range flags {
		var missing bool
		switch name {
		case "database-url":
			missing = c.DatabaseURL == ""
		case "rpc-url":
			missing = len(c.RPCURLs) == 0
		case "chain":
			missing = len(c.Chains) == 0 && c.ChainID == 0
		case "valkey-url":
			missing = c.ValkeyURL == ""
		default:
			panic(fmt.Sprintf("config: Require(%q): unknown flag", name))
		}
		if missing {
			msg := "is required"
			if env := envVars[name]; len(env) > 0 {
				msg += " (or set " + strings.Join(env, " or ") + ")"
			}
			return &FieldError{Field: name, Msg: msg}
		}
	}
	return nil
}

// mask replaces a secret in redacted output.
const mask = "xxxxx"
