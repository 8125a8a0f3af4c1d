package devchain_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// newChain starts a dev chain closed at the end of the test.
func newChain(t *testing.T, o devchain.Options) *devchain.Chain {
	t.Helper()
	if o.Log == nil {
		o.Log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	c, err := devchain.New(context.Background(), o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// allLogs returns every log of the three registries from genesis to the head.
func allLogs(t *testing.T, c *devchain.Chain) []types.Log {
	t.Helper()
	r := c.Registries()
	logs, err := c.Client().FilterLogs(context.Background(), ethereum.FilterQuery{
		FromBlock: big.NewInt(0),
		ToBlock:   new(big.Int).SetUint64(c.Head()),
		Addresses: []common.Address{r.Identity, r.Reputation, r.Validation},
	})
	require.NoError(t, err)
	return logs
}

var agentWalletTopic = crypto.Keccak256Hash([]byte("agentWallet"))

func TestGenerator_EveryFunctionAndLogDecodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newChain(t, devchain.Options{Seed: 1})
	g := devchain.NewGenerator(c, devchain.GenOptions{Seed: 1})

	start := time.Now()
	const blocks = 40
	for range blocks {
		require.NoError(t, g.Step(ctx))
	}
	elapsed := time.Since(start)
	st := g.Stats()
	require.Equal(t, blocks, st.Steps)
	require.GreaterOrEqual(t, st.Sent, 300)
	require.Equal(t, st.Sent, st.Succeeded+st.ExpectedReverts)

	for _, fn := range devchain.WriteFunctions() {
		fs := st.Functions[fn]
		require.Positive(t, fs.Sent, "write function %s never called", fn)
		require.Equal(t, fs.Sent, fs.Succeeded+fs.ExpectedReverts, fn)
	}
	for _, k := range devchain.RevertKinds() {
		require.Positive(t, st.Reverts[k], "must-revert kind %s never seen", k)
	}
	for _, role := range []string{"owner", "approved", "operator"} {
		require.Positive(t, st.Actors[role], "no authorised call by role %s", role)
	}

	logs := allLogs(t, c)
	byName := map[string]int{}
	for i, l := range logs {
		require.GreaterOrEqual(t, l.BlockNumber, c.DeployBlock())
		ev, err := erc8004.Decode(&l)
		require.NoError(t, err, "log %d (block %d, topic0 %s)", i, l.BlockNumber, l.Topics[0])
		byName[ev.Name()]++
		// A transfer between two holders clears the agent wallet first, in the same tx.
		if tr, ok := ev.(*erc8004.Transfer); ok && tr.From != (common.Address{}) {
			prev := logs[i-1]
			require.Equal(t, l.TxHash, prev.TxHash)
			require.Equal(t, agentWalletTopic, prev.Topics[2])
			ms, err := erc8004.Decode(&prev)
			require.NoError(t, err)
			require.Empty(t, ms.(*erc8004.MetadataSet).Value)
		}
	}
	checkContent(t, c, logs)
	for _, name := range []string{"Registered", "MetadataSet", "URIUpdated", "Transfer", "Approval", "ApprovalForAll",
		"MetadataUpdate", "NewFeedback", "FeedbackRevoked", "ResponseAppended", "ValidationRequest",
		"ValidationResponse", "Upgraded", "Initialized", "OwnershipTransferred"} {
		require.Positive(t, byName[name], "no %s log", name)
	}
	t.Logf("%d blocks, %d txs (%d ok, %d expected reverts, %d kinds), %d logs %v, head %d, %s",
		st.Steps, st.Sent, st.Succeeded, st.ExpectedReverts, len(st.Reverts), len(logs), byName, c.Head(), elapsed)
}

func TestGenerator_Deterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	run := func(seed int64) devchain.GenStats {
		c := newChain(t, devchain.Options{Seed: 5, Accounts: 12})
		g := devchain.NewGenerator(c, devchain.GenOptions{Seed: seed, TxPerBlock: 5})
		for range 15 {
			require.NoError(t, g.Step(ctx))
		}
		return g.Stats()
	}
	a, b, other := run(3), run(3), run(4)
	require.Equal(t, a.CallDigest, b.CallDigest)
	require.Equal(t, a.Functions, b.Functions)
	require.Equal(t, a.Reverts, b.Reverts)
	require.NotEqual(t, a.CallDigest, other.CallDigest)
}

func TestGenerator_OneTxPerBlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newChain(t, devchain.Options{Seed: 2, Accounts: 6})
	g := devchain.NewGenerator(c, devchain.GenOptions{Seed: 2, TxPerBlock: 1})
	h := c.Head()
	for range 10 {
		require.NoError(t, g.Step(ctx))
	}
	require.Equal(t, h+10, c.Head())
	st := g.Stats()
	require.Equal(t, 10, st.Sent)
	require.Equal(t, 5, st.ExpectedReverts)
}

func TestChain_Basics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newChain(t, devchain.Options{Seed: 9, Accounts: 5})
	require.Equal(t, uint64(1337), c.ChainID())
	require.Empty(t, c.HTTPURL())
	require.Empty(t, c.WSURL())
	require.Len(t, c.Accounts(), 5)

	id, err := c.Client().ChainID(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1337), id.Int64())

	// Accounts are derived from the seed and funded.
	c2 := newChain(t, devchain.Options{Seed: 9, Accounts: 5})
	require.Equal(t, c.Accounts()[3].Address, c2.Accounts()[3].Address)
	require.Equal(t, c.Registries(), c2.Registries())
	bal, err := c.Client().BalanceAt(ctx, c.Accounts()[4].Address, nil)
	require.NoError(t, err)
	require.Positive(t, bal.Sign())

	// The first registry logs are the proxy's admin events, in DeployBlock.
	logs := allLogs(t, c)
	require.NotEmpty(t, logs)
	require.Equal(t, c.DeployBlock(), logs[0].BlockNumber)
	names := map[string]bool{}
	for _, l := range logs {
		ev, err := erc8004.Decode(&l)
		require.NoError(t, err)
		names[ev.Name()] = true
	}
	require.True(t, names["Upgraded"] && names["Initialized"] && names["OwnershipTransferred"], "%v", names)
	for _, w := range c.ERC1271Wallets() {
		code, err := c.Client().CodeAt(ctx, w.Address, nil)
		require.NoError(t, err)
		require.NotEmpty(t, code)
	}

	// Commit mines exactly one block and returns its hash.
	h := c.Head()
	hash := c.Commit()
	require.Equal(t, h+1, c.Head())
	require.Equal(t, hash, c.HeadHash())
	hdr, err := c.Client().HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, hash, hdr.Hash())

	_, err = devchain.New(ctx, devchain.Options{BlockTime: 12 * time.Second})
	require.Error(t, err)
	_, err = devchain.New(ctx, devchain.Options{HTTP: true, RPCAddr: "nonsense"})
	require.Error(t, err)
}

func TestChain_ClosedRefusesWork(t *testing.T) {
	t.Parallel()
	c, err := devchain.New(context.Background(), devchain.Options{Accounts: 4})
	require.NoError(t, err)
	g := devchain.NewGenerator(c, devchain.GenOptions{})
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	require.Error(t, g.Step(context.Background()))
	require.Error(t, c.Fork(1))
}

// checkContent checks that the traffic has the promised edge cases: every URI encoding (the
// gzip data URIs really gunzip to JSON), negative and ±1e38 feedback values, decimals 0 and
// high, empty and non-empty tags, agent wallets set to accounts and to an ERC-1271 wallet, and
// validation responses that go down as well as up. The generator is deterministic for a seed,
// so these hold for seed 1 at every run.
func checkContent(t *testing.T, c *devchain.Chain, logs []types.Log) {
	t.Helper()
	uris := map[string]int{}
	classify := func(u string) {
		switch {
		case u == "":
			uris["empty"]++
		case strings.HasPrefix(u, "https://"):
			uris["https"]++
		case strings.HasPrefix(u, "ipfs://"):
			uris["ipfs"]++
		case strings.HasPrefix(u, "data:application/json;base64,"):
			uris["base64"]++
		case strings.HasPrefix(u, gzipPrefix):
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(u, gzipPrefix))
			require.NoError(t, err)
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			require.NoError(t, err)
			body, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.True(t, json.Valid(body), "gzip data URI is not JSON: %q", body)
			uris["gzip"]++
		case strings.HasPrefix(u, "{"):
			require.True(t, json.Valid([]byte(u)))
			uris["json"]++
		default:
			uris["other"]++
		}
	}
	wallets := map[common.Address]bool{}
	for _, w := range c.ERC1271Wallets() {
		wallets[w.Address] = true
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil)
	var negative, bound, emptyTag, tag, dec0, decHigh, walletEOA, wallet1271, down bool
	last := map[common.Hash]uint8{}
	for _, l := range logs {
		ev, err := erc8004.Decode(&l)
		require.NoError(t, err)
		switch e := ev.(type) {
		case *erc8004.Registered:
			classify(e.AgentURI)
		case *erc8004.URIUpdated:
			classify(e.NewURI)
		case *erc8004.NewFeedback:
			negative = negative || e.Value.Sign() < 0
			bound = bound || new(big.Int).Abs(e.Value).Cmp(limit) == 0
			emptyTag = emptyTag || e.Tag1 == ""
			tag = tag || e.Tag1 != ""
			dec0 = dec0 || e.ValueDecimals == 0
			decHigh = decHigh || e.ValueDecimals >= 15
		case *erc8004.MetadataSet:
			if e.Key == "agentWallet" && len(e.Value) == 20 {
				a := common.BytesToAddress(e.Value)
				wallet1271 = wallet1271 || wallets[a]
				walletEOA = walletEOA || !wallets[a]
			}
		case *erc8004.ValidationResponse:
			if prev, ok := last[e.RequestHash]; ok && e.Response < prev {
				down = true
			}
			last[e.RequestHash] = e.Response
		}
	}
	for _, k := range []string{"empty", "https", "ipfs", "base64", "gzip", "json", "other"} {
		require.Positive(t, uris[k], "no %s agent URI (%v)", k, uris)
	}
	require.True(t, negative && bound && emptyTag && tag && dec0 && decHigh,
		"feedback edge cases: negative=%v ±1e38=%v emptyTag=%v tag=%v dec0=%v decHigh=%v", negative, bound, emptyTag, tag, dec0, decHigh)
	require.True(t, walletEOA && wallet1271, "agent wallets: EOA=%v ERC-1271=%v", walletEOA, wallet1271)
	require.True(t, down, "no validation response went down")
}

const gzipPrefix = "data:application/json;enc=gzip;level=6;base64,"

func TestGenerator_RecoversAfterCanceledStep(t *testing.T) {
	t.Parallel()
	c := newChain(t, devchain.Options{Seed: 6, Accounts: 8})
	g := devchain.NewGenerator(c, devchain.GenOptions{Seed: 6, TxPerBlock: 4})
	require.NoError(t, g.Step(context.Background()))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, g.Step(canceled))
	h := c.Head()
	for range 3 {
		require.NoError(t, g.Step(context.Background()))
	}
	require.Equal(t, h+3, c.Head())
	require.Equal(t, 2, g.Stats().Resyncs, "a failed step forces a full resync")
}
