package devchain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"
)

// ErrForkTooDeep is returned by Fork when the depth is zero or above MaxForkDepth (the fork
// point would be below SetupBlock, where the registries would disappear, or in the chain
// freezer's reach).
var ErrForkTooDeep = errors.New("fork depth out of range")

// maxReinjectDepth is go-ethereum's legacypool limit: on a reorg deeper than 64 blocks the
// pool does not re-inject the dropped transactions (legacypool.reset, "Skipping deep
// transaction reorg").
const maxReinjectDepth = 64

// reinjectWait bounds the wait for the pool to re-inject the dropped transactions.
const reinjectWait = 5 * time.Second

// ForkInfo describes a completed Fork.
type ForkInfo struct {
	// Depth is the number of blocks that were replaced.
	Depth uint64
	// Ancestor is the common ancestor: the last block kept (old head - Depth).
	Ancestor uint64
	// OldHead and OldHeadHash are the head before the fork.
	OldHead     uint64
	OldHeadHash common.Hash
	// NewHead and NewHeadHash are the head after the fork (NewHead > OldHead).
	NewHead     uint64
	NewHeadHash common.Hash
	// DroppedTxs is the number of transactions in the abandoned blocks.
	DroppedTxs int
	// Reinjected is how many of them the pool took back and the new branch re-mined.
	Reinjected int
	// Dropped are the hashes of the abandoned blocks (Ancestor+1 … OldHead); the node keeps
	// them, so their logs stay readable with eth_getLogs by block hash.
	Dropped []common.Hash
}

// maxForkLog is how many recent forks the chain remembers for generators catching up.
const maxForkLog = 256

// Fork simulates a reorg of depth blocks: the chain is rewound to the ancestor at Head-depth
// and depth+1 new blocks are mined on it, so the new branch is one block longer than the old
// one and becomes canonical; every block above the ancestor gets a new hash. Any depth up to
// MaxForkDepth works for as long as the chain runs: nothing is ever finalized, so go-ethereum's
// chain freezer moves no block out of reach of a rewind (see backend).
//
// What happens, exactly (go-ethereum v1.17):
//   - BlockChain.SetCanonical(ancestor) (backend.rewind) moves the head back to the ancestor
//     at once (the old blocks stay in the database as a side chain, so eth_getBlockByHash
//     still finds them; by number they are gone). The head event makes the transaction pool
//     reset to the ancestor's state.
//   - The pool re-injects every transaction of the abandoned blocks (legacypool.reset; not for
//     reorgs deeper than 64 blocks). Fork waits until the pool holds all of them. With
//     Options.ForkDiscardTxs they are removed instead (backend.clearPool, which first lets the
//     pool finish re-injecting), as if they had never been broadcast.
//   - Each of the depth+1 new blocks carries one filler transaction (1 wei from a reserved
//     account to an address unique to the fork and block), so no new block can equal the old
//     one at its height even when empty otherwise. Their timestamps are also later (a
//     timestamp is never reused) and their prevRandao is random.
//   - Re-injected transactions are mined in the first new block(s), ordered by the pool (tip,
//     then arrival), not as they were: the same transaction hashes get new block numbers,
//     hashes and log indexes, and some may now revert or succeed where they did not before.
//     If they do not all fit, Fork mines more blocks until the pool is empty.
//
// After Fork every re-injected transaction is mined. Generators notice the fork (Forks
// changes) and resync their nonces and model from the chain before their next Step. Fork
// returns ErrForkTooDeep for a depth of 0 or above MaxForkDepth, and an error ("pending block
// dirty") if the pool held transactions not mined yet.
func (c *Chain) Fork(depth uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("fork: dev chain closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	info, err := c.forkLocked(ctx, depth)
	if err != nil {
		return fmt.Errorf("fork %d blocks: %w", depth, err)
	}
	c.lastFork.Store(&info)
	c.forkLog = append(c.forkLog, info)
	if len(c.forkLog) > maxForkLog {
		c.forkLog = append([]ForkInfo(nil), c.forkLog[len(c.forkLog)-maxForkLog:]...)
	}
	c.epoch.Add(1)
	c.log.Info("chain forked",
		zap.Uint64("depth", depth), zap.Uint64("ancestor", info.Ancestor),
		zap.Uint64("old_head", info.OldHead), zap.Uint64("block", info.NewHead),
		zap.Int("dropped_txs", info.DroppedTxs), zap.Int("reinjected_txs", info.Reinjected))
	return nil
}

func (c *Chain) forkLocked(ctx context.Context, depth uint64) (ForkInfo, error) {
	head := c.head.Load()
	if limit := maxForkDepth(head, c.setupBlock); depth == 0 || depth > limit {
		return ForkInfo{}, fmt.Errorf("%w: depth %d, head %d, setup block %d, max depth %d", ErrForkTooDeep, depth, head, c.setupBlock, limit)
	}
	info := ForkInfo{Depth: depth, Ancestor: head - depth, OldHead: head, OldHeadHash: c.HeadHash()}
	ancestor, err := c.client.HeaderByNumber(ctx, new(big.Int).SetUint64(info.Ancestor))
	if err != nil {
		return ForkInfo{}, fmt.Errorf("read ancestor %d: %w", info.Ancestor, err)
	}
	var dropped []common.Hash
	for n := info.Ancestor + 1; n <= head; n++ {
		b, err := c.client.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			return ForkInfo{}, fmt.Errorf("read block %d: %w", n, err)
		}
		info.Dropped = append(info.Dropped, b.Hash())
		for _, tx := range b.Transactions() {
			dropped = append(dropped, tx.Hash())
		}
	}
	info.DroppedTxs = len(dropped)

	// Fails with "pending block dirty" if the pool holds transactions.
	if err := c.sim.rewind(ancestor.Hash()); err != nil {
		return ForkInfo{}, fmt.Errorf("rewind to %d: %w", info.Ancestor, err)
	}
	c.setHead(ancestor)

	var reinjected []common.Hash
	if c.opts.ForkDiscardTxs || depth > maxReinjectDepth {
		// clearPool = TxPool.Clear, which syncs the pool (finishing the re-injection) first.
		// Beyond maxReinjectDepth the pool re-injects nothing, but its reset to the ancestor
		// still runs asynchronously: without this sync the filler nonce below could be read
		// from the abandoned branch's state and never be promoted.
		c.sim.clearPool()
	} else {
		if reinjected, err = c.waitReinjected(ctx, dropped); err != nil {
			return ForkInfo{}, err
		}
	}
	info.Reinjected = len(reinjected)

	nonce, err := c.client.PendingNonceAt(ctx, c.forker.Address)
	if err != nil {
		return ForkInfo{}, fmt.Errorf("read filler nonce: %w", err)
	}
	epoch := c.epoch.Load()
	for i := range depth + 1 {
		tx, err := c.sendFiller(ctx, nonce+i, epoch, i)
		if err != nil {
			return ForkInfo{}, err
		}
		if err := c.waitPromoted(ctx, map[common.Address]uint64{c.forker.Address: nonce + i + 1}, []*types.Transaction{tx}); err != nil {
			return ForkInfo{}, err
		}
		if _, err := c.commitLocked(); err != nil {
			return ForkInfo{}, fmt.Errorf("mine new block %d of %d: %w", i+1, depth+1, err)
		}
	}
	// Re-injected transactions that did not fit are mined in extra blocks.
	for extra := 0; ; extra++ {
		if reinjected, err = c.unmined(ctx, reinjected); err != nil {
			return ForkInfo{}, err
		}
		if len(reinjected) == 0 {
			break
		}
		if extra == maxReinjectDepth {
			return ForkInfo{}, fmt.Errorf("%d re-injected transactions still unmined after %d extra blocks", len(reinjected), extra)
		}
		if _, err := c.commitLocked(); err != nil {
			return ForkInfo{}, fmt.Errorf("mine spill-over block: %w", err)
		}
	}
	info.NewHead, info.NewHeadHash = c.head.Load(), c.HeadHash()
	return info, nil
}

// waitReinjected waits until the pool holds the dropped transactions again (its reset runs
// asynchronously after the head event; eth_getTransactionByHash reports a transaction as
// pending once it is back) and returns those it holds. If some never come back (the pool
// refused them), it gives up after reinjectWait and logs a warning.
func (c *Chain) waitReinjected(ctx context.Context, dropped []common.Hash) ([]common.Hash, error) {
	deadline := time.Now().Add(reinjectWait)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var back []common.Hash
	waiting := dropped
	for {
		var still []common.Hash
		for _, h := range waiting {
			_, pending, err := c.client.TransactionByHash(ctx, h)
			switch {
			case err == nil && pending:
				back = append(back, h)
			case err == nil || errors.Is(err, ethereum.NotFound):
				still = append(still, h)
			default:
				return nil, fmt.Errorf("look up dropped tx %s: %w", h, err)
			}
		}
		waiting = still
		if len(waiting) == 0 {
			return back, nil
		}
		if time.Now().After(deadline) {
			c.log.Warn("pool did not re-inject all dropped transactions",
				zap.Int("dropped_txs", len(dropped)), zap.Int("reinjected_txs", len(back)))
			return back, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for re-injected transactions: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// unmined returns the transactions of txs that have no receipt yet.
func (c *Chain) unmined(ctx context.Context, txs []common.Hash) ([]common.Hash, error) {
	var out []common.Hash
	for _, h := range txs {
		_, err := c.client.TransactionReceipt(ctx, h)
		switch {
		case errors.Is(err, ethereum.NotFound):
			out = append(out, h)
		case err != nil:
			return nil, fmt.Errorf("receipt of re-injected tx %s: %w", h, err)
		}
	}
	return out, nil
}

// sendFiller sends the filler transaction of new block i of fork number epoch: 1 wei from the
// forker account to an address derived from (epoch, i), so its hash is new.
func (c *Chain) sendFiller(ctx context.Context, nonce, epoch, i uint64) (*types.Transaction, error) {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], epoch)
	binary.BigEndian.PutUint64(buf[8:], i)
	to := common.BytesToAddress(crypto.Keccak256([]byte("devchain/fork-filler"), buf[:]))
	tx, err := types.SignNewTx(c.forker.Key, c.signer, &types.DynamicFeeTx{
		ChainID:   c.chainID,
		Nonce:     nonce,
		GasTipCap: big.NewInt(1e9),
		GasFeeCap: big.NewInt(100e9),
		Gas:       21_000,
		To:        &to,
		Value:     big.NewInt(1),
	})
	if err != nil {
		return nil, fmt.Errorf("sign filler tx: %w", err)
	}
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		return nil, fmt.Errorf("send filler tx: %w", err)
	}
	return tx, nil
}

// forksSince returns the forks completed after the first epoch ones (in order), or false if
// the chain no longer remembers all of them. c.mu must be held.
func (c *Chain) forksSince(epoch uint64) ([]ForkInfo, bool) {
	now := c.epoch.Load()
	first := now - uint64(len(c.forkLog)) // forkLog[i] is fork number first+i+1
	if epoch < first {
		return nil, false
	}
	return c.forkLog[epoch-first:], true
}
