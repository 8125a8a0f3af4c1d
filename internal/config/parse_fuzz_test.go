package config

import (
	"errors"
	"flag"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// fuzzConfig binds every flag group on a fresh Default(), applies env, parses args and
// validates, as the command framework does for every subcommand.
func fuzzConfig(env map[string]string, args []string) (*Config, error) {
	cfg := Default()
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.DatabaseFlags(fs)
	cfg.ChainFlags(fs)
	cfg.IndexFlags(fs)
	cfg.ValkeyFlags(fs)
	cfg.HTTPFlags(fs)
	cfg.LogFlags(fs)
	if err := ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		return &cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return &cfg, err
	}
	return &cfg, cfg.Validate()
}

// secretLike reports whether s is specific enough to be searched for in output: at least 8
// bytes mixing letters and digits, so that it cannot occur in a fixed message by chance.
func secretLike(s string) bool {
	var letter, digit bool
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		}
	}
	return len(s) >= 8 && letter && digit
}

// FuzzConfig parses arbitrary environment values and flags, with passwords in the database and
// Valkey URLs: parsing never panics, every validation error is a *FieldError (or a flag parse
// error), and neither an error message nor the logged configuration ever contains a password,
// whether it is percent-encoded in the URL or written raw.
func FuzzConfig(f *testing.F) {
	f.Add("hunter2pw", "db.example.com:5432", "sslmode=disable", "sepolia", "http://127.0.0.1:8545", "12", "127.0.0.1:9090", "--from-block=5", false)
	f.Add("p@ss w0rd/x", "h", "", "84532", "wss://x/v3/0123456789abcdef0123456789abcdef", "x", "[::1]:99999", "--chain-id=7", true)
	f.Add("s3cr3t'q", "[::1", "password=kw1secret9", "base,ethereum", "ftp://x", "-1", ":", "--schema=1x", true)
	f.Add("a1b2c3d4e5", "h:port", "connect_timeout=x", "", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, pw, host, query, chain, rpc, confirmations, httpAddr, arg string, raw bool) {
		userinfo := "indexer:" + url.PathEscape(pw)
		if raw {
			userinfo = "indexer:" + pw
		}
		dsn := "postgres://" + userinfo + "@" + host + "/erc8004"
		if query != "" {
			dsn += "?" + query
		}
		env := map[string]string{
			"DATABASE_URL":  dsn,
			"VALKEY_URL":    "redis://:" + url.PathEscape(pw) + "@" + host + "/0",
			"CHAIN":         chain,
			"RPC_URL":       rpc,
			"CONFIRMATIONS": confirmations,
			"HTTP_ADDR":     httpAddr,
		}
		var args []string
		if arg != "" {
			args = strings.Fields(arg)
		}
		cfg, err := fuzzConfig(env, args)
		// The secrets: the password, and any password=... keyword value of the query.
		secrets := []string{pw, url.PathEscape(pw)}
		for _, kv := range strings.Split(query, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, "password") {
				secrets = append(secrets, v)
			}
		}
		// Only look for secrets that the rest of the input does not contain: a password equal
		// to the host name is visible through the host.
		public := strings.Join([]string{host, chain, rpc, confirmations, httpAddr, arg}, "\x00")
		check := func(what, out string) {
			for _, s := range secrets {
				if secretLike(s) && !strings.Contains(public, s) {
					require.NotContains(t, out, s, "%s leaks the password of %q", what, dsn)
				}
			}
		}
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				require.NotEmpty(t, fe.Field)
			}
			check("error", err.Error())
		}
		enc := zapcore.NewMapObjectEncoder()
		require.NoError(t, cfg.MarshalLogObject(enc))
		for k, v := range enc.Fields {
			if s, ok := v.(string); ok {
				check("logged field "+k, s)
			}
		}
		check("redact.URL", redact.URL(dsn))
	})
}
