package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testpg"
)

// secretSet is every secret of one test and the forms it could be printed in.
type secretSet []string

// requireAbsent fails the test (without stopping it, so that one run reports every leak) if
// text contains one of the secrets, naming the line that shows it.
func (s secretSet) requireAbsent(t *testing.T, what, text string) {
	t.Helper()
	for _, sec := range s {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, sec) {
				t.Errorf("%s shows secret %s in: %s", what, sec, line)
				break
			}
		}
	}
}

func randomSecret(t *testing.T, prefix string) string {
	var b [8]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return prefix + hex.EncodeToString(b[:])
}

// keyedRPC stands for a provider whose URL carries the API key (in the path, as Alchemy and
// Infura do, and in the query): requests with the right key reach the dev chain; others get a
// 401 whose body echoes the requested URL, as some providers' error pages do.
type keyedRPC struct {
	target, pathKey, queryKey string
}

func (k keyedRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v2/"+k.pathKey || r.URL.Query().Get("apikey") != k.queryKey {
		http.Error(w, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"invalid key for %s"}}`, r.URL.String()),
			http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	resp, err := http.Post(k.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.Copy(w, resp.Body)
}

// TestSecrets_NeverShown runs the indexer with a database password, an RPC key in the URL's
// path and query, and a Valkey password, at debug level, through success and through each kind
// of failure (wrong database password, unreachable database, RPC refusing the key, Valkey
// refusing the password), and scrapes /metrics, /healthz and /readyz: no secret may appear in
// any log line, error message or HTTP answer.
func TestSecrets_NeverShown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dbPass, pathKey, queryKey, valkeyPass := randomSecret(t, "dbPw"), randomSecret(t, "pathKey"),
		randomSecret(t, "qKey"), randomSecret(t, "vPw")
	secrets := secretSet{dbPass, pathKey, queryKey, valkeyPass}

	cluster := testpg.Start(t, testpg.Options{Password: dbPass})
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 47, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 47})
	for range 30 {
		require.NoError(t, gen.Step(ctx))
	}
	rpc := httptest.NewServer(keyedRPC{target: c.HTTPURL(), pathKey: pathKey, queryKey: queryKey})
	defer rpc.Close()

	dsn := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", dbPass, cluster.Port)
	rpcURL := rpc.URL + "/v2/" + pathKey + "?apikey=" + queryKey
	valkeyURL := "redis://:" + valkeyPass + "@127.0.0.1:6379/0"
	regs := c.Registries()
	chainArgs := []string{"--chain-id", fmt.Sprint(c.ChainID()), "--identity-registry", regs.Identity.Hex(),
		"--reputation-registry", regs.Reputation.Hex(), "--validation-registry", regs.Validation.Hex(), "--from-block", "0"}
	run := func(dsn, rpcURL, valkeyURL, httpAddr string) []string {
		args := append([]string{"run", "--database-url", dsn, "--rpc-url", rpcURL, "--http-addr", httpAddr,
			"--log-level", "debug", "--log-format", "json"}, chainArgs...)
		if valkeyURL != "" {
			args = append(args, "--valkey-url", valkeyURL)
		}
		return args
	}

	t.Run("WorkingRunAndEndpoints", func(t *testing.T) {
		addr := freeAddr(t)
		cmd, out := startCapture(t, run(dsn, rpcURL, valkeyURL, addr)...)
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer conn.Close(ctx)
		require.Eventually(t, func() bool {
			var n uint64
			err := conn.QueryRow(ctx, "SELECT block_number FROM erc8004_cursors WHERE chain_id = $1", int64(c.ChainID())).Scan(&n)
			return err == nil && n == c.Head()
		}, 2*time.Minute, 20*time.Millisecond, "the indexer did not catch up; output:\n%s", out.String())
		for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
			resp, err := http.Get("http://" + addr + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NotEmpty(t, body, path)
			secrets.requireAbsent(t, path, string(body))
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		_ = cmd.Wait()
		require.Contains(t, out.String(), "batch committed", "the debug log was captured")
		secrets.requireAbsent(t, "the log of a working run", out.String())
	})

	t.Run("Failures", func(t *testing.T) {
		unreachable := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", dbPass)
		for name, args := range map[string][]string{
			"WrongDatabasePassword": run(strings.Replace(dsn, dbPass, dbPass+"x", 1), rpcURL, "", ""),
			"UnreachableDatabase":   run(unreachable, rpcURL, "", ""),
			"RPCRefusesKey":         run(dsn, rpc.URL+"/v2/"+pathKey+"x?apikey="+queryKey, "", ""),
			"StatusWrongPassword":   {"status", "--database-url", strings.Replace(dsn, dbPass, dbPass+"x", 1)},
			"StatusWithRPC":         {"status", "--database-url", dsn, "--rpc-url", rpc.URL + "/v2/" + pathKey + "x?apikey=" + queryKey},
			"MigrateWrongPassword":  {"migrate", "--database-url", strings.Replace(dsn, dbPass, dbPass+"x", 1)},
		} {
			cmd, out := startCapture(t, args...)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(4 * time.Second): // a run that retries forever: stop it
				_ = cmd.Process.Signal(syscall.SIGTERM)
				<-done
			}
			require.NotEmpty(t, out.String(), name)
			secrets.requireAbsent(t, name, out.String())
		}
	})
	// The secrets must also be absent from what the process logs about its configuration.
	secrets.requireAbsent(t, "RedactURL", redact.URL(dsn)+redact.URL(valkeyURL))
}

// startCapture starts the binary with its stdout and stderr captured together.
func startCapture(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return cmd, out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a process's stdout and stderr
// and reads by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
