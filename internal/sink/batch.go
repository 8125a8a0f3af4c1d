package sink

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
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
	// Payments are the payment tokens' Transfer logs in [From, To] that may pay an agent, with
	// the AuthorizationUsed logs that precede them, ordered by (block, log index); the sink
	// stores those that do (payments.go).
	Payments []Log
	// PaymentOwners counts transfers to an agent's owner as payments too.
	PaymentOwners bool
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
	for _, logs := range [][]Log{b.Logs, b.Payments} {
		if err := checkOrder(logs, b.From, b.To); err != nil {
			return err
		}
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

// checkOrder checks that logs lie in [from, to] in strict (block, log index) order.
func checkOrder(logs []Log, from, to uint64) error {
	var prevBlock uint64
	var prevIndex = -1
	for i := range logs {
		l := &logs[i].Raw
		if l.BlockNumber < from || l.BlockNumber > to {
			return fmt.Errorf("log of block %d outside range %d-%d", l.BlockNumber, from, to)
		}
		if l.BlockNumber < prevBlock || (l.BlockNumber == prevBlock && int(l.Index) <= prevIndex) {
			return fmt.Errorf("logs out of order at block %d index %d", l.BlockNumber, l.Index)
		}
		prevBlock, prevIndex = l.BlockNumber, int(l.Index)
	}
	return nil
}

// copyRows inserts the batch's per-log rows into the COPY tables of the set tables: every log
// into erc8004_events, and the logs that are one row of a projection table (feedback, feedback
// responses, validation requests and responses) into that table too. The range was emptied
// before (or is provably empty), so plain inserts cannot conflict. Rows are encoded one at a
// time from the logs while PostgreSQL ingests the previous ones, so no copy of the batch is
// held in memory.
func copyRows(ctx context.Context, tx pgx.Tx, b *Batch, binary bool, tables tableSet) (int64, error) {
	var counts [tableCount]int
	for i := range b.Logs {
		counts[tableEvents]++
		if t, ok := projectionTable(b.Logs[i].Event); ok {
			counts[t]++
		}
	}
	var total int64
	for t := range tableCount {
		if counts[t] == 0 || !tables.has(t) {
			continue
		}
		var n int64
		var err error
		if binary {
			n, err = copyBinary(ctx, tx, copyTables[t].name, copyTables[t].columns, logFiller(t, int64(b.ChainID), b.Logs))
		} else {
			src := &logRows{logs: b.Logs, chain: int64(b.ChainID), table: t, vals: make([]any, len(copyTables[t].columns))}
			n, err = tx.CopyFrom(ctx, pgx.Identifier{copyTables[t].name}, copyTables[t].columns, src)
		}
		if err != nil {
			return 0, fmt.Errorf("copy %s: %w", copyTables[t].name, err)
		}
		total += n
	}
	return total, nil
}

// The tables written by COPY, in copy order.
const (
	tableEvents = iota
	tableFeedback
	tableResponses
	tableRequests
	tableValidationResponses
	tableCount
)

// tableSet is a set of the COPY tables, one bit per table.
type tableSet uint8

func (s tableSet) has(t int) bool { return s&(1<<t) != 0 }

const (
	allTables tableSet = 1<<tableCount - 1
	// blockKeyedTables are the COPY tables whose unique keys all contain the block number: rows
	// of disjoint block ranges never collide there, so concurrent transactions writing them never
	// wait for each other (see Stage). erc8004_validations is keyed by the request hash.
	blockKeyedTables = allTables &^ (1 << tableRequests)
)

var copyTables = [tableCount]struct {
	name    string
	columns []string
}{
	tableEvents: {"erc8004_events", []string{"chain_id", "block_number", "block_hash", "block_time",
		"tx_hash", "tx_index", "log_index", "address", "registry", "event", "signature", "agent_id", "args", "topic0",
		"topics", "data", "decode_error"}},
	tableFeedback: {"erc8004_reputation", []string{"chain_id", "registry", "agent_id",
		"client_address", "feedback_index", "index_derived", "value", "value_decimals", "tag1", "tag2", "endpoint",
		"feedback_uri", "feedback_hash", "block_number", "block_time", "tx_hash", "log_index"}},
	tableResponses: {"erc8004_feedback_responses", []string{"chain_id", "registry", "agent_id",
		"client_address", "feedback_index", "responder", "response_uri", "response_hash", "block_number", "block_time",
		"tx_hash", "log_index"}},
	tableRequests: {"erc8004_validations", []string{"chain_id", "registry", "request_hash",
		"validator_address", "agent_id", "request_uri", "block_number", "block_time", "tx_hash", "log_index"}},
	tableValidationResponses: {"erc8004_validation_responses", []string{"chain_id", "registry",
		"request_hash", "validator_address", "agent_id", "response", "response_uri", "response_hash", "tag",
		"block_number", "block_time", "tx_hash", "log_index"}},
}

// projectionTable returns the projection table a decoded event is one row of, if any.
func projectionTable(ev erc8004.Event) (int, bool) {
	switch ev.(type) {
	case *erc8004.NewFeedback:
		return tableFeedback, true
	case *erc8004.ResponseAppended:
		return tableResponses, true
	case *erc8004.ValidationRequest:
		return tableRequests, true
	case *erc8004.ValidationResponse:
		return tableValidationResponses, true
	}
	return 0, false
}

// logRows is a pgx.CopyFromSource over the logs that belong to one table: the generic path, for a
// schema whose column types the binary encoder does not know (copybin.go). It reuses one values
// slice: pgx encodes each row before asking for the next.
type logRows struct {
	logs  []Log
	chain int64
	table int
	i     int
	vals  []any
	buf   []byte // scratch for the args JSON
	err   error
}

func (r *logRows) Next() bool {
	for r.i < len(r.logs) {
		l := &r.logs[r.i]
		r.i++
		if r.table == tableEvents {
			r.err = r.eventRow(l)
			return r.err == nil
		}
		if t, ok := projectionTable(l.Event); ok && t == r.table {
			r.projectionRow(l)
			return true
		}
	}
	return false
}

func (r *logRows) Values() ([]any, error) { return r.vals, nil }

func (r *logRows) Err() error { return r.err }

// eventRow fills the erc8004_events row of l.
func (r *logRows) eventRow(l *Log) error {
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
		js, err := appendArgs(r.buf[:0], l.Event.Args())
		if err != nil {
			return fmt.Errorf("encode args of %s at block %d log %d: %w", name, l.Raw.BlockNumber, l.Raw.Index, err)
		}
		r.buf = js
		args = string(js)
	} else if l.DecodeErr != nil {
		decodeErr = erc8004.SafeText(l.DecodeErr.Error())
	}
	data := l.Raw.Data
	if data == nil {
		data = []byte{}
	}
	v := r.vals
	v[0], v[1], v[2], v[3] = r.chain, int64(l.Raw.BlockNumber), hexHash(l.Raw.BlockHash), unixTime(l.BlockTime)
	v[4], v[5], v[6], v[7] = hexHash(l.Raw.TxHash), int64(l.Raw.TxIndex), int64(l.Raw.Index), hexAddr(l.Raw.Address)
	v[8], v[9], v[10], v[11], v[12] = l.Registry.String(), name, signature, agentID, args
	v[13], v[14], v[15], v[16] = topic0, topics, data, decodeErr
	return nil
}

// projectionRow fills the projection-table row of l (whose table is r.table).
func (r *logRows) projectionRow(l *Log) {
	v := r.vals
	addr := hexAddr(l.Raw.Address)
	tail := func(i int) {
		v[i], v[i+1], v[i+2], v[i+3] = int64(l.Raw.BlockNumber), unixTime(l.BlockTime), hexHash(l.Raw.TxHash), int64(l.Raw.Index)
	}
	switch ev := l.Event.(type) {
	case *erc8004.NewFeedback:
		v[0], v[1], v[2], v[3] = r.chain, addr, numeric(ev.AgentID), hexAddr(ev.Client)
		v[4], v[5], v[6], v[7] = numeric(new(big.Int).SetUint64(ev.FeedbackIndex)), !ev.HasIndex, numeric(ev.Value), int16(ev.ValueDecimals)
		v[8], v[9], v[10] = erc8004.SafeText(ev.Tag1), erc8004.SafeText(ev.Tag2), erc8004.SafeText(ev.Endpoint)
		v[11], v[12] = erc8004.SafeText(ev.FeedbackURI), hexHash(ev.FeedbackHash)
		tail(13)
	case *erc8004.ResponseAppended:
		v[0], v[1], v[2], v[3] = r.chain, addr, numeric(ev.AgentID), hexAddr(ev.Client)
		v[4], v[5], v[6], v[7] = numeric(new(big.Int).SetUint64(ev.FeedbackIndex)), hexAddr(ev.Responder), erc8004.SafeText(ev.ResponseURI), hexHash(ev.ResponseHash)
		tail(8)
	case *erc8004.ValidationRequest:
		v[0], v[1], v[2], v[3] = r.chain, addr, hexHash(ev.RequestHash), hexAddr(ev.Validator)
		v[4], v[5] = numeric(ev.AgentID), erc8004.SafeText(ev.RequestURI)
		tail(6)
	case *erc8004.ValidationResponse:
		v[0], v[1], v[2], v[3] = r.chain, addr, hexHash(ev.RequestHash), hexAddr(ev.Validator)
		v[4], v[5], v[6], v[7] = numeric(ev.AgentID), int16(ev.Response), erc8004.SafeText(ev.ResponseURI), hexHash(ev.ResponseHash)
		v[8] = erc8004.SafeText(ev.Tag)
		tail(9)
	}
}

// numeric converts a big integer for a numeric column, exactly.
func numeric(v *big.Int) any {
	if v == nil {
		return nil
	}
	return pgtype.Numeric{Int: new(big.Int).Set(v), Valid: true}
}

// hexAddr renders an address as lowercase 0x hex: the schema's address format (the EIP-55
// checksum that Address.Hex computes would cost a keccak per address, only to be lowercased).
func hexAddr(a common.Address) string { return hexutil.Encode(a[:]) }

// hexHash renders a hash as lowercase 0x hex.
func hexHash(h common.Hash) string { return hexutil.Encode(h[:]) }
