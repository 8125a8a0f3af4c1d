// Package devchain runs an in-process EVM chain (a go-ethereum node assembled as the
// ethclient/simulated backend's, sealing blocks without its beacon: see backend) with the
// project's own ERC-8004 v2.0 registries deployed behind ERC1967 proxies, many pre-funded
// deterministic accounts, an optional JSON-RPC HTTP+WS endpoint on loopback, reorgs on demand
// (Chain.Fork) and a seeded traffic generator (Generator) that calls every write function of the
// three registries, including calls that must revert.
//
// It backs `indexer dev` and the end-to-end tests: everything the indexer reads from it goes
// through the same JSON-RPC surface as a real node.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"go.uber.org/zap"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// ChainID is the chain id of every dev chain (go-ethereum's dev-chain configuration).
const ChainID uint64 = 1337

const (
	defaultAccounts = 40
	// blockGasLimit is generous so that a generator block, with the generator's generous gas
	// limits, always fits in one block (and re-injected transactions need few blocks).
	blockGasLimit = 1_000_000_000
	// opTimeout bounds the in-process RPC calls made without a caller context (Fork).
	opTimeout = 30 * time.Second
)

// initialBalance funds every account with 10^6 ether.
var initialBalance = new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))

// Options configures New.
type Options struct {
	// Seed derives every account key: the same seed gives the same addresses.
	Seed int64
	// Accounts is the number of pre-funded generator accounts (default 40). The deployer and
	// the account Fork uses for its filler transactions are extra.
	Accounts int
	// HTTP serves JSON-RPC over HTTP and WebSocket (one port, modules eth, net, web3, txpool)
	// on RPCAddr; the URLs are HTTPURL and WSURL.
	HTTP bool
	// RPCAddr is the listen address of the JSON-RPC server (default "127.0.0.1:0": loopback,
	// a free port).
	RPCAddr string
	// Log receives the chain's own messages and the node's (at debug level); nil means none.
	Log *zap.Logger
	// BlockTime is the chain time that a Commit advances. Each block is stamped with
	// max(wall clock, last sealed block's time + 1s), so only 0 (default) and 1s are accepted:
	// blocks sealed faster than one per second are exactly 1s apart, slower ones follow the
	// wall clock. Pace the calls to Commit/Step to get slower chain time.
	BlockTime time.Duration
	// ForkDiscardTxs makes Fork drop the transactions of the abandoned blocks instead of letting
	// the transaction pool re-inject them into the new branch (see Fork).
	ForkDiscardTxs bool
}

// Account is a pre-funded externally owned account with its private key.
type Account struct {
	// Address is the account's address.
	Address common.Address
	// Key is the account's secp256k1 private key.
	Key *ecdsa.PrivateKey
}

// ERC1271Wallet is a deployed test smart-contract wallet that accepts digests ECDSA-signed by
// Signer; it lets the generator exercise setAgentWallet's ERC-1271 path.
type ERC1271Wallet struct {
	// Address is the wallet contract.
	Address common.Address
	// Signer is the account whose signatures the wallet accepts.
	Signer Account
}

// Chain is an in-process dev chain with the ERC-8004 registries deployed. Blocks are
// produced only by Commit, Fork and Generator.Step, which serialise on one lock; the read
// accessors are safe for concurrent use.
type Chain struct {
	log     *zap.Logger
	opts    Options
	sim     *backend
	client  simulated.Client
	chainID *big.Int
	signer  types.Signer

	accounts []Account
	deployer Account
	forker   Account
	wallets  []ERC1271Wallet
	deploy   contracts.Deployments
	regs     erc8004.Registries
	// setupBlock is the last block of the deployment; Fork never rewinds below it.
	setupBlock uint64

	httpURL, wsURL string

	// mu serialises block production (Commit, Fork, Generator.Step) and Close.
	mu       sync.Mutex
	closed   bool
	head     atomic.Uint64
	headHash atomic.Value // common.Hash
	// epoch counts completed forks; generators compare it to know when to resync.
	epoch    atomic.Uint64
	lastFork atomic.Pointer[ForkInfo]
	forkLog  []ForkInfo // the last maxForkLog forks, guarded by mu
}

// New starts a dev chain, funds the accounts and deploys the three registries behind
// ERC1967 proxies (owner: Deployer) plus two ERC-1271 test wallets. Each deployment transaction
// is mined in its own block, so the chain starts at block SetupBlock (8).
func New(ctx context.Context, o Options) (*Chain, error) {
	if o.Accounts == 0 {
		o.Accounts = defaultAccounts
	}
	if o.Accounts < 4 {
		return nil, fmt.Errorf("new dev chain: need at least 4 accounts, got %d", o.Accounts)
	}
	if o.BlockTime != 0 && o.BlockTime != time.Second {
		return nil, fmt.Errorf("new dev chain: block time %s unsupported (blocks are at least 1s apart)", o.BlockTime)
	}
	if o.RPCAddr == "" {
		o.RPCAddr = "127.0.0.1:0"
	}
	host, port, err := splitRPCAddr(o.RPCAddr)
	if err != nil {
		return nil, fmt.Errorf("new dev chain: %w", err)
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	c := &Chain{log: o.Log, opts: o, chainID: new(big.Int).SetUint64(ChainID)}
	c.signer = types.LatestSignerForChainID(c.chainID)

	if c.deployer, err = deriveAccount(o.Seed, "deployer", 0); err != nil {
		return nil, fmt.Errorf("new dev chain: %w", err)
	}
	if c.forker, err = deriveAccount(o.Seed, "forker", 0); err != nil {
		return nil, fmt.Errorf("new dev chain: %w", err)
	}
	alloc := types.GenesisAlloc{
		c.deployer.Address: {Balance: initialBalance},
		c.forker.Address:   {Balance: initialBalance},
	}
	for i := range o.Accounts {
		a, err := deriveAccount(o.Seed, "account", uint64(i))
		if err != nil {
			return nil, fmt.Errorf("new dev chain: %w", err)
		}
		c.accounts = append(c.accounts, a)
		alloc[a.Address] = types.Account{Balance: initialBalance}
	}

	if err := c.start(alloc, host, port); err != nil {
		return nil, fmt.Errorf("new dev chain: %w", err)
	}
	if err := c.setup(ctx); err != nil {
		_ = c.sim.close()
		return nil, fmt.Errorf("new dev chain: %w", err)
	}
	c.log.Info("dev chain ready",
		zap.Uint64("chain_id", ChainID),
		zap.Stringer("identity", c.regs.Identity),
		zap.Stringer("reputation", c.regs.Reputation),
		zap.Stringer("validation", c.regs.Validation),
		zap.Uint64("block", c.Head()),
		zap.String("http", c.httpURL), zap.String("ws", c.wsURL))
	return c, nil
}

// start starts the node (with the RPC server when asked).
func (c *Chain) start(alloc types.GenesisAlloc, host string, port int) error {
	capture := newNodeLog(c.log.Named("node"))
	configure := func(nc *node.Config) {
		nc.Logger = capture.logger()
		if c.opts.HTTP {
			configureRPC(nc, host, port)
		}
	}
	var err error
	if c.sim, err = newBackend(alloc, blockGasLimit, configure); err != nil {
		return err
	}
	c.client = c.sim.client
	if c.opts.HTTP {
		c.httpURL, c.wsURL = capture.endpoints()
		if c.httpURL == "" || c.wsURL == "" {
			_ = c.sim.close()
			return errors.New("rpc server started but its endpoint was not logged")
		}
	}
	c.headHash.Store(common.Hash{})
	return nil
}

// setup deploys the registries and the ERC-1271 wallets, one block per transaction.
func (c *Chain) setup(ctx context.Context) error {
	auth := bind.NewKeyedTransactor(c.deployer.Key, c.chainID)
	auth.Context = ctx
	mine := func(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
		if _, err := c.commitLocked(); err != nil {
			return nil, err
		}
		return c.client.TransactionReceipt(ctx, tx.Hash())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.deploy, err = contracts.DeployRegistries(ctx, auth, c.client, mine); err != nil {
		return fmt.Errorf("deploy registries: %w", err)
	}
	c.regs = erc8004.Registries{
		Identity:   c.deploy.Identity.Proxy,
		Reputation: c.deploy.Reputation.Proxy,
		Validation: c.deploy.Validation.Proxy,
	}
	for i := range 2 {
		signer := c.accounts[i]
		addr, err := contracts.DeployERC1271Wallet(ctx, auth, c.client, mine, signer.Address)
		if err != nil {
			return fmt.Errorf("deploy wallet %d: %w", i, err)
		}
		c.wallets = append(c.wallets, ERC1271Wallet{Address: addr, Signer: signer})
	}
	c.setupBlock = c.head.Load()
	return nil
}

// Close stops the node (and its RPC server). The Chain cannot be used afterwards.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.sim.close(); err != nil {
		return fmt.Errorf("close node: %w", err)
	}
	return nil
}

// ChainID returns 1337, the chain id of every dev chain.
func (c *Chain) ChainID() uint64 { return ChainID }

// HTTPURL returns the JSON-RPC HTTP endpoint ("http://127.0.0.1:port"), "" without Options.HTTP.
func (c *Chain) HTTPURL() string { return c.httpURL }

// WSURL returns the JSON-RPC WebSocket endpoint ("ws://127.0.0.1:port"), "" without Options.HTTP.
func (c *Chain) WSURL() string { return c.wsURL }

// Client returns the in-process client of the chain.
func (c *Chain) Client() simulated.Client { return c.client }

// Registries returns the registry proxy addresses.
func (c *Chain) Registries() erc8004.Registries { return c.regs }

// DeployBlock is the first block with a registry log (the Identity proxy creation).
func (c *Chain) DeployBlock() uint64 { return c.deploy.Identity.ProxyReceipt.BlockNumber.Uint64() }

// Deployment returns the full deployment (proxies, implementations, proxy receipts).
func (c *Chain) Deployment() contracts.Deployments { return c.deploy }

// Accounts returns the pre-funded generator accounts (Options.Accounts of them), in a fixed
// order derived from the seed. The generator owns their nonces while it runs.
func (c *Chain) Accounts() []Account { return append([]Account(nil), c.accounts...) }

// Deployer returns the account that deployed the registries and initially owns them.
func (c *Chain) Deployer() Account { return c.deployer }

// ERC1271Wallets returns the deployed ERC-1271 test wallets (their signers are Accounts()[0]
// and Accounts()[1]).
func (c *Chain) ERC1271Wallets() []ERC1271Wallet { return append([]ERC1271Wallet(nil), c.wallets...) }

// SetupBlock returns the last block of the deployment; Fork never rewinds below it.
func (c *Chain) SetupBlock() uint64 { return c.setupBlock }

// MaxForkDepth returns the deepest Fork the chain currently allows: Head - SetupBlock, however
// long the chain has run, but at most params.FullImmutabilityThreshold (90,000 blocks; below
// that go-ethereum's chain freezer moves the blocks of a long chain into its ancient store,
// out of reach of a rewind, see backend).
func (c *Chain) MaxForkDepth() uint64 { return maxForkDepth(c.head.Load(), c.setupBlock) }

func maxForkDepth(head, setupBlock uint64) uint64 {
	return min(head-setupBlock, params.FullImmutabilityThreshold)
}

// Head returns the number of the current head block.
func (c *Chain) Head() uint64 { return c.head.Load() }

// HeadHash returns the hash of the current head block.
func (c *Chain) HeadHash() common.Hash { return c.headHash.Load().(common.Hash) }

// Forks returns how many forks have completed.
func (c *Chain) Forks() uint64 { return c.epoch.Load() }

// LastFork describes the last completed fork (zero value before any).
func (c *Chain) LastFork() ForkInfo {
	if f := c.lastFork.Load(); f != nil {
		info := *f
		info.Dropped = append([]common.Hash(nil), f.Dropped...)
		return info
	}
	return ForkInfo{}
}

// Commit mines one block with whatever is in the transaction pool and returns its hash. It is
// serialised with Generator.Step and Fork, so it never seals half of a generator block. On
// failure (the backend did not seal) it logs the error and returns the unchanged head hash.
//
// Caveat (go-ethereum's pool): when one sender sends several transactions right before Commit,
// the later ones can miss the block unless the pool has promoted them already; wait until
// PendingNonceAt(sender) is past the last nonce before calling Commit (Step does this).
func (c *Chain) Commit() common.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		c.log.Error("commit on a closed dev chain")
		return c.HeadHash()
	}
	h, err := c.commitLocked()
	if err != nil {
		c.log.Error("commit failed", zap.Error(err))
		return c.HeadHash()
	}
	return h
}

// commitLocked seals one block and records it as the head. c.mu must be held.
func (c *Chain) commitLocked() (common.Hash, error) {
	hdr, err := c.sim.seal()
	if err != nil {
		return common.Hash{}, err
	}
	c.setHead(hdr)
	return hdr.Hash(), nil
}

// setHead records the head after a block was sealed or the chain was rewound.
func (c *Chain) setHead(h *types.Header) {
	c.head.Store(h.Number.Uint64())
	c.headHash.Store(h.Hash())
}

// promoteWait bounds the wait for the pool to promote just-sent transactions.
const promoteWait = 10 * time.Second

// waitPromoted waits until the pool has promoted every sent transaction to "pending" (the
// pool nonce of each sender is past its last one; next holds the next nonce per sender).
//
// Why: the legacy pool promotes new transactions asynchronously, and the forced pool reset
// seal runs before building the block first resets the pool nonces to the state nonces.
// A sender's second transaction still queued at that moment is then not promoted (its first
// one is already pending, so the queue does not start at the reset nonce) and misses the
// block. Waiting for the promotion before Commit makes every block contain what was sent.
func (c *Chain) waitPromoted(ctx context.Context, next map[common.Address]uint64, txs []*types.Transaction) error {
	senders := map[common.Address]bool{}
	for _, tx := range txs {
		from, err := types.Sender(c.signer, tx)
		if err != nil {
			return fmt.Errorf("recover sender of %s: %w", tx.Hash(), err)
		}
		senders[from] = true
	}
	deadline := time.Now().Add(promoteWait)
	for from := range senders {
		for {
			n, err := c.client.PendingNonceAt(ctx, from)
			if err != nil {
				return fmt.Errorf("read pool nonce of %s: %w", from, err)
			}
			if n >= next[from] {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pool did not promote the transactions of %s (pool nonce %d, want %d)", from, n, next[from])
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for tx promotion: %w", ctx.Err())
			case <-time.After(100 * time.Microsecond):
			}
		}
	}
	return nil
}
