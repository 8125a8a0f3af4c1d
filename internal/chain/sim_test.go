package chain

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// simTopic is topic0 of the emitter's log.
var simTopic = crypto.Keccak256Hash([]byte("Ping(uint256)"))

// emitterCode is runtime bytecode that logs LOG2(topic0=simTopic,
// topic1=calldata[0:32]) with calldata[0:32] as data, then stops:
//
//	PUSH1 0 CALLDATALOAD PUSH1 0 MSTORE            ; mem[0:32] = word
//	PUSH1 0 CALLDATALOAD PUSH32 simTopic           ; topic1, topic0
//	PUSH1 32 PUSH1 0 LOG2 STOP                     ; size, offset
func emitterCode() []byte {
	code := []byte{0x60, 0x00, 0x35, 0x60, 0x00, 0x52, 0x60, 0x00, 0x35, 0x7f}
	code = append(code, simTopic.Bytes()...)
	return append(code, 0x60, 0x20, 0x60, 0x00, 0xa2, 0x00)
}

// freePort returns a loopback TCP port that was free a moment ago (the
// simulated backend keeps its node private, so the port must be chosen up
// front).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// simChain is a simulated go-ethereum node serving JSON-RPC over HTTP and WS
// on one loopback port, with a log emitter contract and a funded key.
type simChain struct {
	sim     *simulated.Backend
	port    int
	emitter common.Address
	from    common.Address
	key     func(*types.Transaction) *types.Transaction
	nonce   uint64
}

func newSimChain(t *testing.T) *simChain {
	t.Helper()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	from := crypto.PubkeyToAddress(key.PublicKey)
	emitter := common.HexToAddress("0x00000000000000000000000000000000000e0117")
	alloc := types.GenesisAlloc{
		from:    {Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))},
		emitter: {Code: emitterCode()},
	}
	port := freePort(t)
	sim := simulated.NewBackend(alloc, func(nc *node.Config, _ *ethconfig.Config) {
		nc.HTTPHost, nc.HTTPPort, nc.HTTPModules = "127.0.0.1", port, []string{"eth"}
		nc.WSHost, nc.WSPort, nc.WSModules = "127.0.0.1", port, []string{"eth"}
	})
	t.Cleanup(func() { _ = sim.Close() })
	signer := types.LatestSignerForChainID(big.NewInt(1337))
	return &simChain{sim: sim, port: port, emitter: emitter, from: from, key: func(tx *types.Transaction) *types.Transaction {
		signed, err := types.SignTx(tx, signer, key)
		require.NoError(t, err)
		return signed
	}}
}

// emit sends one transaction per word to the emitter and seals a block.
func (s *simChain) emit(t *testing.T, words ...uint64) common.Hash {
	t.Helper()
	for _, w := range words {
		tx := s.key(types.NewTx(&types.DynamicFeeTx{
			ChainID: big.NewInt(1337), Nonce: s.nonce, GasTipCap: big.NewInt(params.GWei),
			GasFeeCap: big.NewInt(100 * params.GWei), Gas: 100_000, To: &s.emitter,
			Data: common.BigToHash(new(big.Int).SetUint64(w)).Bytes(),
		}))
		require.NoError(t, s.sim.Client().SendTransaction(t.Context(), tx))
		s.nonce++
	}
	// The pool admits transactions asynchronously; seal only once all are in.
	require.Eventually(t, func() bool {
		n, err := s.sim.Client().PendingNonceAt(t.Context(), s.from)
		return err == nil && n == s.nonce
	}, 10*time.Second, time.Millisecond)
	return s.sim.Commit()
}

func TestClient_SimulatedNode(t *testing.T) {
	t.Parallel()
	s := newSimChain(t)
	wsURL := fmt.Sprintf("ws://127.0.0.1:%d", s.port)
	httpURL := fmt.Sprintf("http://127.0.0.1:%d", s.port)
	core, observed := observer.New(zap.DebugLevel)
	ws := dialTest(t, Options{URLs: []string{wsURL}, WSSilence: time.Minute, PollInterval: time.Hour, Log: zap.New(core)})
	hc := dialTest(t, Options{URLs: []string{httpURL}})

	id, err := ws.ChainID(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(1337), id)

	heads, err := ws.SubscribeHeads(t.Context())
	require.NoError(t, err)
	// The poll interval is an hour: head numbers can only come from newHeads
	// (apart from the single poll at start, which sees block 0).
	waitLog(t, observed, "subscribed to new heads", 1)
	for b := uint64(1); b <= 5; b++ {
		s.emit(t, b*10, b*10+1)
		for {
			if n := recvHead(t, heads); n == b {
				break
			} else {
				require.Less(t, n, b)
			}
		}
	}

	ref := s.sim.Client()
	for _, c := range []*Client{ws, hc} {
		head, err := c.HeadNumber(t.Context())
		require.NoError(t, err)
		require.Equal(t, uint64(5), head)

		nums := []uint64{0, 1, 2, 3, 4, 5}
		hs, err := c.Headers(t.Context(), nums)
		require.NoError(t, err)
		byNumber := map[uint64]Header{}
		for i, h := range hs {
			want, err := ref.HeaderByNumber(t.Context(), new(big.Int).SetUint64(nums[i]))
			require.NoError(t, err)
			require.Equal(t, Header{Number: nums[i], Hash: want.Hash(), ParentHash: want.ParentHash, Time: want.Time,
				Bloom: want.Bloom, HasBloom: true}, h)
			if nums[i] > 0 {
				require.True(t, types.BloomLookup(h.Bloom, s.emitter), "block %d has emitter logs", nums[i])
			}
			byNumber[h.Number] = h
		}
		byHash, err := c.HeaderByHash(t.Context(), hs[3].Hash)
		require.NoError(t, err)
		require.Equal(t, hs[3], byHash)

		want, err := ref.FilterLogs(t.Context(), ethereum.FilterQuery{FromBlock: big.NewInt(0), ToBlock: big.NewInt(5), Addresses: []common.Address{s.emitter}})
		require.NoError(t, err)
		require.Len(t, want, 10)

		f := &RangeFetcher{Client: c, Addresses: []common.Address{s.emitter}, InitialSpan: 2}
		got, err := f.Fetch(t.Context(), 0, 5)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.NoError(t, Validate(got, 0, 5, byNumber))
		require.Equal(t, simTopic, got[0].Topics[0])
		require.Equal(t, common.BigToHash(big.NewInt(10)), got[0].Topics[1])

		h := hs[2].Hash
		one, err := c.Logs(t.Context(), LogQuery{BlockHash: &h, Topics: [][]common.Hash{{simTopic}}})
		require.NoError(t, err)
		require.Equal(t, want[2:4], one)

		// The node has not seen block 9: a lagging answer is refused.
		_, err = c.Logs(t.Context(), LogQuery{From: 4, To: 9})
		require.ErrorIs(t, err, ErrBlockNotFound)
		_, err = c.Headers(t.Context(), []uint64{5, 6})
		require.ErrorIs(t, err, ErrBlockNotFound)
		missing := hashOf("missing")
		_, err = c.Logs(t.Context(), LogQuery{BlockHash: &missing})
		require.ErrorIs(t, err, ErrBlockNotFound)

		_, _, err = c.Finalized(t.Context())
		require.NoError(t, err)

		calls := []Call{{To: s.emitter, Data: []byte{1}}, {To: common.Address{}, Data: nil}}
		require.NoError(t, c.BatchCall(t.Context(), calls, big.NewInt(5)))
		for _, call := range calls {
			require.NoError(t, call.Err)
			require.Empty(t, call.Result)
		}
		out, err := c.CallContract(t.Context(), ethereum.CallMsg{To: &s.emitter, Data: []byte{1}}, nil)
		require.NoError(t, err)
		require.Empty(t, out)
	}
}

func TestClient_SubscribeHeadsWatchdog(t *testing.T) {
	t.Parallel()
	s := newSimChain(t)
	core, observed := observer.New(zap.DebugLevel)
	c := dialTest(t, Options{
		URLs:      []string{fmt.Sprintf("ws://127.0.0.1:%d", s.port)},
		WSSilence: 200 * time.Millisecond, PollInterval: time.Hour, Log: zap.New(core),
	})
	ctx, cancel := context.WithCancel(t.Context())
	heads, err := c.SubscribeHeads(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(0), recvHead(t, heads), "initial poll")

	// No blocks: the silent subscription is replaced, more than once.
	waitLog(t, observed, "resubscribing to new heads", 2)
	waitLog(t, observed, "subscribed to new heads", 3)
	require.Contains(t, observed.FilterMessage("resubscribing to new heads").All()[0].ContextMap()["error"], errSilent.Error())

	// A new subscription delivers. The block may land while one silent
	// subscription is being replaced by the next, so keep sealing blocks.
	for b := uint64(1); ; b++ {
		require.Less(t, b, uint64(20), "no head delivered after resubscriptions")
		s.emit(t, b)
		select {
		case n := <-heads:
			require.Equal(t, b, n)
		case <-time.After(time.Second):
			continue
		}
		break
	}

	cancel()
	for range heads {
	}
}

func TestClient_SubscribeHeadsFailover(t *testing.T) {
	t.Parallel()
	s := newSimChain(t)
	dead := fmt.Sprintf("ws://127.0.0.1:%d/v3/%s", freePort(t), testKey)
	core, observed := observer.New(zap.DebugLevel)
	live := fmt.Sprintf("ws://127.0.0.1:%d", s.port)
	c := dialTest(t, Options{
		URLs:         []string{dead, live},
		PollInterval: time.Hour, RetryMax: 50 * time.Millisecond, Log: zap.New(core),
	})
	heads, err := c.SubscribeHeads(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(0), recvHead(t, heads), "initial poll, failed over")
	waitLog(t, observed, "subscribed to new heads", 1)
	require.Equal(t, 1, observed.FilterMessage("subscribed to new heads").FilterField(zap.String(fieldEndpoint, live)).Len())
	for _, e := range observed.All() {
		require.NotContains(t, fmt.Sprint(e.Message, e.ContextMap()), testKey)
	}
	s.emit(t, 1)
	require.Equal(t, uint64(1), recvHead(t, heads), "newHeads from the second endpoint")
	s.emit(t, 2)
	require.Equal(t, uint64(2), recvHead(t, heads))
}

// waitLog waits until msg was logged at least n times.
func waitLog(t *testing.T, observed *observer.ObservedLogs, msg string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return observed.FilterMessage(msg).Len() >= n },
		10*time.Second, 5*time.Millisecond, "waiting for %d log lines %q", n, msg)
}

func TestClient_SimulatedWSResponseLimit(t *testing.T) {
	t.Parallel()
	s := newSimChain(t)
	for b := uint64(1); b <= 3; b++ {
		s.emit(t, b, b, b, b, b, b)
	}
	c := dialTest(t, Options{URLs: []string{fmt.Sprintf("ws://127.0.0.1:%d", s.port)}, MaxResponseBytes: 4 << 10})

	_, err := c.Logs(t.Context(), LogQuery{From: 1, To: 3})
	require.ErrorIs(t, err, ErrTooManyResults)

	// The connection is re-established for the next calls.
	logs, err := c.Logs(t.Context(), LogQuery{From: 2, To: 2})
	require.NoError(t, err)
	require.Len(t, logs, 6)
}

func TestClient_SubscribeHeadsPollsWhileWSDown(t *testing.T) {
	t.Parallel()
	s := newSimChain(t)
	dead := fmt.Sprintf("ws://127.0.0.1:%d", freePort(t))
	c := dialTest(t, Options{
		URLs:         []string{dead, fmt.Sprintf("http://127.0.0.1:%d", s.port)},
		PollInterval: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
	})
	heads, err := c.SubscribeHeads(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(0), recvHead(t, heads))
	s.emit(t, 1)
	require.Equal(t, uint64(1), recvHead(t, heads), "polled over HTTP while no WS subscription works")
}
