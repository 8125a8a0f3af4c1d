package sink

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// The COPY rows are encoded here in PostgreSQL's binary COPY format, straight from the logs into
// the stream. pgx's CopyFrom boxes every value in an interface, looks up an encode plan per value
// and allocates a string for every hex hash and address: on the 1M-event backfill that was a third
// of the indexer's CPU, on a machine where that CPU is taken from PostgreSQL. The encoder knows the
// column types of the schema; it checks them once per Postgres (copyTypesMatch) and the writer
// falls back to pgx's generic CopyFrom if a migration ever changed one.

// pgEpochOffset is 2000-01-01 (PostgreSQL's timestamp epoch) in Unix seconds.
const pgEpochOffset = 946_684_800

// copyColumnTypes are the PostgreSQL types the binary encoder writes, per table and column.
var copyColumnTypes = map[string][]string{
	"erc8004_events": {"bigint", "bigint", "text", "timestamp with time zone", "text", "integer", "integer",
		"text", "text", "text", "text", "numeric", "jsonb", "text", "text[]", "bytea", "text"},
	"erc8004_reputation": {"bigint", "text", "numeric", "text", "numeric", "boolean", "numeric", "smallint",
		"text", "text", "text", "text", "text", "bigint", "timestamp with time zone", "text", "integer"},
	"erc8004_feedback_responses": {"bigint", "text", "numeric", "text", "numeric", "text", "text", "text",
		"bigint", "timestamp with time zone", "text", "integer"},
	"erc8004_validations": {"bigint", "text", "text", "text", "numeric", "text", "bigint",
		"timestamp with time zone", "text", "integer"},
	"erc8004_validation_responses": {"bigint", "text", "text", "text", "numeric", "smallint", "text", "text",
		"text", "bigint", "timestamp with time zone", "text", "integer"},
	"erc8004_blocks": {"bigint", "bigint", "text", "text", "timestamp with time zone"},
}

// blockColumns are the columns of erc8004_blocks written by COPY.
var blockColumns = []string{"chain_id", "block_number", "block_hash", "parent_hash", "block_time"}

// binaryCopy remembers whether the schema's column types are the ones the encoder writes.
type binaryCopy struct {
	mu      sync.Mutex
	checked bool
	ok      bool
}

// usable reports whether the binary encoder may be used, checking the column types on first use.
func (bc *binaryCopy) usable(ctx context.Context, tx pgx.Tx) (bool, error) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.checked {
		return bc.ok, nil
	}
	ok, err := copyTypesMatch(ctx, tx)
	if err != nil {
		return false, err
	}
	bc.checked, bc.ok = true, ok
	return ok, nil
}

// copyTypesMatch compares the column types of the COPY tables (in the search path) with the
// encoder's.
func copyTypesMatch(ctx context.Context, tx pgx.Tx) (bool, error) {
	tables := make([]string, 0, len(copyColumnTypes))
	for t := range copyColumnTypes {
		tables = append(tables, t)
	}
	const q = `SELECT c.relname, a.attname, format_type(a.atttypid, NULL)
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.oid = ANY (SELECT to_regclass(t)::oid FROM unnest($1::text[]) t) AND a.attnum > 0 AND NOT a.attisdropped`
	rows, err := tx.Query(ctx, q, tables)
	if err != nil {
		return false, fmt.Errorf("read column types: %w", err)
	}
	have := map[string]string{}
	var table, column, typ string
	_, err = pgx.ForEachRow(rows, []any{&table, &column, &typ}, func() error {
		have[table+"."+column] = typ
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("read column types: %w", err)
	}
	for t, types := range copyColumnTypes {
		cols := blockColumns
		if t != "erc8004_blocks" {
			cols = copyTables[tableIndex(t)].columns
		}
		for i, c := range cols {
			if have[t+"."+c] != types[i] {
				return false, nil
			}
		}
	}
	return true, nil
}

func tableIndex(name string) int {
	for i := range copyTables {
		if copyTables[i].name == name {
			return i
		}
	}
	return -1
}

// copyBinary COPYs rows produced by fill into table, in binary format. fill appends the next
// row's fields to the encoder and returns false when there is none left.
func copyBinary(ctx context.Context, tx pgx.Tx, table string, columns []string, fill func(e *rowEncoder) (bool, error)) (int64, error) {
	src := &copySource{fill: fill}
	src.enc.buf = append(src.enc.buf, "PGCOPY\n\xff\r\n\x00"...)
	src.enc.buf = binary.BigEndian.AppendUint32(src.enc.buf, 0) // flags
	src.enc.buf = binary.BigEndian.AppendUint32(src.enc.buf, 0) // header extension length
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(columns, ", ") + ") FROM STDIN (FORMAT binary)"
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, src, sql)
	if src.err != nil {
		return 0, src.err
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// copySource is the io.Reader of a binary COPY: it encodes rows as PostgreSQL reads them.
type copySource struct {
	enc  rowEncoder
	off  int
	fill func(e *rowEncoder) (bool, error)
	done bool
	err  error
}

func (s *copySource) Read(p []byte) (int, error) {
	if s.off > 0 && len(s.enc.buf)-s.off < len(p) {
		// Move the unread rest to the front, so the buffer stays about one read long.
		s.enc.buf = s.enc.buf[:copy(s.enc.buf, s.enc.buf[s.off:])]
		s.off = 0
	}
	for len(s.enc.buf)-s.off < len(p) && !s.done {
		more, err := s.fill(&s.enc)
		if err != nil {
			s.err = err
			return 0, err
		}
		if !more {
			s.done = true
			s.enc.buf = binary.BigEndian.AppendUint16(s.enc.buf, 0xffff) // trailer
		}
	}
	if s.off == len(s.enc.buf) {
		return 0, io.EOF
	}
	n := copy(p, s.enc.buf[s.off:])
	s.off += n
	return n, nil
}

// rowEncoder appends binary COPY fields.
type rowEncoder struct {
	buf     []byte
	scratch []byte
	digits  []uint16
}

func (e *rowEncoder) row(fields int) { e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(fields)) }

func (e *rowEncoder) null() { e.buf = binary.BigEndian.AppendUint32(e.buf, 0xffffffff) }

func (e *rowEncoder) int8(v int64) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, 8)
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
}

func (e *rowEncoder) int4(v int32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, 4)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v))
}

func (e *rowEncoder) int2(v int16) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, 2)
	e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(v))
}

func (e *rowEncoder) bool(v bool) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, 1)
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *rowEncoder) text(s string) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *rowEncoder) bytea(b []byte) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(b)))
	e.buf = append(e.buf, b...)
}

// hexText writes b as lowercase 0x hex text (addresses and hashes).
func (e *rowEncoder) hexText(b []byte) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(2+2*len(b)))
	e.buf = appendHex(e.buf, b)
}

func appendHex(buf, b []byte) []byte {
	buf = append(buf, '0', 'x')
	n := len(buf)
	buf = append(buf, make([]byte, 2*len(b))...)
	hex.Encode(buf[n:], b)
	return buf
}

// timestamptz writes Unix time t (seconds).
func (e *rowEncoder) timestamptz(t uint64) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, 8)
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64((int64(t)-pgEpochOffset)*1_000_000))
}

// jsonb writes a JSON text as jsonb (format version 1).
func (e *rowEncoder) jsonb(js []byte) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(1+len(js)))
	e.buf = append(e.buf, 1)
	e.buf = append(e.buf, js...)
}

// hashArray writes a text[] of 0x hex hashes (the topics).
func (e *rowEncoder) hashArray(hs []common.Hash) {
	const textOID = 25
	if len(hs) == 0 {
		e.buf = binary.BigEndian.AppendUint32(e.buf, 12)
		e.buf = binary.BigEndian.AppendUint32(e.buf, 0) // ndim
		e.buf = binary.BigEndian.AppendUint32(e.buf, 0) // no nulls
		e.buf = binary.BigEndian.AppendUint32(e.buf, textOID)
		return
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(20+len(hs)*(4+66)))
	e.buf = binary.BigEndian.AppendUint32(e.buf, 1) // ndim
	e.buf = binary.BigEndian.AppendUint32(e.buf, 0) // no nulls
	e.buf = binary.BigEndian.AppendUint32(e.buf, textOID)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(hs)))
	e.buf = binary.BigEndian.AppendUint32(e.buf, 1) // lower bound
	for i := range hs {
		e.buf = binary.BigEndian.AppendUint32(e.buf, 66)
		e.buf = appendHex(e.buf, hs[i][:])
	}
}

// numeric writes an integer as numeric: base-10000 digits, most significant first.
func (e *rowEncoder) numeric(v *big.Int) {
	if v == nil {
		e.null()
		return
	}
	sign := uint16(0)
	if v.Sign() < 0 {
		sign = 0x4000
	}
	e.digits = e.digits[:0]
	if v.IsUint64() || (v.Sign() < 0 && v.IsInt64() && v.Int64() != -1<<63) {
		u := v.Uint64()
		if v.Sign() < 0 {
			u = uint64(-v.Int64())
		}
		for ; u > 0; u /= 10000 {
			e.digits = append(e.digits, uint16(u%10000))
		}
	} else {
		abs := new(big.Int).Abs(v)
		var rem big.Int
		base := big.NewInt(10000)
		for abs.Sign() > 0 {
			abs.QuoRem(abs, base, &rem)
			e.digits = append(e.digits, uint16(rem.Uint64()))
		}
	}
	slices.Reverse(e.digits)
	n := len(e.digits)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(8+2*n))
	e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(n))
	weight := n - 1
	if n == 0 {
		weight = 0
	}
	e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(int16(weight)))
	e.buf = binary.BigEndian.AppendUint16(e.buf, sign)
	e.buf = binary.BigEndian.AppendUint16(e.buf, 0) // dscale
	for _, d := range e.digits {
		e.buf = binary.BigEndian.AppendUint16(e.buf, d)
	}
}

// logFiller returns the fill function of table t over logs: the rows of the logs that belong to
// it, in order.
func logFiller(t int, chain int64, logs []Log) func(e *rowEncoder) (bool, error) {
	i := 0
	return func(e *rowEncoder) (bool, error) {
		for i < len(logs) {
			l := &logs[i]
			i++
			if t == tableEvents {
				return true, e.eventRow(chain, l)
			}
			if pt, ok := projectionTable(l.Event); ok && pt == t {
				e.projectionRow(chain, l)
				return true, nil
			}
		}
		return false, nil
	}
}

// eventRow writes l's erc8004_events row.
func (e *rowEncoder) eventRow(chain int64, l *Log) error {
	e.row(17)
	e.int8(chain)
	e.int8(int64(l.Raw.BlockNumber))
	e.hexText(l.Raw.BlockHash[:])
	e.timestamptz(l.BlockTime)
	e.hexText(l.Raw.TxHash[:])
	e.int4(int32(l.Raw.TxIndex))
	e.int4(int32(l.Raw.Index))
	e.hexText(l.Raw.Address[:])
	e.text(l.Registry.String())
	if l.Event != nil {
		e.text(l.Event.Name())
		e.text(l.Event.Signature())
		e.numeric(erc8004.AgentID(l.Event))
		js, err := appendArgs(e.scratch[:0], l.Event.Args())
		if err != nil {
			return fmt.Errorf("encode args of %s at block %d log %d: %w", l.Event.Name(), l.Raw.BlockNumber, l.Raw.Index, err)
		}
		e.scratch = js
		e.jsonb(js)
	} else {
		e.text("")
		e.text("")
		e.null()
		e.null()
	}
	if len(l.Raw.Topics) > 0 {
		e.hexText(l.Raw.Topics[0][:])
	} else {
		e.null()
	}
	e.hashArray(l.Raw.Topics)
	e.bytea(l.Raw.Data)
	if l.Event == nil && l.DecodeErr != nil {
		e.text(erc8004.SafeText(l.DecodeErr.Error()))
	} else {
		e.null()
	}
	return nil
}

// projectionRow writes l's row of its projection table (see copyTables for the columns).
func (e *rowEncoder) projectionRow(chain int64, l *Log) {
	tail := func() {
		e.int8(int64(l.Raw.BlockNumber))
		e.timestamptz(l.BlockTime)
		e.hexText(l.Raw.TxHash[:])
		e.int4(int32(l.Raw.Index))
	}
	switch ev := l.Event.(type) {
	case *erc8004.NewFeedback:
		e.row(17)
		e.int8(chain)
		e.hexText(l.Raw.Address[:])
		e.numeric(ev.AgentID)
		e.hexText(ev.Client[:])
		e.numeric(new(big.Int).SetUint64(ev.FeedbackIndex))
		e.bool(!ev.HasIndex)
		e.numeric(ev.Value)
		e.int2(int16(ev.ValueDecimals))
		e.text(erc8004.SafeText(ev.Tag1))
		e.text(erc8004.SafeText(ev.Tag2))
		e.text(erc8004.SafeText(ev.Endpoint))
		e.text(erc8004.SafeText(ev.FeedbackURI))
		e.hexText(ev.FeedbackHash[:])
		tail()
	case *erc8004.ResponseAppended:
		e.row(12)
		e.int8(chain)
		e.hexText(l.Raw.Address[:])
		e.numeric(ev.AgentID)
		e.hexText(ev.Client[:])
		e.numeric(new(big.Int).SetUint64(ev.FeedbackIndex))
		e.hexText(ev.Responder[:])
		e.text(erc8004.SafeText(ev.ResponseURI))
		e.hexText(ev.ResponseHash[:])
		tail()
	case *erc8004.ValidationRequest:
		e.row(10)
		e.int8(chain)
		e.hexText(l.Raw.Address[:])
		e.hexText(ev.RequestHash[:])
		e.hexText(ev.Validator[:])
		e.numeric(ev.AgentID)
		e.text(erc8004.SafeText(ev.RequestURI))
		tail()
	case *erc8004.ValidationResponse:
		e.row(13)
		e.int8(chain)
		e.hexText(l.Raw.Address[:])
		e.hexText(ev.RequestHash[:])
		e.hexText(ev.Validator[:])
		e.numeric(ev.AgentID)
		e.int2(int16(ev.Response))
		e.text(erc8004.SafeText(ev.ResponseURI))
		e.hexText(ev.ResponseHash[:])
		e.text(erc8004.SafeText(ev.Tag))
		tail()
	}
}

// blockFiller returns the fill function of erc8004_blocks over headers.
func blockFiller(chain int64, blocks []Block) func(e *rowEncoder) (bool, error) {
	i := 0
	return func(e *rowEncoder) (bool, error) {
		if i == len(blocks) {
			return false, nil
		}
		h := &blocks[i]
		i++
		e.row(5)
		e.int8(chain)
		e.int8(int64(h.Number))
		e.hexText(h.Hash[:])
		e.hexText(h.ParentHash[:])
		e.timestamptz(h.Time)
		return true, nil
	}
}
