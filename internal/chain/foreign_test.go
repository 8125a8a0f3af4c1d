package chain

import (
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// foreignAddr is a contract the indexer never asks about.
var foreignAddr = common.HexToAddress("0x00000000000000000000000000000000000bad01")

// withForeign returns ls followed by, for every log of ls, a copy from foreignAddr at a free log
// index: what an RPC that ignores the address filter answers.
func withForeign(ls []types.Log) []types.Log {
	out := append([]types.Log{}, ls...)
	for _, l := range ls {
		l.Address = foreignAddr
		l.Index += 1000
		out = append(out, l)
	}
	return out
}

// TestRangeFetcher_DropsForeignLogs: logs of an address outside the query are dropped, never
// returned and never a reason to fail, counted once per Fetch however many requests it took.
func TestRangeFetcher_DropsForeignLogs(t *testing.T) {
	t.Parallel()
	ch := newTestChain(30, "a", everyBlock)
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) { n.mutate = withForeign })
	var calls, dropped atomic.Int64
	c := dialTest(t, Options{URLs: []string{n.url()}, ForeignLogs: func(k int) { calls.Add(1); dropped.Add(int64(k)) }})
	f := &RangeFetcher{Client: c, Addresses: []common.Address{testAddr}, InitialSpan: 4}
	logs, err := f.Fetch(t.Context(), 0, 19)
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(0, 19), logs)
	require.EqualValues(t, 60, dropped.Load(), "3 foreign logs per block")
	require.EqualValues(t, 1, calls.Load(), "one report per batch, not per request")

	// A block-hash query (the bloom recheck) drops them too.
	hash := ch.headers[5].Hash
	logs, err = c.Logs(t.Context(), LogQuery{BlockHash: &hash, Addresses: []common.Address{testAddr}})
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(5, 5), logs)
	require.EqualValues(t, 63, dropped.Load())

	// A query for every address keeps every log.
	logs, err = c.Logs(t.Context(), LogQuery{From: 5, To: 5})
	require.NoError(t, err)
	require.Len(t, logs, 6)
}
