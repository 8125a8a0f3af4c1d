package devchain_test

import (
	"context"
	"math/big"
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
	r := c.Registries()
	for i, l := range logs {
		require.GreaterOrEqual(t, l.BlockNumber, r.DeployBlock)
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
	r := c.Registries()
	logs := allLogs(t, c)
	require.NotEmpty(t, logs)
	require.Equal(t, r.DeployBlock, logs[0].BlockNumber)
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
