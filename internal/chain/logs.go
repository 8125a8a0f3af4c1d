package chain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"
)

// LogQuery selects logs for one eth_getLogs call: either the block range
// [From, To] or, when BlockHash is set (EIP-234), the single block with that
// hash, in which case From and To must be zero.
type LogQuery struct {
	From, To  uint64
	BlockHash *common.Hash
	Addresses []common.Address
	Topics    [][]common.Hash
}

// String describes the query for errors and logs.
func (q LogQuery) String() string {
	if q.BlockHash != nil {
		return "block " + q.BlockHash.Hex()
	}
	return fmt.Sprintf("blocks %d-%d", q.From, q.To)
}

// filterArg returns the eth_getLogs filter object.
func (q LogQuery) filterArg() (map[string]any, error) {
	arg := map[string]any{}
	// An empty address list means "any address"; some nodes reject "address":[].
	if len(q.Addresses) > 0 {
		arg["address"] = q.Addresses
	}
	if q.Topics != nil {
		arg["topics"] = q.Topics
	}
	if q.BlockHash != nil {
		if q.From != 0 || q.To != 0 {
			return nil, errors.New("both block hash and block range given")
		}
		arg["blockHash"] = *q.BlockHash
		return arg, nil
	}
	if q.From > q.To {
		return nil, fmt.Errorf("from %d is above to %d", q.From, q.To)
	}
	arg["fromBlock"] = hexutil.Uint64(q.From)
	arg["toBlock"] = hexutil.Uint64(q.To)
	return arg, nil
}

// Logs runs one eth_getLogs query with retries and failover. A range query
// is only sent to an endpoint whose eth_blockNumber is at least To, because a
// node that has not seen a block may answer [] for it. A block-hash query
// that the endpoint cannot serve fails with ErrBlockNotFound and is retried
// on the other endpoints; its logs must all carry that hash.
//
// Errors: ErrTooManyResults (possibly a *RangeHintError) is returned at once
// so that the caller can shrink the range; a timeout on a multi-block range
// counts as ErrTooManyResults. The logs are neither sorted nor validated: see
// RangeFetcher and Validate.
//
// Logs from an address the query did not name are dropped (an RPC that ignores the address
// filter must not write a foreign contract's events into the index); they are counted through
// Options.ForeignLogs and logged once per call.
func (c *Client) Logs(ctx context.Context, q LogQuery) ([]types.Log, error) {
	logs, foreign, err := c.logs(ctx, q)
	c.reportForeign(q, foreign)
	return logs, err
}

// reportForeign counts and logs, in one line, the n foreign logs dropped while answering q.
func (c *Client) reportForeign(q LogQuery, n int) {
	if n == 0 {
		return
	}
	if c.opts.ForeignLogs != nil {
		c.opts.ForeignLogs(n)
	}
	c.log.Warn("dropped logs of addresses outside the query", zap.String("query", q.String()), zap.Int("logs", n))
}

// logs is Logs without the report: it also returns how many foreign logs it dropped.
func (c *Client) logs(ctx context.Context, q LogQuery) ([]types.Log, int, error) {
	arg, err := q.filterArg()
	if err != nil {
		return nil, 0, fmt.Errorf("get logs %s: %w", q, err)
	}
	co := classifyOpts{logs: true, logsRange: q.BlockHash == nil && q.To > q.From, from: q.From, to: q.To}
	var logs []types.Log
	foreign := 0
	err = c.do(ctx, "get logs "+q.String(), co, func(ctx context.Context, ep *endpoint) error {
		if q.BlockHash == nil {
			if err := c.ensureHead(ctx, ep, q.To); err != nil {
				return err
			}
		}
		got, err := c.getLogs(ctx, ep, arg)
		if err != nil {
			return err
		}
		if q.BlockHash != nil {
			for i := range got {
				if got[i].BlockHash != *q.BlockHash {
					return &endpointError{kind: ErrInconsistent, retry: retryElsewhere,
						msg: fmt.Sprintf("log %d of block %s has block hash %s", got[i].Index, q.BlockHash.Hex(), got[i].BlockHash.Hex())}
				}
			}
		}
		logs, foreign = dropForeign(got, q.Addresses)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return logs, foreign, nil
}

// dropForeign removes, in place, the logs whose address is not in addrs (none when addrs is
// empty: the query asked for every address) and returns how many it removed.
func dropForeign(logs []types.Log, addrs []common.Address) ([]types.Log, int) {
	if len(addrs) == 0 {
		return logs, 0
	}
	kept := logs[:0]
	for i := range logs {
		if slices.Contains(addrs, logs[i].Address) {
			kept = append(kept, logs[i])
		}
	}
	return kept, len(logs) - len(kept)
}

// getLogs sends one eth_getLogs request to ep. Over HTTP the request is made
// directly and the response decoded by the fast log decoder, because the
// rpc package would first decode the whole body with encoding/json; over WS
// the rpc client hands over the raw result.
func (c *Client) getLogs(ctx context.Context, ep *endpoint, arg map[string]any) ([]types.Log, error) {
	if ep.ws {
		rc, err := c.rpcClient(ctx, ep)
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := rc.CallContext(ctx, &raw, "eth_getLogs", arg); err != nil {
			return nil, err
		}
		logs, err := decodeLogs(raw)
		if err != nil {
			return nil, fmt.Errorf("decode logs: %w", err)
		}
		return logs, nil
	}
	return c.getLogsHTTP(ctx, ep, arg)
}

// bodyPool recycles response buffers; the decoder copies everything out.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps huge buffers out of the pool.
const maxPooledBody = 64 << 20

// getLogsHTTP posts eth_getLogs to an HTTP endpoint and decodes the answer.
func (c *Client) getLogsHTTP(ctx context.Context, ep *endpoint, arg map[string]any) ([]types.Log, error) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": []any{arg}})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, rpc.HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: b}
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyPool.Put(buf)
		}
	}()
	if resp.ContentLength > c.opts.MaxResponseBytes {
		return nil, &endpointError{kind: ErrTooManyResults, msg: fmt.Sprintf("response of %d bytes exceeds %d", resp.ContentLength, c.opts.MaxResponseBytes)}
	}
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if n > c.opts.MaxResponseBytes {
		return nil, &endpointError{kind: ErrTooManyResults, msg: fmt.Sprintf("response exceeds %d bytes", c.opts.MaxResponseBytes)}
	}
	logs, err := decodeLogsResponse(buf.Bytes())
	if err != nil {
		var rerr *jsonRPCError
		if errors.As(err, &rerr) {
			return nil, rerr
		}
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return logs, nil
}
