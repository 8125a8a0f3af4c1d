package daemon

import (
	"context"
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

	byCode, err := findByCode(ctx, c.HTTPURL(), []common.Address{regs.Reputation, regs.Identity}, c.Head())
	require.NoError(t, err)
	require.Equal(t, c.DeployBlock(), byCode)

	// Addresses that are not proxies (no Upgraded log) fall back to the code search; one without
	// code anywhere cannot be found, and the error says what to do.
	spec.Registries = erc8004.Registries{Identity: common.HexToAddress("0x00000000000000000000000000000000000000e1")}
	_, err = FindStartBlock(ctx, spec, client, log)
	require.ErrorContains(t, err, "no registry address has code")
	require.ErrorContains(t, err, "give the start block (--from-block, or start_block in the config file)")
}
