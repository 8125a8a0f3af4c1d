package publish_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
)

// state is what Valkey holds (or should hold) for one chain.
type state struct {
	head   map[string]string
	agents map[string]map[string]string // by agent id
	board  map[string]float64
}

// diff returns "" when got equals want, else a description of the first difference.
func (want state) diff(got state) string {
	if !maps.Equal(want.head, got.head) {
		return fmt.Sprintf("head: valkey %v, postgres %v", got.head, want.head)
	}
	wantIDs, gotIDs := slices.Sorted(maps.Keys(want.agents)), slices.Sorted(maps.Keys(got.agents))
	if !slices.Equal(gotIDs, wantIDs) {
		return fmt.Sprintf("agent keys: valkey %v, postgres %v", gotIDs, wantIDs)
	}
	for _, id := range wantIDs {
		if !maps.Equal(got.agents[id], want.agents[id]) {
			return fmt.Sprintf("agent %s: valkey %v, postgres %v", id, got.agents[id], want.agents[id])
		}
	}
	if !maps.Equal(got.board, want.board) {
		return fmt.Sprintf("leaderboard: valkey %v, postgres %v", got.board, want.board)
	}
	return ""
}

// postgresState is what Valkey must hold about chainID according to PostgreSQL: the head from
// erc8004_cursors and erc8004_blocks, every agent of v_erc8004_agent_stats and nothing else, the
// leaderboard. It reads the views, not the publisher's own query, so that it also checks that
// query.
func postgresState(ctx context.Context, pool *pgxpool.Pool, chainID uint64) (state, error) {
	want := state{head: map[string]string{}, agents: map[string]map[string]string{}, board: map[string]float64{}}
	var (
		num, ts, fin int64
		hash         string
		updated      time.Time
	)
	err := pool.QueryRow(ctx, `SELECT c.block_number, c.block_hash, extract(epoch FROM b.block_time)::bigint, c.finalized_block, c.updated_at
		FROM erc8004_cursors c JOIN erc8004_blocks b ON b.chain_id = c.chain_id AND b.block_number = c.block_number
		WHERE c.chain_id = $1`, int64(chainID)).Scan(&num, &hash, &ts, &fin, &updated)
	switch {
	case err == nil:
		want.head = map[string]string{"number": fmt.Sprint(num), "hash": hash, "timestamp": fmt.Sprint(ts),
			"indexed_at": fmt.Sprint(updated.UnixMilli()), "finalized": fmt.Sprint(fin)}
	case !errors.Is(err, pgx.ErrNoRows):
		return want, err
	}
	rows, err := pool.Query(ctx, `SELECT agent_id::text, owner, agent_uri, feedback_count, summary_value::text,
		summary_decimals, validation_count, avg_response, verified_payment_count FROM v_erc8004_agent_stats WHERE chain_id = $1`,
		int64(chainID))
	if err != nil {
		return want, err
	}
	var (
		id, owner, uri, value string
		fb, vc, paid          int64
		dec, avg              int16
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &owner, &uri, &fb, &value, &dec, &vc, &avg, &paid}, func() error {
		// The hash carries at most publish.MaxMessageString bytes of the URI, and says so.
		cutURI := uri
		if len(uri) > publish.MaxMessageString {
			cutURI = strings.ToValidUTF8(uri[:publish.MaxMessageString], "")
		}
		want.agents[id] = map[string]string{"owner": owner, "agent_uri": cutURI, "feedback_count": fmt.Sprint(fb),
			"summary_value": value, "summary_decimals": fmt.Sprint(dec), "validation_count": fmt.Sprint(vc),
			"avg_response": fmt.Sprint(avg), "verified_payments": fmt.Sprint(paid)}
		if cutURI != uri {
			want.agents[id]["truncated"] = "agent_uri"
		}
		if fb > 0 {
			want.board[id] = score(value, dec)
		}
		return nil
	})
	return want, err
}

// valkeyState reads the chain's keys: one SCAN and then one pipeline for the hashes.
func valkeyState(ctx context.Context, rdb *redis.Client, keys publish.Keys) (state, error) {
	got := state{agents: map[string]map[string]string{}, board: map[string]float64{}}
	var ids []string
	iter := rdb.Scan(ctx, 0, keys.AgentPrefix()+"*", 1000).Iterator()
	for iter.Next(ctx) {
		ids = append(ids, strings.TrimPrefix(iter.Val(), keys.AgentPrefix()))
	}
	if err := iter.Err(); err != nil {
		return got, err
	}
	pipe := rdb.Pipeline()
	head := pipe.HGetAll(ctx, keys.Head())
	hashes := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		hashes[i] = pipe.HGetAll(ctx, keys.Agent(id))
	}
	board := pipe.ZRangeWithScores(ctx, keys.Leaderboard(), 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return got, err
	}
	got.head = head.Val()
	for i, id := range ids {
		got.agents[id] = hashes[i].Val()
	}
	for _, z := range board.Val() {
		got.board[z.Member.(string)] = z.Score
	}
	return got, nil
}

// diffValkey returns "" when Valkey holds exactly what PostgreSQL says about chainID, else a
// description of the first difference.
func diffValkey(ctx context.Context, rdb *redis.Client, pool *pgxpool.Pool, keys publish.Keys, chainID uint64) (string, error) {
	want, err := postgresState(ctx, pool, chainID)
	if err != nil {
		return "", err
	}
	got, err := valkeyState(ctx, rdb, keys)
	if err != nil {
		return "", err
	}
	return want.diff(got), nil
}

// requireValkeyEqualsPostgres fails the test when diffValkey finds a difference.
func requireValkeyEqualsPostgres(t *testing.T, ctx context.Context, rdb *redis.Client, pool *pgxpool.Pool, keys publish.Keys, chainID uint64) {
	t.Helper()
	d, err := diffValkey(ctx, rdb, pool, keys, chainID)
	require.NoError(t, err)
	require.Empty(t, d)
}

// score is the documented leaderboard score, computed independently of the publisher: the
// nearest float64 to summary_value / 10^summary_decimals.
func score(value string, decimals int16) float64 {
	v, ok := new(big.Int).SetString(value, 10)
	if !ok {
		panic("bad summary_value " + value)
	}
	r := new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
	f, _ := r.Float64()
	return f
}

// redisServer is a redis-server process of the test's own on a free loopback port, which the
// test can kill and start again on the same port (without persistence: it restarts empty).
type redisServer struct {
	t    *testing.T
	port int
	args []string
	cmd  *exec.Cmd
}

// startRedis starts redis-server on a free port, plain (args nil) or with the arguments args
// returns for the port; it is killed at cleanup.
func startRedis(t *testing.T, args func(port string) []string) *redisServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	if args == nil {
		args = func(port string) []string { return []string{"--port", port} }
	}
	s := &redisServer{t: t, port: port, args: append(args(strconv.Itoa(port)), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")}
	s.Start()
	t.Cleanup(s.Kill)
	return s
}

// Addr is the server's host:port.
func (s *redisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server and waits until it accepts connections.
func (s *redisServer) Start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", s.args...)
	require.NoError(s.t, s.cmd.Start(), "start redis-server (is it installed?)")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		require.True(s.t, time.Now().Before(deadline), "redis-server did not listen on %s: %v", s.Addr(), err)
		time.Sleep(5 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL (no shutdown, no save) and waits for it to exit.
func (s *redisServer) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func TestMain(m *testing.M) {
	// go-redis logs every failed dial to stderr; the outage tests make many on purpose.
	redis.SetLogger(publish.RedisLogger(zap.NewNop()))
	os.Exit(m.Run())
}
