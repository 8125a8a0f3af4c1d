package config

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// setup binds every flag group of a fresh Default() config, applies env, then parses args.
func setup(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	cfg := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.DatabaseFlags(fs)
	cfg.ChainFlags(fs)
	cfg.IndexFlags(fs)
	cfg.ValkeyFlags(fs)
	cfg.HTTPFlags(fs)
	cfg.LogFlags(fs)
	if err := ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		return nil, err
	}
	return &cfg, fs.Parse(args)
}

func TestDefault(t *testing.T) {
	t.Parallel()
	cfg := Default()
	require.Equal(t, "public", cfg.Schema)
	require.Equal(t, "erc8004:", cfg.KeyPrefix)
	require.Equal(t, "127.0.0.1:9090", cfg.HTTPAddr)
	require.Nil(t, cfg.FromBlock)
	require.NoError(t, cfg.Validate())
}

func TestApplyEnv(t *testing.T) {
	t.Parallel()

	t.Run("EnvFillsFlags", func(t *testing.T) {
		t.Parallel()
		cfg, err := setup(t, map[string]string{
			"CHAIN":         "sepolia, base",
			"RPC_URL":       "http://a:8545,ws://b:8546",
			"DATABASE_URL":  "postgres://db/x",
			"DB_SCHEMA":     "idx",
			"VALKEY_URL":    "redis://v:6379/0",
			"REDIS_URL":     "redis://r:6379/0",
			"KEY_PREFIX":    "p:",
			"CONFIRMATIONS": "12",
			"HTTP_ADDR":     ":9999",
		})
		require.NoError(t, err)
		require.Equal(t, []string{"sepolia", "base"}, cfg.Chains)
		require.Equal(t, []string{"http://a:8545", "ws://b:8546"}, cfg.RPCURLs)
		require.Equal(t, "postgres://db/x", cfg.DatabaseURL)
		require.Equal(t, "idx", cfg.Schema)
		require.Equal(t, "redis://v:6379/0", cfg.ValkeyURL, "VALKEY_URL wins over REDIS_URL")
		require.Equal(t, "p:", cfg.KeyPrefix)
		require.EqualValues(t, 12, cfg.Confirmations)
		require.Equal(t, ":9999", cfg.HTTPAddr)
		require.NoError(t, cfg.Validate())
	})

	t.Run("RedisURLFallback", func(t *testing.T) {
		t.Parallel()
		cfg, err := setup(t, map[string]string{"REDIS_URL": "redis://r:6379/0"})
		require.NoError(t, err)
		require.Equal(t, "redis://r:6379/0", cfg.ValkeyURL)
	})

	t.Run("FlagsWin", func(t *testing.T) {
		t.Parallel()
		cfg, err := setup(t, map[string]string{"CHAIN": "sepolia,base", "RPC_URL": "http://env", "CONFIRMATIONS": "12", "DATABASE_URL": "postgres://env/x"},
			"--chain", "ethereum", "--chain=84532", "--rpc-url", "http://a,http://b", "--confirmations", "3",
			"--database-url", "postgres://flag/x", "--from-block", "0", "--allow-deep-reorg")
		require.NoError(t, err)
		require.Equal(t, []string{"ethereum", "84532"}, cfg.Chains, "the command line replaces the env list")
		require.Equal(t, []string{"http://a", "http://b"}, cfg.RPCURLs)
		require.EqualValues(t, 3, cfg.Confirmations)
		require.Equal(t, "postgres://flag/x", cfg.DatabaseURL)
		require.NotNil(t, cfg.FromBlock)
		require.EqualValues(t, 0, *cfg.FromBlock)
		require.True(t, cfg.AllowDeepReorg)
	})

	t.Run("BadEnvNamesVariable", func(t *testing.T) {
		t.Parallel()
		_, err := setup(t, map[string]string{"CONFIRMATIONS": "many"})
		var fe *FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "confirmations", fe.Field)
		require.Equal(t, `invalid --confirmations "many": must be a non-negative integer (from CONFIRMATIONS)`, err.Error())
	})

	t.Run("UnboundFlagsIgnoreEnv", func(t *testing.T) {
		t.Parallel()
		cfg := Default()
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg.DatabaseFlags(fs)
		require.NoError(t, ApplyEnv(fs, func(k string) string {
			return map[string]string{"CONFIRMATIONS": "many", "DATABASE_URL": "postgres://x/y"}[k]
		}))
		require.Equal(t, "postgres://x/y", cfg.DatabaseURL)
		require.Zero(t, cfg.Confirmations)
	})

	t.Run("BadFlag", func(t *testing.T) {
		t.Parallel()
		_, err := setup(t, nil, "--from-block", "-1")
		require.ErrorContains(t, err, `invalid value "-1" for flag -from-block: must be a non-negative integer`)
	})
}

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit  func(*Config)
		field string
		text  string // expected Error(), when given
	}{
		"Schema":        {func(c *Config) { c.Schema = "1bad" }, "schema", ""},
		"SchemaEmpty":   {func(c *Config) { c.Schema = "" }, "schema", ""},
		"SchemaTooLong": {func(c *Config) { c.Schema = strings.Repeat("a", 64) }, "schema", ""},
		"DatabaseURL": {func(c *Config) { c.DatabaseURL = "postgres://u:hunter2@h:port/db" }, "database-url",
			`invalid --database-url "postgres://u:xxxxx@h:port/db": not a PostgreSQL connection string: invalid port`},
		"DatabaseKeyValue": {func(c *Config) { c.DatabaseURL = "host=h password=hunter2 port=x" }, "database-url", ""},
		"ValkeyURL":        {func(c *Config) { c.ValkeyURL = "http://:hunter2@h:6379" }, "valkey-url", ""},
		"KeyPrefix":        {func(c *Config) { c.KeyPrefix = "" }, "key-prefix", "--key-prefix must not be empty"},
		"RPCScheme":        {func(c *Config) { c.RPCURLs = []string{"ftp://h"} }, "rpc-url", ""},
		"RPCNoHost":        {func(c *Config) { c.RPCURLs = []string{"localhost:8545"} }, "rpc-url", ""},
		"Chain": {func(c *Config) { c.Chains = []string{"mars"} }, "chain",
			`invalid --chain "mars": unknown chain; use a chain id or a built-in name (see 'indexer chains')`},
		"Address":                  {func(c *Config) { c.IdentityRegistry = "0x1234" }, "identity-registry", ""},
		"AddressNo":                {func(c *Config) { c.ValidationRegistry = "8004Cb1BF31DAf7788923b405b754f57acEB4272" }, "validation-registry", ""},
		"CustomChainNeedsRegistry": {func(c *Config) { c.ChainID = 31337 }, "chain-id", ""},
		"HTTPAddr":                 {func(c *Config) { c.HTTPAddr = "9090" }, "http-addr", ""},
		"HTTPPort":                 {func(c *Config) { c.HTTPAddr = "localhost:99999" }, "http-addr", ""},
		"LogFormat":                {func(c *Config) { c.LogFormat = "xml" }, "log-format", ""},
		"LogLevel":                 {func(c *Config) { c.LogLevel = "loud" }, "log-level", ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Default()
			tc.edit(&cfg)
			err := cfg.Validate()
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "want *FieldError, got %v", err)
			require.Equal(t, tc.field, fe.Field)
			require.Contains(t, err.Error(), "--"+tc.field)
			require.NotContains(t, err.Error(), "hunter2")
			require.NotContains(t, fe.Value, "hunter2")
			require.NotContains(t, err.Error(), "\n")
			if tc.text != "" {
				require.Equal(t, tc.text, err.Error())
			}
		})
	}

	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		cfg := Default()
		cfg.Chains = []string{"Sepolia", "8453", "31337"}
		cfg.RPCURLs = []string{"https://rpc.example/v3/abc", "wss://rpc.example/ws"}
		cfg.DatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		cfg.ValkeyURL = "redis://127.0.0.1:6379/0"
		cfg.ChainID = 31337
		cfg.IdentityRegistry = "0x8004A818BFB912233c491871b3d84c89A494BD9e"
		cfg.HTTPAddr = ":0"
		cfg.LogFormat, cfg.LogLevel = "json", "debug"
		require.NoError(t, cfg.Validate())

		cfg.IdentityRegistry = ""
		cfg.ChainID = 11155111 // built in: no registry needed
		require.NoError(t, cfg.Validate())
		cfg.HTTPAddr = "" // disabled
		require.NoError(t, cfg.Validate())
	})
}

func TestConfig_Require(t *testing.T) {
	t.Parallel()
	cfg := Default()
	err := cfg.Require("database-url")
	require.EqualError(t, err, "--database-url is required (or set DATABASE_URL)")
	require.EqualError(t, cfg.Require("valkey-url"), "--valkey-url is required (or set VALKEY_URL or REDIS_URL)")
	require.ErrorContains(t, cfg.Require("chain"), "--chain is required")

	cfg.DatabaseURL = "postgres://h/db"
	cfg.ChainID = 5
	cfg.RPCURLs = []string{"http://h"}
	require.NoError(t, cfg.Require("database-url", "chain", "rpc-url"))
	require.Panics(t, func() { _ = cfg.Require("nope") })
}

func TestLookupChain(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"sepolia", "SEPOLIA", " 11155111 "} {
		c, ok := LookupChain(q)
		require.True(t, ok, q)
		require.Equal(t, "sepolia", c.Name)
		require.EqualValues(t, 11155111, c.ID)
		require.EqualValues(t, 9989393, c.StartBlock())
	}
	eth, ok := LookupChain("1")
	require.True(t, ok)
	require.Equal(t, "ethereum", eth.Name)
	require.Empty(t, eth.ValidationRegistry)
	require.EqualValues(t, 24339871, eth.StartBlock())

	for _, q := range []string{"mars", "31337", "", "-1"} {
		_, ok := LookupChain(q)
		require.False(t, ok, q)
	}
	for name, c := range Chains {
		require.Equal(t, name, c.Name)
		for _, a := range []string{c.IdentityRegistry, c.ReputationRegistry} {
			require.Regexp(t, addressRe, a, name)
		}
		if c.ValidationRegistry != "" {
			require.Regexp(t, addressRe, c.ValidationRegistry, name)
		}
	}
}

func TestNewLogger(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()

	cfg := Default()
	cfg.DatabaseURL = "postgres://u:hunter2@h/db"
	cfg.ValkeyURL = "redis://:hunter2@h:6379"
	cfg.RPCURLs = []string{"https://h/?token=hunter2", "https://eth.example/v2/hunter2key0123456789abcdef"}
	log, err := NewLogger(f, "auto", "info") // a file is not a terminal: JSON
	require.NoError(t, err)
	log.Debug("hidden")
	log.Info("started", zap.Object("config", cfg))
	require.NoError(t, log.Sync())

	out, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 1, "debug is below info")
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	require.Equal(t, "started", rec["msg"])
	require.Equal(t, "postgres://u:xxxxx@h/db", rec["config"].(map[string]any)["database_url"])
	require.NotContains(t, string(out), "hunter2")

	_, err = NewLogger(f, "console", "info")
	require.NoError(t, err)
	_, err = NewLogger(f, "json", "loud")
	require.Error(t, err)
	_, err = NewLogger(f, "xml", "info")
	require.Error(t, err)
}

func TestResolveChain(t *testing.T) {
	t.Parallel()
	id, info, builtIn, err := ResolveChain(" Sepolia ")
	require.NoError(t, err)
	require.True(t, builtIn)
	require.EqualValues(t, 11155111, id)
	require.Equal(t, "sepolia", info.Name)

	id, _, builtIn, err = ResolveChain("31337")
	require.NoError(t, err)
	require.False(t, builtIn, "a custom chain id")
	require.EqualValues(t, 31337, id)

	for _, bad := range []string{"mars", "", "0", "-1", "0x1"} {
		_, _, _, err := ResolveChain(bad)
		require.ErrorIs(t, err, ErrUnknownChain, bad)
	}
	require.Equal(t, "base", ChainName(8453))
	require.Equal(t, "31337", ChainName(31337))
}
