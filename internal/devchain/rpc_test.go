package devchain_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
)

func TestChain_RPCEndpoints(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := newChain(t, devchain.Options{Seed: 4, Accounts: 8, HTTP: true})
	require.True(t, strings.HasPrefix(c.HTTPURL(), "http://127.0.0.1:"), c.HTTPURL())
	require.True(t, strings.HasPrefix(c.WSURL(), "ws://127.0.0.1:"), c.WSURL())
	g := devchain.NewGenerator(c, devchain.GenOptions{Seed: 4, TxPerBlock: 4})
	for range 5 {
		require.NoError(t, g.Step(ctx))
	}
	want := allLogs(t, c)
	require.NotEmpty(t, want)
	r := c.Registries()

	for _, url := range []string{c.HTTPURL(), c.WSURL()} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			rc, err := rpc.DialContext(ctx, url)
			require.NoError(t, err)
			defer rc.Close()

			var id hexutil.Uint64
			require.NoError(t, rc.CallContext(ctx, &id, "eth_chainId"))
			require.Equal(t, uint64(1337), uint64(id))
			var num hexutil.Uint64
			require.NoError(t, rc.CallContext(ctx, &num, "eth_blockNumber"))
			require.Equal(t, c.Head(), uint64(num))
			var netVersion, clientVersion string
			require.NoError(t, rc.CallContext(ctx, &netVersion, "net_version"))
			require.Equal(t, "1337", netVersion)
			require.NoError(t, rc.CallContext(ctx, &clientVersion, "web3_clientVersion"))
			require.NotEmpty(t, clientVersion)

			ec := ethclient.NewClient(rc)
			got, err := ec.FilterLogs(ctx, ethereum.FilterQuery{
				FromBlock: big.NewInt(0), ToBlock: new(big.Int).SetUint64(c.Head()),
				Addresses: []common.Address{r.Identity, r.Reputation, r.Validation},
			})
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}

	t.Run("newHeads", func(t *testing.T) {
		ec, err := ethclient.DialContext(ctx, c.WSURL())
		require.NoError(t, err)
		defer ec.Close()
		heads := make(chan *types.Header, 16)
		sub, err := ec.SubscribeNewHead(ctx, heads)
		require.NoError(t, err)
		defer sub.Unsubscribe()

		require.NoError(t, g.Step(ctx))
		hash := c.Commit()
		var seen []common.Hash
		for len(seen) < 2 {
			select {
			case h := <-heads:
				seen = append(seen, h.Hash())
			case err := <-sub.Err():
				t.Fatalf("subscription failed: %v", err)
			case <-ctx.Done():
				t.Fatal("no newHeads notification")
			}
		}
		require.Equal(t, hash, seen[1])
		require.Equal(t, c.Head(), uint64(2)+uint64(5)+c.SetupBlock())
	})
}

func TestChain_RPCAddrInUse(t *testing.T) {
	t.Parallel()
	c := newChain(t, devchain.Options{Accounts: 4, HTTP: true})
	addr := strings.TrimPrefix(c.HTTPURL(), "http://")
	_, err := devchain.New(context.Background(), devchain.Options{Accounts: 4, HTTP: true, RPCAddr: addr})
	require.Error(t, err)
}
