package sink

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// This file is the one description of the rows the sink writes by COPY: each table's columns
// with their PostgreSQL types, and one function per row shape that writes a log's or a header's
// fields in column order. Both COPY paths write through it: the binary encoder (copybin.go) and
// the generic pgx path (copyvalues.go) for a schema whose types differ from the encoder's.

// column is one COPY column: its name and the type the binary encoder writes (format_type).
type column struct{ name, typ string }

// copyTable is one table written by COPY.
type copyTable struct {
	name    string
	columns []column
}

// names returns the table's column names, in COPY order.
func (t *copyTable) names() []string {
	out := make([]string, len(t.columns))
	for i, c := range t.columns {
		out[i] = c.name
	}
	return out
}

// The tables written by COPY per log, in copy order.
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

const (
	tBigint   = "bigint"
	tInt      = "integer"
	tSmallint = "smallint"
	tText     = "text"
	tNumeric  = "numeric"
	tBool     = "boolean"
	tTime     = "timestamp with time zone"
)

// logTail are the columns that end every projection row.
var logTail = []column{{"block_number", tBigint}, {"block_time", tTime}, {"tx_hash", tText}, {"log_index", tInt}}

var copyTables = [tableCount]copyTable{
	tableEvents: {"erc8004_events", []column{{"chain_id", tBigint}, {"block_number", tBigint},
		{"block_hash", tText}, {"block_time", tTime}, {"tx_hash", tText}, {"tx_index", tInt}, {"log_index", tInt},
		{"address", tText}, {"registry", tText}, {"event", tText}, {"signature", tText}, {"agent_id", tNumeric},
		{"args", "jsonb"}, {"topic0", tText}, {"topics", "text[]"}, {"data", "bytea"}, {"decode_error", tText}}},
	tableFeedback: {"erc8004_reputation", append([]column{{"chain_id", tBigint}, {"registry", tText},
		{"agent_id", tNumeric}, {"client_address", tText}, {"feedback_index", tNumeric}, {"index_derived", tBool},
		{"value", tNumeric}, {"value_decimals", tSmallint}, {"tag1", tText}, {"tag2", tText}, {"endpoint", tText},
		{"feedback_uri", tText}, {"feedback_hash", tText}}, logTail...)},
	tableResponses: {"erc8004_feedback_responses", append([]column{{"chain_id", tBigint}, {"registry", tText},
		{"agent_id", tNumeric}, {"client_address", tText}, {"feedback_index", tNumeric}, {"responder", tText},
		{"response_uri", tText}, {"response_hash", tText}}, logTail...)},
	tableRequests: {"erc8004_validations", append([]column{{"chain_id", tBigint}, {"registry", tText},
		{"request_hash", tText}, {"validator_address", tText}, {"agent_id", tNumeric}, {"request_uri", tText}},
		logTail...)},
	tableValidationResponses: {"erc8004_validation_responses", append([]column{{"chain_id", tBigint},
		{"registry", tText}, {"request_hash", tText}, {"validator_address", tText}, {"agent_id", tNumeric},
		{"response", tSmallint}, {"response_uri", tText}, {"response_hash", tText}, {"tag", tText}}, logTail...)},
}

// blocksTable is erc8004_blocks, written by COPY from the batch's headers.
var blocksTable = copyTable{"erc8004_blocks", []column{{"chain_id", tBigint}, {"block_number", tBigint},
	{"block_hash", tText}, {"parent_hash", tText}, {"block_time", tTime}}}

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

// columnWriter takes one row's fields in column order, each in the form of its column's type.
type columnWriter interface {
	row(fields int)
	null()
	int8(v int64)
	int4(v int32)
	int2(v int16)
	bool(v bool)
	text(s string)
	hexText(b []byte) // lowercase 0x hex text (addresses and hashes)
	bytea(b []byte)
	jsonb(js []byte)
	timestamptz(unix uint64)
	hashArray(hs []common.Hash) // text[] of 0x hex hashes
	numeric(v *big.Int)         // nil is NULL
}

// writeEventRow writes l's erc8004_events row; scratch is reused for the args JSON.
func writeEventRow(w columnWriter, scratch *[]byte, chain int64, l *Log) error {
	w.row(len(copyTables[tableEvents].columns))
	w.int8(chain)
	w.int8(int64(l.Raw.BlockNumber))
	w.hexText(l.Raw.BlockHash[:])
	w.timestamptz(l.BlockTime)
	w.hexText(l.Raw.TxHash[:])
	w.int4(int32(l.Raw.TxIndex))
	w.int4(int32(l.Raw.Index))
	w.hexText(l.Raw.Address[:])
	w.text(l.Registry.String())
	if l.Event != nil {
		w.text(l.Event.Name())
		w.text(l.Event.Signature())
		w.numeric(erc8004.AgentID(l.Event))
		js, err := appendArgs((*scratch)[:0], l.Event.Args())
		if err != nil {
			return fmt.Errorf("encode args of %s at block %d log %d: %w", l.Event.Name(), l.Raw.BlockNumber, l.Raw.Index, err)
		}
		*scratch = js
		w.jsonb(js)
	} else {
		w.text("")
		w.text("")
		w.null()
		w.null()
	}
	if len(l.Raw.Topics) > 0 {
		w.hexText(l.Raw.Topics[0][:])
	} else {
		w.null()
	}
	w.hashArray(l.Raw.Topics)
	w.bytea(l.Raw.Data)
	if l.Event == nil && l.DecodeErr != nil {
		w.text(erc8004.SafeText(l.DecodeErr.Error()))
	} else {
		w.null()
	}
	return nil
}

// writeProjectionRow writes l's row of its projection table (projectionTable).
func writeProjectionRow(w columnWriter, chain int64, l *Log) {
	head := func(t int) {
		w.row(len(copyTables[t].columns))
		w.int8(chain)
		w.hexText(l.Raw.Address[:])
	}
	switch ev := l.Event.(type) {
	case *erc8004.NewFeedback:
		head(tableFeedback)
		w.numeric(ev.AgentID)
		w.hexText(ev.Client[:])
		w.numeric(new(big.Int).SetUint64(ev.FeedbackIndex))
		w.bool(!ev.HasIndex)
		w.numeric(ev.Value)
		w.int2(int16(ev.ValueDecimals))
		w.text(erc8004.SafeText(ev.Tag1))
		w.text(erc8004.SafeText(ev.Tag2))
		w.text(erc8004.SafeText(ev.Endpoint))
		w.text(erc8004.SafeText(ev.FeedbackURI))
		w.hexText(ev.FeedbackHash[:])
	case *erc8004.ResponseAppended:
		head(tableResponses)
		w.numeric(ev.AgentID)
		w.hexText(ev.Client[:])
		w.numeric(new(big.Int).SetUint64(ev.FeedbackIndex))
		w.hexText(ev.Responder[:])
		w.text(erc8004.SafeText(ev.ResponseURI))
		w.hexText(ev.ResponseHash[:])
	case *erc8004.ValidationRequest:
		head(tableRequests)
		w.hexText(ev.RequestHash[:])
		w.hexText(ev.Validator[:])
		w.numeric(ev.AgentID)
		w.text(erc8004.SafeText(ev.RequestURI))
	case *erc8004.ValidationResponse:
		head(tableValidationResponses)
		w.hexText(ev.RequestHash[:])
		w.hexText(ev.Validator[:])
		w.numeric(ev.AgentID)
		w.int2(int16(ev.Response))
		w.text(erc8004.SafeText(ev.ResponseURI))
		w.hexText(ev.ResponseHash[:])
		w.text(erc8004.SafeText(ev.Tag))
	default:
		return
	}
	w.int8(int64(l.Raw.BlockNumber))
	w.timestamptz(l.BlockTime)
	w.hexText(l.Raw.TxHash[:])
	w.int4(int32(l.Raw.Index))
}

// writeBlockRow writes h's erc8004_blocks row.
func writeBlockRow(w columnWriter, chain int64, h *Block) {
	w.row(len(blocksTable.columns))
	w.int8(chain)
	w.int8(int64(h.Number))
	w.hexText(h.Hash[:])
	w.hexText(h.ParentHash[:])
	w.timestamptz(h.Time)
}

// logRowFiller returns a function that writes the next row of table t over logs (every log for
// erc8004_events, the logs that are one row of t otherwise) and reports false when none is left.
func logRowFiller(t int, chain int64, logs []Log, scratch *[]byte) func(w columnWriter) (bool, error) {
	i := 0
	return func(w columnWriter) (bool, error) {
		for i < len(logs) {
			l := &logs[i]
			i++
			if t == tableEvents {
				return true, writeEventRow(w, scratch, chain, l)
			}
			if pt, ok := projectionTable(l.Event); ok && pt == t {
				writeProjectionRow(w, chain, l)
				return true, nil
			}
		}
		return false, nil
	}
}
