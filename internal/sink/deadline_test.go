package sink_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestPostgres_StalledConnection (through partition_test.go's stallProxy): a database connection that stops answering in the middle of
// a batch fails the batch at the sink's deadline, instead of holding the chain for as long as the
// kernel keeps the connection, and the next batch works on a fresh connection.
func TestPostgres_StalledConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	direct := testdb.New(t)
	cfg := direct.Config().Copy()
	proxy := startStallProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	host, port, err := net.SplitHostPort(proxy.ln.Addr().String())
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = host, uint16(p)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	defer pool.Close()
	db := sink.NewPostgres(pool, zap.NewNop())
	db.SetTimeouts(2*time.Second, time.Second)

	b := newHostileBuilder(t, 1)
	batch := hostileBatch(1, []types.Log{b.log(hValidation, "ValidationRequest", hOwner, maxUint256, "uri", common.Hash{1})})
	proxy.stalled.Store(true)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := db.Replace(ctx, batch)
		done <- err
	}()
	select {
	case err := <-done:
		require.Error(t, err)
		require.Less(t, time.Since(start), 10*time.Second)
	case <-time.After(30 * time.Second):
		proxy.stalled.Store(false)
		t.Fatal("the batch on a stalled connection never ended")
	}
	_, err = db.Cursor(ctx, hostileChain)
	require.Error(t, err, "a read on a stalled database ends at its deadline too")
	proxy.stalled.Store(false)

	_, err = db.Replace(ctx, hostileBatch(1, []types.Log{b.log(hValidation, "ValidationRequest", hOwner, maxUint256, "uri", common.Hash{1})}))
	require.NoError(t, err, "a fresh connection works")
	cur, err := db.Cursor(ctx, hostileChain)
	require.NoError(t, err)
	require.EqualValues(t, 1, cur.Number)
}
