// Package synthchain is a synthetic EVM chain for benchmarks and tests: a JSON-RPC server on
// loopback that serves deterministic ERC-8004 v2.0 registry traffic (real ABI-encoded logs of
// the registries' events) in blocks with real, consistent headers, behind the limits real
// providers put on eth_getLogs.
//
// Nothing is stored per log: log number s of the chain is a closed-form function of s and the
// seed (see traffic.go), and block b holds a computable slice of that sequence. Only the block
// hashes (32 bytes per block, because each header's hash covers its parent's) and the logs
// blooms of the blocks with logs (256 bytes each, so that serving a header costs no keccak) are
// kept.
package synthchain

import (
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Config describes the chain. Zero values take the documented defaults.
type Config struct {
	// ChainID is served by eth_chainId (default 80_004).
	ChainID uint64
	// Blocks is the head block number; blocks 0..Blocks exist (default 1000).
	Blocks uint64
	// FirstEventBlock is the first block that may carry logs (default 1).
	FirstEventBlock uint64
	// EventsPerBlock is the number of registry logs in each block that carries logs (default 5).
	EventsPerBlock uint64
	// EventEvery makes only every Nth block from FirstEventBlock carry logs (default 1: all).
	EventEvery uint64
	// GapEvery and GapLength add quiet stretches: in every period of GapEvery blocks from
	// FirstEventBlock, the last GapLength blocks carry no logs. GapEvery must be a multiple of
	// EventEvery. Zero means no gaps.
	GapEvery, GapLength uint64
	// Finality is how far below the head the "finalized" (and "safe") tag is (default 64).
	Finality uint64
	// Seed varies addresses, values and hashes (not the shape of the traffic).
	Seed uint64
	// GenesisTime is the timestamp of block 0; blocks follow every 12 seconds
	// (default 1,767,225,600: 2026-01-01).
	GenesisTime uint64
	// MaxLogs is the most logs one eth_getLogs answer may hold; a query matching more fails
	// like Infura's ("query returned more than 10000 results", with a suggested range)
	// (default 10,000; negative: no limit).
	MaxLogs int
	// MaxRange is the widest block range of one eth_getLogs; a wider query fails like
	// QuickNode's ("eth_getLogs is limited to a 10,000 range") (default 10,000; negative: no
	// limit).
	MaxRange int64
	// MaxBatch is the most calls in one JSON-RPC batch; a larger batch fails like geth's
	// ("batch too large") (default 1000).
	MaxBatch int
	// Registries are the emitting contracts (default: the testnet vanity addresses).
	Registries erc8004.Registries
	// TokenLogsPerBlock adds that many logs of an ERC-20 token to every block with registry
	// logs (an even number; see tokens.go), some of them payments to agents' wallets.
	TokenLogsPerBlock uint64
	// Token is the token's address (default 0x...usdc-like, see DefaultToken).
	Token common.Address
}

// DefaultToken is the address of the token traffic's token unless Config.Token is set.
var DefaultToken = common.HexToAddress("0x0000000000000000000000000000000000005dc0")

// DefaultRegistries are the CREATE2 addresses of the registries on the public testnets.
var DefaultRegistries = erc8004.Registries{
	Identity:   common.HexToAddress("0x8004A818BFB912233c491871b3d84c89A494BD9e"),
	Reputation: common.HexToAddress("0x8004B663056A597Dffe9eCcC1965A193B7388713"),
	Validation: common.HexToAddress("0x8004Cb1BF31DAf7788923b405b754f57acEB4272"),
}

func (c Config) withDefaults() (Config, error) {
	if c.ChainID == 0 {
		c.ChainID = 80_004
	}
	if c.Blocks == 0 {
		c.Blocks = 1000
	}
	if c.FirstEventBlock == 0 {
		c.FirstEventBlock = 1
	}
	if c.EventsPerBlock == 0 {
		c.EventsPerBlock = 5
	}
	if c.EventEvery == 0 {
		c.EventEvery = 1
	}
	if c.Finality == 0 {
		c.Finality = 64
	}
	if c.GenesisTime == 0 {
		c.GenesisTime = 1_767_225_600
	}
	if c.MaxLogs == 0 {
		c.MaxLogs = 10_000
	}
	if c.MaxRange == 0 {
		c.MaxRange = 10_000
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 1000
	}
	if c.Token == (common.Address{}) {
		c.Token = DefaultToken
	}
	if c.Registries == (erc8004.Registries{}) {
		c.Registries = DefaultRegistries
	}
	switch {
	case c.GapEvery != 0 && c.GapEvery%c.EventEvery != 0:
		return c, fmt.Errorf("gap period %d is not a multiple of the event period %d", c.GapEvery, c.EventEvery)
	case c.GapEvery != 0 && c.GapLength >= c.GapEvery:
		return c, fmt.Errorf("gap length %d leaves no block of the period %d", c.GapLength, c.GapEvery)
	case c.TokenLogsPerBlock%2 != 0:
		return c, fmt.Errorf("token logs per block %d is odd (they come in pairs)", c.TokenLogsPerBlock)
	case c.Blocks > 1<<32:
		return c, errors.New("more than 2^32 blocks")
	}
	return c, nil
}

// Chain is a synthetic chain: its configuration, traffic and the hash of every block.
type Chain struct {
	cfg     Config
	traffic traffic
	hashes  []common.Hash
	byHash  map[common.Hash]uint64
	blooms  []types.Bloom // of the blocks with logs, by their ordinal (activeBefore)
}

// New computes the chain's headers (each block's logs bloom and hash, in order) and returns it.
// It takes about a second per million logs.
func New(cfg Config) (*Chain, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new synthetic chain: %w", err)
	}
	c := &Chain{
		cfg: cfg,
		traffic: traffic{seed: mix(cfg.Seed), identity: cfg.Registries.Identity,
			reputation: cfg.Registries.Reputation, validation: cfg.Registries.Validation},
		hashes: make([]common.Hash, cfg.Blocks+1),
		byHash: make(map[common.Hash]uint64, cfg.Blocks+1),
	}
	if cfg.Blocks >= cfg.FirstEventBlock {
		c.blooms = make([]types.Bloom, c.activeBefore(cfg.Blocks-cfg.FirstEventBlock+1))
	}
	// Blooms are independent per block and cost most (a keccak per address and topic): they
	// are computed in parallel per chunk, then the hashes, which chain, in order.
	const chunk = 4096
	blooms := make([]types.Bloom, chunk)
	workers := max(runtime.GOMAXPROCS(0), 1)
	for lo := uint64(0); lo <= cfg.Blocks; lo += chunk {
		hi := min(lo+chunk-1, cfg.Blocks)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := lo + uint64(w); b <= hi; b += uint64(workers) {
					blooms[b-lo] = c.computeBloom(b)
				}
			}()
		}
		wg.Wait()
		for b := lo; b <= hi; b++ {
			var parent common.Hash
			if b > 0 {
				parent = c.hashes[b-1]
			}
			h := c.header(b, parent, blooms[b-lo]).Hash()
			c.hashes[b] = h
			c.byHash[h] = b
			if i, ok := c.activeOrdinal(b); ok {
				c.blooms[i] = blooms[b-lo]
			}
		}
	}
	return c, nil
}

// Config returns the chain's configuration with defaults applied.
func (c *Chain) Config() Config { return c.cfg }

// Head returns the number of the last block.
func (c *Chain) Head() uint64 { return c.cfg.Blocks }

// Finalized returns the number of the block the "finalized" tag names.
func (c *Chain) Finalized() uint64 {
	if c.cfg.Blocks < c.cfg.Finality {
		return 0
	}
	return c.cfg.Blocks - c.cfg.Finality
}

// Hash returns the hash of block n (n <= Head).
func (c *Chain) Hash(n uint64) common.Hash { return c.hashes[n] }

// Events returns the number of registry logs in blocks 0..n.
func (c *Chain) Events(n uint64) uint64 {
	return c.seqStart(min(n, c.cfg.Blocks) + 1)
}

// seqStart returns the number of the first log of block b (the count of logs before it).
func (c *Chain) seqStart(b uint64) uint64 {
	if b <= c.cfg.FirstEventBlock {
		return 0
	}
	return c.activeBefore(b-c.cfg.FirstEventBlock) * c.cfg.EventsPerBlock
}

// activeBefore counts the blocks carrying logs among the first x blocks from FirstEventBlock.
func (c *Chain) activeBefore(x uint64) uint64 {
	every := c.cfg.EventEvery
	inPrefix := func(y uint64) uint64 { return (y + every - 1) / every } // multiples of every in [0, y)
	if c.cfg.GapEvery == 0 {
		return inPrefix(x)
	}
	period, open := c.cfg.GapEvery, c.cfg.GapEvery-c.cfg.GapLength
	return (x/period)*inPrefix(open) + inPrefix(min(x%period, open))
}

// blockLogs returns the range [first, end) of log numbers in block b.
func (c *Chain) blockLogs(b uint64) (uint64, uint64) {
	return c.seqStart(b), c.seqStart(b + 1)
}

// Header returns the header of block n (n <= Head); its Hash() is Hash(n).
func (c *Chain) Header(n uint64) *types.Header {
	var parent common.Hash
	if n > 0 {
		parent = c.hashes[n-1]
	}
	return c.header(n, parent, c.bloom(n))
}

// header builds a post-Cancun header. Fields the indexer does not read are still filled with
// plausible, deterministic values, so that the served JSON hashes to the served hash.
func (c *Chain) header(n uint64, parent common.Hash, bloom types.Bloom) *types.Header {
	first, end := c.blockLogs(n)
	zero := uint64(0)
	root := c.traffic.hash(domTx+1, n)
	beacon := c.traffic.hash(domTx+2, n)
	return &types.Header{
		ParentHash:       parent,
		UncleHash:        types.EmptyUncleHash,
		Coinbase:         c.traffic.addr(domTx+3, 0),
		Root:             root,
		TxHash:           c.traffic.hash(domTx+4, n),
		ReceiptHash:      c.traffic.hash(domTx+5, n),
		Bloom:            bloom,
		Difficulty:       new(big.Int),
		Number:           new(big.Int).SetUint64(n),
		GasLimit:         36_000_000,
		GasUsed:          (end - first) * 120_000,
		Time:             c.cfg.GenesisTime + 12*n,
		Extra:            []byte("erc8004-synthchain"),
		BaseFee:          big.NewInt(1_000_000_000),
		WithdrawalsHash:  &types.EmptyWithdrawalsHash,
		BlobGasUsed:      &zero,
		ExcessBlobGas:    &zero,
		ParentBeaconRoot: &beacon,
		RequestsHash:     &types.EmptyRequestsHash,
	}
}

// activeOrdinal returns the ordinal of block b among the blocks with logs, if it has logs.
func (c *Chain) activeOrdinal(b uint64) (uint64, bool) {
	first, end := c.blockLogs(b)
	if first == end {
		return 0, false
	}
	return first / c.cfg.EventsPerBlock, true
}

// bloom returns the logs bloom of block b.
func (c *Chain) bloom(b uint64) types.Bloom {
	if i, ok := c.activeOrdinal(b); ok {
		return c.blooms[i]
	}
	return types.Bloom{}
}

// computeBloom computes the logs bloom of block b from its logs.
func (c *Chain) computeBloom(b uint64) types.Bloom {
	var bl types.Bloom
	c.eachLog(b, func(l *types.Log) bool {
		bl.Add(l.Address[:])
		for _, t := range l.Topics {
			bl.Add(t[:])
		}
		return true
	})
	return bl
}

// Logs returns the logs of blocks [from, to] (to <= Head) as a node would serve them.
func (c *Chain) Logs(from, to uint64) []types.Log {
	var out []types.Log
	for b := from; b <= to; b++ {
		c.eachLog(b, func(l *types.Log) bool {
			cp := *l
			cp.Topics = append([]common.Hash(nil), l.Topics...)
			out = append(out, cp)
			return true
		})
	}
	return out
}

// eachLog calls fn with every log of block b in order until fn returns false. The log and its
// slices are reused between calls.
func (c *Chain) eachLog(b uint64, fn func(*types.Log) bool) bool {
	first, end := c.blockLogs(b)
	if first == end {
		return true
	}
	l := types.Log{BlockNumber: b, BlockHash: c.hashes[b], BlockTimestamp: c.cfg.GenesisTime + 12*b}
	var topics [4]common.Hash
	txIndex, lastOp, lastRound := uint(0), uint8(0), uint64(0)
	for s := first; s < end; s++ {
		g := c.traffic.log(s)
		round := s / roundLogs
		if s != first && (g.op != lastOp || round != lastRound) {
			txIndex++
		}
		lastOp, lastRound = g.op, round
		topics = g.topics
		l.Address, l.Topics, l.Data = g.address, topics[:g.ntopics], g.data
		l.TxIndex, l.Index = txIndex, uint(s-first)
		l.TxHash = c.txHash(b, round, g.op)
		if !fn(&l) {
			return false
		}
	}
	// The token traffic (tokens.go): one transaction per pair, after the registry logs.
	var data [32]byte
	ord, _ := c.activeOrdinal(b)
	for k := range c.cfg.TokenLogsPerBlock {
		c.tokenLog(b, end-1, k, &l, &topics, data[:])
		l.TxIndex, l.Index = txIndex+1+uint(k/2), uint(end-first+k)
		l.TxHash = c.traffic.hash(domToken+3, (ord*c.cfg.TokenLogsPerBlock+k)/2)
		if !fn(&l) {
			return false
		}
	}
	return true
}

// txHash is the hash of a round's transaction op in block b (a transaction whose logs span a
// block boundary in the schedule becomes one transaction per block).
func (c *Chain) txHash(b, round uint64, op uint8) common.Hash {
	return c.traffic.hash(domTx, b<<40^round<<8^uint64(op))
}
