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

// diffValkey returns "" when Valkey holds exactly what PostgreSQL says about chainID (the head
// from erc8004_cursors and erc8004_blocks, every agent of v_erc8004_agent_stats and nothing
// else, the leaderboard), else a description of the first difference. It reads the views, not
// the publisher's own query, so that it also checks that query.
func diffValkey(ctx context.Context, rdb *redis.Client, pool *pgxpool.Pool, keys publish.Keys, chainID uint64) (string, error) {
	wantHead := map[string]string{}
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
		wantHead = map[string]string{"number": fmt.Sprint(num), "hash": hash, "timestamp": fmt.Sprint(ts),
			"indexed_at": fmt.Sprint(updated.UnixMilli()), "finalized": fmt.Sprint(fin)}
	case !errors.Is(err, pgx.ErrNoRows):
		return "", err
	}
	gotHead, err := rdb.HGetAll(ctx, keys.Head()).Result()
	if err != nil {
		return "", err
	}
	if !maps.Equal(wantHead, gotHead) {
		return fmt.Sprintf("head: valkey %v, postgres %v", gotHead, wantHead), nil
	}

	rows, err := pool.Query(ctx, `SELECT agent_id::text, owner, agent_uri, feedback_count, summary_value::text,
		summary_decimals, validation_count, avg_response FROM v_erc8004_agent_stats WHERE chain_id = $1`, int64(chainID))
	if err != nil {
		return "", err
	}
	wantAgents := map[string]map[string]string{}
	wantBoard := map[string]float64{}
	var (
		id, owner, uri, value string
		fb, vc                int64
		dec, avg              int16
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &owner, &uri, &fb, &value, &dec, &vc, &avg}, func() error {
		wantAgents[id] = map[string]string{"owner": owner, "agent_uri": uri, "feedback_count": fmt.Sprint(fb),
			"summary_value": value, "summary_decimals": fmt.Sprint(dec), "validation_count": fmt.Sprint(vc),
			"avg_response": fmt.Sprint(avg)}
		if fb > 0 {
			wantBoard[id] = score(value, dec)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	var gotIDs []string
	iter := rdb.Scan(ctx, 0, keys.AgentPrefix()+"*", 1000).Iterator()
	for iter.Next(ctx) {
		gotIDs = append(gotIDs, strings.TrimPrefix(iter.Val(), keys.AgentPrefix()))
	}
	if err := iter.Err(); err != nil {
		return "", err
	}
	slices.Sort(gotIDs)
	wantIDs := slices.Sorted(maps.Keys(wantAgents))
	if !slices.Equal(gotIDs, wantIDs) {
		return fmt.Sprintf("agent keys: valkey %v, postgres %v", gotIDs, wantIDs), nil
	}
	for _, id := range wantIDs {
		got, err := rdb.HGetAll(ctx, keys.Agent(id)).Result()
		if err != nil {
			return "", err
		}
		if !maps.Equal(got, wantAgents[id]) {
			return fmt.Sprintf("agent %s: valkey %v, postgres %v", id, got, wantAgents[id]), nil
		}
	}

	board, err := rdb.ZRangeWithScores(ctx, keys.Leaderboard(), 0, -1).Result()
	if err != nil {
		return "", err
	}
	gotBoard := map[string]float64{}
	for _, z := range board {
		gotBoard[z.Member.(string)] = z.Score
	}
	if !maps.Equal(gotBoard, wantBoard) {
		return fmt.Sprintf("leaderboard: valkey %v, postgres %v", gotBoard, wantBoard), nil
	}
	return "", nil
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
