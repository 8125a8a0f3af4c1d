package publish

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Every command used here (MULTI/EXEC, HSET with several fields, DEL, UNLINK, EXPIRE, ZADD, ZREM,
// PUBLISH, SET, EXISTS, SCAN) exists with the same semantics in Redis 7 and Valkey 7 and 8.

// agentsPerPipeline bounds the agents written by one MULTI/EXEC of a resync, so that no single
// transaction blocks the server for long; leaderboardChunk bounds the members of one ZADD.
const (
	agentsPerPipeline = 500
	leaderboardChunk  = 1000
)

// flush publishes the queued work: the head and the touched agents recomputed from one
// PostgreSQL snapshot, and the queued messages, in one MULTI/EXEC. lost reports that the
// resync marker was missing: Valkey lost its data since the last resync, and a full resync must
// follow (the work itself was published).
func (p *Publisher) flush(ctx context.Context) (lost bool, err error) {
	w := p.take()
	if len(w.updates) == 0 && len(w.agents) == 0 {
		p.done(w, false)
		return false, nil
	}
	defer func() {
		if err != nil {
			p.putBack(w)
		} else {
			p.done(w, false)
		}
	}()
	start := time.Now()
	ids := make([]string, 0, len(w.agents))
	for id := range w.agents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	snap, err := readSnapshot(ctx, p.pool, p.opts.ChainID, ids, false)
	if err != nil {
		return false, err
	}
	msgs, err := p.messages(w)
	if err != nil {
		return false, err
	}
	read := time.Since(start)
	pipe := p.client().TxPipeline()
	marker := pipe.Exists(ctx, p.keys.Synced())
	p.writeHead(ctx, pipe, snap.head)
	for i := range snap.agents {
		if err := p.writeAgent(ctx, pipe, &snap.agents[i], true); err != nil {
			return false, err
		}
	}
	for _, id := range snap.gone {
		pipe.Del(ctx, p.keys.Agent(id))
		pipe.ZRem(ctx, p.keys.Leaderboard(), id)
	}
	for _, m := range msgs {
		pipe.Publish(ctx, m.channel, m.payload)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("write %d agents and %d messages to valkey: %w", len(snap.agents)+len(snap.gone), len(msgs), err)
	}
	if ce := p.log.Check(zap.DebugLevel, "valkey published"); ce != nil {
		var head uint64
		if snap.head != nil {
			head = snap.head.Number
		}
		ce.Write(zap.Uint64(fieldChainID, p.opts.ChainID), zap.Uint64("head", head), zap.Int("updates", len(w.updates)),
			zap.Int("agents", len(ids)), zap.Int("messages", len(msgs)), zap.Duration("read", read),
			zap.Duration("elapsed", time.Since(start)))
	}
	return marker.Val() == 0, nil
}

// ResyncStats describes one full resync.
type ResyncStats struct {
	Head     uint64 // the head written (0 when the chain has no cursor)
	Agents   int    // agent hashes written
	Ranked   int    // leaderboard members
	Stale    int    // agent keys deleted because PostgreSQL has no such agent
	Messages int    // queued messages published with it
	Elapsed  time.Duration
}

// Resync rewrites every key of the chain from one PostgreSQL snapshot: every agent hash, the
// leaderboard (rebuilt, so no stale member survives), the head and the resync marker; it deletes
// the agent keys of agents PostgreSQL does not have, and publishes the queued messages. Run calls
// it at start, after failures and every ResyncInterval; `indexer publish --resync` calls it once.
func (p *Publisher) Resync(ctx context.Context) (ResyncStats, error) {
	start := time.Now()
	w := p.take()
	st, err := p.resync(ctx, w)
	if err != nil {
		p.putBack(w)
		return ResyncStats{}, err
	}
	p.done(w, true)
	st.Elapsed = time.Since(start)
	return st, nil
}

func (p *Publisher) resync(ctx context.Context, w work) (ResyncStats, error) {
	var st ResyncStats
	rdb := p.client()
	// While Valkey is down Run retries a resync every MaxBackoff: find out cheaply before
	// reading every agent from PostgreSQL.
	if err := rdb.Ping(ctx).Err(); err != nil {
		return st, fmt.Errorf("ping valkey: %w", err)
	}
	snap, err := readSnapshot(ctx, p.pool, p.opts.ChainID, nil, true)
	if err != nil {
		return st, err
	}
	msgs, err := p.messages(w)
	if err != nil {
		return st, err
	}
	stale, err := p.staleAgentKeys(ctx, rdb, snap.agents)
	if err != nil {
		return st, err
	}
	for start := 0; start < len(snap.agents); start += agentsPerPipeline {
		pipe := rdb.TxPipeline()
		for i := start; i < min(start+agentsPerPipeline, len(snap.agents)); i++ {
			if err := p.writeAgent(ctx, pipe, &snap.agents[i], false); err != nil {
				return st, err
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return st, fmt.Errorf("write agents to valkey: %w", err)
		}
	}
	for start := 0; start < len(stale); start += leaderboardChunk {
		chunk := stale[start:min(start+leaderboardChunk, len(stale))]
		if err := rdb.Unlink(ctx, chunk...).Err(); err != nil {
			return st, fmt.Errorf("delete stale agent keys: %w", err)
		}
	}
	// The leaderboard is rebuilt inside one MULTI/EXEC: readers see the old or the new one.
	pipe := rdb.TxPipeline()
	pipe.Del(ctx, p.keys.Leaderboard())
	var members []redis.Z
	for i := range snap.agents {
		a := &snap.agents[i]
		if a.FeedbackCount == 0 {
			continue
		}
		score, err := leaderboardScore(a)
		if err != nil {
			return st, err
		}
		members = append(members, redis.Z{Score: score, Member: a.ID})
	}
	for start := 0; start < len(members); start += leaderboardChunk {
		pipe.ZAdd(ctx, p.keys.Leaderboard(), members[start:min(start+leaderboardChunk, len(members))]...)
	}
	p.writeHead(ctx, pipe, snap.head)
	pipe.Set(ctx, p.keys.Synced(), time.Now().UnixMilli(), 0)
	for _, m := range msgs {
		pipe.Publish(ctx, m.channel, m.payload)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return st, fmt.Errorf("write leaderboard and head to valkey: %w", err)
	}
	if snap.head != nil {
		st.Head = snap.head.Number
	}
	st.Agents, st.Ranked, st.Stale, st.Messages = len(snap.agents), len(members), len(stale), len(msgs)
	return st, nil
}

// staleAgentKeys lists the chain's agent keys whose agent is not in agents.
func (p *Publisher) staleAgentKeys(ctx context.Context, rdb *redis.Client, agents []agentRow) ([]string, error) {
	live := make(map[string]bool, len(agents))
	for i := range agents {
		live[agents[i].ID] = true
	}
	prefix := p.keys.AgentPrefix()
	var stale []string
	iter := rdb.Scan(ctx, 0, escapeGlob(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		if id, ok := strings.CutPrefix(key, prefix); ok && !live[id] {
			stale = append(stale, key)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("scan agent keys: %w", err)
	}
	return stale, nil
}

// writeHead queues the head hash, or its deletion when the chain has no cursor.
func (p *Publisher) writeHead(ctx context.Context, pipe redis.Pipeliner, h *headRow) {
	if h == nil {
		pipe.Del(ctx, p.keys.Head())
		return
	}
	pipe.HSet(ctx, p.keys.Head(),
		"number", h.Number,
		"hash", h.Hash,
		"timestamp", h.Time,
		"indexed_at", h.IndexedAt.UnixMilli(),
		"finalized", h.Finalized)
}

// writeAgent queues one agent's hash with its TTL and, with ranking, its leaderboard entry (a
// resync rebuilds the leaderboard separately).
func (p *Publisher) writeAgent(ctx context.Context, pipe redis.Pipeliner, a *agentRow, ranking bool) error {
	key := p.keys.Agent(a.ID)
	// DEL first: the hash holds exactly the published fields, whatever an older version wrote.
	pipe.Del(ctx, key)
	fields := []any{
		"feedback_count", a.FeedbackCount,
		"summary_value", a.SummaryValue,
		"summary_decimals", a.SummaryDecimals,
		"validation_count", a.ValidationCount,
		"avg_response", a.AvgResponse,
		"verified_payments", a.VerifiedPayments,
		"owner", a.Owner,
		"agent_uri", a.URI,
	}
	// The registration file's fields, once the off-chain worker parsed them.
	if a.Name != nil {
		fields = append(fields, "name", *a.Name)
	}
	if a.Image != nil {
		fields = append(fields, "image", *a.Image)
	}
	if a.X402 != nil {
		fields = append(fields, "x402", *a.X402)
	}
	if len(a.Truncated) > 0 {
		fields = append(fields, "truncated", strings.Join(a.Truncated, ","))
	}
	pipe.HSet(ctx, key, fields...)
	if p.opts.TTL > 0 {
		pipe.Expire(ctx, key, p.opts.TTL)
	}
	if !ranking {
		return nil
	}
	if a.FeedbackCount == 0 {
		pipe.ZRem(ctx, p.keys.Leaderboard(), a.ID)
		return nil
	}
	score, err := leaderboardScore(a)
	if err != nil {
		return err
	}
	pipe.ZAdd(ctx, p.keys.Leaderboard(), redis.Z{Score: score, Member: a.ID})
	return nil
}

// leaderboardScore is the agent's getSummary average as a number: summary_value /
// 10^summary_decimals, rounded to the nearest float64 (strconv parses the exact decimal).
func leaderboardScore(a *agentRow) (float64, error) {
	s := a.SummaryValue + "e-" + strconv.Itoa(int(a.SummaryDecimals))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("score of agent %s: %w", a.ID, err)
	}
	return f, nil
}

// messages encodes the queued updates' messages in commit order.
func (p *Publisher) messages(w work) ([]message, error) {
	out := make([]message, 0, w.msgs)
	for i := range w.updates {
		u := &w.updates[i]
		if u.Reorg != nil {
			b, err := reorgMessage(u)
			if err != nil {
				return nil, err
			}
			out = append(out, message{channel: p.keys.Reorgs(), payload: b})
		}
		for j := range u.Logs {
			b, err := eventMessage(u.ChainID, &u.Logs[j])
			if err != nil {
				return nil, err
			}
			out = append(out, message{channel: p.keys.Events(), payload: b})
		}
	}
	return out, nil
}
