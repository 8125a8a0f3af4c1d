package indexer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// maxReason bounds the database's message kept as a set-aside log's reason.
const maxReason = 500

// replace writes batch (sink.Replace), setting aside the logs PostgreSQL refuses (setAsideRefused).
func (ix *Indexer) replace(ctx context.Context, batch *sink.Batch) (sink.Stats, error) {
	st, err := ix.db.Replace(ctx, batch)
	if sink.IsDataError(err) {
		return ix.setAsideRefused(ctx, batch, err)
	}
	return st, err
}

// setAsideRefused is called when writing batch failed with err. When err is PostgreSQL refusing
// the data (sink.IsDataError: SQLSTATE class 22 or 23), writing it again would fail forever and
// stop the chain: it narrows the failure down to the logs whose rows are refused, sets each of
// them aside (stored raw in erc8004_events with the database's reason as decode_error, counted
// as set_aside by the metrics) and writes the batch again. Any other error is returned as it is,
// for the caller to retry.
//
// A log is found by bisecting on the length of the prefix of the batch's logs that can be written
// (sink.Try, rolled back): the shortest refused prefix ends with it. Each refused log costs about
// log2(len(batch.Logs)) trial writes. A refusal that remains without any log (the headers, the
// cursor, the payments) is returned.
func (ix *Indexer) setAsideRefused(ctx context.Context, batch *sink.Batch, err error) (sink.Stats, error) {
	ok := 0 // the batch with its first ok logs can be written
	for sink.IsDataError(err) {
		i, reason, terr := ix.firstRefused(ctx, batch, ok, err)
		if terr != nil {
			return sink.Stats{}, terr
		}
		if i < 0 {
			return sink.Stats{}, err
		}
		l := &batch.Logs[i]
		l.SetAside("the database refused it: " + reason)
		ix.log.Warn("log set aside", zap.Uint64(fieldChainID, ix.cfg.ChainID), zap.Uint64("block", l.Raw.BlockNumber),
			zap.Uint("log_index", l.Raw.Index), zap.String("reason", reason))
		ok = i + 1
		var st sink.Stats
		if st, err = ix.db.Replace(ctx, batch); err == nil {
			return st, nil
		}
	}
	return sink.Stats{}, err
}

// firstRefused returns the position of the first log at or after ok whose rows PostgreSQL refuses
// in batch, and the database's reason; -1 when the batch is refused without any log. full is
// the error of the whole batch. An error other than a data error ends the search (terr).
func (ix *Indexer) firstRefused(ctx context.Context, batch *sink.Batch, ok int, full error) (i int, reason string, terr error) {
	try := func(n int) error {
		part := *batch
		part.Logs = batch.Logs[:n]
		return ix.db.Try(ctx, &part)
	}
	if ok == 0 {
		switch err := try(0); {
		case sink.IsDataError(err):
			return -1, "", nil
		case err != nil:
			return 0, "", err
		}
	}
	lo, hi, last := ok, len(batch.Logs), full // writable with lo logs, refused with hi
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		switch err := try(mid); {
		case err == nil:
			lo = mid
		case sink.IsDataError(err):
			hi, last = mid, err
		default:
			return 0, "", err
		}
	}
	if hi > len(batch.Logs) || hi == lo {
		return -1, "", nil
	}
	return hi - 1, dataReason(last), nil
}

// dataReason is the database's own message of a data error, bounded.
func dataReason(err error) string {
	s := err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		s = fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	if len(s) > maxReason {
		s = s[:maxReason] + "..."
	}
	return s
}
