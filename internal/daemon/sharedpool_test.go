package daemon_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// TestBackfill_ManyChainsOnePool backfills six chains at once through one pool of four
// connections, in small batches so that each chain keeps two batches in flight: every chain
// must reach its head before the deadline. The backfill takes connections in batch order; had
// younger batches of several chains held every connection while waiting for older ones that
// wait for a connection, the chains would stop and the deadline expire.
func TestBackfill_ManyChainsOnePool(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := testdb.New(t)
	require.EqualValues(t, 4, pool.Config().MaxConns)
	db := sink.NewPostgres(pool, zap.NewNop())
	g, gctx := errgroup.WithContext(ctx)
	heads := map[uint64]uint64{}
	for i := range 6 {
		id := uint64(80100 + i)
		c, err := synthchain.New(synthchain.Config{ChainID: id, Blocks: 1500, EventsPerBlock: 3, Seed: uint64(i + 1), Finality: 10})
		require.NoError(t, err)
		srv, err := synthchain.Start(c, "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		heads[id] = c.Head()
		spec := daemon.ChainSpec{Name: fmt.Sprint(id), ChainID: id, RPCURLs: []string{srv.URL()}, FinalityDepth: 10,
			UseFinalizedTag: true, BackfillSpan: 40, Registries: synthchain.DefaultRegistries}
		client, err := spec.Dial(ctx, zap.NewNop())
		require.NoError(t, err)
		t.Cleanup(client.Close)
		ix := daemon.NewIndexer(spec, client, db, zap.NewNop(), nil)
		g.Go(func() error {
			for {
				progressed, err := ix.Step(gctx)
				if err != nil || !progressed {
					return err
				}
			}
		})
	}
	require.NoError(t, g.Wait(), "every chain indexed before the deadline")
	for id, head := range heads {
		cur, err := db.Cursor(ctx, id)
		require.NoError(t, err)
		require.Equal(t, head, cur.Number, "chain %d", id)
	}
}
