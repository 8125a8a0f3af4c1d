package erc8004

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

func TestRegistries_Kinds(t *testing.T) {
	t.Parallel()
	id, rep := common.HexToAddress("0x01"), common.HexToAddress("0x02")
	addrs, kinds := Registries{Identity: id, Reputation: rep}.Kinds()
	require.Equal(t, []common.Address{id, rep}, addrs, "a zero Validation address is left out")
	require.Equal(t, map[common.Address]Registry{id: RegistryIdentity, rep: RegistryReputation}, kinds)
	addrs, kinds = Registries{}.Kinds()
	require.Empty(t, addrs)
	require.Empty(t, kinds)
}
