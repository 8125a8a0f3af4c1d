package dbcompare_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/dbcompare"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

const fill = `
INSERT INTO erc8004_blocks (chain_id, block_number, block_hash, parent_hash, block_time) VALUES
    (1, 10, '0x0a', '0x09', '2026-01-01'), (1, 11, '0x0b', '0x0a', '2026-01-01');
INSERT INTO erc8004_events (chain_id, block_number, block_hash, tx_hash, tx_index, log_index, address, registry,
    event, signature, agent_id, args, topic0, topics, data)
VALUES (1, 10, '0x0a', '0xt1', 0, 0, '0xid', 'identity', 'Registered', 'Registered(uint256,string,address)', 7,
    '{"agentURI": "ipfs://x"}', '0xca', '{0xca}', '\x00ff'),
       (1, 10, '0x0a', '0xt1', 0, 1, '0xid', 'identity', 'URIUpdated', 'URIUpdated(uint256,string,address)', 7,
    '{"newURI": "ipfs://y"}', '0xcb', '{0xcb}', '\x01');
INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, created_block, created_tx, created_log_index,
    updated_block, updated_tx, updated_log_index) VALUES (1, '0xid', 7, '0xowner', 10, '0xt1', 0, 10, '0xt1', 1);
INSERT INTO erc8004_cursors (chain_id, block_number, block_hash, finalized_block) VALUES (1, 11, '0x0b', 3);
`

// TestCompare checks that the comparison reads exactly what testdb.Snapshot reads (the tests'
// notion of "the same index"), finds no difference between equal schemas, and names a changed,
// a missing and an extra row.
func TestCompare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testdb.New(t), testdb.New(t)
	_, err := a.Exec(ctx, fill)
	require.NoError(t, err)
	_, err = b.Exec(ctx, fill)
	require.NoError(t, err)
	// What legitimately differs between two indexes is left out.
	_, err = b.Exec(ctx, `UPDATE erc8004_cursors SET finalized_block = 9, updated_at = now() - interval '1 day';
		INSERT INTO erc8004_blocks (chain_id, block_number, block_hash, parent_hash, block_time) VALUES (1, 12, '0x0c', '0x0b', now())`)
	require.NoError(t, err)

	snap, err := dbcompare.Snapshot(ctx, a)
	require.NoError(t, err)
	require.Equal(t, testdb.Snapshot(t, a), snap, "the same queries as testdb.Snapshot")
	require.Len(t, snap["erc8004_events"], 2)
	require.True(t, slices.IsSorted(dbcompare.Tables()))

	diffs, err := dbcompare.Compare(ctx, a, b, 0)
	require.NoError(t, err)
	require.Empty(t, diffs)

	_, err = b.Exec(ctx, `UPDATE erc8004_agents SET owner = '0xthief';
		DELETE FROM erc8004_events WHERE log_index = 1;
		INSERT INTO erc8004_agents (chain_id, registry, agent_id, owner, created_block, created_tx, created_log_index,
		    updated_block, updated_tx, updated_log_index) VALUES (1, '0xid', 8, '0xo', 10, '0xt1', 0, 10, '0xt1', 0)`)
	require.NoError(t, err)
	diffs, err = dbcompare.Compare(ctx, a, b, 0)
	require.NoError(t, err)
	var tables []string
	for _, d := range diffs {
		tables = append(tables, d.Table)
	}
	require.Contains(t, tables, "erc8004_agents")
	require.Contains(t, tables, "erc8004_events")
	require.Contains(t, tables, "v_erc8004_agent_stats")
	for _, d := range diffs {
		switch d.Table {
		case "erc8004_agents":
			if d.Row == 0 {
				require.Contains(t, d.Got, "0xthief")
			} else {
				require.Equal(t, 1, d.Row)
				require.Empty(t, d.Want, "an extra row")
				require.Contains(t, d.String(), "want (none)")
			}
		case "erc8004_events":
			require.Equal(t, 1, d.Row)
			require.Empty(t, d.Got, "a missing row")
		}
	}
	limited, err := dbcompare.Compare(ctx, a, b, 1)
	require.NoError(t, err)
	require.Less(t, len(limited), len(diffs))
	require.True(t, strings.HasPrefix(dbcompare.Diff("x", []string{"a"}, []string{"b"}, 0)[0].String(), "x row 0: want a, got b"))
	_, err = dbcompare.Table(ctx, a, "pg_authid")
	require.Error(t, err, "only the compared tables can be read")
}
