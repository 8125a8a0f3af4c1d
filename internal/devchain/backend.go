package devchain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/miner"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// backend is the in-process go-ethereum node of a Chain. It is assembled as go-ethereum's
// ethclient/simulated backend assembles its node (dev-chain genesis with every fork active and
// the system contracts, full sync, no peers, no log index, the filter API), but it seals blocks
// with the miner directly instead of through the simulated beacon, the engine API client of
// the simulated backend.
//
// The reason is finality. The simulated beacon marks every 32nd block finalized as soon as it
// is sealed, and go-ethereum's chain freezer (core/rawdb/chain_freezer.go) moves every block up
// to the finalized one into its ancient store about once a minute, a batch of all the blocks
// sealed since its last run. Ancient data wins over the key-value store when the node reads a
// block by number, so after a rewind below a frozen block (Fork) the node answered old-branch
// blocks by number and refused the beacon's next forkchoice update ("Safe block not in
// canonical chain", "Invalid forkchoice state"): forking failed after the first minute. A
// rewind that also truncates the ancient store (debug_setHead) is not enough either: after
// moving a batch, the freezer deletes every block left in the key-value store at its heights,
// and their descendants, which takes seconds on the in-memory database, so a fork below the
// finalized block that overlaps a run loses its new blocks. Without a consensus
// client nothing is ever finalized or safe (the node has no such tags), and the freezer, whose
// threshold is max(finalized, head - params.FullImmutabilityThreshold), freezes nothing before
// the chain is 90,000 blocks long, and then only blocks 90,000 below the head (see
// Chain.MaxForkDepth).
type backend struct {
	stack  *node.Node
	eth    *eth.Ethereum
	client *ethclient.Client
	// lastTime is the timestamp of the last sealed block, on any branch: like the simulated
	// beacon, seal never reuses a timestamp, even after a rewind.
	lastTime uint64
}

// newBackend starts the node with alloc funded, after configure has adjusted its node
// configuration (RPC endpoints, logger).
func newBackend(alloc types.GenesisAlloc, gasLimit uint64, configure func(*node.Config)) (*backend, error) {
	nodeConf := node.DefaultConfig
	nodeConf.DataDir = ""
	nodeConf.P2P = p2p.Config{NoDiscovery: true}
	configure(&nodeConf)

	// Every fork is active from genesis, so the system contracts those forks call into have to
	// be there from genesis; the caller's alloc wins on conflict.
	genesisAlloc := core.SystemContractAllocs()
	maps.Copy(genesisAlloc, alloc)
	ethConf := ethconfig.Defaults
	ethConf.Genesis = &core.Genesis{Config: params.AllDevChainProtocolChanges, GasLimit: gasLimit, Alloc: genesisAlloc}
	ethConf.Miner.GasCeil = gasLimit
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	// No log index: eth_getLogs searches the blocks, as on the simulated backend.
	ethConf.LogNoHistory = true

	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("create node: %w", err)
	}
	ethService, err := eth.New(stack, &ethConf)
	if err != nil {
		_ = stack.Close()
		return nil, fmt.Errorf("create eth service: %w", err)
	}
	filterSystem := filters.NewFilterSystem(ethService.APIBackend, filters.Config{})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)}})
	if err := stack.Start(); err != nil {
		_ = stack.Close()
		return nil, fmt.Errorf("start node: %w", err)
	}
	return &backend{
		stack:    stack,
		eth:      ethService,
		client:   ethclient.NewClient(stack.Attach()),
		lastTime: ethService.BlockChain().CurrentBlock().Time,
	}, nil
}

// seal mines one block on the head with the pool's pending transactions, makes it the head
// and returns its header. Its timestamp is the wall clock, or one second after the last sealed
// block's if that is not earlier; its prevRandao is random.
func (b *backend) seal() (*types.Header, error) {
	// The pool resets to a new head asynchronously: let it finish, so that everything sent
	// before is in the block (as the simulated beacon does).
	if err := b.eth.TxPool().Sync(); err != nil {
		return nil, fmt.Errorf("sync transaction pool: %w", err)
	}
	bc := b.eth.BlockChain()
	parent := bc.CurrentBlock()
	ts := max(uint64(time.Now().Unix()), b.lastTime+1)
	var random common.Hash
	_, _ = rand.Read(random[:])
	block, _, err := b.eth.Miner().BuildTestingPayload(&miner.BuildPayloadArgs{
		Parent:      parent.Hash(),
		Timestamp:   ts,
		Random:      random,
		Withdrawals: types.Withdrawals{},
		BeaconRoot:  &common.Hash{},
	}, nil, false, nil)
	if err != nil {
		return nil, fmt.Errorf("build block %d: %w", parent.Number.Uint64()+1, err)
	}
	if _, err := bc.InsertBlockWithoutSetHead(context.Background(), block, false); err != nil {
		return nil, fmt.Errorf("insert block %d: %w", block.NumberU64(), err)
	}
	if _, err := bc.SetCanonical(block); err != nil {
		return nil, fmt.Errorf("make block %d the head: %w", block.NumberU64(), err)
	}
	b.lastTime = ts
	return block.Header(), nil
}

// rewind makes the block with hash ancestor the head (BlockChain.SetCanonical): the blocks
// above it stay in the database as a side chain. It fails with "pending block dirty" if the
// pool holds pending transactions, as the simulated backend's Fork does.
func (b *backend) rewind(ancestor common.Hash) error {
	if err := b.eth.TxPool().Sync(); err != nil {
		return fmt.Errorf("sync transaction pool: %w", err)
	}
	if pending, _ := b.eth.TxPool().Pending(txpool.PendingFilter{}); len(pending) != 0 {
		return errors.New("pending block dirty")
	}
	parent := b.eth.BlockChain().GetBlockByHash(ancestor)
	if parent == nil {
		return fmt.Errorf("block %s not found", ancestor)
	}
	if _, err := b.eth.BlockChain().SetCanonical(parent); err != nil {
		return fmt.Errorf("make block %d the head: %w", parent.NumberU64(), err)
	}
	return nil
}

// clearPool removes every transaction from the pool, after it finished its pending reset.
func (b *backend) clearPool() { b.eth.TxPool().Clear() }

// close stops the node.
func (b *backend) close() error {
	b.client.Close()
	return b.stack.Close()
}
