package main

import (
	"bytes"
	"context"
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
	read := map[string]bool{"CHAIN": true, "RPC_URL": true, "DATABASE_URL": true, "DB_SCHEMA": true,
		"VALKEY_URL": true, "REDIS_URL": true, "KEY_PREFIX": true, "CONFIRMATIONS": true, "HTTP_ADDR": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !read[k] {
			env = append(env, kv)
		}
	}
	return env
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
			[]string{"migrate"}, "migrate: apply migrations: acquire connection: failed to connect"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runIndexer(t, tc.env, tc.args...)
			requireFailure(t, r, tc.want)
			require.NotContains(t, r.stderr, "hunter2")
		})
	}
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
