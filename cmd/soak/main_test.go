package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun_BadFlags(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.ErrorContains(t, run(context.Background(), []string{"--log-level", "loud"}, &out, &errOut), `invalid --log-level "loud"`)
	require.ErrorContains(t, run(context.Background(), []string{"extra"}, &out, &errOut), `unexpected argument "extra"`)
	require.Error(t, run(context.Background(), []string{"--forks", "many"}, &out, &errOut))
	require.Contains(t, errOut.String(), "Usage: soak")
}
