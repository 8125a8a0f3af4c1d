package erc8004

import "github.com/ethereum/go-ethereum/common"

// Registries are the addresses of one deployment's three registries; a zero address means the
// chain has no such registry (Ethereum mainnet has no Validation registry yet). It is the one
// registry-set type of the project: the chain table, the engine, the verifier and the test
// chains all take it.
type Registries struct {
	Identity, Reputation, Validation common.Address
}

// Kinds returns the registries that are set, in the order Identity, Reputation, Validation, and
// the kind of each address.
func (r Registries) Kinds() ([]common.Address, map[common.Address]Registry) {
	kinds := map[common.Address]Registry{}
	var addrs []common.Address
	for _, a := range []struct {
		addr common.Address
		kind Registry
	}{{r.Identity, RegistryIdentity}, {r.Reputation, RegistryReputation}, {r.Validation, RegistryValidation}} {
		if a.addr != (common.Address{}) {
			kinds[a.addr] = a.kind
			addrs = append(addrs, a.addr)
		}
	}
	return addrs, kinds
}
