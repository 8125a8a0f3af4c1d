package retry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n           int
		base, limit time.Duration
		lo, hi      time.Duration
	}{
		{1, 200 * time.Millisecond, 30 * time.Second, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 200 * time.Millisecond, 30 * time.Second, 400 * time.Millisecond, 800 * time.Millisecond},
		{50, 200 * time.Millisecond, 30 * time.Second, 15 * time.Second, 30 * time.Second},
		{5, 50 * time.Millisecond, 200 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
	} {
		for range 100 {
			d := Backoff(tc.n, tc.base, tc.limit)
			require.GreaterOrEqual(t, d, tc.lo, "retry %d", tc.n)
			require.LessOrEqual(t, d, tc.hi, "retry %d", tc.n)
		}
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	require.NoError(t, Sleep(context.Background(), time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	require.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	require.Less(t, time.Since(start), time.Second)
}
