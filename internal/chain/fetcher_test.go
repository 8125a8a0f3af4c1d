package chain

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// denseMiddle has 20 logs per block in 100-149 and one every fourth block
// elsewhere.
func denseMiddle(b uint64) int {
	switch {
	case b >= 100 && b < 150:
		return 20
	case b%4 == 0:
		return 1
	default:
		return 0
	}
}

// splitRanges separates the ranges a node was asked for into those it
// answered and those it refused as too large.
func splitRanges(n *fakeNode) (ok, refused [][2]uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.ranges {
		if len(n.chain.logsBetween(r[0], r[1])) > n.maxLogs {
			refused = append(refused, r)
		} else {
			ok = append(ok, r)
		}
	}
	return ok, refused
}

// requireTiles checks that ranges cover [from, to] once, in order.
func requireTiles(t *testing.T, ranges [][2]uint64, from, to uint64) {
	t.Helper()
	next := from
	for _, r := range ranges {
		require.Equal(t, next, r[0], "ranges %v", ranges)
		next = r[1] + 1
	}
	require.Equal(t, to+1, next, "ranges %v", ranges)
}

func TestRangeFetcher_ShrinkAndGrow(t *testing.T) {
	t.Parallel()
	ch := newTestChain(400, "a", denseMiddle)
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) { n.maxLogs = 50 })
	c := dialTest(t, Options{URLs: []string{n.url()}})
	f := &RangeFetcher{Client: c, Addresses: []common.Address{testAddr}, InitialSpan: 64, MaxSpan: 256}
	require.Equal(t, uint64(64), f.Span())

	logs, err := f.Fetch(t.Context(), 0, 399)
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(0, 399), logs)

	ok, refused := splitRanges(n)
	requireTiles(t, ok, 0, 399)
	require.NotEmpty(t, refused, "the dense region forced shrinking")
	for _, r := range ok {
		if r[0] >= 100 && r[1] < 150 {
			require.LessOrEqual(t, r[1]-r[0]+1, uint64(2), "dense blocks fetched in small spans")
		}
	}
	last := ok[len(ok)-1]
	require.Greater(t, last[1]-last[0]+1, uint64(32), "span grew again after the dense region")
	require.Greater(t, f.Span(), uint64(32))
	require.Less(t, len(n.ranges), 100)

	// The grown span carries over to the next call: one request.
	asked := len(n.ranges)
	logs, err = f.Fetch(t.Context(), 0, 50)
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(0, 50), logs)
	require.Equal(t, [2]uint64{0, 50}, n.ranges[asked])
	require.Len(t, n.ranges, asked+1)
}

func TestRangeFetcher_Hint(t *testing.T) {
	t.Parallel()
	ch := newTestChain(400, "a", denseMiddle)
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) {
		n.maxLogs = 50
		// Like Alchemy: suggest the largest range from `from` that fits.
		n.tooMany = func(from, to uint64) (int, string) {
			end := from
			for end < to && len(ch.logsBetween(from, end+1)) <= 50 {
				end++
			}
			return -32602, fmt.Sprintf("Log response size exceeded. this block range should work: [%#x, %#x]", from, end)
		}
	})
	c := dialTest(t, Options{URLs: []string{n.url()}})
	f := &RangeFetcher{Client: c, InitialSpan: 200, MaxSpan: 200}

	logs, err := f.Fetch(t.Context(), 0, 399)
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(0, 399), logs)

	// Every refusal is followed by exactly the hinted range.
	n.mu.Lock()
	ranges := append([][2]uint64{}, n.ranges...)
	n.mu.Unlock()
	for i, r := range ranges {
		if len(ch.logsBetween(r[0], r[1])) > 50 {
			require.Less(t, i+1, len(ranges))
			next := ranges[i+1]
			require.Equal(t, r[0], next[0])
			require.LessOrEqual(t, len(ch.logsBetween(next[0], next[1])), 50)
			require.Greater(t, len(ch.logsBetween(next[0], next[1]+1)), 50, "hint is the largest fitting range")
		}
	}
}

func TestRangeFetcher_TooLargeAtMinSpan(t *testing.T) {
	t.Parallel()
	ch := newTestChain(20, "a", func(b uint64) int {
		if b == 5 {
			return 30
		}
		return 1
	})
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) { n.maxLogs = 10 })
	c := dialTest(t, Options{URLs: []string{n.url()}})

	f := &RangeFetcher{Client: c, InitialSpan: 8}
	_, err := f.Fetch(t.Context(), 0, 19)
	require.ErrorIs(t, err, ErrTooManyResults)
	require.ErrorContains(t, err, "1-block range 5-5 still too large")

	f = &RangeFetcher{Client: c, InitialSpan: 8, MinSpan: 4}
	_, err = f.Fetch(t.Context(), 0, 19)
	require.ErrorIs(t, err, ErrTooManyResults)
	require.ErrorContains(t, err, "4-block range 4-7 still too large")
}

func TestRangeFetcher_TransientFaults(t *testing.T) {
	t.Parallel()
	ch := newTestChain(100, "a", everyBlock)
	primary, backup := newFakeNode(t, ch), newFakeNode(t, ch)
	c := dialTest(t, Options{URLs: []string{primary.url(), backup.url()}})
	primary.inject("eth_getLogs", fault{}, fault{status: 429}, fault{truncate: true}, fault{status: 503})
	f := &RangeFetcher{Client: c, InitialSpan: 10}

	logs, err := f.Fetch(t.Context(), 0, 99)
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(0, 99), logs)
	require.NotEmpty(t, backup.ranges, "failed over")
}

func TestRangeFetcher_RejectsBadAnswers(t *testing.T) {
	t.Parallel()
	ch := newTestChain(30, "a", everyBlock)
	for name, tc := range map[string]struct {
		mutate func([]types.Log) []types.Log
		want   string
	}{
		"DuplicateLogIndex": {
			mutate: func(ls []types.Log) []types.Log {
				if len(ls) > 2 {
					ls[2].Index = ls[1].Index
				}
				return ls
			},
			want: "duplicate log index",
		},
		"OutOfRange": {
			mutate: func(ls []types.Log) []types.Log {
				if len(ls) > 0 {
					ls[0].BlockNumber = 29
				}
				return ls
			},
			want: "outside blocks",
		},
		"Removed": {
			mutate: func(ls []types.Log) []types.Log {
				if len(ls) > 0 {
					ls[len(ls)-1].Removed = true
				}
				return ls
			},
			want: "marked removed",
		},
		"LogIndexBeyondInt32": {
			mutate: func(ls []types.Log) []types.Log {
				if len(ls) > 0 {
					ls[len(ls)-1].Index = 1 << 31
				}
				return ls
			},
			want: "index beyond 2^31-1",
		},
		"MixedBlockHashes": {
			mutate: func(ls []types.Log) []types.Log {
				if len(ls) > 0 {
					ls[0].BlockHash = hashOf("fork")
				}
				return ls
			},
			want: "two block hashes",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := newFakeNode(t, ch)
			n.set(func(n *fakeNode) { n.mutate = tc.mutate })
			c := dialTest(t, Options{URLs: []string{n.url()}})
			f := &RangeFetcher{Client: c, InitialSpan: 5}
			_, err := f.Fetch(t.Context(), 0, 9)
			require.ErrorIs(t, err, ErrInconsistent)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ch := newTestChain(10, "a", everyBlock)
	headers := map[uint64]Header{}
	for _, h := range ch.headers {
		headers[h.Number] = h
	}
	good := ch.logsBetween(2, 5)
	edit := func(f func(ls []types.Log)) []types.Log {
		ls := append([]types.Log{}, good...)
		f(ls)
		return ls
	}
	reversed := edit(func(ls []types.Log) {
		for i, j := 0, len(ls)-1; i < j; i, j = i+1, j-1 {
			ls[i], ls[j] = ls[j], ls[i]
		}
	})
	tests := []struct {
		name    string
		logs    []types.Log
		headers map[uint64]Header
		want    string // "" means valid
	}{
		{name: "Valid", logs: good, headers: headers},
		{name: "ValidWithoutHeaders", logs: good},
		{name: "ValidUnsorted", logs: reversed, headers: headers},
		{name: "Empty", logs: nil, headers: headers},
		{name: "BelowRange", logs: ch.logsBetween(1, 3), want: "log 0 of block 1 is outside blocks 2-5"},
		{name: "AboveRange", logs: ch.logsBetween(5, 6), want: "outside blocks 2-5"},
		{name: "Duplicate", logs: append(edit(func([]types.Log) {}), good[3]), want: "duplicate log index"},
		{name: "DuplicateUnsorted", logs: append(reversed, good[3]), want: "duplicate log index"},
		{name: "Removed", logs: edit(func(ls []types.Log) { ls[4].Removed = true }), want: "marked removed"},
		{name: "ZeroBlockHash", logs: edit(func(ls []types.Log) { ls[4].BlockHash = common.Hash{} }), want: "no block hash"},
		{name: "LogIndexBeyondInt32", logs: edit(func(ls []types.Log) { ls[len(ls)-1].Index = 1 << 31 }), want: "index beyond 2^31-1"},
		{name: "TxIndexBeyondInt32", logs: edit(func(ls []types.Log) { ls[0].TxIndex = 1 << 31 }), want: "index beyond 2^31-1"},
		{name: "TwoHashesInBlock", logs: edit(func(ls []types.Log) { ls[1].BlockHash = hashOf("x") }), want: "two block hashes"},
		{
			name: "HeaderMismatch",
			logs: edit(func(ls []types.Log) {
				ls[0].BlockHash, ls[1].BlockHash, ls[2].BlockHash = hashOf("x"), hashOf("x"), hashOf("x")
			}),
			headers: headers,
			want:    "log 0 of block 2 has block hash",
		},
		{
			name:    "MissingHeader",
			logs:    good,
			headers: map[uint64]Header{2: headers[2], 3: headers[3], 5: headers[5]},
			want:    "no header for block 4",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tc.logs, 2, 5, tc.headers)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInconsistent)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "\n")
		})
	}
}
