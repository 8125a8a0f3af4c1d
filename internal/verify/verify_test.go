package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// TestVerifier_FindsEveryKindOfCorruption indexes a dev chain, checks that verify agrees, then
// corrupts one row per projection and requires verify to name each corruption.
func TestVerifier_FindsEveryKindOfCorruption(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := devchain.New(ctx, devchain.Options{Seed: 21, HTTP: true})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 21})
	for range 60 {
		require.NoError(t, gen.Step(ctx))
	}
	regs := c.Registries()
	spec := daemon.ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: regs}
	client, err := spec.Dial(ctx, zap.NewNop())
	require.NoError(t, err)
	defer client.Close()
	pool := testdb.New(t)
	ix := daemon.NewIndexer(spec, client, sink.NewPostgres(pool, zap.NewNop()), zap.NewNop(), nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	v := verify.New(pool, client, spec.ChainID, spec.Registries)
	v.BatchSize = 37 // several batches
	rep, err := v.Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
	require.Positive(t, rep.Agents)
	require.Positive(t, rep.Feedback)
	require.Positive(t, rep.Validations)

	corruptions := map[string]string{
		"ownerOf":             `UPDATE erc8004_agents SET owner = '0x000000000000000000000000000000000000dead' WHERE agent_id = 0`,
		"tokenURI":            `UPDATE erc8004_agents SET agent_uri = agent_uri || 'x' WHERE agent_id = 1`,
		"getMetadata":         `UPDATE erc8004_agent_metadata SET value = value || '\x00'::bytea WHERE (agent_id, key_hash) IN (SELECT agent_id, key_hash FROM erc8004_agent_metadata LIMIT 1)`,
		"readFeedback":        `UPDATE erc8004_reputation SET is_revoked = NOT is_revoked WHERE (block_number, log_index) IN (SELECT block_number, log_index FROM erc8004_reputation LIMIT 1)`,
		"getValidationStatus": `UPDATE erc8004_validations SET tag = coalesce(tag, '') || 'x' WHERE request_hash IN (SELECT request_hash FROM erc8004_validations LIMIT 1)`,
		"getResponseCount": `UPDATE erc8004_agent_aggregates SET response_count = response_count + 1
			WHERE agent_id IN (SELECT agent_id FROM erc8004_agent_aggregates WHERE response_count > 0 ORDER BY agent_id LIMIT 1)`,
		"aggregates": `DELETE FROM erc8004_feedback_responses WHERE (block_number, log_index) IN (SELECT block_number, log_index FROM erc8004_feedback_responses LIMIT 1)`,
		"getSummary": `UPDATE erc8004_agent_aggregates SET summary_value = summary_value + 1
			WHERE agent_id IN (SELECT agent_id FROM erc8004_agent_aggregates WHERE feedback_count > 0 ORDER BY agent_id LIMIT 1)`,
		"getSummary(tags)": `UPDATE erc8004_agent_tag_decimals SET value_sum = value_sum + 1000000000000000000000
			WHERE (agent_id, tag1, tag2, value_decimals) IN (SELECT agent_id, tag1, tag2, value_decimals FROM erc8004_agent_tag_decimals
				WHERE feedback_count > 0 AND tag1 <> '' AND strpos(tag1 || tag2, U&'\FFFD') = 0 ORDER BY agent_id DESC LIMIT 1)`,
		"ownerOf(next)": `DELETE FROM erc8004_agents WHERE agent_id = (SELECT max(agent_id) FROM erc8004_agents)`,
	}
	for name, q := range corruptions {
		tag, err := pool.Exec(ctx, q)
		require.NoError(t, err, name)
		require.EqualValues(t, 1, tag.RowsAffected(), name)
	}
	rep, err = v.Run(ctx)
	require.NoError(t, err)
	found := map[string]bool{}
	for _, m := range rep.Mismatches {
		found[m.Check] = true
	}
	for _, check := range []string{"ownerOf", "tokenURI", "getMetadata", "readFeedback", "getSummary",
		"getValidationStatus", "getResponseCount", "getSummary(tags)", "aggregates"} {
		require.True(t, found[check], "verify missed the %s corruption; found %v", check, rep.Mismatches)
	}
	// The deleted last agent shows as ownerOf(max+1) not reverting.
	var sawMissingTop bool
	for _, m := range rep.Mismatches {
		if m.Check == "ownerOf" && m.Database == "no such agent" {
			sawMissingTop = true
		}
	}
	require.True(t, sawMissingTop, "a missing top agent must be reported")
}
