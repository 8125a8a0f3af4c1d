// Package testvalkey gives each test a Redis/Valkey client and a key prefix of its own on the real
// server.
//
// The server is TEST_VALKEY_URL, by default the loopback development server
// (redis://127.0.0.1:6379/0; `make test` starts it). A test that cannot reach it fails with a
// message saying so; it never skips.
package testvalkey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the server used when TEST_VALKEY_URL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL returns TEST_VALKEY_URL, or DefaultURL when it is unset.
func URL() string {
	if u := os.Getenv("TEST_VALKEY_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a client and a unique key prefix ending in ':' ("t:<random>:"). Code under test
// takes the prefix as its configuration, so tests share one server without seeing each other's
// keys. Every key under the prefix is deleted and the client closed when the test ends.
func New(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("testvalkey: parse TEST_VALKEY_URL: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		t.Fatalf("testvalkey: Redis/Valkey is not reachable at %s (start it with `make test` or scripts/services.sh, or set TEST_VALKEY_URL): %v",
			opts.Addr, err)
	}

	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testvalkey: random: %v", err)
	}
	prefix := "t:" + hex.EncodeToString(b) + ":"

	t.Cleanup(func() {
		defer client.Close()
		// t.Context() is already cancelled when cleanups run; keep its values, drop its cancellation.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		if err := DeletePrefix(ctx, client, prefix); err != nil {
			t.Errorf("testvalkey: delete keys %s*: %v", prefix, err)
		}
	})
	return client, prefix
}

// DeletePrefix deletes every key that starts with prefix. SCAN rather than KEYS: it does not
// block the server, which other tests share. The prefix must not contain glob characters.
func DeletePrefix(ctx context.Context, client *redis.Client, prefix string) error {
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := client.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return client.Unlink(ctx, batch...).Err()
	}
	return nil
}
