package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// binary is the indexer built once by TestMain; the tests run it as a user would.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "indexer-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "indexer")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	registerTestCommand()
	return m.Run()
}

// cleanEnv is the test process's environment without the variables the indexer reads, so the
// developer's own DATABASE_URL and the like cannot change an outcome.
func cleanEnv() []string {
	read := map[string]bool{}
	for _, v := range config.EnvVars() {
		read[v] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !read[k] {
			env = append(env, kv)
		}
	}
	// The chains of these tests carry URIs of public hosts: the binaries under test fetch no
	// off-chain file unless a test turns it on against loopback servers.
	return append(env, "FETCH_OFFCHAIN=false")
}

type result struct {
	stdout, stderr string
	code           int
}

func runIndexer(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// requireFailure checks the failure contract: status 1, nothing on stdout, exactly one line
// "indexer: ..." on stderr containing want, and no panic trace.
func requireFailure(t *testing.T, r result, want string) {
	t.Helper()
	require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
	require.Empty(t, r.stdout)
	require.True(t, strings.HasPrefix(r.stderr, "indexer: "), r.stderr)
	require.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
	require.True(t, strings.HasSuffix(r.stderr, "\n"))
	require.NotContains(t, r.stderr, "goroutine ")
	require.Contains(t, r.stderr, want)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runIndexer(t, nil, args...)
			require.Equal(t, 0, r.code)
			require.Empty(t, r.stderr)
			require.Contains(t, r.stdout, "Usage:\n  indexer <command> [flags]")
			require.Contains(t, r.stdout, "  migrate    apply the embedded database migrations\n")
		})
	}
	for _, args := range [][]string{{"help", "migrate"}, {"migrate", "--help"}, {"migrate", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			// A secret in the environment must not show up as a flag default in the help.
			r := runIndexer(t, []string{"DATABASE_URL=postgres://u:hunter2@h/db"}, args...)
			require.Equal(t, 0, r.code)
			require.Empty(t, r.stderr)
			require.Contains(t, r.stdout, "Usage: indexer migrate [flags]")
			require.Contains(t, r.stdout, "Examples:")
			require.Contains(t, r.stdout, "  --database-url url\n        PostgreSQL connection url [DATABASE_URL]\n")
			require.Contains(t, r.stdout, `[DB_SCHEMA] (default "public")`)
			require.NotContains(t, r.stdout, "hunter2")
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  []string
		args []string
		want string
	}{
		"NoCommand":       {nil, nil, "no command given"},
		"UnknownCommand":  {nil, []string{"frobnicate"}, `unknown command "frobnicate" (commands: `},
		"HelpUnknown":     {nil, []string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		"FlagFirst":       {nil, []string{"--schema", "x", "migrate"}, "flags go after the command"},
		"BadFlag":         {nil, []string{"migrate", "--nope"}, "migrate: flag provided but not defined: -nope"},
		"FlagNeedsValue":  {nil, []string{"migrate", "--schema"}, "flag needs an argument: -schema"},
		"ExtraArgument":   {nil, []string{"migrate", "now"}, `migrate: unexpected argument "now"`},
		"InvalidValue":    {nil, []string{"migrate", "--schema", "1x"}, `migrate: invalid --schema "1x"`},
		"InvalidEnvValue": {[]string{"DB_SCHEMA=a-b"}, []string{"migrate"}, `migrate: invalid --schema "a-b"`},
		"MissingDatabase": {nil, []string{"migrate"}, "migrate: --database-url is required (or set DATABASE_URL)"},
		"BadLogLevel":     {nil, []string{"migrate", "--log-level", "loud"}, `invalid --log-level "loud"`},
		"BadDatabaseURL": {nil, []string{"migrate", "--database-url", "postgres://u:hunter2@h:port/db"},
			`invalid --database-url "postgres://u:xxxxx@h:port/db"`},
		// Connection refused: the driver's multi-line error is folded onto one line, the password
		// never printed.
		"Unreachable": {[]string{"DATABASE_URL=postgres://postgres:hunter2@127.0.0.1:1/postgres?connect_timeout=5"},
			[]string{"migrate"}, "migrate: connect to database postgres://postgres:xxxxx@127.0.0.1:1/postgres"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runIndexer(t, tc.env, tc.args...)
			requireFailure(t, r, tc.want)
			require.NotContains(t, r.stderr, "hunter2")
		})
	}
}

// TestHelp_EveryCommand: each subcommand's help has a synopsis, examples and its flags with their
// environment variables, and never shows a secret from the environment.
func TestHelp_EveryCommand(t *testing.T) {
	t.Parallel()
	env := []string{"DATABASE_URL=postgres://u:hunter2@h/db", "RPC_URL=https://rpc.example/v2/hunter2key"}
	for name, flags := range map[string][]string{
		"run":     {"--config file", "--http-addr address", "--max-lag blocks", "--lock-poll duration", "--chain chain", "--from-block block", "--valkey-url url"},
		"rewind":  {"--to-block block", "--yes", "--dry-run", "--rpc-url url"},
		"replay":  {"--from-block block", "--to-block block", "--yes", "--dry-run", "--backfill-span blocks"},
		"status":  {"--json", "--config file", "--rpc-url url"},
		"chains":  {"--json"},
		"verify":  {"--chain chain"},
		"dev":     {"--blocks N"},
		"migrate": {"--database-url url"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runIndexer(t, env, name, "--help")
			require.Equal(t, 0, r.code)
			require.Empty(t, r.stderr)
			require.Contains(t, r.stdout, "Usage: indexer "+name+" [flags]\n\n")
			require.Contains(t, r.stdout, "Examples:\n  indexer "+name)
			for _, f := range flags {
				require.Contains(t, r.stdout, "\n  "+f+"\n", f)
			}
			require.NotContains(t, r.stdout, "hunter2")
			require.Contains(t, runIndexer(t, nil, "--help").stdout, fmt.Sprintf("  %-10s ", name), "listed")
		})
	}
}

// TestFailures_Operator: bad flags and values of the operator commands fail with one line.
func TestFailures_Operator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(badYAML, []byte("chains:\n  - chain: base\n    rpc_urls: ['ftp://u:hunter2@h']\n"), 0o600))
	goodYAML := filepath.Join(dir, "good.yaml")
	require.NoError(t, os.WriteFile(goodYAML, []byte("chains:\n  - chain: base\n    rpc_urls: [http://127.0.0.1:1]\n"), 0o600))
	db := "--database-url=postgres://postgres:hunter2@127.0.0.1:1/postgres?connect_timeout=5"
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"RunUnknownFlag":     {[]string{"run", "--frobnicate"}, "run: flag provided but not defined: -frobnicate"},
		"RunNoChain":         {[]string{"run", db}, "run: --chain is required (or set CHAIN)"},
		"RunNoRPC":           {[]string{"run", db, "--chain", "base"}, "run: --rpc-url is required (or set RPC_URL)"},
		"RunSeveralChains":   {[]string{"run", db, "--chain", "base,sepolia", "--rpc-url", "http://x"}, "several chains need per-chain RPC URLs: list them in a --config file"},
		"RunUnknownChain":    {[]string{"run", "--chain", "mars"}, `run: invalid --chain "mars": unknown chain`},
		"RunBadMaxLag":       {[]string{"run", "--max-lag", "soon"}, `invalid value "soon" for flag -max-lag`},
		"RunBadLockPoll":     {[]string{"run", "--lock-poll", "1"}, `invalid value "1" for flag -lock-poll`},
		"RunMissingConfig":   {[]string{"run", "--config", filepath.Join(dir, "none.yaml")}, "run: read config file: open "},
		"RunBadConfig":       {[]string{"run", "--config", badYAML}, `run: ` + badYAML + `: invalid chains[0].rpc_urls[0] "ftp://u:xxxxx@h": scheme must be http`},
		"RunConfigAndRPC":    {[]string{"run", "--config", goodYAML, "--rpc-url", "http://x"}, "run: --rpc-url cannot be combined with --config"},
		"RunConfigNoDB":      {[]string{"run", "--config", goodYAML}, "run: --database-url is required"},
		"RunBadHTTPAddr":     {[]string{"run", "--http-addr", "300.1.1.1:99999", "--chain", "base"}, `invalid --http-addr "300.1.1.1:99999": port must be a number`},
		"RewindNoChain":      {[]string{"rewind", db, "--to-block", "5"}, "rewind: --chain is required"},
		"RewindNoBlock":      {[]string{"rewind", db, "--chain", "base"}, "rewind: --to-block is required: the last block to keep"},
		"RewindBadBlock":     {[]string{"rewind", "--to-block", "-5"}, `rewind: invalid value "-5" for flag -to-block: must be a non-negative integer`},
		"RewindTwoChains":    {[]string{"rewind", db, "--chain", "base,sepolia", "--to-block", "5", "--yes"}, `rewind: invalid --chain "base,sepolia": give one chain`},
		"RewindUnreachable":  {[]string{"rewind", db, "--chain", "base", "--to-block", "5", "--yes"}, "rewind: connect to database postgres://postgres:xxxxx@127.0.0.1:1/postgres"},
		"RewindArgument":     {[]string{"rewind", "now"}, `rewind: unexpected argument "now"`},
		"ReplayNoRPC":        {[]string{"replay", db, "--chain", "base", "--from-block", "1"}, "replay: --rpc-url is required"},
		"ReplayNoFrom":       {[]string{"replay", db, "--chain", "base", "--rpc-url", "http://x"}, "replay: --from-block is required"},
		"ReplayBackwards":    {[]string{"replay", db, "--chain", "base", "--rpc-url", "http://x", "--from-block", "9", "--to-block", "3"}, `replay: invalid --to-block "3": is below --from-block 9`},
		"ReplayCustomNoRegs": {[]string{"replay", db, "--chain", "31337", "--rpc-url", "http://x", "--from-block", "1", "--yes"}, "chain 31337 has no built-in deployment: give at least one registry address"},
		"StatusNoDB":         {[]string{"status"}, "status: --database-url is required"},
		"StatusUnreachable":  {[]string{"status", db}, "status: connect to database postgres://postgres:xxxxx@127.0.0.1:1/postgres"},
		"StatusBadChain":     {[]string{"status", db, "--chain", "mars"}, `status: invalid --chain "mars": unknown chain`},
		"ChainsArgument":     {[]string{"chains", "all"}, `chains: unexpected argument "all"`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runIndexer(t, nil, tc.args...)
			requireFailure(t, r, tc.want)
			require.NotContains(t, r.stderr, "hunter2")
		})
	}
}

func TestChains(t *testing.T) {
	t.Parallel()
	r := runIndexer(t, nil, "chains")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `(?m)^base\s+8453\s+mainnet\s+0x8004A169FB4a3325136EB29fA0ceB6D2e539a432\s+0x8004BAa17C55a88189AE136b182e5fdA19dE9b63\s+-\s+41663783\s*$`, r.stdout)
	require.Regexp(t, `(?m)^arbitrum\s+42161\s+mainnet\s+.*\ssearch\s*$`, r.stdout)
	r = runIndexer(t, nil, "chains", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list []config.ChainInfo
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list, len(config.Chains))
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	pool, schema, _ := testdb.NewEmpty(t)
	n := len(migrations.Versions())

	r := runIndexer(t, nil, "migrate", "--database-url", testdb.URL(), "--schema", schema)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Empty(t, r.stderr)
	require.Equal(t, fmt.Sprintf("migrate: applied %d migrations (schema %s)\n", n, schema), r.stdout)

	var count int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&count))
	require.Equal(t, n, count)

	// The same through the environment: nothing left to do.
	r = runIndexer(t, []string{"DATABASE_URL=" + testdb.URL(), "DB_SCHEMA=" + schema}, "migrate")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Empty(t, r.stderr)
	require.Equal(t, "migrate: up to date\n", r.stdout)
}

// The in-process tests below exercise what migrate alone does not: a command with its own flags
// and positional arguments, registered the way other files do.

var echoed struct {
	cfg   config.Config
	n     uint64
	args  []string
	calls int
}

func registerTestCommand() {
	var n uint64
	register(command{
		name:    "test-echo",
		summary: "record its configuration (tests only)",
		help:    "Examples:\n  indexer test-echo --n 3 a b",
		args:    "[words...]",
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
			fs.Uint64Var(&n, "n", 0, "a `number`")
		},
		run: func(ctx context.Context, cfg *config.Config, args []string) error {
			echoed.cfg, echoed.n, echoed.args = *cfg, n, args
			echoed.calls++
			if len(args) > 0 && args[0] == "cancel" {
				return fmt.Errorf("stop: %w", context.Canceled)
			}
			return nil
		},
	})
}

func TestDispatch(t *testing.T) {
	// Not parallel: test-echo records into a package variable.
	env := map[string]string{"CHAIN": "base", "DATABASE_URL": "postgres://env/db", "CONFIRMATIONS": "x"}
	var out bytes.Buffer
	err := dispatch(context.Background(), []string{"test-echo", "--n", "3", "--chain", "sepolia,1", "a", "b"},
		func(k string) string { return env[k] }, &out)
	require.NoError(t, err)
	require.Empty(t, out.String())
	require.EqualValues(t, 3, echoed.n)
	require.Equal(t, []string{"a", "b"}, echoed.args)
	require.Equal(t, []string{"sepolia", "1"}, echoed.cfg.Chains, "flag replaces env")
	require.Equal(t, "postgres://env/db", echoed.cfg.DatabaseURL, "env fills unset flags")
	require.Zero(t, echoed.cfg.Confirmations, "unbound CONFIRMATIONS is ignored")

	err = dispatch(context.Background(), []string{"test-echo", "cancel"}, func(string) string { return "" }, &out)
	require.ErrorIs(t, err, context.Canceled, "main treats it as success")

	calls := echoed.calls
	require.NoError(t, dispatch(context.Background(), []string{"help", "test-echo"}, func(string) string { return "" }, &out))
	require.Contains(t, out.String(), "Usage: indexer test-echo [flags] [words...]\n\nRecord its configuration (tests only).\n")
	require.Contains(t, out.String(), "  --n number\n        a number\n")
	require.Equal(t, calls, echoed.calls, "help does not run the command")

	require.Panics(t, func() {
		register(command{name: "test-echo", summary: "x", run: func(context.Context, *config.Config, []string) error { return nil }})
	})
	require.Panics(t, func() { register(command{name: "no-run", summary: "x"}) })
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a: b c d", oneLine(errors.New("a: b\n\tc\n d\n")))
}
