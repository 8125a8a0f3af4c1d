package config

import (
	"sort"
	"strconv"
	"strings"
)

// ChainInfo is a built-in ERC-8004 deployment: the registries' proxy addresses on one chain and
// the blocks from which they emitted logs. An empty address means the registry is not known to be
// deployed there.
type ChainInfo struct {
	// Name is the lowercase name accepted by --chain.
	Name string
	// ID is the EVM chain id.
	ID uint64
	// IdentityRegistry, ReputationRegistry and ValidationRegistry are 0x-prefixed addresses.
	IdentityRegistry   string
	ReputationRegistry string
	ValidationRegistry string
	// IdentityStart, ReputationStart and ValidationStart are the first blocks to index for each
	// registry (the proxy deployment, whose Upgraded/Initialized logs are indexed too).
	IdentityStart   uint64
	ReputationStart uint64
	ValidationStart uint64
}

// StartBlock is the lowest start block among the registries deployed on the chain.
func (c ChainInfo) StartBlock() uint64 {
	var start uint64
	for _, r := range []struct {
		addr  string
		block uint64
	}{{c.IdentityRegistry, c.IdentityStart}, {c.ReputationRegistry, c.ReputationStart}, {c.ValidationRegistry, c.ValidationStart}} {
		if r.addr != "" && (start == 0 || r.block < start) {
			start = r.block
		}
	}
	return start
}

// The registries are CREATE2 proxies at the same vanity addresses on every chain of a set
// (erc8004/SPEC.md §6.2).
const (
	mainnetIdentity   = "0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"
	mainnetReputation = "0x8004BAa17C55a88189AE136b182e5fdA19dE9b63"
	testnetIdentity   = "0x8004A818BFB912233c491871b3d84c89A494BD9e"
	testnetReputation = "0x8004B663056A597Dffe9eCcC1965A193B7388713"
	testnetValidation = "0x8004Cb1BF31DAf7788923b405b754f57acEB4272"
)

// Chains is the built-in table of official deployments, keyed by name. Start blocks are the proxy
// deployments of erc8004/SPEC.md §6.4. No Validation registry is listed as deployed on the
// mainnets (§6.2: the computed mainnet address is reserved but not known to exist).
var Chains = map[string]ChainInfo{
	"ethereum": {
		Name: "ethereum", ID: 1,
		IdentityRegistry: mainnetIdentity, IdentityStart: 24339871,
		ReputationRegistry: mainnetReputation, ReputationStart: 24339873,
	},
	"base": {
		Name: "base", ID: 8453,
		IdentityRegistry: mainnetIdentity, IdentityStart: 41663783,
		ReputationRegistry: mainnetReputation, ReputationStart: 41663784,
	},
	"sepolia": {
		Name: "sepolia", ID: 11155111,
		IdentityRegistry: testnetIdentity, IdentityStart: 9989393,
		ReputationRegistry: testnetReputation, ReputationStart: 9989394,
		ValidationRegistry: testnetValidation, ValidationStart: 9989395,
	},
	"base-sepolia": {
		Name: "base-sepolia", ID: 84532,
		IdentityRegistry: testnetIdentity, IdentityStart: 36304145,
		ReputationRegistry: testnetReputation, ReputationStart: 36304146,
		ValidationRegistry: testnetValidation, ValidationStart: 36304147,
	},
}

// LookupChain finds a built-in deployment by name (case-insensitive) or decimal chain id.
func LookupChain(nameOrID string) (ChainInfo, bool) {
	key := strings.ToLower(strings.TrimSpace(nameOrID))
	if c, ok := Chains[key]; ok {
		return c, true
	}
	id, err := strconv.ParseUint(key, 10, 64)
	if err != nil {
		return ChainInfo{}, false
	}
	for _, c := range Chains {
		if c.ID == id {
			return c, true
		}
	}
	return ChainInfo{}, false
}

// ChainNames returns the names of the built-in chains, sorted.
func ChainNames() []string {
	names := make([]string, 0, len(Chains))
	for n := range Chains {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
