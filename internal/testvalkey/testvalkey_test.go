package testvalkey

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// An unrelated key outside the prefix must survive the cleanup.
	other, otherPrefix := New(t)
	require.NoError(t, other.Set(ctx, otherPrefix+"keep", "1", 0).Err())

	var prefix string
	t.Run("Inner", func(t *testing.T) {
		client, p := New(t)
		prefix = p
		require.Regexp(t, `^t:[0-9a-f]{16}:$`, prefix)
		require.NotEqual(t, otherPrefix, prefix)
		// More keys than one SCAN/UNLINK batch.
		pipe := client.Pipeline()
		for i := range 2500 {
			pipe.Set(ctx, fmt.Sprintf("%sk:%d", prefix, i), i, 0)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(t, err)
	})
	n, err := other.Eval(ctx, `return #redis.call('KEYS', ARGV[1])`, nil, prefix+"*").Int()
	require.NoError(t, err)
	require.Zero(t, n, "keys under the prefix deleted at cleanup")
	require.Equal(t, "1", other.Get(ctx, otherPrefix+"keep").Val())
}

// fatalTB records the first Fatalf and stops the goroutine like testing.T does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func TestMissingServerFails(t *testing.T) {
	// Not parallel: it changes TEST_VALKEY_URL for the process.
	t.Setenv("TEST_VALKEY_URL", "redis://:hunter2@127.0.0.1:1/0")
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	var client *redis.Client
	go func() {
		defer close(done)
		client, _ = New(f)
	}()
	<-done
	require.Nil(t, client)
	require.Contains(t, f.msg, "Redis/Valkey is not reachable at 127.0.0.1:1")
	require.NotContains(t, f.msg, "hunter2")
}
