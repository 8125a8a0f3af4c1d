package sink

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// The append path: Replace of a range that is provably empty and lies above every stored row
// (forward indexing, the backfill above all). Then every event of the batch comes after every
// stored event, and the derived state the full recompute would produce is the stored state
// folded with the batch's events in order. The batch's contribution is computed here, in Go,
// from the decoded events, and applied with one set-based statement per derived table that reads
// only the rows it updates. The full recompute re-read every event of every touched agent and
// (client, agent) pair: quadratic over a backfill, and with popular agents it dominated the
// write time.
//
// The invariant that makes this exact: after every Replace, each derived table equals the full
// recompute of the stored events (both paths keep it). Where the stored history could still
// matter to a key that has no derived row yet (events of an agent before its registration,
// which the registries never emit), the key goes through the full recompute instead.

// qRangeEnd returns the highest block of any row stored for the chain in the range tables
// (NULL when there is none). Each max() is one backward step of a (chain_id, block_number, ...)
// index.
const qRangeEnd = `SELECT greatest(
    (SELECT max(block_number) FROM erc8004_events WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_reputation WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_feedback_responses WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_validations WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_validation_responses WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_agent_payments WHERE chain_id = $1),
    (SELECT max(block_number) FROM erc8004_blocks WHERE chain_id = $1))`

// appendable reports whether no row of the chain is stored at or above block from.
func appendable(ctx context.Context, tx pgx.Tx, chainID, from uint64) (bool, error) {
	var end *int64
	if err := tx.QueryRow(ctx, qRangeEnd, int64(chainID)).Scan(&end); err != nil {
		return false, fmt.Errorf("read stored range end: %w", err)
	}
	return end == nil || uint64(*end) < from, nil
}

// agentDelta is what a batch does to one agent, folded in log order.
type agentDelta struct {
	registry, agentID string
	created           bool // a Registered or a mint (Transfer from zero) is in the batch; c* is the first
	cBlock            int64
	cTx               string
	cLog              int32
	cTime             time.Time
	owner, uri        *string // last values set by the batch, nil when unchanged
	walletSet         bool
	wallet            *string // the new getAgentWallet, nil for none
	approvalSet       bool
	approved          *string // the new getApproved, nil for none
	uBlock            int64   // the last identity event of the agent in the batch
	uTx               string
	uLog              int32
	uTime             time.Time
}

// metadataRow is the last MetadataSet of one (registry, agent, key) in the batch.
type metadataRow struct {
	registry, agentID, keyHash, key string
	value                           []byte
	block                           int64
	tx                              string
	log                             int32
}

// operatorRow is the last ApprovalForAll of one (registry, owner, operator) in the batch.
type operatorRow struct {
	registry, owner, operator string
	approved                  bool
	block                     int64
	tx                        string
	log                       int32
}

// revocation is one FeedbackRevoked of the batch.
type revocation struct {
	registry, agentID, client string
	index                     string // uint64, decimal
	block                     int64
	tx                        string
	log                       int32
}

// appendDelta is the batch's contribution to the derived tables.
type appendDelta struct {
	agents      []*agentDelta
	metadata    []*metadataRow
	operators   []*operatorRow
	revocations []revocation
	derived     keySet                 // (registry, agent, client) pairs with index-less (v1.0) feedback in the batch
	requests    map[[2]string]struct{} // (registry, request hash) of the batch's validation events
	agentIDs    map[string]struct{}    // every agent id an event of the batch concerns (Stats.Agents)
	// aggregates is set when the batch has feedback, revocations or responses (aggregates.go);
	// feedbackAgents are the agents of its feedback and revocations, validationAgents those of
	// its validation events.
	aggregates       bool
	feedbackAgents   map[string]struct{}
	validationAgents map[string]struct{}
}

// touched is the number of derived-state keys the batch updates (Stats.Touched).
func (d *appendDelta) touched() int {
	return len(d.agents) + len(d.metadata) + len(d.operators) + len(d.revocations) + len(d.derived.pairs) + len(d.requests)
}

// fold computes the batch's contribution, applying the contracts' rules in log order (the same
// rules as the full recompute, see recompute.go).
func fold(b *Batch) *appendDelta {
	d := &appendDelta{derived: newKeySet(), requests: map[[2]string]struct{}{}, agentIDs: map[string]struct{}{},
		feedbackAgents: map[string]struct{}{}, validationAgents: map[string]struct{}{}}
	agents := map[[2]string]*agentDelta{}
	metadata := map[[3]string]*metadataRow{}
	operators := map[[3]string]*operatorRow{}
	for i := range b.Logs {
		l := &b.Logs[i]
		if l.Event == nil {
			continue
		}
		id := erc8004.AgentID(l.Event)
		idText := ""
		if id != nil {
			idText = id.String()
			d.agentIDs[idText] = struct{}{}
		}
		addr := hexAddr(l.Raw.Address)
		block, tx, log, at := int64(l.Raw.BlockNumber), hexHash(l.Raw.TxHash), int32(l.Raw.Index), unixTime(l.BlockTime)
		switch ev := l.Event.(type) {
		case *erc8004.ValidationRequest:
			d.requests[[2]string{addr, hexHash(ev.RequestHash)}] = struct{}{}
			if id != nil {
				d.validationAgents[idText] = struct{}{}
			}
			continue
		case *erc8004.ValidationResponse:
			d.requests[[2]string{addr, hexHash(ev.RequestHash)}] = struct{}{}
			if id != nil {
				d.validationAgents[idText] = struct{}{}
			}
			continue
		case *erc8004.ResponseAppended:
			d.aggregates = true
			continue
		case *erc8004.NewFeedback:
			d.aggregates = true
			if id != nil {
				d.feedbackAgents[idText] = struct{}{}
			}
			if !ev.HasIndex && ev.AgentID != nil {
				d.derived.pairs[[3]string{addr, idText, hexAddr(ev.Client)}] = struct{}{}
			}
			continue
		case *erc8004.FeedbackRevoked:
			d.aggregates = true
			if id != nil {
				d.feedbackAgents[idText] = struct{}{}
			}
			if l.Registry == erc8004.RegistryReputation && ev.AgentID != nil {
				d.revocations = append(d.revocations, revocation{registry: addr, agentID: idText,
					client: hexAddr(ev.Client), index: strconv.FormatUint(ev.FeedbackIndex, 10), block: block, tx: tx, log: log})
			}
			continue
		case *erc8004.ApprovalForAll:
			if l.Registry != erc8004.RegistryIdentity {
				continue
			}
			k := [3]string{addr, hexAddr(ev.Owner), hexAddr(ev.Operator)}
			op := operators[k]
			if op == nil {
				op = &operatorRow{registry: k[0], owner: k[1], operator: k[2]}
				operators[k] = op
				d.operators = append(d.operators, op)
			}
			op.approved, op.block, op.tx, op.log = ev.Approved, block, tx, log
			continue
		}
		if l.Registry != erc8004.RegistryIdentity || id == nil {
			continue
		}
		switch l.Event.(type) {
		case *erc8004.Registered, *erc8004.Transfer, *erc8004.URIUpdated, *erc8004.MetadataSet, *erc8004.Approval:
		default:
			continue // MetadataUpdate and the like do not change an agent row
		}
		k := [2]string{addr, idText}
		a := agents[k]
		if a == nil {
			a = &agentDelta{registry: k[0], agentID: k[1]}
			agents[k] = a
			d.agents = append(d.agents, a)
		}
		creates := false
		switch ev := l.Event.(type) {
		case *erc8004.Registered:
			creates = true
			owner, uri := hexAddr(ev.Owner), erc8004.SafeText(ev.AgentURI)
			a.owner, a.uri = &owner, &uri
		case *erc8004.Transfer:
			creates = ev.From == zeroAddr
			to := hexAddr(ev.To)
			a.owner = &to
			// OpenZeppelin v5 clears the approval on every transfer, without an event.
			a.approvalSet, a.approved = true, nil
		case *erc8004.URIUpdated:
			uri := erc8004.SafeText(ev.NewURI)
			a.uri = &uri
		case *erc8004.Approval:
			a.approvalSet, a.approved = true, nil
			if ev.Approved != zeroAddr {
				approved := hexAddr(ev.Approved)
				a.approved = &approved
			}
		case *erc8004.MetadataSet:
			if len(l.Raw.Topics) < 3 {
				break // no key topic: the recompute cannot match it to a key either
			}
			keyHash := hexHash(l.Raw.Topics[2])
			mk := [3]string{addr, k[1], keyHash}
			m := metadata[mk]
			if m == nil {
				m = &metadataRow{registry: addr, agentID: k[1], keyHash: keyHash}
				metadata[mk] = m
				d.metadata = append(d.metadata, m)
			}
			m.key, m.value, m.block, m.tx, m.log = erc8004.SafeText(ev.Key), ev.Value, block, tx, log
			if keyHash == agentWalletTopic {
				a.walletSet, a.wallet = true, walletOf(ev.Value)
			}
		}
		if creates && !a.created {
			a.created, a.cBlock, a.cTx, a.cLog, a.cTime = true, block, tx, log, at
		}
		a.uBlock, a.uTx, a.uLog, a.uTime = block, tx, log, at
	}
	return d
}

// walletOf is getAgentWallet for a stored agentWallet value: address(bytes20(value)), none when
// that is the zero address (the recompute's SQL expression, in Go).
func walletOf(v []byte) *string {
	var a common.Address
	copy(a[:], v)
	if a == zeroAddr {
		return nil
	}
	s := hexAddr(a)
	return &s
}

// The statements of the append path start from the batch's keys and reach every stored row
// through a LATERAL subquery with LIMIT or OFFSET 0 (which the planner cannot flatten into a
// join), updating by ctid. Each key then costs one index probe, whatever the tables' statistics
// say. During a backfill the tables are new and not analyzed yet, and the planner's estimates
// (one or two rows for any range) made it scan every stored identity event once per batch to
// check a few hundred agents (EXPLAIN ANALYZE: 24,550 rows read for 625 agents, 3.4 s of the
// 15 s of Replace on the 200k-event bench): quadratic over a backfill.

// qAppendAgents applies the batch's deltas to the agents that have a row.
const qAppendAgents = `
UPDATE erc8004_agents a SET
    owner = coalesce(d.owner, a.owner),
    agent_uri = coalesce(d.uri, a.agent_uri),
    agent_wallet = CASE WHEN d.wallet_set THEN d.wallet ELSE a.agent_wallet END,
    approved = CASE WHEN d.approval_set THEN d.approved ELSE a.approved END,
    updated_block = d.u_block, updated_tx = d.u_tx, updated_log_index = d.u_log, updated_at = d.u_time
FROM (
    SELECT u.*, t.tid
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::bool[], $9::text[],
                $10::bigint[], $11::text[], $12::int[], $13::timestamptz[])
         AS u(registry, agent_id, owner, uri, wallet_set, wallet, approval_set, approved, u_block, u_tx, u_log, u_time)
    CROSS JOIN LATERAL (
        SELECT x.ctid AS tid FROM erc8004_agents x
        WHERE x.chain_id = $1 AND x.registry = u.registry AND x.agent_id = u.agent_id::numeric(78,0) LIMIT 1) t
) d
WHERE a.ctid = d.tid`

// qAppendNewAgents inserts the agents the batch registers. An agent without a row that already
// has stored identity events (only possible for events before its registration) is returned
// instead, for the full recompute.
const qAppendNewAgents = `
WITH d AS (
    SELECT u.*, u.agent_id_text::numeric(78,0) AS agent_id
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::bool[], $9::text[],
                $10::bigint[], $11::text[], $12::int[], $13::timestamptz[],
                $14::bigint[], $15::text[], $16::int[], $17::timestamptz[])
         AS u(registry, agent_id_text, owner, uri, wallet_set, wallet, approval_set, approved, u_block, u_tx, u_log,
              u_time, c_block, c_tx, c_log, c_time)
    LEFT JOIN LATERAL (
        SELECT true AS found FROM erc8004_agents a
        WHERE a.chain_id = $1 AND a.registry = u.registry AND a.agent_id = u.agent_id_text::numeric(78,0) LIMIT 1) ex ON true
    WHERE ex.found IS NULL
), hist AS (
    SELECT d.registry, d.agent_id FROM d
    CROSS JOIN LATERAL (
        SELECT 1 FROM erc8004_events e
        WHERE e.chain_id = $1 AND e.registry = 'identity' AND e.agent_id = d.agent_id AND e.address = d.registry
          AND e.block_number < $18 LIMIT 1) h
), ins AS (
    INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, agent_uri, agent_wallet, approved,
        created_block, created_tx, created_log_index, created_at, updated_block, updated_tx, updated_log_index, updated_at)
    SELECT $1, d.registry, d.agent_id, d.owner, coalesce(d.uri, ''), CASE WHEN d.wallet_set THEN d.wallet END,
           CASE WHEN d.approval_set THEN d.approved END, d.c_block, d.c_tx, d.c_log, d.c_time,
           d.u_block, d.u_tx, d.u_log, d.u_time
    FROM d WHERE NOT EXISTS (SELECT 1 FROM hist h WHERE h.registry = d.registry AND h.agent_id = d.agent_id)
)
SELECT registry, agent_id::text FROM hist`

// qAppendMetadata writes the last value of every key the batch sets.
const qAppendMetadata = `
INSERT INTO erc8004_agent_metadata (chain_id, registry, agent_id, key_hash, key, value, value_text,
    block_number, tx_hash, log_index)
SELECT $1, r, a::numeric(78,0), h, k, v, erc8004_try_utf8(v), bn, tx, li
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bigint[], $8::text[], $9::int[])
     AS u(r, a, h, k, v, bn, tx, li)
ON CONFLICT (chain_id, registry, agent_id, key_hash) DO UPDATE SET
    key = EXCLUDED.key, value = EXCLUDED.value, value_text = EXCLUDED.value_text,
    block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash, log_index = EXCLUDED.log_index`

// qAppendOperators writes the last ApprovalForAll of every (owner, operator) the batch sets.
const qAppendOperators = `
INSERT INTO erc8004_operators (chain_id, registry, owner, operator, approved, block_number, tx_hash, log_index)
SELECT $1, r, o, p, ap, bn, tx, li
FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[], $6::bigint[], $7::text[], $8::int[])
     AS u(r, o, p, ap, bn, tx, li)
ON CONFLICT (chain_id, registry, owner, operator) DO UPDATE SET
    approved = EXCLUDED.approved, block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash,
    log_index = EXCLUDED.log_index`

// qAppendRevocations marks the feedback the batch's revocations name. A feedback row takes the
// first revocation that comes after it; one already revoked keeps its (earlier) revocation.
// The feedback is named by equalities and also by a range of one key on (agent, client, index),
// which only the (chain, agent, client, index) index can serve: with the equalities alone, the
// planner took the client index of migration 0017 on the unanalyzed tables of a backfill and
// read every earlier feedback of the client per revocation (EXPLAIN: 366 rows each); with the
// range alone, it misjudged the range on analyzed tables.
const qAppendRevocations = `
WITH x AS (
    SELECT DISTINCT ON (f.tid) f.tid, r.block_number, r.tx_hash, r.log_index
    FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::bigint[], $7::text[], $8::int[])
         AS r(registry, agent_id, client, idx, block_number, tx_hash, log_index)
    CROSS JOIN LATERAL (
        SELECT f.ctid AS tid FROM erc8004_reputation f
        WHERE f.chain_id = $1 AND f.agent_id = r.agent_id::numeric(78,0) AND f.client_address = r.client
          AND f.feedback_index = r.idx
          AND (f.agent_id, f.client_address, f.feedback_index) >= (r.agent_id::numeric(78,0), r.client, r.idx)
          AND (f.agent_id, f.client_address, f.feedback_index) <= (r.agent_id::numeric(78,0), r.client, r.idx)
          AND f.registry = r.registry AND NOT f.is_revoked
          AND (f.block_number, f.log_index) < (r.block_number, r.log_index)
        OFFSET 0) f
    ORDER BY f.tid, r.block_number, r.log_index
)
UPDATE erc8004_reputation f
SET is_revoked = true, revoked_block = x.block_number, revoked_tx = x.tx_hash, revoked_log_index = x.log_index
FROM x WHERE f.ctid = x.tid`

// appendStatements prepares the statements that bring the derived tables up to date with the
// batch's contribution d, once its rows are copied into a range that was empty and above every
// stored row. They are built before the transaction begins and sent in one round trip
// (runAppend), so that PostgreSQL does not wait for the client between them: sampling
// pg_stat_activity during a backfill showed the backend "idle in transaction" 11% of the time.
func appendStatements(b *Batch, d *appendDelta) (*pgx.Batch, []string) {
	chain := int64(b.ChainID)
	batch := &pgx.Batch{}
	var names []string
	queue := func(name, q string, args ...any) {
		names = append(names, name)
		batch.Queue(q, append([]any{chain}, args...)...)
	}
	if len(d.agents) > 0 {
		queue("agents", qAppendAgents, agentColumns(d.agents, false)...)
		var created []*agentDelta
		for _, a := range d.agents {
			if a.created {
				created = append(created, a)
			}
		}
		if len(created) > 0 {
			queue("new agents", qAppendNewAgents, append(agentColumns(created, true), int64(b.From))...)
		}
	}
	if len(d.metadata) > 0 {
		n := len(d.metadata)
		r, a, h, k := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		v, bn, txs, li := make([][]byte, n), make([]int64, n), make([]string, n), make([]int32, n)
		for i, m := range d.metadata {
			r[i], a[i], h[i], k[i], v[i], bn[i], txs[i], li[i] = m.registry, m.agentID, m.keyHash, m.key, m.value, m.block, m.tx, m.log
		}
		queue("metadata", qAppendMetadata, r, a, h, k, v, bn, txs, li)
	}
	if len(d.operators) > 0 {
		n := len(d.operators)
		r, o, p, ap := make([]string, n), make([]string, n), make([]string, n), make([]bool, n)
		bn, txs, li := make([]int64, n), make([]string, n), make([]int32, n)
		for i, op := range d.operators {
			r[i], o[i], p[i], ap[i], bn[i], txs[i], li[i] = op.registry, op.owner, op.operator, op.approved, op.block, op.tx, op.log
		}
		queue("operators", qAppendOperators, r, o, p, ap, bn, txs, li)
	}
	// Derived (v1.0) indexes first: revocations name them.
	if len(d.derived.pairs) > 0 {
		r, a, c := columns3(d.derived.pairs)
		queue("feedback indexes", qRecomputeDerivedIndexes, r, a, c)
	}
	if len(d.revocations) > 0 {
		n := len(d.revocations)
		r, a, c, idx := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bn, txs, li := make([]int64, n), make([]string, n), make([]int32, n)
		for i, rv := range d.revocations {
			r[i], a[i], c[i], idx[i], bn[i], txs[i], li[i] = rv.registry, rv.agentID, rv.client, rv.index, rv.block, rv.tx, rv.log
		}
		queue("revocations", qAppendRevocations, r, a, c, idx, bn, txs, li)
	}
	if len(d.requests) > 0 {
		r, h := columns2(d.requests)
		queue("validations", qRecomputeValidations, r, h)
	}
	queueAggregatesAppend(queue, b, d)
	return batch, names
}

// runAppend sends the statements of appendStatements and reads their results. Agents that the
// new-agents statement hands back go through the full recompute.
func runAppend(ctx context.Context, tx pgx.Tx, chainID uint64, batch *pgx.Batch, names []string) error {
	if len(names) == 0 {
		return nil
	}
	slow := newKeySet()
	results := tx.SendBatch(ctx, batch)
	for _, name := range names {
		var err error
		if name == "new agents" {
			var rows pgx.Rows
			if rows, err = results.Query(); err == nil {
				var reg, id string
				_, err = pgx.ForEachRow(rows, []any{&reg, &id}, func() error {
					slow.agents[[2]string{reg, id}] = struct{}{}
					return nil
				})
			}
		} else {
			_, err = results.Exec()
		}
		if err != nil {
			results.Close()
			return fmt.Errorf("append %s: %w", name, err)
		}
	}
	if err := results.Close(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if len(slow.agents) > 0 {
		return recompute(ctx, tx, chainID, &slow)
	}
	return nil
}

// agentColumns turns deltas into the parallel arrays of qAppendAgents (and, with creation, of
// qAppendNewAgents).
func agentColumns(ds []*agentDelta, creation bool) []any {
	n := len(ds)
	reg, id, owner, uri := make([]string, n), make([]string, n), make([]*string, n), make([]*string, n)
	wset, wallet, aset, approved := make([]bool, n), make([]*string, n), make([]bool, n), make([]*string, n)
	ub, utx, ul, ut := make([]int64, n), make([]string, n), make([]int32, n), make([]time.Time, n)
	for i, a := range ds {
		reg[i], id[i], owner[i], uri[i] = a.registry, a.agentID, a.owner, a.uri
		wset[i], wallet[i], aset[i], approved[i] = a.walletSet, a.wallet, a.approvalSet, a.approved
		ub[i], utx[i], ul[i], ut[i] = a.uBlock, a.uTx, a.uLog, a.uTime
	}
	cols := []any{reg, id, owner, uri, wset, wallet, aset, approved, ub, utx, ul, ut}
	if !creation {
		return cols
	}
	cb, ctxh, cl, ct := make([]int64, n), make([]string, n), make([]int32, n), make([]time.Time, n)
	for i, a := range ds {
		cb[i], ctxh[i], cl[i], ct[i] = a.cBlock, a.cTx, a.cLog, a.cTime
	}
	return append(cols, cb, ctxh, cl, ct)
}

// zeroAddr is the zero address.
var zeroAddr common.Address
