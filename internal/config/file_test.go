package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "indexer.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// loadWith binds the flags of `indexer run`, applies env and args, then loads the file.
func loadWith(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	cfg := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.DatabaseFlags(fs)
	cfg.ChainFlags(fs)
	cfg.IndexFlags(fs)
	cfg.HTTPFlags(fs)
	cfg.PublishFlags(fs)
	cfg.FileFlags(fs)
	cfg.LogFlags(fs)
	getenv := func(k string) string { return env[k] }
	require.NoError(t, ApplyEnv(fs, getenv))
	require.NoError(t, fs.Parse(args))
	if err := cfg.Validate(); err != nil {
		return &cfg, err
	}
	return &cfg, cfg.LoadFile(fs, getenv)
}

const goodFile = `
database_url: postgres://indexer:${PGPASS}@db:5432/erc8004
http_addr: 0.0.0.0:9090
max_lag: 20
agent_ttl: 6h
log_level: debug
chains:
  - chain: base
    rpc_urls:
      - https://base.example/v2/${BASE_KEY}
      - wss://base.example/ws
    confirmations: 2
  - chain: sepolia
    name: sep
    rpc_urls: [http://127.0.0.1:8545]
    start_block: 9000000
    use_finalized_tag: false
    finality_depth: 32
    allow_deep_reorg: true
  - chain: "31337"
    rpc_urls: [ws://127.0.0.1:8546]
    identity_registry: 0x5FbDB2315678afecb367f032d93F642f64180aa3
    reputation_registry: 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512
    validation_registry: 0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0
`

func TestLoadFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, goodFile)
	env := map[string]string{"PGPASS": "hunter2", "BASE_KEY": "k3y"}

	t.Run("Merges", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadWith(t, env, "--config", path)
		require.NoError(t, err)
		require.Equal(t, "postgres://indexer:hunter2@db:5432/erc8004", cfg.DatabaseURL)
		require.Equal(t, "0.0.0.0:9090", cfg.HTTPAddr)
		require.Equal(t, 6*time.Hour, cfg.AgentTTL)
		require.EqualValues(t, 20, cfg.MaxLag)
		require.Equal(t, "debug", cfg.LogLevel)
		require.Len(t, cfg.FileChains, 3)
		base, sep, local := cfg.FileChains[0], cfg.FileChains[1], cfg.FileChains[2]
		require.Equal(t, "base", base.Name)
		require.EqualValues(t, 8453, base.ID)
		require.Equal(t, []string{"https://base.example/v2/k3y", "wss://base.example/ws"}, base.RPCURLs)
		require.EqualValues(t, 2, base.Confirmations)
		require.Equal(t, "sep", sep.Name)
		require.EqualValues(t, 9000000, *sep.StartBlock)
		require.False(t, *sep.UseFinalizedTag)
		require.True(t, sep.AllowDeepReorg)
		require.EqualValues(t, 32, sep.FinalityDepth)
		require.Equal(t, "31337", local.Name)
		require.EqualValues(t, 31337, local.ID)
		require.Equal(t, "0x5FbDB2315678afecb367f032d93F642f64180aa3", local.IdentityRegistry)
		require.Equal(t, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", local.ReputationRegistry)
		require.Equal(t, "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", local.ValidationRegistry)
	})

	t.Run("FlagsAndEnvWin", func(t *testing.T) {
		t.Parallel()
		e := map[string]string{"PGPASS": "x", "BASE_KEY": "y", "HTTP_ADDR": "127.0.0.1:1"}
		cfg, err := loadWith(t, e, "--config", path, "--database-url", "postgres://flag/db", "--max-lag", "7")
		require.NoError(t, err)
		require.Equal(t, "postgres://flag/db", cfg.DatabaseURL)
		require.Equal(t, "127.0.0.1:1", cfg.HTTPAddr)
		require.EqualValues(t, 7, cfg.MaxLag)
	})

	t.Run("ChainSelects", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadWith(t, env, "--config", path, "--chain", "sep,31337")
		require.NoError(t, err)
		require.Len(t, cfg.FileChains, 2)
		require.Equal(t, "sep", cfg.FileChains[0].Name)
		require.Equal(t, "31337", cfg.FileChains[1].Name)

		cfg, err = loadWith(t, env, "--config", path, "--chain", "8453")
		require.NoError(t, err)
		require.Equal(t, "base", cfg.FileChains[0].Name)

		_, err = loadWith(t, env, "--config", path, "--chain", "ethereum")
		require.EqualError(t, err, `invalid --chain "ethereum": is not among the chains of `+path)
	})

	t.Run("EnvFile", func(t *testing.T) {
		t.Parallel()
		e := map[string]string{"PGPASS": "x", "BASE_KEY": "y", "INDEXER_CONFIG": path}
		cfg, err := loadWith(t, e)
		require.NoError(t, err)
		require.Len(t, cfg.FileChains, 3)
	})

	t.Run("ChainFlagsRejected", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--rpc-url", "http://x"}, {"--from-block", "0"}, {"--confirmations", "3"},
			{"--chain-id", "5", "--identity-registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3"}} {
			_, err := loadWith(t, env, append([]string{"--config", path}, args...)...)
			require.ErrorContains(t, err, "cannot be combined with --config: set it per chain in "+path, args)
		}
		_, err := loadWith(t, map[string]string{"PGPASS": "x", "BASE_KEY": "y", "RPC_URL": "http://x"}, "--config", path)
		require.ErrorContains(t, err, "--rpc-url cannot be combined with --config", "from the environment too")
	})

	t.Run("MissingVariable", func(t *testing.T) {
		t.Parallel()
		_, err := loadWith(t, map[string]string{"PGPASS": "x"}, "--config", path)
		require.EqualError(t, err, path+": chains[0].rpc_urls[0] references ${BASE_KEY}, which is not set")
	})
}

func TestReadFile_Errors(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	for name, tc := range map[string]struct {
		text, want string
	}{
		"Syntax":         {"chains: [", "did not find expected node content"},
		"UnknownField":   {"chains:\n  - chain: base\n    rpc_url: http://x\n", "line 3: field rpc_url not found (chain settings)"},
		"UnknownTop":     {"databse_url: x\n", "line 1: field databse_url not found"},
		"NoChains":       {"database_url: postgres://h/db\n", "chains lists no chain"},
		"ChainRequired":  {"chains:\n  - rpc_urls: [http://x]\n", "chains[0].chain is required"},
		"UnknownChain":   {"chains:\n  - chain: mars\n    rpc_urls: [http://x]\n", `invalid chains[0].chain "mars": unknown chain`},
		"CustomNeedsReg": {"chains:\n  - chain: 31337\n    rpc_urls: [http://x]\n", `invalid chains[0].chain "31337": has no built-in deployment`},
		"NoRPC":          {"chains:\n  - chain: base\n", "chains[0].rpc_urls is required"},
		"BadRPC": {"chains:\n  - chain: base\n    rpc_urls: [http://ok, 'ftp://u:hunter2@h']\n",
			`invalid chains[0].rpc_urls[1] "ftp://u:xxxxx@h": scheme must be http, https, ws or wss`},
		"BadAddress": {"chains:\n  - chain: base\n    rpc_urls: [http://x]\n    validation_registry: 0x12\n",
			`invalid chains[0].validation_registry "0x12": not a 0x-prefixed 20-byte hex address`},
		"DuplicateID": {"chains:\n  - chain: base\n    rpc_urls: [http://x]\n  - chain: 8453\n    name: b2\n    rpc_urls: [http://y]\n",
			`invalid chains[1].chain "8453": chain id 8453 is already chains[0]`},
		"DuplicateName": {"chains:\n  - chain: base\n    rpc_urls: [http://x]\n  - chain: sepolia\n    name: BASE\n    rpc_urls: [http://y]\n",
			`invalid chains[1].name "BASE": is already the name of chains[0]`},
		"BadHTTPAddr": {"http_addr: '9090'\nchains:\n  - chain: base\n    rpc_urls: [http://x]\n", `invalid http_addr "9090": not host:port`},
		"NegativeStart": {"chains:\n  - chain: base\n    rpc_urls: [http://x]\n    start_block: -1\n",
			"cannot unmarshal !!int `-1` into uint64"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.text)
			_, err := ReadFile(path, env)
			require.Error(t, err)
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "want *FieldError, got %T %v", err, err)
			require.Equal(t, path, fe.File)
			require.True(t, strings.HasPrefix(err.Error(), path+": "), err.Error())
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), "\n")
			require.NotContains(t, err.Error(), "hunter2")
		})
	}

	_, err := ReadFile(filepath.Join(t.TempDir(), "missing.yaml"), env)
	require.ErrorContains(t, err, "read config file: open ")
}

func TestChains_Table(t *testing.T) {
	t.Parallel()
	ids := map[uint64]string{}
	for _, c := range ChainList() {
		require.NotZero(t, c.ID, c.Name)
		require.Equal(t, strings.ToLower(c.Name), c.Name)
		if other, dup := ids[c.ID]; dup {
			t.Fatalf("chain id %d is both %s and %s", c.ID, other, c.Name)
		}
		ids[c.ID] = c.Name
		if c.Testnet {
			require.Equal(t, testnetIdentity, c.IdentityRegistry, c.Name)
		} else {
			require.Equal(t, mainnetIdentity, c.IdentityRegistry, c.Name)
			require.Empty(t, c.ValidationRegistry, "no mainnet Validation registry is known (%s)", c.Name)
		}
	}
	require.GreaterOrEqual(t, len(ids), 50, "every chain of SPEC §6.2 with a known id")
	list := ChainList()
	require.False(t, list[0].Testnet, "mainnets first")
	require.True(t, list[len(list)-1].Testnet)

	bsc, ok := LookupChain("bnb")
	require.True(t, ok, "aliases")
	require.Equal(t, "bsc", bsc.Name)
	require.True(t, bsc.StartKnown())
	require.EqualValues(t, 79031671, bsc.StartBlock())
	bt, _ := LookupChain("bsc-testnet")
	require.EqualValues(t, 77785485, bt.StartBlock(), "the lowest registry start")
	arb, _ := LookupChain("42161")
	require.Equal(t, "arbitrum", arb.Name)
	require.False(t, arb.StartKnown(), "searched for at the first run")
	require.Zero(t, arb.StartBlock())
	arc, _ := LookupChain("arc-testnet")
	require.Equal(t, testnetValidation, arc.ValidationRegistry)
	require.True(t, arc.StartKnown())
}

// loadFlags binds the flags bind names (a command's flag groups), applies env and args, then
// loads the file.
func loadFlags(t *testing.T, bind func(*Config, *flag.FlagSet), env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	cfg := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bind(&cfg, fs)
	getenv := func(k string) string { return env[k] }
	require.NoError(t, ApplyEnv(fs, getenv))
	require.NoError(t, fs.Parse(args))
	return &cfg, cfg.LoadFile(fs, getenv)
}

// runFlags binds the flag groups of `indexer run`.
func runFlags(cfg *Config, fs *flag.FlagSet) {
	cfg.DatabaseFlags(fs)
	cfg.ChainFlags(fs)
	cfg.IndexFlags(fs)
	cfg.FileFlags(fs)
	cfg.HTTPFlags(fs)
	cfg.ValkeyFlags(fs)
	cfg.PublishFlags(fs)
	cfg.PaymentFlags(fs)
	cfg.OffchainFlags(fs)
	cfg.LogFlags(fs)
}

// apiFlags binds the flag groups of `indexer api`.
func apiFlags(cfg *Config, fs *flag.FlagSet) {
	cfg.DatabaseFlags(fs)
	cfg.ValkeyFlags(fs)
	cfg.APIFlags(fs)
	cfg.FileFlags(fs)
	cfg.LogFlags(fs)
}

const oneChain = `
chains:
  - chain: base
    rpc_urls: [http://x]
`

// TestLoadFile_Sections checks that every key of every section of the file reaches the
// configuration, and that a flag or variable still wins over it.
func TestLoadFile_Sections(t *testing.T) {
	t.Parallel()

	t.Run("TopLevel", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
database_url: postgres://h/db
schema: idx
valkey_url: redis://${VK_HOST}:6379/0
key_prefix: "t:"
agent_ttl: 0s
http_addr: ""
max_lag: 5
log_format: json
log_level: warn
allow_deep_reorg: true
`+oneChain)
		cfg, err := loadFlags(t, runFlags, map[string]string{"VK_HOST": "vk"}, "--config", path)
		require.NoError(t, err)
		require.Equal(t, "postgres://h/db", cfg.DatabaseURL)
		require.Equal(t, "idx", cfg.Schema)
		require.Equal(t, "redis://vk:6379/0", cfg.ValkeyURL)
		require.Equal(t, "t:", cfg.KeyPrefix)
		require.Zero(t, cfg.AgentTTL)
		require.Empty(t, cfg.HTTPAddr, `http_addr: "" turns the server off`)
		require.EqualValues(t, 5, cfg.MaxLag)
		require.Equal(t, "json", cfg.LogFormat)
		require.Equal(t, "warn", cfg.LogLevel)
		require.True(t, cfg.AllowDeepReorg)

		cfg, err = loadFlags(t, runFlags, map[string]string{"VK_HOST": "vk", "DB_SCHEMA": "env"},
			"--config", path, "--key-prefix", "flag:", "--agent-ttl", "1h", "--log-level", "debug")
		require.NoError(t, err)
		require.Equal(t, "env", cfg.Schema)
		require.Equal(t, "flag:", cfg.KeyPrefix)
		require.Equal(t, time.Hour, cfg.AgentTTL)
		require.Equal(t, "debug", cfg.LogLevel)
	})

	t.Run("ChainPayments", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
chains:
  - chain: base
    rpc_urls: [http://x]
    payment_tokens: [none, "0x5FbDB2315678afecb367f032d93F642f64180aa3:18"]
    payment_owners: true
`)
		cfg, err := loadFlags(t, runFlags, nil, "--config", path)
		require.NoError(t, err)
		require.Equal(t, []string{"none", "0x5FbDB2315678afecb367f032d93F642f64180aa3:18"}, cfg.FileChains[0].PaymentTokens)
		require.True(t, *cfg.FileChains[0].PaymentOwners)

		_, err = loadFlags(t, runFlags, nil, "--config", path, "--payment-token", "none")
		require.ErrorContains(t, err, "--payment-token cannot be combined with --config")
	})

	t.Run("Offchain", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
offchain:
  fetch: false
  ipfs_gateways: [https://gw.example/ipfs/, "https://${GW}/ipfs/"]
  arweave_gateways: [https://ar.example/]
  allow_http: true
  allow_private: true
  max_bytes: 2048
  timeout: 3s
  concurrency: 8
  per_host: 2
  refresh: 1h
  verify_domains: false
`+oneChain)
		env := map[string]string{"GW": "gw2.example"}
		cfg, err := loadFlags(t, runFlags, env, "--config", path)
		require.NoError(t, err)
		require.Equal(t, Offchain{
			Fetch:           false,
			IPFSGateways:    []string{"https://gw.example/ipfs/", "https://gw2.example/ipfs/"},
			ArweaveGateways: []string{"https://ar.example/"},
			AllowHTTP:       true,
			AllowPrivate:    true,
			MaxBytes:        2048,
			Timeout:         3 * time.Second,
			Concurrency:     8,
			PerHost:         2,
			Refresh:         time.Hour,
			VerifyDomains:   false,
		}, cfg.Offchain)

		env["OFFCHAIN_TIMEOUT"] = "9s"
		cfg, err = loadFlags(t, runFlags, env, "--config", path, "--fetch-offchain", "--offchain-per-host", "3",
			"--ipfs-gateway", "https://flag.example/ipfs/")
		require.NoError(t, err)
		require.True(t, cfg.Offchain.Fetch)
		require.EqualValues(t, 3, cfg.Offchain.PerHost)
		require.Equal(t, 9*time.Second, cfg.Offchain.Timeout)
		require.Equal(t, []string{"https://flag.example/ipfs/"}, cfg.Offchain.IPFSGateways)
		require.EqualValues(t, 8, cfg.Offchain.Concurrency, "the file fills the rest")

		bad := writeFile(t, "offchain:\n  ipfs_gateways: [ftp://gw]\n"+oneChain)
		_, err = loadFlags(t, runFlags, nil, "--config", bad)
		require.ErrorContains(t, err, `invalid --ipfs-gateway "ftp://gw": must be an http(s) URL`)
	})

	t.Run("API", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, `
api:
  listen: ${API_HOST}:8081
  anonymous_rate: 0
  key_rate: 100/10s
  cache_ttl: 1m
  trusted_proxies: 2
  request_timeout: 3s
`+oneChain)
		env := map[string]string{"API_HOST": "0.0.0.0"}
		cfg, err := loadFlags(t, apiFlags, env, "--config", path)
		require.NoError(t, err)
		require.Equal(t, API{Listen: "0.0.0.0:8081", KeyRate: Rate{Limit: 100, Per: 10 * time.Second},
			CacheTTL: time.Minute, TrustedProxies: 2, RequestTimeout: 3 * time.Second}, cfg.API)

		env["API_CACHE_TTL"] = "0s"
		cfg, err = loadFlags(t, apiFlags, env, "--config", path, "--key-rate", "5/m")
		require.NoError(t, err)
		require.Equal(t, Rate{Limit: 5, Per: time.Minute}, cfg.API.KeyRate)
		require.Zero(t, cfg.API.CacheTTL)

		bad := writeFile(t, "api:\n  key_rate: fast\n"+oneChain)
		_, err = loadFlags(t, apiFlags, nil, "--config", bad)
		require.ErrorContains(t, err, `invalid api.key_rate "fast": must be N/s`)
	})
}
