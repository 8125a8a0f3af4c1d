package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// noLogs and everyBlock are log layouts for newTestChain.
func noLogs(uint64) int     { return 0 }
func everyBlock(uint64) int { return 3 }

func TestClient_Headers(t *testing.T) {
	t.Parallel()
	ch := newTestChain(300, "a", func(b uint64) int { return int(b % 2) })
	n := newFakeNode(t, ch)
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxBatch: 100})

	nums := make([]uint64, 250)
	for i := range nums {
		nums[i] = uint64(i + 5)
	}
	hs, err := c.Headers(t.Context(), nums)
	require.NoError(t, err)
	require.Equal(t, ch.headers[5:255], hs)
	require.Equal(t, []int{100, 100, 50}, n.batches)
	require.True(t, hs[0].HasBloom)
	require.True(t, types.BloomLookup(hs[0].Bloom, testAddr), "block 5 has a log")
	require.False(t, types.BloomLookup(hs[1].Bloom, testAddr), "block 6 has none")

	// Order and duplicates follow the request.
	hs, err = c.Headers(t.Context(), []uint64{9, 0, 9})
	require.NoError(t, err)
	require.Equal(t, []Header{ch.headers[9], ch.headers[0], ch.headers[9]}, hs)
}

func TestClient_Headers_NotFound(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(10, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}})

	_, err := c.Headers(t.Context(), []uint64{8, 9, 10})
	require.ErrorIs(t, err, ErrBlockNotFound)
	require.Contains(t, err.Error(), "block 10")
	// One retry (the endpoint may be a load balancer in front of a lagging node).
	require.Equal(t, 3+1, n.count("eth_getBlockByNumber"))
}

func TestClient_Headers_Inconsistent(t *testing.T) {
	t.Parallel()
	ch := newTestChain(10, "a", noLogs)
	for name, bad := range map[string]func(Header) map[string]any{
		"WrongNumber": func(h Header) map[string]any {
			return map[string]any{"number": "0x9", "hash": h.Hash, "parentHash": h.ParentHash, "timestamp": "0x1"}
		},
		"ZeroHash": func(h Header) map[string]any {
			return map[string]any{"number": "0x5", "hash": common.Hash{}, "parentHash": h.ParentHash, "timestamp": "0x1"}
		},
		"NoParent": func(h Header) map[string]any {
			return map[string]any{"number": "0x5", "hash": h.Hash, "timestamp": "0x1"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := newFakeNode(t, ch)
			n.set(func(n *fakeNode) {
				n.badHdr = func(h Header) map[string]any {
					if h.Number == 5 {
						return bad(h)
					}
					return nil
				}
			})
			c := dialTest(t, Options{URLs: []string{n.url()}})
			_, err := c.Headers(t.Context(), []uint64{4, 5, 6})
			require.ErrorIs(t, err, ErrInconsistent)
			require.Contains(t, err.Error(), "block 5")
		})
	}
}

func TestClient_Failover(t *testing.T) {
	t.Parallel()
	ch := newTestChain(20, "a", noLogs)
	down, up := newFakeNode(t, ch), newFakeNode(t, ch)
	down.inject("*", fault{status: 503}, fault{status: 503}, fault{status: 503})
	c := dialTest(t, Options{URLs: []string{down.url(), up.url()}})

	head, err := c.HeadNumber(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(19), head)
	require.Equal(t, 1, down.count("eth_chainId"), "first endpoint asked once, answered 503")
	require.Equal(t, 1, up.count("eth_blockNumber"))

	// Sticky: the next calls go straight to the healthy endpoint.
	for range 3 {
		_, err := c.HeadNumber(t.Context())
		require.NoError(t, err)
	}
	require.Equal(t, 0, down.count("eth_blockNumber"))
	require.Equal(t, 4, up.count("eth_blockNumber"))

	// When the second endpoint fails, the first (recovered) one takes over.
	up.inject("*", fault{status: 502})
	down.clearFaults()
	hs, err := c.Headers(t.Context(), []uint64{3})
	require.NoError(t, err)
	require.Equal(t, ch.headers[3], hs[0])
}

func TestClient_Retries(t *testing.T) {
	t.Parallel()
	ch := newTestChain(20, "a", everyBlock)
	for name, f := range map[string]fault{
		"HTTP429":         {status: 429, body: "Too Many Requests"},
		"RateLimitJSON":   {rpcCode: -32005, rpcMsg: "daily request count exceeded, request rate limited"},
		"HTTP503":         {status: 503},
		"HTTP502JSONBody": {status: 502, body: `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"upstream error"}}`},
		"Timeout":         {hang: true},
		"TruncatedJSON":   {truncate: true},
		"InternalError":   {rpcCode: -32603, rpcMsg: "internal error"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := newFakeNode(t, ch)
			c := dialTest(t, Options{URLs: []string{n.url()}, RequestTimeout: 300 * time.Millisecond})

			n.inject("eth_blockNumber", f, f)
			head, err := c.HeadNumber(t.Context())
			require.NoError(t, err)
			require.Equal(t, uint64(19), head)
			require.Equal(t, 3, n.count("eth_blockNumber"))

			n.inject("eth_getBlockByNumber", f)
			hs, err := c.Headers(t.Context(), []uint64{1, 2})
			require.NoError(t, err)
			require.Equal(t, ch.headers[1:3], hs)

			// A single-block log query is retried even on a timeout.
			n.inject("eth_getLogs", f)
			logs, err := c.Logs(t.Context(), LogQuery{From: 7, To: 7})
			require.NoError(t, err)
			require.Equal(t, ch.logs[7], logs)
		})
	}
}

func TestClient_RetriesExhausted(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(5, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxRetries: 3})
	n.inject("eth_blockNumber", fault{status: 503}, fault{status: 503}, fault{status: 503}, fault{status: 503}, fault{status: 503})

	_, err := c.HeadNumber(t.Context())
	require.ErrorIs(t, err, ErrUnavailable)
	require.Equal(t, 4, n.count("eth_blockNumber"), "one try and three retries")
	require.NotContains(t, err.Error(), testKey)
	require.Contains(t, err.Error(), "/v2/xxxxx")

	n.inject("eth_blockNumber", fault{status: 429}, fault{status: 429}, fault{status: 429}, fault{status: 429})
	_, err = c.HeadNumber(t.Context())
	require.ErrorIs(t, err, ErrRateLimited)
}

func TestClient_PermanentErrorNotRetried(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(5, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}})
	n.inject("eth_getLogs", fault{rpcCode: -32602, rpcMsg: "invalid block range params"})

	_, err := c.Logs(t.Context(), LogQuery{From: 1, To: 3})
	require.Error(t, err)
	for _, sentinel := range []error{ErrTooManyResults, ErrUnavailable, ErrRateLimited, ErrBlockNotFound} {
		require.NotErrorIs(t, err, sentinel)
	}
	var rerr rpc.Error
	require.ErrorAs(t, err, &rerr)
	require.Equal(t, -32602, rerr.ErrorCode())
	require.Equal(t, 1, n.count("eth_getLogs"))
}

func TestClient_TooManyResults(t *testing.T) {
	t.Parallel()
	ch := newTestChain(100, "a", everyBlock)
	tests := []struct {
		name     string
		code     int
		msg      string
		hint     bool
		from, to uint64
	}{
		{name: "InfuraNoHint", code: -32005, msg: "query returned more than 10000 results"},
		{name: "Alchemy", code: -32602, msg: "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0xa, 0x1e]",
			hint: true, from: 10, to: 30},
		{name: "InfuraHint", code: -32005, msg: "query returned more than 10000 results. Try with this block range [0xA, 0x14].",
			hint: true, from: 10, to: 20},
		{name: "SpanLimit", code: -32000, msg: "block range limit (20) exceeded", hint: true, from: 10, to: 29},
		{name: "GethRange", code: -32602, msg: "exceed maximum block range 5", hint: true, from: 10, to: 14},
		{name: "Ankr", code: -32600, msg: "block range is too wide"},
		{name: "HTTP413", code: 0},
		{name: "Timeout", code: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := newFakeNode(t, ch)
			c := dialTest(t, Options{URLs: []string{n.url()}, RequestTimeout: 300 * time.Millisecond})
			switch tc.name {
			case "HTTP413":
				n.inject("eth_getLogs", fault{status: 413, body: "payload too large"})
			case "Timeout":
				n.inject("eth_getLogs", fault{hang: true})
			default:
				n.set(func(n *fakeNode) {
					n.maxLogs = 10
					n.tooMany = func(uint64, uint64) (int, string) { return tc.code, tc.msg }
				})
			}
			_, err := c.Logs(t.Context(), LogQuery{From: 10, To: 90})
			require.ErrorIs(t, err, ErrTooManyResults)
			require.Equal(t, 1, n.count("eth_getLogs"), "not retried")
			var hint *RangeHintError
			require.Equal(t, tc.hint, errors.As(err, &hint))
			if tc.hint {
				require.Equal(t, tc.from, hint.From)
				require.Equal(t, tc.to, hint.To)
			}
		})
	}
}

func TestClient_LaggingEndpoint(t *testing.T) {
	t.Parallel()
	ch := newTestChain(50, "a", everyBlock)
	lagging, full := newFakeNode(t, ch), newFakeNode(t, ch)
	lagging.set(func(n *fakeNode) { n.head = 30 })
	c := dialTest(t, Options{URLs: []string{lagging.url(), full.url()}})

	// The lagging node would answer 40-45 with []; the guard sends it elsewhere.
	logs, err := c.Logs(t.Context(), LogQuery{From: 40, To: 45})
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(40, 45), logs)
	require.Empty(t, lagging.ranges, "lagging node never asked for logs it does not have")
	require.Equal(t, [][2]uint64{{40, 45}}, full.ranges)

	// A range it has stays on the (sticky) first endpoint.
	logs, err = c.Logs(t.Context(), LogQuery{From: 10, To: 20})
	require.NoError(t, err)
	require.Equal(t, ch.logsBetween(10, 20), logs)
	require.Equal(t, [][2]uint64{{10, 20}}, lagging.ranges)

	// Block-hash queries: the lagging node answers "unknown block".
	h := ch.headers[44].Hash
	logs, err = c.Logs(t.Context(), LogQuery{BlockHash: &h})
	require.NoError(t, err)
	require.Equal(t, ch.logs[44], logs)

	// Alone, the lagging node yields ErrBlockNotFound instead of [].
	solo := dialTest(t, Options{URLs: []string{lagging.url()}})
	_, err = solo.Logs(t.Context(), LogQuery{From: 29, To: 31})
	require.ErrorIs(t, err, ErrBlockNotFound)
	require.Contains(t, err.Error(), "head 30 is below block 31")
	_, err = solo.Logs(t.Context(), LogQuery{BlockHash: &h})
	require.ErrorIs(t, err, ErrBlockNotFound)
}

func TestClient_BlockHashLogsMismatch(t *testing.T) {
	t.Parallel()
	ch := newTestChain(10, "a", everyBlock)
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) {
		n.mutate = func(ls []types.Log) []types.Log {
			for i := range ls {
				ls[i].BlockHash = hashOf("other")
			}
			return ls
		}
	})
	c := dialTest(t, Options{URLs: []string{n.url()}})
	h := ch.headers[4].Hash
	_, err := c.Logs(t.Context(), LogQuery{BlockHash: &h})
	require.ErrorIs(t, err, ErrInconsistent)
}

func TestClient_ChainIDMismatch(t *testing.T) {
	t.Parallel()
	ch := newTestChain(10, "a", noLogs)
	other, right := newFakeNode(t, ch), newFakeNode(t, ch)
	other.set(func(n *fakeNode) { n.chainID = 5 })
	c := dialTest(t, Options{URLs: []string{other.url(), right.url()}, ChainID: 1})

	id, err := c.ChainID(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(1), id)
	for range 3 {
		_, err := c.HeadNumber(t.Context())
		require.NoError(t, err)
	}
	require.Equal(t, 0, other.count("eth_blockNumber"))

	alone := dialTest(t, Options{URLs: []string{other.url()}, ChainID: 1})
	_, err = alone.HeadNumber(t.Context())
	require.ErrorContains(t, err, "no usable endpoint")
}

func TestClient_Finalized(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(10, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}})

	_, ok, err := c.Finalized(t.Context())
	require.NoError(t, err)
	require.False(t, ok, "tag refused")

	n.set(func(n *fakeNode) { f := uint64(6); n.final = &f })
	num, ok, err := c.Finalized(t.Context())
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, uint64(6), num)

	n.inject("eth_getBlockByNumber", fault{rpcCode: -32000, rpcMsg: "finalized block not found"})
	_, ok, err = c.Finalized(t.Context())
	require.NoError(t, err)
	require.False(t, ok)

	n.inject("eth_getBlockByNumber", fault{status: 503})
	num, ok, err = c.Finalized(t.Context())
	require.NoError(t, err)
	require.True(t, ok, "transient failure retried")
	require.Equal(t, uint64(6), num)
}

func TestClient_HeaderByHash(t *testing.T) {
	t.Parallel()
	ch := newTestChain(10, "a", noLogs)
	n := newFakeNode(t, ch)
	c := dialTest(t, Options{URLs: []string{n.url()}})

	h, err := c.HeaderByHash(t.Context(), ch.headers[7].Hash)
	require.NoError(t, err)
	require.Equal(t, ch.headers[7], h)

	_, err = c.HeaderByHash(t.Context(), hashOf("nope"))
	require.ErrorIs(t, err, ErrBlockNotFound)
}

func TestClient_CallContract(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(5, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}})
	to := common.HexToAddress("0x1234")

	out, err := c.CallContract(t.Context(), ethereum.CallMsg{To: &to, Data: []byte{1, 2}}, big.NewInt(3))
	require.NoError(t, err)
	require.Equal(t, append(to.Bytes(), 1, 2), out)

	_, err = c.CallContract(t.Context(), ethereum.CallMsg{To: &to, Data: []byte{0xff}}, nil)
	require.ErrorContains(t, err, "execution reverted")
	var derr rpc.DataError
	require.ErrorAs(t, err, &derr)
	require.Equal(t, "0x08c379a0", derr.ErrorData())
	require.Equal(t, 2, n.count("eth_call"), "revert not retried")
}

func TestClient_BatchCall(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(5, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxBatch: 4})
	to := common.HexToAddress("0xabcd")
	calls := make([]Call, 10)
	for i := range calls {
		calls[i] = Call{To: to, Data: []byte{byte(i)}}
	}
	calls[3].Data = []byte{0xff} // reverts
	calls[6].Data = []byte{0xee} // rate limited once, alone in its batch

	require.NoError(t, c.BatchCall(t.Context(), calls, big.NewInt(2)))
	for i, call := range calls {
		if i == 3 {
			require.ErrorContains(t, call.Err, "execution reverted")
			require.Nil(t, call.Result)
			continue
		}
		require.NoError(t, call.Err, i)
		require.Equal(t, append(to.Bytes(), call.Data...), call.Result, i)
	}
	require.Equal(t, []int{4, 4, 1, 2}, n.batches, "the throttled element is resent alone")
}

func TestClient_BatchTooLarge(t *testing.T) {
	t.Parallel()
	ch := newTestChain(60, "a", noLogs)
	n := newFakeNode(t, ch)
	n.set(func(n *fakeNode) { n.maxBatch = 10 })
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxBatch: 50})

	nums := make([]uint64, 50)
	for i := range nums {
		nums[i] = uint64(i)
	}
	hs, err := c.Headers(t.Context(), nums)
	require.NoError(t, err)
	require.Equal(t, ch.headers[:50], hs)
	// 50 refused, 25 refused, 12 refused, then batches of 6.
	require.Equal(t, []int{50, 25, 12, 6, 6, 6, 6, 6, 6, 6, 6, 2}, n.batches)
}

func TestClient_SecretsNeverLeak(t *testing.T) {
	t.Parallel()
	// A closed port: connection refused, whose *url.Error names the URL.
	n := newFakeNode(t, newTestChain(5, "a", noLogs))
	dead := strings.Replace(n.url(), n.srv.URL, "http://user:hunter22@127.0.0.1:1", 1) + "?apikey=querysecret"
	c := dialTest(t, Options{URLs: []string{dead}, MaxRetries: 2})
	_, err := c.HeadNumber(t.Context())
	require.ErrorIs(t, err, ErrUnavailable)
	for _, secret := range []string{testKey, "hunter22", "querysecret"} {
		require.NotContains(t, err.Error(), secret)
	}
	require.Contains(t, err.Error(), "127.0.0.1:1")

	// A wrong key is an endpoint problem: 401 fails over without backoff.
	wrong := strings.Replace(n.url(), testKey, "otherK3yAbcdefghijklmnop0123456", 1)
	c = dialTest(t, Options{URLs: []string{wrong, n.url()}})
	_, err = c.HeadNumber(t.Context())
	require.NoError(t, err)

	_, err = Dial(t.Context(), Options{URLs: []string{"ftp://x:pw@host/" + testKey}})
	require.ErrorContains(t, err, "unsupported scheme")
	require.NotContains(t, err.Error(), testKey)
	require.NotContains(t, err.Error(), "pw@")
}

func TestClient_SubscribeHeadsPolling(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(20, "a", noLogs))
	n.set(func(n *fakeNode) { n.head = 5 })
	c := dialTest(t, Options{URLs: []string{n.url()}, PollInterval: 10 * time.Millisecond})

	heads, err := c.SubscribeHeads(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(5), recvHead(t, heads))

	n.set(func(n *fakeNode) { n.head = 9 })
	require.Equal(t, uint64(9), recvHead(t, heads))
}

func TestClient_SubscribeHeadsClosesOnCancel(t *testing.T) {
	t.Parallel()
	n := newFakeNode(t, newTestChain(20, "a", noLogs))
	c := dialTest(t, Options{URLs: []string{n.url()}, PollInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	heads, err := c.SubscribeHeads(ctx)
	require.NoError(t, err)
	recvHead(t, heads)
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-heads:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("heads channel not closed after cancel")
		}
	}
}

// recvHead waits for one head number.
func recvHead(t *testing.T, heads <-chan uint64) uint64 {
	t.Helper()
	select {
	case n, ok := <-heads:
		require.True(t, ok, "heads channel closed")
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no head received")
		return 0
	}
}

func TestClient_MaxResponseBytes(t *testing.T) {
	t.Parallel()
	ch := newTestChain(20, "a", everyBlock)
	n := newFakeNode(t, ch)
	c := dialTest(t, Options{URLs: []string{n.url()}, MaxResponseBytes: 4 << 10})

	logs, err := c.Logs(t.Context(), LogQuery{From: 3, To: 3})
	require.NoError(t, err)
	require.Equal(t, ch.logs[3], logs)

	_, err = c.Logs(t.Context(), LogQuery{From: 0, To: 19})
	require.ErrorIs(t, err, ErrTooManyResults)
	require.ErrorContains(t, err, "exceeds 4096")
	require.Equal(t, 2, n.count("eth_getLogs"), "not retried")
}

func TestClient_Concurrent(t *testing.T) {
	t.Parallel()
	ch := newTestChain(200, "a", everyBlock)
	a, b := newFakeNode(t, ch), newFakeNode(t, ch)
	for range 20 {
		a.inject("*", fault{status: 503}, fault{truncate: true}, fault{})
		b.inject("*", fault{status: 429}, fault{}, fault{})
	}
	c := dialTest(t, Options{URLs: []string{a.url(), b.url()}, MaxBatch: 7})
	var g errgroup.Group
	for w := range 8 {
		g.Go(func() error {
			from := uint64(w * 20)
			hs, err := c.Headers(t.Context(), []uint64{from, from + 1, from + 2, from + 3, from + 4, from + 5, from + 6, from + 7, from + 8})
			if err != nil {
				return err
			}
			if hs[8] != ch.headers[from+8] {
				return fmt.Errorf("header %d differs", from+8)
			}
			f := &RangeFetcher{Client: c, InitialSpan: 3}
			logs, err := f.Fetch(t.Context(), from, from+19)
			if err != nil {
				return err
			}
			if len(logs) != 60 {
				return fmt.Errorf("got %d logs for %d-%d", len(logs), from, from+19)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
}
