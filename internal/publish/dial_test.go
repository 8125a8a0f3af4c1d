package publish_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	t.Run("Plain", func(t *testing.T) {
		o, err := publish.ParseURL("redis://127.0.0.1:6379/3")
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:6379", o.Addr)
		require.Equal(t, 3, o.DB)
		require.Nil(t, o.TLSConfig)
		require.True(t, o.DisableIdentity, "CLIENT SETINFO is Redis 7.2+ only")
	})
	t.Run("TLSWithPassword", func(t *testing.T) {
		o, err := publish.ParseURL("rediss://user:s3cr%40t@valkey.example:6380/0")
		require.NoError(t, err)
		require.NotNil(t, o.TLSConfig)
		require.Equal(t, "valkey.example", o.TLSConfig.ServerName)
		require.Equal(t, "user", o.Username)
		require.Equal(t, "s3cr@t", o.Password)
	})
	t.Run("ErrorsHideThePassword", func(t *testing.T) {
		for _, raw := range []string{
			"rediss://:hunter2@valkey.example:notaport/0",
			"redis://:hunter2@valkey.example:6379/notadb",
			"http://:hunter2@valkey.example:6379/0",
			"redis://:hunter2@valkey.example:6379/0?dial_timeout=hunter2",
			"redis://:hunter2@[::1/0",
		} {
			_, err := publish.ParseURL(raw)
			require.Error(t, err, raw)
			require.NotContains(t, err.Error(), "hunter2", raw)
		}
	})
}

// TestPublisher_TLSAndPassword publishes to a redis-server of the test's own that only speaks
// TLS and requires a password (a rediss:// URL), and checks that a wrong password is reported
// without the password appearing in any log line.
func TestPublisher_TLSAndPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const password = "pa55-w0rd-xyzzy"
	dir := t.TempDir()
	roots := writeCert(t, dir)
	srv := startRedis(t, func(port string) []string {
		return []string{"--port", "0", "--tls-port", port,
			"--tls-cert-file", filepath.Join(dir, "cert.pem"), "--tls-key-file", filepath.Join(dir, "key.pem"),
			"--tls-ca-cert-file", filepath.Join(dir, "cert.pem"), "--tls-auth-clients", "no",
			"--requirepass", password}
	})
	pool := testdb.New(t)
	_, err := pool.Exec(ctx, `INSERT INTO erc8004_cursors (chain_id, block_number, block_hash) VALUES (7, 42, '0x0102')`)
	require.NoError(t, err)

	valkey, err := publish.ParseURL("rediss://:" + password + "@" + srv.Addr() + "/0")
	require.NoError(t, err)
	valkey.TLSConfig.RootCAs = roots // the test's self-signed certificate
	pub := publish.New(pool, valkey, zap.NewNop(), publish.Options{ChainID: 7, Prefix: "tls:"})
	defer pub.Close()
	_, err = pub.Resync(ctx)
	require.NoError(t, err)
	rdb := redis.NewClient(valkey)
	defer rdb.Close()
	head, err := rdb.HGetAll(ctx, publish.KeysFor("tls:", 7).Head()).Result()
	require.NoError(t, err)
	require.Equal(t, "42", head["number"])
	require.Equal(t, "0x0102", head["hash"])

	t.Run("WrongPasswordNotLogged", func(t *testing.T) {
		const wrong = "not-the-pa55word-plugh"
		bad, err := publish.ParseURL("rediss://:" + wrong + "@" + srv.Addr() + "/0")
		require.NoError(t, err)
		bad.TLSConfig.RootCAs = roots
		core, logs := observer.New(zap.DebugLevel)
		redis.SetLogger(publish.RedisLogger(zap.New(core))) // go-redis's own lines too
		pub := publish.New(pool, bad, zap.New(core), publish.Options{ChainID: 7, Prefix: "tls:"})
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- pub.Run(rctx) }()
		for logs.FilterMessage("valkey publication failed").Len() == 0 {
			select {
			case <-ctx.Done():
				t.Fatal("no failure logged")
			case <-time.After(10 * time.Millisecond):
			}
		}
		stop()
		require.ErrorIs(t, <-done, context.Canceled)
		for _, e := range logs.All() {
			line := e.Message
			for k, v := range e.ContextMap() {
				line += " " + k + "=" + toString(v)
			}
			require.NotContains(t, line, wrong)
			require.NotContains(t, line, password)
			if e.Message == "valkey publication failed" {
				require.Contains(t, strings.ToUpper(line), "WRONGPASS", "the cause is named")
			}
		}
	})
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}

// writeCert writes a self-signed certificate for 127.0.0.1 (cert.pem, key.pem) into dir and
// returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(certPEM))
	return roots
}
