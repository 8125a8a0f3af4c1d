package synthchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

func setup(t *testing.T, cfg Config) (*Chain, *Server) {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	srv, err := Start(c, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return c, srv
}

// TestTraffic_CanonicalABI checks every log of the first 400 rounds against go-ethereum's ABI
// codec (unpacking and packing again gives the same bytes, topic0 is the event id) and the
// project's decoder.
func TestTraffic_CanonicalABI(t *testing.T) {
	t.Parallel()
	tr := traffic{seed: 7, identity: DefaultRegistries.Identity, reputation: DefaultRegistries.Reputation,
		validation: DefaultRegistries.Validation}
	byID := map[common.Hash]struct {
		registry string
		name     string
	}{}
	for reg, a := range registryABIs {
		for name, ev := range a.Events {
			byID[ev.ID] = struct{ registry, name string }{reg, name}
		}
	}
	seen := map[string]int{}
	for s := uint64(0); s < 400*roundLogs; s++ {
		g := tr.log(s)
		id, ok := byID[g.topics[0]]
		require.True(t, ok, "log %d: unknown topic0", s)
		ev := registryABIs[id.registry].Events[id.name]
		vals, err := ev.Inputs.NonIndexed().Unpack(g.data)
		require.NoError(t, err, "log %d %s", s, id.name)
		packed, err := ev.Inputs.NonIndexed().Pack(vals...)
		require.NoError(t, err)
		require.True(t, bytes.Equal(packed, g.data), "log %d %s: not the canonical encoding", s, id.name)
		indexed := 0
		for _, in := range ev.Inputs {
			if in.Indexed {
				indexed++
			}
		}
		require.Equal(t, 1+indexed, g.ntopics, "log %d %s", s, id.name)
		l := types.Log{Address: g.address, Topics: g.topics[:g.ntopics], Data: g.data}
		dec, err := erc8004.Decode(&l)
		require.NoError(t, err, "log %d %s", s, id.name)
		require.Equal(t, id.name, dec.Name())
		seen[id.name]++
	}
	for _, name := range []string{"Transfer", "Approval", "ApprovalForAll", "MetadataUpdate", "Registered",
		"MetadataSet", "URIUpdated", "NewFeedback", "FeedbackRevoked", "ResponseAppended", "ValidationRequest",
		"ValidationResponse"} {
		require.Positive(t, seen[name], name)
	}
}

// registryModel replays decoded events with the registries' rules and fails on any event the
// contracts could not have emitted.
type registryModel struct {
	t         *testing.T
	owner     map[string]common.Address // agent id -> owner
	approved  map[string]common.Address
	operators map[[2]common.Address]bool
	lastIndex map[string]uint64 // agent/client -> last feedback index
	revoked   map[string]bool   // agent/client/index
	validator map[common.Hash]common.Address
	nextAgent uint64
}

func (m *registryModel) apply(ev erc8004.Event) {
	t := m.t
	pair := func(agent *big.Int, client common.Address) string { return agent.String() + "/" + client.Hex() }
	authorized := func(agent *big.Int, who common.Address) bool {
		o := m.owner[agent.String()]
		return who == o || m.approved[agent.String()] == who || m.operators[[2]common.Address{o, who}]
	}
	exists := func(agent *big.Int) {
		_, ok := m.owner[agent.String()]
		require.True(t, ok, "%s names agent %s before it exists", ev.Name(), agent)
	}
	switch e := ev.(type) {
	case *erc8004.Transfer:
		if e.From == (common.Address{}) {
			require.Equal(t, m.nextAgent, e.TokenID.Uint64(), "agents are minted in order")
			m.nextAgent++
		} else {
			require.Equal(t, m.owner[e.TokenID.String()], e.From, "transfer from the owner")
			delete(m.approved, e.TokenID.String())
		}
		m.owner[e.TokenID.String()] = e.To
	case *erc8004.Registered:
		require.Equal(t, m.owner[e.AgentID.String()], e.Owner)
	case *erc8004.MetadataUpdate:
		exists(e.TokenID)
	case *erc8004.MetadataSet:
		exists(e.AgentID)
	case *erc8004.URIUpdated:
		exists(e.AgentID)
		require.True(t, authorized(e.AgentID, e.UpdatedBy))
	case *erc8004.Approval:
		exists(e.TokenID)
		require.Equal(t, m.owner[e.TokenID.String()], e.Owner)
		m.approved[e.TokenID.String()] = e.Approved
	case *erc8004.ApprovalForAll:
		m.operators[[2]common.Address{e.Owner, e.Operator}] = e.Approved
	case *erc8004.NewFeedback:
		exists(e.AgentID)
		require.False(t, authorized(e.AgentID, e.Client), "self-feedback")
		k := pair(e.AgentID, e.Client)
		m.lastIndex[k]++
		require.Equal(t, m.lastIndex[k], e.FeedbackIndex, "feedback index of %s", k)
	case *erc8004.FeedbackRevoked:
		k := pair(e.AgentID, e.Client)
		require.LessOrEqual(t, e.FeedbackIndex, m.lastIndex[k])
		require.Positive(t, e.FeedbackIndex)
		rk := fmt.Sprint(k, "/", e.FeedbackIndex)
		require.False(t, m.revoked[rk], "revoked twice: %s", rk)
		m.revoked[rk] = true
	case *erc8004.ResponseAppended:
		k := pair(e.AgentID, e.Client)
		require.Positive(t, e.FeedbackIndex)
		require.LessOrEqual(t, e.FeedbackIndex, m.lastIndex[k], "response to missing feedback %s", k)
		require.NotEmpty(t, e.ResponseURI)
	case *erc8004.ValidationRequest:
		exists(e.AgentID)
		require.True(t, authorized(e.AgentID, m.owner[e.AgentID.String()]))
		_, dup := m.validator[e.RequestHash]
		require.False(t, dup, "request hash reused")
		m.validator[e.RequestHash] = e.Validator
	case *erc8004.ValidationResponse:
		v, ok := m.validator[e.RequestHash]
		require.True(t, ok, "response to unknown request")
		require.Equal(t, v, e.Validator)
		require.LessOrEqual(t, e.Response, uint8(100))
	default:
		t.Fatalf("unexpected event %s", ev.Name())
	}
}

// TestTraffic_ValidForTheRegistries replays the first 3,000 rounds (feedback indexes of the
// popular pairs reach 3) through a model of the registries' rules.
func TestTraffic_ValidForTheRegistries(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Blocks: 3000 * roundLogs / 7, EventsPerBlock: 7, Seed: 3})
	require.NoError(t, err)
	m := &registryModel{t: t, owner: map[string]common.Address{}, approved: map[string]common.Address{},
		operators: map[[2]common.Address]bool{}, lastIndex: map[string]uint64{}, revoked: map[string]bool{},
		validator: map[common.Hash]common.Address{}}
	logs := c.Logs(0, c.Head())
	require.Len(t, logs, int(c.Events(c.Head())))
	for i := range logs {
		ev, err := erc8004.Decode(&logs[i])
		require.NoError(t, err)
		m.apply(ev)
	}
	require.Greater(t, m.nextAgent, uint64(2900))
	maxIndex := uint64(0)
	for _, n := range m.lastIndex {
		maxIndex = max(maxIndex, n)
	}
	require.GreaterOrEqual(t, maxIndex, uint64(3))
	require.NotEmpty(t, m.revoked)
}

// rawCall posts one JSON-RPC call and returns the raw result or error object.
func rawCall(t *testing.T, url, method string, params ...any) (json.RawMessage, *rpcError) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Result, out.Error
}

// TestServer_HeadersAreConsistent decodes served blocks with go-ethereum: each header hashes to
// the served hash, links to its parent, and its bloom covers its logs, whose block hash is the
// header's.
func TestServer_HeadersAreConsistent(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, Config{Blocks: 300, EventsPerBlock: 3, EventEvery: 2, GapEvery: 50, GapLength: 20, Finality: 10})
	ctx := context.Background()
	ec, err := ethclient.DialContext(ctx, srv.URL())
	require.NoError(t, err)
	defer ec.Close()

	id, err := ec.ChainID(ctx)
	require.NoError(t, err)
	require.Equal(t, c.Config().ChainID, id.Uint64())
	head, err := ec.BlockNumber(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(300), head)

	var prev common.Hash
	withLogs := 0
	for n := uint64(0); n <= head; n++ {
		h, err := ec.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		require.NoError(t, err)
		raw, rerr := rawCall(t, srv.URL(), "eth_getBlockByNumber", fmt.Sprintf("0x%x", n), false)
		require.Nil(t, rerr)
		var served struct {
			Hash common.Hash `json:"hash"`
		}
		require.NoError(t, json.Unmarshal(raw, &served))
		require.Equal(t, served.Hash, h.Hash(), "block %d: served hash is not the header's hash", n)
		require.Equal(t, c.Hash(n), h.Hash())
		require.Equal(t, prev, h.ParentHash, "block %d does not link to its parent", n)
		prev = h.Hash()

		logs, err := ec.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: h.Number, ToBlock: h.Number})
		require.NoError(t, err)
		byHash, err := ec.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &prev})
		require.NoError(t, err)
		require.Equal(t, logs, byHash)
		if len(logs) > 0 {
			withLogs++
		}
		var before uint64
		if n > 0 {
			before = c.Events(n - 1)
		}
		require.Equal(t, int(c.Events(n)-before), len(logs), "block %d", n)
		for _, l := range logs {
			require.Equal(t, h.Hash(), l.BlockHash)
			require.Equal(t, h.Time, l.BlockTimestamp)
			require.True(t, types.BloomLookup(h.Bloom, l.Address))
			for _, topic := range l.Topics {
				require.True(t, types.BloomLookup(h.Bloom, topic))
			}
		}
		if len(logs) == 0 {
			require.Equal(t, types.Bloom{}, h.Bloom, "block %d", n)
		}
	}
	require.Greater(t, withLogs, 50)
	require.Less(t, withLogs, 150, "EventEvery and the gaps leave most blocks empty")

	fin, err := ec.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	require.NoError(t, err)
	require.Equal(t, uint64(290), fin.Number.Uint64())
	byHash, err := ec.HeaderByHash(ctx, fin.Hash())
	require.NoError(t, err)
	require.Equal(t, fin.Hash(), byHash.Hash())
	missing, err := ec.HeaderByNumber(ctx, big.NewInt(301))
	require.ErrorIs(t, err, ethereum.NotFound)
	require.Nil(t, missing)
}

// TestServer_ProviderLimits checks the eth_getLogs and batch limits and how the project's RPC
// client classifies their answers, then that its range fetcher gets every log through them.
func TestServer_ProviderLimits(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, Config{Blocks: 2000, EventsPerBlock: 4, MaxLogs: 100, MaxRange: 500, MaxBatch: 20})
	ctx := context.Background()

	_, rerr := rawCall(t, srv.URL(), "eth_getLogs", map[string]any{"fromBlock": "0x1", "toBlock": "0x1f5"})
	require.NotNil(t, rerr)
	require.Equal(t, "eth_getLogs is limited to a 500 range", rerr.Message)
	_, rerr = rawCall(t, srv.URL(), "eth_getLogs", map[string]any{"fromBlock": "0x1", "toBlock": "0x64"})
	require.NotNil(t, rerr)
	require.Equal(t, "query returned more than 100 results. Try with this block range [0x1, 0x19].", rerr.Message)
	_, rerr = rawCall(t, srv.URL(), "eth_getLogs", map[string]any{"fromBlock": "0x7c0", "toBlock": "0x7d1"})
	require.NotNil(t, rerr)
	require.Contains(t, rerr.Message, "beyond current head")
	res, rerr := rawCall(t, srv.URL(), "eth_getLogs", map[string]any{"fromBlock": "0x1", "toBlock": "0x19"})
	require.Nil(t, rerr)
	var logs []types.Log
	require.NoError(t, json.Unmarshal(res, &logs))
	require.Len(t, logs, 100)
	require.Equal(t, c.Logs(1, 25), logs)

	// A batch over the limit is refused as a whole, as geth does.
	var batch []map[string]any
	for i := range 21 {
		batch = append(batch, map[string]any{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"})
	}
	body, _ := json.Marshal(batch)
	resp, err := http.Post(srv.URL(), "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(answer), "batch too large")

	client, err := chain.Dial(ctx, chain.Options{URLs: []string{srv.URL()}, MaxBatch: 50})
	require.NoError(t, err)
	defer client.Close()
	_, err = client.Logs(ctx, chain.LogQuery{From: 1, To: 100})
	var hint *chain.RangeHintError
	require.True(t, errors.As(err, &hint), "%v", err)
	require.Equal(t, [2]uint64{1, 25}, [2]uint64{hint.From, hint.To})
	_, err = client.Logs(ctx, chain.LogQuery{From: 1, To: 600})
	require.ErrorIs(t, err, chain.ErrTooManyResults)
	require.True(t, errors.As(err, &hint) && hint.To == 500, "%v", err)

	// The client shrinks its batch to the server's limit and gets every header.
	nums := make([]uint64, 120)
	for i := range nums {
		nums[i] = uint64(i + 1)
	}
	hs, err := client.Headers(ctx, nums)
	require.NoError(t, err)
	for i, h := range hs {
		require.Equal(t, c.Hash(nums[i]), h.Hash)
		require.True(t, h.HasBloom)
	}

	srv.ResetStats()
	f := &chain.RangeFetcher{Client: client, Addresses: []common.Address{DefaultRegistries.Identity,
		DefaultRegistries.Reputation, DefaultRegistries.Validation}}

	// The fetcher's own header path (a scanner instead of the rpc client) gives the same headers.
	fast, err := f.Headers(ctx, nums)
	require.NoError(t, err)
	require.Equal(t, hs, fast)
	_, err = f.Headers(ctx, []uint64{5, 2001})
	require.ErrorIs(t, err, chain.ErrBlockNotFound, "a missing block goes through Client.Headers")
	require.Equal(t, int64(0), srv.Stats().BatchRefusals, "the batch limit learnt by the client is kept")
	fresh, err := chain.Dial(ctx, chain.Options{URLs: []string{srv.URL()}, MaxBatch: 50})
	require.NoError(t, err)
	defer fresh.Close()
	fast, err = (&chain.RangeFetcher{Client: fresh}).Headers(ctx, nums)
	require.NoError(t, err)
	require.Equal(t, hs, fast, "a refused batch goes through Client.Headers, which learns the limit")
	require.Positive(t, srv.Stats().BatchRefusals)
	srv.ResetStats()
	got, err := f.Fetch(ctx, 1, 2000)
	require.NoError(t, err)
	require.Equal(t, c.Logs(1, 2000), got)
	st := srv.Stats()
	require.Positive(t, st.ResultRefusals)
	require.Equal(t, int64(len(got)), st.Logs)
	require.Positive(t, st.Calls["eth_getLogs"])

	// The stats endpoint.
	resp, err = http.Get(srv.URL() + "/stats")
	require.NoError(t, err)
	var js Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&js))
	resp.Body.Close()
	require.Equal(t, st.Logs, js.Logs)

	// Filters: one registry, one event.
	ec, err := ethclient.DialContext(ctx, srv.URL())
	require.NoError(t, err)
	defer ec.Close()
	fb, err := ec.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: big.NewInt(100), ToBlock: big.NewInt(150),
		Addresses: []common.Address{DefaultRegistries.Reputation}, Topics: [][]common.Hash{{evNewFeedback.id}}})
	require.NoError(t, err)
	require.NotEmpty(t, fb)
	for _, l := range fb {
		require.Equal(t, evNewFeedback.id, l.Topics[0])
	}
	_, err = ec.HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	_, rerr = rawCall(t, srv.URL(), "eth_getBlockByNumber", "0x1", true)
	require.NotNil(t, rerr)
	require.True(t, strings.Contains(rerr.Message, "fullTx false"))
}

func TestConfig_Layout(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Blocks: 1000, EventsPerBlock: 5, EventEvery: 2, GapEvery: 100, GapLength: 30, FirstEventBlock: 10})
	require.NoError(t, err)
	// Count by brute force.
	var want uint64
	for b := uint64(0); b <= 1000; b++ {
		x := b - 10
		if b >= 10 && x%2 == 0 && x%100 < 70 {
			want += 5
		}
		require.Equal(t, want, c.Events(b), "block %d", b)
	}
	_, err = New(Config{EventEvery: 3, GapEvery: 100})
	require.Error(t, err)
}
