package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ChainInfo is a built-in ERC-8004 deployment: the registries' proxy addresses on one chain and
// the blocks from which they emitted logs. An empty address means the registry is not known to be
// deployed there; a zero start block of a deployed registry means its deployment block is not
// known, and `indexer run` searches for it (the proxy's first Upgraded log).
type ChainInfo struct {
	// Name is the lowercase name accepted by --chain.
	Name string `json:"name"`
	// ID is the EVM chain id.
	ID uint64 `json:"chain_id"`
	// Testnet marks test networks.
	Testnet bool `json:"testnet"`
	// IdentityRegistry, ReputationRegistry and ValidationRegistry are 0x-prefixed addresses.
	IdentityRegistry   string `json:"identity_registry"`
	ReputationRegistry string `json:"reputation_registry"`
	ValidationRegistry string `json:"validation_registry,omitempty"`
	// IdentityStart, ReputationStart and ValidationStart are the first blocks to index for each
	// registry (the proxy deployment, whose Upgraded/Initialized logs are indexed too); zero
	// when unknown.
	IdentityStart   uint64 `json:"identity_start,omitempty"`
	ReputationStart uint64 `json:"reputation_start,omitempty"`
	ValidationStart uint64 `json:"validation_start,omitempty"`
	// Note says what is uncertain about the entry (a chain id taken from unofficial sources),
	// empty when nothing is.
	Note string `json:"note,omitempty"`
}

type registryStart struct {
	addr  string
	block uint64
}

func (c ChainInfo) registries() []registryStart {
	return []registryStart{{c.IdentityRegistry, c.IdentityStart}, {c.ReputationRegistry, c.ReputationStart},
		{c.ValidationRegistry, c.ValidationStart}}
}

// StartBlock is the lowest known start block among the registries deployed on the chain (0 when
// none is known).
func (c ChainInfo) StartBlock() uint64 {
	var start uint64
	for _, r := range c.registries() {
		if r.addr != "" && r.block != 0 && (start == 0 || r.block < start) {
			start = r.block
		}
	}
	return start
}

// StartKnown reports whether the start block of every deployed registry is known. When it is
// not, StartBlock is not a safe place to begin and the start must be searched for.
func (c ChainInfo) StartKnown() bool {
	for _, r := range c.registries() {
		if r.addr != "" && r.block == 0 {
			return false
		}
	}
	return true
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

const uncertainID = "chain id not in the ERC-8004 contracts repository (taken from unofficial sources)"

// mainnet and testnet build table entries of the two address sets. Start blocks are given as
// (identity, reputation); zero means unknown.
func mainnet(name string, id, identityStart, reputationStart uint64) ChainInfo {
	return ChainInfo{Name: name, ID: id, IdentityRegistry: mainnetIdentity, ReputationRegistry: mainnetReputation,
		IdentityStart: identityStart, ReputationStart: reputationStart}
}

func testnet(name string, id, identityStart, reputationStart uint64) ChainInfo {
	return ChainInfo{Name: name, ID: id, Testnet: true, IdentityRegistry: testnetIdentity,
		ReputationRegistry: testnetReputation, IdentityStart: identityStart, ReputationStart: reputationStart}
}

func withValidation(c ChainInfo, start uint64) ChainInfo {
	c.ValidationRegistry, c.ValidationStart = testnetValidation, start
	return c
}

func uncertain(c ChainInfo, note string) ChainInfo {
	c.Note = note
	return c
}

// Chains is the built-in table of official deployments, keyed by name: every chain of
// erc8004/SPEC.md §6.2 (the README of erc-8004/erc-8004-contracts and its scripts/addresses.ts)
// whose chain id is known. Start blocks are the proxy deployments of §6.4 where known (the
// agent0 subgraph's start blocks for BSC, Polygon, Monad and the BSC and Monad testnets); the
// others are searched for at the first run. A Validation registry is listed only where it is
// known to be deployed: Sepolia, Base Sepolia and Arc testnet (§6.2: no mainnet deployment is
// known).
var Chains = buildTable(
	// Mainnets.
	mainnet("ethereum", 1, 24339871, 24339873),
	mainnet("base", 8453, 41663783, 41663784),
	mainnet("abstract", 2741, 0, 0),
	mainnet("arbitrum", 42161, 0, 0),
	mainnet("avalanche", 43114, 0, 0),
	mainnet("bsc", 56, 79031671, 79031676),
	mainnet("celo", 42220, 0, 0),
	mainnet("gnosis", 100, 0, 0),
	mainnet("goat", 2345, 0, 0),
	mainnet("linea", 59144, 0, 0),
	mainnet("mantle", 5000, 0, 0),
	mainnet("megaeth", 4326, 0, 0),
	mainnet("metis", 1088, 0, 0),
	mainnet("monad", 143, 52952898, 52952903),
	mainnet("optimism", 10, 0, 0),
	mainnet("polygon", 137, 82458528, 82458532),
	uncertain(mainnet("robinhood", 4663, 0, 0), uncertainID),
	mainnet("scroll", 534352, 0, 0),
	mainnet("skale-base", 1187947933, 0, 0),
	mainnet("soneium", 1868, 0, 0),
	mainnet("taiko", 167000, 0, 0),
	mainnet("xlayer", 196, 0, 0),
	uncertain(mainnet("billions", 45026, 0, 0), uncertainID),
	uncertain(mainnet("injective", 1776, 0, 0), uncertainID),
	mainnet("0g", 16661, 0, 0),
	uncertain(mainnet("hedera", 295, 0, 0), "listed in scripts/addresses.ts, not in the README"),
	uncertain(mainnet("shape", 360, 0, 0), "listed in scripts/addresses.ts, not in the README"),

	// Testnets.
	withValidation(testnet("sepolia", 11155111, 9989393, 9989394), 9989395),
	withValidation(testnet("base-sepolia", 84532, 36304145, 36304146), 36304147),
	testnet("abstract-testnet", 11124, 0, 0),
	testnet("arbitrum-sepolia", 421614, 0, 0),
	testnet("avalanche-fuji", 43113, 0, 0),
	testnet("bsc-testnet", 97, 78270834, 77785485),
	testnet("celo-sepolia", 11142220, 0, 0),
	testnet("linea-sepolia", 59141, 0, 0),
	testnet("mantle-sepolia", 5003, 0, 0),
	testnet("megaeth-testnet", 6343, 0, 0),
	testnet("metis-sepolia", 59902, 0, 0),
	testnet("monad-testnet", 10143, 10392352, 10392356),
	testnet("optimism-sepolia", 11155420, 0, 0),
	testnet("polygon-amoy", 80002, 0, 0),
	uncertain(testnet("robinhood-testnet", 46630, 0, 0), uncertainID),
	testnet("scroll-sepolia", 534351, 0, 0),
	testnet("skale-base-sepolia", 324705682, 0, 0),
	testnet("soneium-minato", 1946, 0, 0),
	uncertain(testnet("taiko-hoodi", 167013, 0, 0), "chain id 167013 in scripts/addresses.ts, 167012 in hardhat.config.ts"),
	testnet("xlayer-testnet", 1952, 0, 0),
	testnet("hedera-testnet", 296, 0, 0),
	withValidation(testnet("arc-testnet", 5042002, 29241340, 29241344), 29241349),
	uncertain(testnet("injective-testnet", 1439, 0, 0), uncertainID),
	uncertain(testnet("0g-galileo", 16602, 0, 0), uncertainID),
	uncertain(testnet("shape-sepolia", 11011, 0, 0), "listed in scripts/addresses.ts, not in the README"),
	uncertain(testnet("gnosis-chiado", 10200, 0, 0), "listed in scripts/addresses.ts, not in the README"),
	uncertain(testnet("goat-testnet", 48816, 0, 0), "listed in scripts/addresses.ts, not in the README"),
)

// chainAliases are other common names of built-in chains.
var chainAliases = map[string]string{
	"mainnet":      "ethereum",
	"eth":          "ethereum",
	"arbitrum-one": "arbitrum",
	"avax":         "avalanche",
	"bnb":          "bsc",
	"op":           "optimism",
	"op-sepolia":   "optimism-sepolia",
	"fuji":         "avalanche-fuji",
	"amoy":         "polygon-amoy",
	"bsc-chapel":   "bsc-testnet",
	"minato":       "soneium-minato",
	"chiado":       "gnosis-chiado",
}

func buildTable(list ...ChainInfo) map[string]ChainInfo {
	m := make(map[string]ChainInfo, len(list))
	for _, c := range list {
		m[c.Name] = c
	}
	return m
}

// LookupChain finds a built-in deployment by name or alias (case-insensitive) or decimal chain id.
func LookupChain(nameOrID string) (ChainInfo, bool) {
	key := strings.ToLower(strings.TrimSpace(nameOrID))
	if alias, ok := chainAliases[key]; ok {
		key = alias
	}
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

// ErrUnknownChain is returned by ResolveChain for a string that is neither a built-in chain
// nor a chain id.
var ErrUnknownChain = errors.New("unknown chain: use a chain id or a built-in name (see 'indexer chains')")

// ResolveChain is the one reading of a chain given on the command line, in a file or in a URL:
// a built-in name or alias (any case) or a decimal chain id. builtIn tells whether id is one of
// the built-in deployments (info is then its entry); any other id is a custom chain.
func ResolveChain(s string) (id uint64, info ChainInfo, builtIn bool, err error) {
	if info, ok := LookupChain(s); ok {
		return info.ID, info, true, nil
	}
	id, err = strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return 0, ChainInfo{}, false, fmt.Errorf("%q: %w", s, ErrUnknownChain)
	}
	return id, ChainInfo{}, false, nil
}

// ChainName is the built-in name of chain id, else the id in decimal (logs, metrics, status).
func ChainName(id uint64) string {
	if info, ok := LookupChain(strconv.FormatUint(id, 10)); ok {
		return info.Name
	}
	return strconv.FormatUint(id, 10)
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

// ChainList returns the built-in chains, mainnets first, each group sorted by name.
func ChainList() []ChainInfo {
	out := make([]ChainInfo, 0, len(Chains))
	for _, n := range ChainNames() {
		out = append(out, Chains[n])
	}
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Testnet && out[j].Testnet })
	return out
}
