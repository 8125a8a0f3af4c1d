package sink

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Log is one registry log ready to be written: the raw log, what decoding made of it, and the
// timestamp of its block.
type Log struct {
	Raw       types.Log
	Registry  erc8004.Registry
	Event     erc8004.Event // nil when the log could not be decoded
	DecodeErr error         // why Event is nil
	BlockTime uint64
}

// Batch is the unit of Replace: the complete contents of the block range [From, To].
type Batch struct {
	ChainID uint64
	From    uint64
	To      uint64  // inclusive; MaxBlock for "everything above From"
	Logs    []Log   // every registry log in [From, To], ordered by (block, log index)
	Blocks  []Block // headers to store, all within [From, To]
	// Cursor, when set, becomes the chain's cursor; a replay of a range below the cursor leaves it nil.
	Cursor *Block
	// DropCursor deletes the chain's cursor (a rollback to before the start block).
	DropCursor bool
	// Expect, when set, must equal the stored cursor (number and hash) or Replace fails with
	// ErrCursorMoved: it guards against another process having indexed the chain meanwhile.
	// Nil skips the check (first batch of a chain, operator replays).
	Expect *Block
	// Finalized is the chain's finalized block as the caller saw it, stored with the cursor.
	Finalized uint64
	// PruneFrom and PruneBelow, when PruneBelow is non-zero, drop the stored headers in
	// [PruneFrom, PruneBelow) that carry no event: below finality only event blocks are kept.
	PruneFrom, PruneBelow uint64
}

func (b *Batch) check() error {
	if b.From > b.To {
		return fmt.Errorf("invalid range %d-%d", b.From, b.To)
	}
	if b.To > MaxBlock {
		b.To = MaxBlock
	}
	var prevBlock uint64
	var prevIndex = -1
	for i := range b.Logs {
		l := &b.Logs[i].Raw
		if l.BlockNumber < b.From || l.BlockNumber > b.To {
			return fmt.Errorf("log of block %d outside range %d-%d", l.BlockNumber, b.From, b.To)
		}
		if l.BlockNumber < prevBlock || (l.BlockNumber == prevBlock && int(l.Index) <= prevIndex) {
			return fmt.Errorf("logs out of order at block %d index %d", l.BlockNumber, l.Index)
		}
		prevBlock, prevIndex = l.BlockNumber, int(l.Index)
	}
	for _, h := range b.Blocks {
		if h.Number < b.From || h.Number > b.To {
			return fmt.Errorf("header of block %d outside range %d-%d", h.Number, b.From, b.To)
		}
	}
	if b.Cursor != nil && b.Cursor.Number > b.To {
		return fmt.Errorf("cursor %d beyond range end %d", b.Cursor.Number, b.To)
	}
	return nil
}

// tableRows accumulates COPY rows for one table.
type tableRows struct {
	name    string
	columns []string
	rows    [][]any
}

// copyRows inserts the batch's per-log rows with COPY. The range was emptied before, so plain
// inserts cannot conflict.
func copyRows(ctx context.Context, tx pgx.Tx, b *Batch) (int64, error) {
	events := tableRows{name: "erc8004_events", columns: []string{"chain_id", "block_number", "block_hash", "block_time",
		"tx_hash", "tx_index", "log_index", "address", "registry", "event", "signature", "agent_id", "args", "topic0",
		"topics", "data", "decode_error"}}
	feedback := tableRows{name: "erc8004_reputation", columns: []string{"chain_id", "registry", "agent_id",
		"client_address", "feedback_index", "index_derived", "value", "value_decimals", "tag1", "tag2", "endpoint",
		"feedback_uri", "feedback_hash", "block_number", "block_time", "tx_hash", "log_index"}}
	responses := tableRows{name: "erc8004_feedback_responses", columns: []string{"chain_id", "registry", "agent_id",
		"client_address", "feedback_index", "responder", "response_uri", "response_hash", "block_number", "block_time",
		"tx_hash", "log_index"}}
	requests := tableRows{name: "erc8004_validations", columns: []string{"chain_id", "registry", "request_hash",
		"validator_address", "agent_id", "request_uri", "block_number", "block_time", "tx_hash", "log_index"}}
	vresponses := tableRows{name: "erc8004_validation_responses", columns: []string{"chain_id", "registry",
		"request_hash", "validator_address", "agent_id", "response", "response_uri", "response_hash", "tag",
		"block_number", "block_time", "tx_hash", "log_index"}}

	chain := int64(b.ChainID)
	for i := range b.Logs {
		l := &b.Logs[i]
		row, err := eventRow(chain, l)
		if err != nil {
			return 0, err
		}
		events.rows = append(events.rows, row)
		if l.Event == nil {
			continue
		}
		addr := hexAddr(l.Raw.Address)
		at := unixTime(l.BlockTime)
		pos := []any{int64(l.Raw.BlockNumber), at, hexHash(l.Raw.TxHash), int64(l.Raw.Index)}
		switch ev := l.Event.(type) {
		case *erc8004.NewFeedback:
			feedback.rows = append(feedback.rows, append([]any{chain, addr, numeric(ev.AgentID), hexAddr(ev.Client),
				int64(ev.FeedbackIndex), !ev.HasIndex, numeric(ev.Value), int16(ev.ValueDecimals),
				erc8004.SafeText(ev.Tag1), erc8004.SafeText(ev.Tag2), erc8004.SafeText(ev.Endpoint),
				erc8004.SafeText(ev.FeedbackURI), hexHash(ev.FeedbackHash)}, pos...))
		case *erc8004.ResponseAppended:
			responses.rows = append(responses.rows, append([]any{chain, addr, numeric(ev.AgentID), hexAddr(ev.Client),
				int64(ev.FeedbackIndex), hexAddr(ev.Responder), erc8004.SafeText(ev.ResponseURI),
				hexHash(ev.ResponseHash)}, pos...))
		case *erc8004.ValidationRequest:
			requests.rows = append(requests.rows, append([]any{chain, addr, hexHash(ev.RequestHash),
				hexAddr(ev.Validator), numeric(ev.AgentID), erc8004.SafeText(ev.RequestURI)}, pos...))
		case *erc8004.ValidationResponse:
			vresponses.rows = append(vresponses.rows, append([]any{chain, addr, hexHash(ev.RequestHash),
				hexAddr(ev.Validator), numeric(ev.AgentID), int16(ev.Response), erc8004.SafeText(ev.ResponseURI),
				hexHash(ev.ResponseHash), erc8004.SafeText(ev.Tag)}, pos...))
		}
	}
	var total int64
	for _, t := range []*tableRows{&events, &feedback, &responses, &requests, &vresponses} {
		if len(t.rows) == 0 {
			continue
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(t.rows))
		if err != nil {
			return 0, fmt.Errorf("copy %s: %w", t.name, err)
		}
		total += n
	}
	return total, nil
}

func eventRow(chain int64, l *Log) ([]any, error) {
	topics := make([]string, len(l.Raw.Topics))
	for i, t := range l.Raw.Topics {
		topics[i] = hexHash(t)
	}
	var topic0 any
	if len(topics) > 0 {
		topic0 = topics[0]
	}
	var (
		name, signature string
		agentID         any
		args            any
		decodeErr       any
	)
	if l.Event != nil {
		name, signature = l.Event.Name(), l.Event.Signature()
		if id := erc8004.AgentID(l.Event); id != nil {
			agentID = numeric(id)
		}
		js, err := json.Marshal(l.Event.Args())
		if err != nil {
			return nil, fmt.Errorf("encode args of %s at block %d log %d: %w", name, l.Raw.BlockNumber, l.Raw.Index, err)
		}
		args = string(js)
	} else if l.DecodeErr != nil {
		decodeErr = erc8004.SafeText(l.DecodeErr.Error())
	}
	data := l.Raw.Data
	if data == nil {
		data = []byte{}
	}
	return []any{chain, int64(l.Raw.BlockNumber), hexHash(l.Raw.BlockHash), unixTime(l.BlockTime),
		hexHash(l.Raw.TxHash), int64(l.Raw.TxIndex), int64(l.Raw.Index), hexAddr(l.Raw.Address),
		l.Registry.String(), name, signature, agentID, args, topic0, topics, data, decodeErr}, nil
}

// numeric converts a big integer for a numeric column, exactly.
func numeric(v *big.Int) any {
	if v == nil {
		return nil
	}
	return pgtype.Numeric{Int: new(big.Int).Set(v), Valid: true}
}

func hexAddr(a common.Address) string { return strings.ToLower(a.Hex()) }
func hexHash(h common.Hash) string    { return h.Hex() }
