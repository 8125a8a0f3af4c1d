package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
)

// fileFuzzSeeds are configuration files: the documented example, broken YAML, wrong types,
// unknown fields, references to unset variables and values that need redaction.
var fileFuzzSeeds = []string{
	goodFile,
	"database_url: ${DATABASE_URL}\nchains:\n  - chain: base\n    rpc_urls:\n      - https://base.example/v2/${BASE_KEY}\n",
	"database_url: postgres://u:${PGPASS}@[::1/db\nchains: [{chain: 1, rpc_urls: [ftp://x/?key=${PGPASS}]}]\n",
	"chains:\n  - chain: 99999999999999999999\n    rpc_urls: [http://x]\n",
	"chains: [{chain: base, rpc_urls: [http://a]}, {chain: base, rpc_urls: [http://b]}]\n",
	"chains:\n  - chain: 31337\n    rpc_urls: [http://a]\n    identity_registry: 0x12\n",
	"http_addr: ${UNSET}\nchains: []\n",
	"max_lag: -1\nchains: {}\n",
	"&a [*a, *a]",
	"key_prefix: !!binary AAEC\nunknown_field: 1\n",
	"\t- : :\n",
	"",
}

// secretField reports whether a field (flag, file key or log key) holds a connection URL, whose
// secrets must never show.
func secretField(name string) bool {
	for _, f := range []string{"database", "valkey", "rpc"} {
		if strings.Contains(name, f) {
			return true
		}
	}
	return name == ""
}

// FuzzReadFile loads arbitrary configuration files through LoadFile, with a database password
// and an RPC key supplied by the environment: it never panics, every failure is a *FieldError,
// and neither an error nor the logged configuration (process-wide and per chain) ever shows
// the password or a key passed as a query parameter.
func FuzzReadFile(f *testing.F) {
	for _, s := range fileFuzzSeeds {
		f.Add(s, "hunter2pw9", "k3yQuery77")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text, pgpass, qkey string) {
		path := filepath.Join(dir, "indexer.yaml")
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		env := map[string]string{
			"PGPASS":       pgpass,
			"BASE_KEY":     "x?key=" + qkey,
			"DATABASE_URL": "postgres://indexer:" + pgpass + "@db.example:5432/erc8004?password=" + pgpass,
		}
		getenv := func(k string) string { return env[k] }
		cfg := Default()
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.DatabaseFlags(fs)
		cfg.ChainFlags(fs)
		cfg.IndexFlags(fs)
		cfg.HTTPFlags(fs)
		cfg.FileFlags(fs)
		cfg.LogFlags(fs)
		require.NoError(t, fs.Parse([]string{"--config", path}))
		require.NoError(t, cfg.Validate())
		err := cfg.LoadFile(fs, getenv)

		check := func(what, out string) {
			for _, s := range []string{pgpass, qkey} {
				// A secret the file itself spells out may be quoted back in a YAML error.
				if secretLike(s) && !strings.Contains(text, s) && !strings.Contains(path, s) {
					require.NotContains(t, out, s, "%s shows a secret", what)
				}
			}
		}
		if err != nil {
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			// A secret that the file puts in a field that is not a connection URL (a chain
			// name, say) is the file's choice to show it.
			if secretField(fe.Field) {
				check("error", err.Error())
			}
			return
		}
		enc := zapcore.NewMapObjectEncoder()
		require.NoError(t, cfg.MarshalLogObject(enc))
		for _, fc := range cfg.FileChains {
			require.NotZero(t, fc.ID)
			require.NotEmpty(t, fc.RPCURLs)
			require.NoError(t, fc.MarshalLogObject(enc))
		}
		for k, v := range enc.Fields {
			if s, ok := v.(string); ok && secretField(k) {
				check("logged field "+k, s)
			}
		}
	})
}
