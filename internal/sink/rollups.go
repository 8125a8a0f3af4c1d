package sink

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The activity rollups (migration 0016): erc8004_stats_hourly and erc8004_stats_daily, one row
// per (chain, agent or NULL for the chain, UTC bucket). The append path adds its range's rows
// to their buckets (qRollupAppend); the full path (rollbacks, replays) recomputes the buckets
// that its range's blocks fall in (before and after it) from the stored rows of those buckets'
// blocks and then the cumulative columns of every row from the first touched bucket on.
//
// A bucket's blocks are found from the stored headers, which hold every block with a registry
// event: with block times non-decreasing, bucket [b, b+unit) holds the blocks after the last
// stored header older than b and before the first stored header at or after b+unit. That
// also places the rows of payment-only blocks whose headers were pruned.

// rollupEvents is the per-row input of a bucket's figures: k is the measure, bn and li identify
// payment logs (counted once per chain). The buckets r(b, b0, b1) are the CTE before it.
const rollupEvents = `
ev AS (
    SELECT r.b, a.agent_id, 'reg' AS k, NULL::bigint AS bn, NULL::int AS li
    FROM r JOIN erc8004_agents a ON a.chain_id = $1 AND a.created_block BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, f.agent_id, 'fb', NULL, NULL
    FROM r JOIN erc8004_reputation f ON f.chain_id = $1 AND f.block_number BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, f.agent_id, 'rv', NULL, NULL
    FROM r JOIN erc8004_reputation f ON f.chain_id = $1 AND f.revoked_block BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, x.agent_id, 'resp', NULL, NULL
    FROM r JOIN erc8004_feedback_responses x ON x.chain_id = $1 AND x.block_number BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, v.agent_id, 'vreq', NULL, NULL
    FROM r JOIN erc8004_validations v ON v.chain_id = $1 AND v.block_number BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, v.agent_id, 'vresp', NULL, NULL
    FROM r JOIN erc8004_validation_responses v ON v.chain_id = $1 AND v.block_number BETWEEN r.b0 AND r.b1
    UNION ALL
    SELECT r.b, p.agent_id, 'pay', p.block_number, p.log_index
    FROM r JOIN erc8004_agent_payments p ON p.chain_id = $1 AND p.block_number BETWEEN r.b0 AND r.b1
)`

// rollupFigures aggregates ev into rows (agent_id, bucket, figures...), per agent and per chain.
const rollupFigures = `
SELECT agent_id, b AS bucket,
       count(*) FILTER (WHERE k = 'reg') AS registrations, count(*) FILTER (WHERE k = 'fb') AS feedback_given,
       count(*) FILTER (WHERE k = 'rv') AS feedback_revoked,
       count(*) FILTER (WHERE k = 'resp') AS responses, count(*) FILTER (WHERE k = 'vreq') AS validation_requests,
       count(*) FILTER (WHERE k = 'vresp') AS validation_responses, count(*) FILTER (WHERE k = 'pay') AS payments
FROM ev GROUP BY agent_id, b
UNION ALL
SELECT NULL, b,
       count(*) FILTER (WHERE k = 'reg'), count(*) FILTER (WHERE k = 'fb'), count(*) FILTER (WHERE k = 'rv'),
       count(*) FILTER (WHERE k = 'resp'), count(*) FILTER (WHERE k = 'vreq'),
       count(*) FILTER (WHERE k = 'vresp'), count(DISTINCT (bn, li)) FILTER (WHERE k = 'pay')
FROM ev GROUP BY b`

// qRollupDelete empties TABLE's buckets between the times $2 and $3.
const qRollupDelete = `DELETE FROM TABLE WHERE chain_id = $1
    AND bucket BETWEEN date_trunc('UNIT', $2::timestamptz, 'UTC') AND date_trunc('UNIT', $3::timestamptz, 'UTC')`

// qRollupBuckets computes the buckets of unit UNIT (hour, day) between the times $2 and $3 into
// TABLE (emptied by qRollupDelete).
const qRollupBuckets = `
WITH r0 AS (
    SELECT generate_series(date_trunc('UNIT', $2::timestamptz, 'UTC'), date_trunc('UNIT', $3::timestamptz, 'UTC'),
                           interval '1 UNIT') AS b
), r AS (
    SELECT r0.b,
           coalesce((SELECT block_number FROM erc8004_blocks WHERE chain_id = $1 AND block_time < r0.b
                     ORDER BY block_time DESC, block_number DESC LIMIT 1), -1) + 1 AS b0,
           coalesce((SELECT block_number FROM erc8004_blocks WHERE chain_id = $1 AND block_time >= r0.b + interval '1 UNIT'
                     ORDER BY block_time, block_number LIMIT 1) - 1, 9223372036854775807) AS b1
    FROM r0
), ` + rollupEvents + `
INSERT INTO TABLE (chain_id, agent_id, bucket, registrations, feedback_given, feedback_revoked,
    responses, validation_requests, validation_responses, payments)
SELECT $1, f.* FROM (` + rollupFigures + `) f`

// qRollupTotals sets the cumulative columns of TABLE's rows from bucket $2 on: the row's figure
// plus the last total before $2 (per agent, and for the chain).
const qRollupTotals = `
UPDATE TABLE t SET registrations_total = w.registrations_total, feedback_given_total = w.feedback_given_total,
    feedback_revoked_total = w.feedback_revoked_total, responses_total = w.responses_total,
    validation_requests_total = w.validation_requests_total, validation_responses_total = w.validation_responses_total,
    payments_total = w.payments_total
FROM (
    SELECT s.ctid AS tid,
           coalesce(p.registrations_total, 0) + sum(s.registrations) OVER w AS registrations_total,
           coalesce(p.feedback_given_total, 0) + sum(s.feedback_given) OVER w AS feedback_given_total,
           coalesce(p.feedback_revoked_total, 0) + sum(s.feedback_revoked) OVER w AS feedback_revoked_total,
           coalesce(p.responses_total, 0) + sum(s.responses) OVER w AS responses_total,
           coalesce(p.validation_requests_total, 0) + sum(s.validation_requests) OVER w AS validation_requests_total,
           coalesce(p.validation_responses_total, 0) + sum(s.validation_responses) OVER w AS validation_responses_total,
           coalesce(p.payments_total, 0) + sum(s.payments) OVER w AS payments_total
    FROM TABLE s
    LEFT JOIN LATERAL (
        SELECT q.* FROM TABLE q
        WHERE q.chain_id = $1 AND q.bucket < date_trunc('UNIT', $2::timestamptz, 'UTC')
          AND (q.agent_id = s.agent_id OR (s.agent_id IS NULL AND q.agent_id IS NULL))
        ORDER BY q.bucket DESC LIMIT 1) p ON true
    WHERE s.chain_id = $1 AND s.bucket >= date_trunc('UNIT', $2::timestamptz, 'UTC')
    WINDOW w AS (PARTITION BY s.agent_id ORDER BY s.bucket)
) w
WHERE t.ctid = w.tid
  AND (t.registrations_total, t.feedback_given_total, t.feedback_revoked_total, t.responses_total,
       t.validation_requests_total, t.validation_responses_total, t.payments_total) IS DISTINCT FROM
      (w.registrations_total, w.feedback_given_total, w.feedback_revoked_total, w.responses_total,
       w.validation_requests_total, w.validation_responses_total, w.payments_total)`

// qRollupAppend adds the contribution of the rows of blocks [$2, $3] to TABLE (the append
// path: nothing is stored above $3, and revocations in the range revoke older rows), with the
// cumulative columns: no stored row of an agent (or of the chain) is in a later bucket than the
// range's rows, so a touched row's totals are the agent's latest stored totals plus the range's
// figures up to its bucket. The rows
// are placed by their own block time (a revocation by its event's, looked up with LATERAL and
// LIMIT: one index probe whatever the statistics say, see append.go).
const qRollupAppend = `
WITH ev AS (
    SELECT date_trunc('UNIT', a.created_at, 'UTC') AS b, a.agent_id, 'reg' AS k, NULL::bigint AS bn, NULL::int AS li
    FROM erc8004_agents a WHERE a.chain_id = $1 AND a.created_block BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', f.block_time, 'UTC'), f.agent_id, 'fb', NULL, NULL
    FROM erc8004_reputation f WHERE f.chain_id = $1 AND f.block_number BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', e.block_time, 'UTC'), f.agent_id, 'rv', NULL, NULL
    FROM erc8004_reputation f
    CROSS JOIN LATERAL (
        SELECT e.block_time FROM erc8004_events e
        WHERE e.chain_id = $1 AND e.block_number = f.revoked_block AND e.log_index = f.revoked_log_index LIMIT 1) e
    WHERE f.chain_id = $1 AND f.revoked_block BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', x.block_time, 'UTC'), x.agent_id, 'resp', NULL, NULL
    FROM erc8004_feedback_responses x WHERE x.chain_id = $1 AND x.block_number BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', v.block_time, 'UTC'), v.agent_id, 'vreq', NULL, NULL
    FROM erc8004_validations v WHERE v.chain_id = $1 AND v.block_number BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', v.block_time, 'UTC'), v.agent_id, 'vresp', NULL, NULL
    FROM erc8004_validation_responses v WHERE v.chain_id = $1 AND v.block_number BETWEEN $2 AND $3
    UNION ALL
    SELECT date_trunc('UNIT', p.block_time, 'UTC'), p.agent_id, 'pay', p.block_number, p.log_index
    FROM erc8004_agent_payments p WHERE p.chain_id = $1 AND p.block_number BETWEEN $2 AND $3
), f AS (
    SELECT agent_id, b,
           count(*) FILTER (WHERE k = 'reg') AS registrations, count(*) FILTER (WHERE k = 'fb') AS feedback_given,
           count(*) FILTER (WHERE k = 'rv') AS feedback_revoked, count(*) FILTER (WHERE k = 'resp') AS responses,
           count(*) FILTER (WHERE k = 'vreq') AS validation_requests, count(*) FILTER (WHERE k = 'vresp') AS validation_responses,
           count(*) FILTER (WHERE k = 'pay') AS payments
    FROM ev GROUP BY agent_id, b
    UNION ALL
    SELECT NULL, b,
           count(*) FILTER (WHERE k = 'reg'), count(*) FILTER (WHERE k = 'fb'), count(*) FILTER (WHERE k = 'rv'),
           count(*) FILTER (WHERE k = 'resp'), count(*) FILTER (WHERE k = 'vreq'), count(*) FILTER (WHERE k = 'vresp'),
           count(DISTINCT (bn, li)) FILTER (WHERE k = 'pay')
    FROM ev GROUP BY b
), p AS (
    SELECT f.*, coalesce(pa.registrations_total, pc.registrations_total, 0) AS reg0,
           coalesce(pa.feedback_given_total, pc.feedback_given_total, 0) AS fb0,
           coalesce(pa.feedback_revoked_total, pc.feedback_revoked_total, 0) AS rv0,
           coalesce(pa.responses_total, pc.responses_total, 0) AS resp0,
           coalesce(pa.validation_requests_total, pc.validation_requests_total, 0) AS vreq0,
           coalesce(pa.validation_responses_total, pc.validation_responses_total, 0) AS vresp0,
           coalesce(pa.payments_total, pc.payments_total, 0) AS pay0
    FROM f
    LEFT JOIN LATERAL (
        SELECT q.* FROM TABLE q WHERE f.agent_id IS NOT NULL AND q.chain_id = $1 AND q.agent_id = f.agent_id
        ORDER BY q.bucket DESC LIMIT 1) pa ON true
    LEFT JOIN LATERAL (
        SELECT q.* FROM TABLE q WHERE f.agent_id IS NULL AND q.chain_id = $1 AND q.agent_id IS NULL
        ORDER BY q.bucket DESC LIMIT 1) pc ON true
)
INSERT INTO TABLE AS t (chain_id, agent_id, bucket, registrations, feedback_given, feedback_revoked,
    responses, validation_requests, validation_responses, payments, registrations_total, feedback_given_total,
    feedback_revoked_total, responses_total, validation_requests_total, validation_responses_total, payments_total)
SELECT $1, agent_id, b, registrations, feedback_given, feedback_revoked, responses, validation_requests,
       validation_responses, payments,
       reg0 + sum(registrations) OVER w, fb0 + sum(feedback_given) OVER w, rv0 + sum(feedback_revoked) OVER w,
       resp0 + sum(responses) OVER w, vreq0 + sum(validation_requests) OVER w,
       vresp0 + sum(validation_responses) OVER w, pay0 + sum(payments) OVER w
FROM p
WINDOW w AS (PARTITION BY agent_id ORDER BY b)
ON CONFLICT ON CONSTRAINT TABLE_key DO UPDATE SET
    registrations = t.registrations + EXCLUDED.registrations, feedback_given = t.feedback_given + EXCLUDED.feedback_given,
    feedback_revoked = t.feedback_revoked + EXCLUDED.feedback_revoked, responses = t.responses + EXCLUDED.responses,
    validation_requests = t.validation_requests + EXCLUDED.validation_requests,
    validation_responses = t.validation_responses + EXCLUDED.validation_responses, payments = t.payments + EXCLUDED.payments,
    registrations_total = EXCLUDED.registrations_total, feedback_given_total = EXCLUDED.feedback_given_total,
    feedback_revoked_total = EXCLUDED.feedback_revoked_total, responses_total = EXCLUDED.responses_total,
    validation_requests_total = EXCLUDED.validation_requests_total,
    validation_responses_total = EXCLUDED.validation_responses_total, payments_total = EXCLUDED.payments_total`

// rollupUnit is one rollup table and its bucket.
type rollupUnit struct{ table, unit string }

var rollupUnits = []rollupUnit{{"erc8004_stats_hourly", "hour"}, {"erc8004_stats_daily", "day"}}

// rollupSQL instantiates a rollup statement for u (TABLE and UNIT are fixed names above).
func rollupSQL(q string, u rollupUnit) string {
	return strings.NewReplacer("TABLE", u.table, "UNIT", u.unit).Replace(q)
}

// timeSpan is the span of block times a Replace touches.
type timeSpan struct {
	lo, hi time.Time
	set    bool
}

func (s *timeSpan) add(t time.Time) {
	if !s.set || t.Before(s.lo) {
		s.lo = t
	}
	if !s.set || t.After(s.hi) {
		s.hi = t
	}
	s.set = true
}

// batchSpan is the span of the times of b's logs, payments and headers.
func batchSpan(b *Batch) timeSpan {
	var s timeSpan
	for _, logs := range [][]Log{b.Logs, b.Payments} {
		if len(logs) > 0 {
			s.add(unixTime(logs[0].BlockTime))
			s.add(unixTime(logs[len(logs)-1].BlockTime))
		}
	}
	for i := range b.Blocks {
		s.add(unixTime(b.Blocks[i].Time))
	}
	return s
}

// qStoredSpan is the span of block times stored for the chain in [$2, $3] (before a Replace
// deletes them).
const qStoredSpan = `SELECT min(t), max(t) FROM (
    SELECT min(block_time) AS t FROM erc8004_blocks WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
    UNION ALL SELECT max(block_time) FROM erc8004_blocks WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
    UNION ALL SELECT min(block_time) FROM erc8004_agent_payments WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3
    UNION ALL SELECT max(block_time) FROM erc8004_agent_payments WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3) x`

// storedSpan adds the span of what is stored in b's range to s.
func storedSpan(ctx context.Context, tx pgx.Tx, b *Batch, s *timeSpan) error {
	var lo, hi *time.Time
	err := tx.QueryRow(ctx, qStoredSpan, int64(b.ChainID), int64(b.From), int64(clampBlock(b.To))).Scan(&lo, &hi)
	if err != nil {
		return fmt.Errorf("read stored time span: %w", err)
	}
	if lo != nil {
		s.add(*lo)
		s.add(*hi)
	}
	return nil
}

// updateRollups brings the rollups up to date with a Replace of b whose rows (before and
// after) span s: on the append path it adds the range's rows and their totals; otherwise it
// recomputes the buckets of s, then the cumulative columns from the first touched bucket on.
func updateRollups(ctx context.Context, tx pgx.Tx, b *Batch, s timeSpan, appendOnly bool) error {
	if !s.set {
		return nil
	}
	chainID := int64(b.ChainID)
	batch := &pgx.Batch{}
	for _, u := range rollupUnits {
		if appendOnly {
			batch.Queue(rollupSQL(qRollupAppend, u), chainID, int64(b.From), int64(clampBlock(b.To)))
			continue
		}
		batch.Queue(rollupSQL(qRollupDelete, u), chainID, s.lo, s.hi)
		batch.Queue(rollupSQL(qRollupBuckets, u), chainID, s.lo, s.hi)
		batch.Queue(rollupSQL(qRollupTotals, u), chainID, s.lo)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("update rollups: %w", err)
	}
	return nil
}
