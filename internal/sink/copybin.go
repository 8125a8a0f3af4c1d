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
)

// The COPY rows are encoded here in PostgreSQL's binary COPY format, straight from the logs into
// the stream. pgx's CopyFrom boxes every value in an interface, looks up an encode plan per value
// and allocates a string for every hex hash and address: on the 1M-event backfill that was a third
// of the indexer's CPU, on a machine where that CPU is taken from PostgreSQL. The encoder knows the
// column types of the schema; it checks them once per Postgres (copyTypesMatch) and the writer
// falls back to pgx's generic CopyFrom if a migration ever changed one.

// pgEpochOffset is 2000-01-01 (PostgreSQL's timestamp epoch) in Unix seconds.
const pgEpochOffset = 946_684_800

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
	all := append(copyTables[:], blocksTable)
	tables := make([]string, 0, len(all))
	for _, t := range all {
		tables = append(tables, t.name)
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
	for _, t := range all {
		for _, c := range t.columns {
			if have[t.name+"."+c.name] != c.typ {
				return false, nil
			}
		}
	}
	return true, nil
}

// copyBinary COPYs rows produced by fill into table, in binary format. fill writes the next
// row's fields and returns false when there is none left.
func copyBinary(ctx context.Context, tx pgx.Tx, table *copyTable, fill func(w columnWriter) (bool, error)) (int64, error) {
	src := &copySource{fill: fill}
	src.enc.buf = append(src.enc.buf, "PGCOPY\n\xff\r\n\x00"...)
	src.enc.buf = binary.BigEndian.AppendUint32(src.enc.buf, 0) // flags
	src.enc.buf = binary.BigEndian.AppendUint32(src.enc.buf, 0) // header extension length
	sql := "COPY " + pgx.Identifier{table.name}.Sanitize() + " (" + strings.Join(table.names(), ", ") + ") FROM STDIN (FORMAT binary)"
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
	fill func(w columnWriter) (bool, error)
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

// rowEncoder appends binary COPY fields (a columnWriter).
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
