package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// ErrSetAside is wrapped by the DecodeErr of a decoded log that is stored raw in
// erc8004_events, with the reason as its decode_error, because the index cannot apply it: a
// repeated validation request, or a log whose rows the database refuses (IsDataError). The
// chain goes on past it.
var ErrSetAside = errors.New("set aside")

// SetAside turns l into a raw log with the reason it was set aside (ErrSetAside).
func (l *Log) SetAside(reason string) {
	l.Event = nil
	l.DecodeErr = fmt.Errorf("%w: %s", ErrSetAside, reason)
}

// IsDataError reports whether err is PostgreSQL refusing the data itself: an error of SQLSTATE
// class 22 (data exception: a value out of range, an untranslatable character) or 23 (integrity
// constraint violation). Writing the same rows again fails the same way, unlike a lost
// connection or a timeout.
func IsDataError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")
}

// qStoredRequests finds the stored validation requests among (registry, request hash) pairs.
const qStoredRequests = `
SELECT v.registry, v.request_hash, v.block_number, v.log_index
FROM erc8004_validations v
JOIN unnest($2::text[], $3::text[]) AS k(registry, request_hash)
  ON v.registry = k.registry AND v.request_hash = k.request_hash
WHERE v.chain_id = $1`

// dropRepeatedRequests sets aside every validation request of b whose (registry, request hash)
// is already stored or came earlier in b: the registry refuses a request hash it has seen
// ("exists"), so a repeat can only come from a registry that is not the official one or a
// faulty RPC, and the first request is the one the contract keeps. It returns the positions in
// b.Logs of the logs it set aside. Run it with the cursor locked, before the batch's requests
// are copied.
func dropRepeatedRequests(ctx context.Context, tx pgx.Tx, b *Batch) ([]int, error) {
	type key = [2]string
	first := map[key]int{}
	var (
		set        []int
		regs, hash []string
	)
	for i := range b.Logs {
		ev, ok := b.Logs[i].Event.(*erc8004.ValidationRequest)
		if !ok {
			continue
		}
		k := key{hexAddr(b.Logs[i].Raw.Address), hexHash(ev.RequestHash)}
		if j, seen := first[k]; seen {
			p := &b.Logs[j].Raw
			b.Logs[i].SetAside(fmt.Sprintf("validation request %s repeats the request of block %d log %d", k[1], p.BlockNumber, p.Index))
			set = append(set, i)
			continue
		}
		first[k] = i
		regs, hash = append(regs, k[0]), append(hash, k[1])
	}
	if len(regs) == 0 {
		return set, nil
	}
	rows, err := tx.Query(ctx, qStoredRequests, int64(b.ChainID), regs, hash)
	if err != nil {
		return nil, fmt.Errorf("find stored validation requests: %w", err)
	}
	var stored []struct {
		k            key
		block, index int64
	}
	for rows.Next() {
		var s struct {
			k            key
			block, index int64
		}
		if err := rows.Scan(&s.k[0], &s.k[1], &s.block, &s.index); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find stored validation requests: %w", err)
		}
		stored = append(stored, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find stored validation requests: %w", err)
	}
	for _, s := range stored {
		i := first[s.k]
		b.Logs[i].SetAside(fmt.Sprintf("validation request %s repeats the request of block %d log %d", s.k[1], s.block, s.index))
		set = append(set, i)
	}
	return set, nil
}

// qSetAsideEvents turns stored erc8004_events rows into raw ones with their reason.
const qSetAsideEvents = `
UPDATE erc8004_events e
SET event = '', signature = '', agent_id = NULL, args = NULL, decode_error = u.reason
FROM unnest($2::bigint[], $3::integer[], $4::text[]) AS u(block_number, log_index, reason)
WHERE e.chain_id = $1 AND e.block_number = u.block_number AND e.log_index = u.log_index`

// markSetAside rewrites the already copied erc8004_events rows of b's logs at positions set as
// set aside.
func markSetAside(ctx context.Context, tx pgx.Tx, b *Batch, set []int) error {
	if len(set) == 0 {
		return nil
	}
	blocks, indexes, reasons := make([]int64, len(set)), make([]int32, len(set)), make([]string, len(set))
	for j, i := range set {
		l := &b.Logs[i]
		blocks[j], indexes[j], reasons[j] = int64(l.Raw.BlockNumber), int32(l.Raw.Index), erc8004.SafeText(l.DecodeErr.Error())
	}
	if _, err := tx.Exec(ctx, qSetAsideEvents, int64(b.ChainID), blocks, indexes, reasons); err != nil {
		return fmt.Errorf("set aside %d events: %w", len(set), err)
	}
	return nil
}
