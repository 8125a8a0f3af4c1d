package sink

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/jackc/pgx/v5"
)

// copyValues COPYs the rows produced by fill into table through pgx's generic CopyFrom, which
// encodes each value by the column's actual type: the path for a schema whose column types
// differ from those the binary encoder writes (copybin.go).
func copyValues(ctx context.Context, tx pgx.Tx, table *copyTable, fill func(w columnWriter) (bool, error)) (int64, error) {
	return tx.CopyFrom(ctx, pgx.Identifier{table.name}, table.names(), &valueRows{fill: fill})
}

// valueRows is a pgx.CopyFromSource over fill's rows. It reuses one values slice: pgx encodes
// each row before asking for the next.
type valueRows struct {
	fill func(w columnWriter) (bool, error)
	vals []any
	err  error
}

func (r *valueRows) Next() bool {
	more, err := r.fill(r)
	r.err = err
	return more && err == nil
}

func (r *valueRows) Values() ([]any, error) { return r.vals, nil }

func (r *valueRows) Err() error { return r.err }

// valueRows is the columnWriter of the generic path: every field becomes a Go value pgx encodes.

func (r *valueRows) row(fields int) {
	if cap(r.vals) < fields {
		r.vals = make([]any, 0, fields)
	}
	r.vals = r.vals[:0]
}

func (r *valueRows) null()                { r.vals = append(r.vals, nil) }
func (r *valueRows) int8(v int64)         { r.vals = append(r.vals, v) }
func (r *valueRows) int4(v int32)         { r.vals = append(r.vals, v) }
func (r *valueRows) int2(v int16)         { r.vals = append(r.vals, v) }
func (r *valueRows) bool(v bool)          { r.vals = append(r.vals, v) }
func (r *valueRows) text(s string)        { r.vals = append(r.vals, s) }
func (r *valueRows) hexText(b []byte)     { r.vals = append(r.vals, hexutil.Encode(b)) }
func (r *valueRows) jsonb(js []byte)      { r.vals = append(r.vals, string(js)) }
func (r *valueRows) timestamptz(t uint64) { r.vals = append(r.vals, unixTime(t)) }

func (r *valueRows) bytea(b []byte) {
	if b == nil {
		b = []byte{} // bytea NOT NULL: no data is an empty value
	}
	r.vals = append(r.vals, b)
}

func (r *valueRows) hashArray(hs []common.Hash) {
	out := make([]string, len(hs))
	for i := range hs {
		out[i] = hexutil.Encode(hs[i][:])
	}
	r.vals = append(r.vals, out)
}

func (r *valueRows) numeric(v *big.Int) { r.vals = append(r.vals, numeric(v)) }
