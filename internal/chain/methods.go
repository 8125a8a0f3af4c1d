package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"
)

// ChainID returns the chain id the endpoints serve. It is asked once per
// endpoint (and checked against the other endpoints), then cached.
func (c *Client) ChainID(ctx context.Context) (uint64, error) {
	// attempt verifies the endpoint's chain id before running the call.
	err := c.do(ctx, "get chain id", classifyOpts{}, func(context.Context, *endpoint) error { return nil })
	if err != nil {
		return 0, err
	}
	c.chainMu.Lock()
	defer c.chainMu.Unlock()
	return c.chainID, nil
}

// HeadNumber returns the latest block number (eth_blockNumber).
func (c *Client) HeadNumber(ctx context.Context) (uint64, error) {
	var head uint64
	err := c.do(ctx, "get head", classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return err
		}
		var h hexutil.Uint64
		if err := rc.CallContext(ctx, &h, "eth_blockNumber"); err != nil {
			return err
		}
		ep.setHead(uint64(h))
		head = uint64(h)
		return nil
	})
	return head, err
}

// rpcHeader is the part of an eth_getBlockBy* answer we decode.
type rpcHeader struct {
	Number     *hexutil.Uint64 `json:"number"`
	Hash       *common.Hash    `json:"hash"`
	ParentHash *common.Hash    `json:"parentHash"`
	Time       *hexutil.Uint64 `json:"timestamp"`
	Bloom      *types.Bloom    `json:"logsBloom"`
}

// header checks h and converts it. want is the requested number, or nil when
// the block was asked by hash.
func (h *rpcHeader) header(want *uint64) (Header, error) {
	bad := func(format string, args ...any) (Header, error) {
		return Header{}, &endpointError{kind: ErrInconsistent, retry: retryElsewhere, msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case h.Number == nil:
		return bad("header without number")
	case want != nil && uint64(*h.Number) != *want:
		return bad("asked for block %d, got header of block %d", *want, uint64(*h.Number))
	case h.Hash == nil || *h.Hash == (common.Hash{}):
		return bad("header %d without hash", uint64(*h.Number))
	case h.ParentHash == nil || (*h.ParentHash == (common.Hash{}) && *h.Number != 0):
		return bad("header %d without parent hash", uint64(*h.Number))
	case h.Time == nil:
		return bad("header %d without timestamp", uint64(*h.Number))
	}
	out := Header{Number: uint64(*h.Number), Hash: *h.Hash, ParentHash: *h.ParentHash, Time: uint64(*h.Time)}
	if h.Bloom != nil {
		out.Bloom, out.HasBloom = *h.Bloom, true
	}
	return out, nil
}

// Finalized returns the number of the block tagged "finalized". ok is false
// when the endpoint does not know the tag (pre-merge chains, old nodes) or has
// no finalized block yet.
func (c *Client) Finalized(ctx context.Context) (num uint64, ok bool, err error) {
	err = c.do(ctx, "get finalized block", classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return err
		}
		var h *rpcHeader
		if err := rc.CallContext(ctx, &h, "eth_getBlockByNumber", "finalized", false); err != nil {
			cl := classify(err, ep.red, classifyOpts{})
			var rerr rpc.Error
			// A refusal of the tag ("invalid block number", "finalized block
			// not found") is an answer, not a failure.
			if errors.As(err, &rerr) && (errors.Is(cl, ErrBlockNotFound) || retryModeOf(cl) == retryNever) {
				num, ok = 0, false
				return nil
			}
			return cl
		}
		if h == nil {
			num, ok = 0, false
			return nil
		}
		hd, err := h.header(nil)
		if err != nil {
			return err
		}
		num, ok = hd.Number, true
		return nil
	})
	return num, ok, err
}

// Headers returns the headers of blocks nums, in the same order, fetched with
// JSON-RPC batches of eth_getBlockByNumber(n, false). Each header must carry
// the requested number and non-zero hashes (ErrInconsistent otherwise). A
// block the endpoints do not have fails with ErrBlockNotFound naming it.
func (c *Client) Headers(ctx context.Context, nums []uint64) ([]Header, error) {
	out := make([]Header, len(nums))
	for start := 0; start < len(nums); start += c.opts.MaxBatch {
		end := min(start+c.opts.MaxBatch, len(nums))
		done := make([]bool, end-start)
		op := fmt.Sprintf("get %d headers from block %d", end-start, nums[start])
		err := c.do(ctx, op, classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
			var idx []int
			for i := start; i < end; i++ {
				if !done[i-start] {
					idx = append(idx, i)
				}
			}
			results := make([]*rpcHeader, len(idx))
			elems := make([]rpc.BatchElem, len(idx))
			for k, i := range idx {
				elems[k] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.Uint64(nums[i]), false}, Result: &results[k]}
			}
			if err := c.batchCall(ctx, ep, elems); err != nil {
				return err
			}
			var worst error
			for k, i := range idx {
				n := nums[i]
				var err error
				switch {
				case elems[k].Error != nil:
					err = classify(elems[k].Error, ep.red, classifyOpts{})
				case results[k] == nil:
					err = &endpointError{kind: ErrBlockNotFound, retry: retryElsewhere, msg: "null block"}
				default:
					out[i], err = results[k].header(&n)
				}
				if err != nil {
					worst = worse(worst, fmt.Errorf("block %d: %w", n, err))
					continue
				}
				done[i-start] = true
			}
			return c.noteBatchLimit(worst, len(idx))
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HeaderByHash returns the header of the block with hash h.
func (c *Client) HeaderByHash(ctx context.Context, h common.Hash) (Header, error) {
	var out Header
	err := c.do(ctx, "get header "+h.Hex(), classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return err
		}
		var rh *rpcHeader
		if err := rc.CallContext(ctx, &rh, "eth_getBlockByHash", h, false); err != nil {
			return err
		}
		if rh == nil {
			return &endpointError{kind: ErrBlockNotFound, retry: retryElsewhere, msg: "null block"}
		}
		hd, err := rh.header(nil)
		if err != nil {
			return err
		}
		if hd.Hash != h {
			return &endpointError{kind: ErrInconsistent, retry: retryElsewhere,
				msg: fmt.Sprintf("asked for block %s, got %s", h.Hex(), hd.Hash.Hex())}
		}
		out = hd
		return nil
	})
	return out, err
}

// CallContract runs eth_call of msg at block (nil means latest; negative
// values are the rpc tags such as rpc.FinalizedBlockNumber). A revert is
// returned as is, with its data available through rpc.DataError.
func (c *Client) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	var out hexutil.Bytes
	to := "create"
	if msg.To != nil {
		to = msg.To.Hex()
	}
	err := c.do(ctx, "call "+to, classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return err
		}
		return rc.CallContext(ctx, &out, "eth_call", callArg(msg), blockArg(block))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CodeAt returns the code of addr at block n (eth_getCode), with the client's timeouts, retries
// and failover.
func (c *Client) CodeAt(ctx context.Context, addr common.Address, n uint64) ([]byte, error) {
	var out hexutil.Bytes
	err := c.do(ctx, fmt.Sprintf("get code of %s at block %d", addr.Hex(), n), classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return err
		}
		return rc.CallContext(ctx, &out, "eth_getCode", addr, hexutil.Uint64(n))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Call is one eth_call of a BatchCall.
type Call struct {
	To     common.Address
	Data   []byte
	Result []byte // the return data, set on success
	Err    error  // the per-call answer error (revert, invalid opcode, ...)
}

// BatchCall runs calls as batched eth_call at block (nil means latest).
// Answers of the node about one call (reverts) land in that Call's Err; calls
// that failed for transient reasons are retried; an error is returned only
// when some call could not get an answer.
func (c *Client) BatchCall(ctx context.Context, calls []Call, block *big.Int) error {
	bn := blockArg(block)
	for start := 0; start < len(calls); start += c.opts.MaxBatch {
		end := min(start+c.opts.MaxBatch, len(calls))
		done := make([]bool, end-start)
		op := fmt.Sprintf("batch %d calls at %v", end-start, bn)
		err := c.do(ctx, op, classifyOpts{}, func(ctx context.Context, ep *endpoint) error {
			var idx []int
			for i := start; i < end; i++ {
				if !done[i-start] {
					idx = append(idx, i)
				}
			}
			results := make([]hexutil.Bytes, len(idx))
			elems := make([]rpc.BatchElem, len(idx))
			for k, i := range idx {
				arg := map[string]any{"to": calls[i].To, "data": hexutil.Bytes(calls[i].Data)}
				elems[k] = rpc.BatchElem{Method: "eth_call", Args: []any{arg, bn}, Result: &results[k]}
			}
			if err := c.batchCall(ctx, ep, elems); err != nil {
				return err
			}
			var worst error
			for k, i := range idx {
				if elems[k].Error != nil {
					err := classify(elems[k].Error, ep.red, classifyOpts{})
					if retryModeOf(err) != retryNever {
						worst = worse(worst, fmt.Errorf("call %d to %s: %w", i, calls[i].To.Hex(), err))
						continue
					}
					calls[i].Result, calls[i].Err = nil, err
				} else {
					calls[i].Result, calls[i].Err = results[k], nil
				}
				done[i-start] = true
			}
			return c.noteBatchLimit(worst, len(idx))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// batchCall sends elems in batches of the current batch size. When the
// provider refuses a batch as too large (as a whole, or like geth with a
// "batch too large" answer in place of the first element), the size is halved
// and the batch sent again in smaller pieces.
func (c *Client) batchCall(ctx context.Context, ep *endpoint, elems []rpc.BatchElem) error {
	rc, err := c.rpcClient(ctx, ep)
	if err != nil {
		return err
	}
	for len(elems) > 0 {
		n := min(len(elems), int(c.batch.Load()))
		if err := rc.BatchCallContext(ctx, elems[:n]); err != nil {
			cl := classify(err, ep.red, classifyOpts{timedOut: errors.Is(ctx.Err(), context.DeadlineExceeded)})
			if errors.Is(cl, errBatchTooLarge) && n > 1 {
				c.shrinkBatch(n)
				continue
			}
			return cl
		}
		if n > 1 && refusedBatch(elems[:n]) {
			c.shrinkBatch(n)
			continue
		}
		elems = elems[n:]
	}
	return nil
}

// refusedBatch reports whether an element of a batch answer says the batch
// was too large.
func refusedBatch(elems []rpc.BatchElem) bool {
	for _, e := range elems {
		if e.Error != nil && isBatchTooLarge(strings.ToLower(e.Error.Error())) {
			return true
		}
	}
	return false
}

// noteBatchLimit shrinks the batch size when some elements of a batch of n
// were refused as exceeding the provider's batch limit.
func (c *Client) noteBatchLimit(err error, n int) error {
	if err != nil && errors.Is(err, errBatchTooLarge) {
		c.shrinkBatch(n)
	}
	return err
}

// shrinkBatch halves the batch size from n (at least 1).
func (c *Client) shrinkBatch(n int) {
	cur := c.batch.Load()
	next := max(int64(min(n, int(cur)))/2, 1)
	if next < cur && c.batch.CompareAndSwap(cur, next) {
		c.log.Warn("provider refused batch size, shrinking", zap.Int64("batch", next))
	}
}

// worse returns whichever of a and b makes the retry loop retry soonest, so
// that one failed element does not hide another element's transient error.
func worse(a, b error) error {
	rank := func(err error) int {
		switch retryModeOf(err) {
		case retryNow:
			return 4
		case retryBackoff:
			return 3
		case retryElsewhere:
			return 2
		default:
			return 1
		}
	}
	if a == nil || rank(b) > rank(a) {
		return b
	}
	return a
}

// callArg is the eth_call transaction object for msg. It uses "data" rather
// than "input": every node implementation accepts it.
func callArg(msg ethereum.CallMsg) map[string]any {
	arg := map[string]any{"from": msg.From}
	if msg.To != nil {
		arg["to"] = msg.To
	}
	if len(msg.Data) > 0 {
		arg["data"] = hexutil.Bytes(msg.Data)
	}
	if msg.Value != nil {
		arg["value"] = (*hexutil.Big)(msg.Value)
	}
	if msg.Gas != 0 {
		arg["gas"] = hexutil.Uint64(msg.Gas)
	}
	if msg.GasPrice != nil {
		arg["gasPrice"] = (*hexutil.Big)(msg.GasPrice)
	}
	if msg.GasFeeCap != nil {
		arg["maxFeePerGas"] = (*hexutil.Big)(msg.GasFeeCap)
	}
	if msg.GasTipCap != nil {
		arg["maxPriorityFeePerGas"] = (*hexutil.Big)(msg.GasTipCap)
	}
	if msg.AccessList != nil {
		arg["accessList"] = msg.AccessList
	}
	return arg
}

// blockArg is the block parameter for block: latest for nil, a hex number,
// or an rpc tag for the negative rpc.BlockNumber values.
func blockArg(block *big.Int) string {
	switch {
	case block == nil:
		return "latest"
	case block.Sign() >= 0:
		return hexutil.EncodeBig(block)
	case block.IsInt64():
		return rpc.BlockNumber(block.Int64()).String()
	default:
		return "latest"
	}
}
