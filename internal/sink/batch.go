package sink

import (
	"context"
	"fmt"
	"math"
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

// checkOrder checks that logs lie in [from, to] in strict (block, log index) order, with
// indexes that fit the schema's integer columns.
func checkOrder(logs []Log, from, to uint64) error {
	var prevBlock uint64
	var prevIndex = -1
	for i := range logs {
		l := &logs[i].Raw
		if l.BlockNumber < from || l.BlockNumber > to {
			return fmt.Errorf("log of block %d outside range %d-%d", l.BlockNumber, from, to)
		}
		if l.Index > math.MaxInt32 || l.TxIndex > math.MaxInt32 {
			// The columns are integer: a cast would wrap and collide with another log's key.
			return fmt.Errorf("log %d (transaction %d) of block %d: index beyond 2^31-1", l.Index, l.TxIndex, l.BlockNumber)
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
// held in memory. binary chooses the binary encoder; otherwise pgx encodes the same rows.
func copyRows(ctx context.Context, tx pgx.Tx, b *Batch, binary bool, tables tableSet) (int64, error) {
	var counts [tableCount]int
	for i := range b.Logs {
		counts[tableEvents]++
		if t, ok := projectionTable(b.Logs[i].Event); ok {
			counts[t]++
		}
	}
	var total int64
	var scratch []byte
	for t := range tableCount {
		if counts[t] == 0 || !tables.has(t) {
			continue
		}
		table := &copyTables[t]
		fill := logRowFiller(t, int64(b.ChainID), b.Logs, &scratch)
		var n int64
		var err error
		if binary {
			n, err = copyBinary(ctx, tx, table, fill)
		} else {
			n, err = copyValues(ctx, tx, table, fill)
		}
		if err != nil {
			return 0, fmt.Errorf("copy %s: %w", table.name, err)
		}
		total += n
	}
	return total, nil
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
