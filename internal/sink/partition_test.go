package sink_test

import (
	"context"
	"io"
	"math/big"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// stallProxy forwards TCP to target and, while stalled, stops forwarding without closing
// anything: a network partition, or a pooler that stopped answering.
type stallProxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			t.Cleanup(func() { _ = c.Close(); _ = u.Close() })
			go p.pipe(u, c)
			go p.pipe(c, u)
		}
	}()
	return p
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.stalled.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err == io.EOF || err != nil {
			return
		}
	}
}

// TestStaged_RollbackOnStalledConnection: when the database stops answering (a partition) and
// the indexer's context ends (lock lost, SIGTERM), abandoning or failing a staged batch must
// return within the rollback timeout rather than wait for TCP to give up.
func TestStaged_RollbackOnStalledConnection(t *testing.T) {
	t.Parallel()
	_, _, dsn := testdb.NewWithSchema(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	proxy := startStallProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	pool, err := pgxpool.New(context.Background(), u.String())
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	db := sink.NewPostgres(pool, zap.NewNop())

	hash := func(n uint64) common.Hash { return common.BigToHash(new(big.Int).SetUint64(n + 1000)) }
	batch := func(chain uint64) *sink.Batch {
		return &sink.Batch{ChainID: chain, From: 1, To: 10,
			Blocks: []sink.Block{{Number: 1, Hash: hash(1), ParentHash: hash(0), Time: 1},
				{Number: 10, Hash: hash(10), ParentHash: hash(9), Time: 10}},
			Expect: &sink.Block{Number: 0, Hash: hash(0)},
			Cursor: &sink.Block{Number: 10, Hash: hash(10), ParentHash: hash(9), Time: 10}}
	}
	for name, finish := range map[string]func(context.Context, *sink.Staged){
		"Abort":  func(ctx context.Context, s *sink.Staged) { s.Abort(ctx) },
		"Commit": func(ctx context.Context, s *sink.Staged) { _, _ = s.Commit(ctx) },
	} {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := db.Stage(ctx, batch(map[string]uint64{"Abort": 7, "Commit": 8}[name]), nil)
		require.NoError(t, err)
		require.NotNil(t, s)
		proxy.stalled.Store(true)
		cancel()
		start := time.Now()
		done := make(chan struct{})
		go func() { finish(ctx, s); close(done) }()
		select {
		case <-done:
			t.Logf("%s returned after %s", name, time.Since(start).Round(time.Millisecond))
		case <-time.After(20 * time.Second):
			t.Fatalf("%s still blocked after 20 s on a stalled connection", name)
		}
		proxy.stalled.Store(false)
	}
}
