package devchain

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

const defaultTxPerBlock = 8

// GenOptions configures a Generator.
type GenOptions struct {
	// Seed drives every choice: the same seed on a fresh chain with the same accounts gives
	// the same sequence of calls as long as no fork happens.
	Seed int64
	// TxPerBlock is the number of transactions each Step sends (default 8), calls that must
	// revert included.
	TxPerBlock int
	// Payments is the number of payment token transfers each Step adds to its block (payments.go;
	// default 0). They are chosen with their own random stream, so they leave the registry calls
	// (and CallDigest) as they would be without them.
	Payments int
}

// FuncStats counts the transactions sent to one registry function.
type FuncStats struct {
	// Sent is the number of transactions sent.
	Sent int
	// Succeeded is how many were mined with status 1 (all those meant to succeed).
	Succeeded int
	// ExpectedReverts is how many were sent to fail and did (status 0, reason checked).
	ExpectedReverts int
}

// GenStats summarises what a Generator did. Maps are keyed as described per field; the value
// returned by Stats is a copy.
type GenStats struct {
	// Steps is the number of blocks committed by Step.
	Steps int
	// Sent, Succeeded and ExpectedReverts count transactions over all functions.
	Sent, Succeeded, ExpectedReverts int
	// Resyncs counts model updates from the chain's view functions: at the first Step, at the
	// first Step after one or more forks, and after a failed Step.
	Resyncs int
	// Functions is keyed "Registry.signature", e.g. "Identity.register(string)" (see
	// WriteFunctions).
	Functions map[string]FuncStats
	// Reverts counts the must-revert calls seen failing, by kind (see RevertKinds).
	Reverts map[string]int
	// Actors counts calls that needed authorisation on an agent by the caller's role:
	// "owner", "approved" (getApproved) or "operator" (isApprovedForAll).
	Actors map[string]int
	// Payments counts the payment token transfers mined, by kind ("transfer",
	// "transferWithAuthorization", "receiveWithAuthorization").
	Payments map[string]int
	// CallDigest is a running keccak256 over every call sent (function, sender, arguments
	// except setAgentWallet's deadline and signature, which follow the block time). Two
	// generators with the same seed and no forks have equal digests.
	CallDigest common.Hash
}

// Generator sends seeded, deterministic ERC-8004 traffic to a Chain: every write function of
// the three registries from many accounts, with edge-case arguments, plus calls that must
// revert (checked by reason and counted). It keeps a model of the chain (agents, owners,
// approvals, operators, feedback indexes, validations) only to choose valid calls, and
// rebuilds it from the registries' view functions after a fork.
//
// Step must not be called concurrently with itself; Stats may be called from any goroutine.
type Generator struct {
	c    *Chain
	opts GenOptions
	rng  *rand.Rand

	accts  []Account
	admins []Account // accounts that may own a registry: the deployer and the generator accounts
	payers []Account // the payment token's holders
	// prng chooses the payments; payNonce numbers their EIP-3009 nonces and never goes back.
	prng     *rand.Rand
	payNonce uint64
	keys     map[common.Address]*Account
	regs     [3]common.Address
	impls    [3]common.Address

	m      *model
	nonces map[common.Address]uint64
	// epoch is the chain's fork count at the last resync; synced is false until the first.
	epoch  uint64
	synced bool
	// requests numbers the validation request hashes; it never goes back, so a hash is never
	// reused even after a fork dropped the request that used it.
	requests uint64

	mu    sync.Mutex // guards stats
	stats GenStats
}

// NewGenerator returns a generator for c. It sends nothing until Step.
func NewGenerator(c *Chain, o GenOptions) *Generator {
	if o.TxPerBlock <= 0 {
		o.TxPerBlock = defaultTxPerBlock
	}
	g := &Generator{
		c:      c,
		opts:   o,
		rng:    rand.New(rand.NewPCG(uint64(o.Seed), 0x8004_de7c_4a17)),
		prng:   rand.New(rand.NewPCG(uint64(o.Seed), 0x3009)),
		accts:  c.Accounts(),
		payers: c.Payers(),
		keys:   map[common.Address]*Account{},
		nonces: map[common.Address]uint64{},
		m:      newModel(),
		stats: GenStats{
			Functions: map[string]FuncStats{},
			Reverts:   map[string]int{},
			Actors:    map[string]int{},
			Payments:  map[string]int{},
		},
	}
	g.admins = append([]Account{c.Deployer()}, g.accts...)
	for i := range g.admins {
		g.keys[g.admins[i].Address] = &g.admins[i]
	}
	r := c.Registries()
	g.regs = [3]common.Address{r.Identity, r.Reputation, r.Validation}
	d := c.Deployment()
	g.impls = [3]common.Address{d.Identity.Implementation, d.Reputation.Implementation, d.Validation.Implementation}
	return g
}

// Stats returns a copy of the generator's counters.
func (g *Generator) Stats() GenStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Functions = maps.Clone(g.stats.Functions)
	s.Reverts = maps.Clone(g.stats.Reverts)
	s.Actors = maps.Clone(g.stats.Actors)
	s.Payments = maps.Clone(g.stats.Payments)
	return s
}

// call is one planned transaction.
type call struct {
	reg  int // registry index (regIdentity, …)
	from *Account
	data []byte
	// digest is what enters GenStats.CallDigest (data, unless parts of it are not deterministic).
	digest []byte
	// actor is the caller's role for calls authorised on an agent ("" otherwise).
	actor string
	// revert is non-nil for a call that must fail.
	revert *revertSpec
}

// revertSpec is the expected failure of a must-revert call: an Error(string) reason or the
// selector of a custom error.
type revertSpec struct {
	kind     string
	reason   string
	selector []byte
}

// Step sends one block's worth of transactions (GenOptions.TxPerBlock) and commits exactly one
// block. Calls meant to succeed must be mined with status 1; must-revert calls are first
// checked with eth_call (the reason must match), then mined and must have status 0. Any
// deviation is returned as an error; the generator then rebuilds its model before its next
// Step. After forks of the chain, Step first updates its model and nonces from the chain (the
// registries' view functions, for what the forks touched).
func (g *Generator) Step(ctx context.Context) error {
	g.c.mu.Lock()
	defer g.c.mu.Unlock()
	if g.c.closed {
		return errors.New("generator step: dev chain closed")
	}
	if !g.synced || g.epoch != g.c.epoch.Load() {
		if err := g.resync(ctx); err != nil {
			return fmt.Errorf("generator step: %w", err)
		}
	}
	if err := g.step(ctx); err != nil {
		g.synced = false // the model may be wrong now; rebuild it next time
		return fmt.Errorf("generator step at block %d: %w", g.c.head.Load()+1, err)
	}
	return nil
}

func (g *Generator) step(ctx context.Context) error {
	head, err := g.c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	calls, err := g.plan(ctx, head)
	if err != nil {
		return err
	}
	txs := make([]*types.Transaction, 0, len(calls))
	var sendErr error
	for i, cl := range calls {
		tx, err := g.send(ctx, cl, len(calls)-i)
		if err != nil {
			sendErr = fmt.Errorf("send %s: %w", g.fnName(cl), err)
			break
		}
		txs = append(txs, tx)
	}
	var pays []payment
	if sendErr == nil {
		pays, sendErr = g.sendPayments(ctx, head)
		all := slices.Clone(txs)
		for _, p := range pays {
			all = append(all, p.tx)
		}
		sendErr = errors.Join(sendErr, g.c.waitPromoted(ctx, g.nonces, all))
	}
	// Commit even after a failed send so that the pool does not keep half a block.
	hash, err := g.c.commitLocked()
	if err != nil {
		return errors.Join(sendErr, err)
	}
	if sendErr != nil {
		return sendErr
	}
	g.mu.Lock()
	g.stats.Steps++
	g.mu.Unlock()
	for i, tx := range txs {
		if err := g.check(ctx, calls[i], tx, hash); err != nil {
			return err
		}
	}
	return g.checkPayments(ctx, pays, hash)
}

// plan chooses the calls of one block. Must-revert calls come first: they are mined first
// (highest tip) and so run on exactly the state their eth_call check saw. The other calls
// update the model as they are planned, in the order they will execute.
func (g *Generator) plan(ctx context.Context, head *types.Header) ([]*call, error) {
	n := g.opts.TxPerBlock
	// One must-revert call per block (every other block with TxPerBlock 1); while some kind
	// was never seen, up to half the block goes to unseen kinds so a short run covers them.
	reverts := 1
	if n == 1 && g.stats.Steps%2 == 0 {
		reverts = 0
	} else if n > 1 && g.uncoveredReverts() > 0 {
		reverts = max(1, n/2)
	}
	calls := make([]*call, 0, n)
	planned := map[string]bool{}
	for i := range reverts {
		cl := g.pickRevert(head, planned, i > 0)
		if cl == nil {
			break
		}
		if err := g.precheck(ctx, cl); err != nil {
			return nil, err
		}
		calls = append(calls, cl)
	}
	for len(calls) < n {
		calls = append(calls, g.pickOp(head))
	}
	return calls, nil
}

// send signs and sends one call. tipRank orders the block: higher rank, higher tip, mined
// earlier (the miner sorts by tip, then arrival), so the block executes in planning order.
func (g *Generator) send(ctx context.Context, cl *call, tipRank int) (*types.Transaction, error) {
	to := g.regs[cl.reg]
	nonce := g.nonces[cl.from.Address]
	tx, err := types.SignNewTx(cl.from.Key, g.c.signer, &types.DynamicFeeTx{
		ChainID:   g.c.chainID,
		Nonce:     nonce,
		GasTipCap: new(big.Int).Add(big.NewInt(2e9), big.NewInt(int64(tipRank)*1000)),
		GasFeeCap: big.NewInt(20e9), // × 40M gas max stays under the node's 1 ether fee cap
		Gas:       gasFor(cl.data),
		To:        &to,
		Data:      cl.data,
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := g.c.client.SendTransaction(ctx, tx); err != nil {
		return nil, err
	}
	g.nonces[cl.from.Address] = nonce + 1

	g.mu.Lock()
	defer g.mu.Unlock()
	fn := g.fnName(cl)
	fs := g.stats.Functions[fn]
	fs.Sent++
	g.stats.Functions[fn] = fs
	g.stats.Sent++
	if cl.actor != "" {
		g.stats.Actors[cl.actor]++
	}
	dig := cl.digest
	if dig == nil {
		dig = cl.data
	}
	g.stats.CallDigest = crypto.Keccak256Hash(g.stats.CallDigest[:], cl.from.Address[:], to[:], dig)
	return tx, nil
}

// gasFor is a generous gas limit. The simulated chain runs the newest fork rules, where EIP-8037
// charges 64 × 1530 gas of state gas per new storage slot, so a stored string byte costs about
// 3,800 gas: 5,000 per calldata byte on top of a 500k base covers every registry call (unused
// gas is not charged). It stays under EIP-7825's per-transaction cap, above which the miner
// silently leaves a transaction out; the generator's largest calls need about 12M.
func gasFor(data []byte) uint64 {
	return min(500_000+5_000*uint64(len(data)), params.MaxTxGas)
}

// check verifies the receipt of a sent call against its expectation.
func (g *Generator) check(ctx context.Context, cl *call, tx *types.Transaction, block common.Hash) error {
	rcpt, err := g.c.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		return fmt.Errorf("receipt of %s (%s): %w", g.fnName(cl), tx.Hash(), err)
	}
	if rcpt.BlockHash != block {
		return fmt.Errorf("%s (%s) mined in %s, not in the committed block %s", g.fnName(cl), tx.Hash(), rcpt.BlockHash, block)
	}
	fn := g.fnName(cl)
	g.mu.Lock()
	defer g.mu.Unlock()
	fs := g.stats.Functions[fn]
	defer func() { g.stats.Functions[fn] = fs }()
	switch {
	case cl.revert == nil && rcpt.Status == types.ReceiptStatusSuccessful:
		fs.Succeeded++
		g.stats.Succeeded++
	case cl.revert == nil:
		return fmt.Errorf("%s from %s (%s) reverted, expected success (gas used %d of %d; replayed on the parent state: %v)",
			fn, cl.from.Address, tx.Hash(), rcpt.GasUsed, tx.Gas(), g.replay(ctx, cl, tx, rcpt))
	case rcpt.Status == types.ReceiptStatusSuccessful:
		return fmt.Errorf("must-revert call %q (%s from %s, %s) succeeded", cl.revert.kind, fn, cl.from.Address, tx.Hash())
	default:
		fs.ExpectedReverts++
		g.stats.ExpectedReverts++
		g.stats.Reverts[cl.revert.kind]++
	}
	return nil
}

// replay re-runs a failed call with eth_call on the state before its block, for the error
// message (earlier transactions of the same block are not applied, so it is only a hint).
func (g *Generator) replay(ctx context.Context, cl *call, tx *types.Transaction, rcpt *types.Receipt) error {
	parent := new(big.Int).Sub(rcpt.BlockNumber, big.NewInt(1))
	_, err := g.c.client.CallContract(ctx, ethereum.CallMsg{From: cl.from.Address, To: tx.To(), Gas: tx.Gas(), Data: cl.data}, parent)
	if data, ok := revertData(err); ok {
		return fmt.Errorf("%w (data %x)", err, data)
	}
	return err
}

// precheck runs a must-revert call with eth_call on the head state and checks its revert.
func (g *Generator) precheck(ctx context.Context, cl *call) error {
	to := g.regs[cl.reg]
	_, err := g.c.client.CallContract(ctx, ethereum.CallMsg{From: cl.from.Address, To: &to, Gas: gasFor(cl.data), Data: cl.data}, nil)
	if err == nil {
		return fmt.Errorf("must-revert call %q (%s) succeeds in eth_call", cl.revert.kind, g.fnName(cl))
	}
	data, ok := revertData(err)
	if !ok {
		return fmt.Errorf("must-revert call %q (%s): eth_call failed without revert data: %w", cl.revert.kind, g.fnName(cl), err)
	}
	if cl.revert.selector != nil {
		if len(data) < 4 || !slices.Equal(data[:4], cl.revert.selector) {
			return fmt.Errorf("must-revert call %q (%s) reverted with %x, want selector %x", cl.revert.kind, g.fnName(cl), data, cl.revert.selector)
		}
		return nil
	}
	reason, err := abi.UnpackRevert(data)
	if err != nil || reason != cl.revert.reason {
		return fmt.Errorf("must-revert call %q (%s) reverted with %q (%x), want %q", cl.revert.kind, g.fnName(cl), reason, data, cl.revert.reason)
	}
	return nil
}

// fnName returns the stats key of a call: "Registry.signature".
func (g *Generator) fnName(cl *call) string {
	if len(cl.data) >= 4 {
		if name, ok := writeFunctionsBySelector[cl.reg][[4]byte(cl.data[:4])]; ok {
			return name
		}
	}
	return regNames[cl.reg] + ".unknown"
}
