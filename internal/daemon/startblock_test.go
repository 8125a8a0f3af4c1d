package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// TestFindStartBlock finds the registries' deployment on the dev chain both ways: the first
// Upgraded log (one eth_getLogs), and the binary search over eth_getCode.
func TestFindStartBlock(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 11, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 11})
	for range 20 {
		require.NoError(t, gen.Step(ctx))
	}
	regs := c.Registries()
	require.NotZero(t, c.DeployBlock())
	spec := ChainSpec{Name: "dev", ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()},
		Registries: regs}
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()

	start, err := FindStartBlock(ctx, spec, client, log)
	require.NoError(t, err)
	require.Equal(t, c.DeployBlock(), start, "the Identity proxy's creation")

	byCode, err := findByCode(ctx, client, []common.Address{regs.Reputation, regs.Identity}, c.Head())
	require.NoError(t, err)
	require.Equal(t, c.DeployBlock(), byCode)

	// Addresses that are not proxies (no Upgraded log) fall back to the code search; one without
	// code anywhere cannot be found, and the error says what to do.
	spec.Registries = erc8004.Registries{Identity: common.HexToAddress("0x00000000000000000000000000000000000000e1")}
	_, err = FindStartBlock(ctx, spec, client, log)
	require.ErrorContains(t, err, "no registry address has code")
	require.ErrorContains(t, err, "give the start block (--from-block, or start_block in the config file)")
}

// TestFindStartBlock_HangingEndpoint: an endpoint that refuses the wide eth_getLogs and never
// answers eth_getCode fails the start-block search within the client's request timeouts and
// retries, instead of holding the chain's start forever.
func TestFindStartBlock_HangingEndpoint(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		answer := func(result string) {
			_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,%s}`, req.ID, result)
		}
		switch req.Method {
		case "eth_chainId":
			answer(`"result":"0x539"`)
		case "eth_blockNumber":
			answer(`"result":"0x100"`)
		case "eth_getLogs":
			answer(`"error":{"code":-32005,"message":"query returned more than 10000 results"}`)
		default: // eth_getCode: never answers
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	spec := ChainSpec{Name: "hang", ChainID: 1337, RPCURLs: []string{srv.URL}, RequestTimeout: 200 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond, Registries: erc8004.Registries{Identity: common.HexToAddress("0x8004a169fb4a3325136eb29fa0ceb6d2e539a432")}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	start := time.Now()
	_, err = FindStartBlock(ctx, spec, client, log)
	require.ErrorContains(t, err, "give the start block")
	require.Less(t, time.Since(start), 20*time.Second)
}
