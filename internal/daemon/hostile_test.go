package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// hostileText returns about n bytes cycling through SQL and shell metacharacters, invalid
// UTF-8, NUL bytes and valid multi-byte text, with seeded random bytes between them.
func hostileText(seed uint64, n int) string {
	parts := []string{"'); DROP TABLE erc8004_events; --", "$(touch /tmp/erc8004-pwned)`id`;|&", "\x00",
		"\xff\xfe", "\xed\xa0\x80", "🤖 ñ 中文", `\u0000 %s {{.}} <script>`, "\r\n\t"}
	rng := rand.New(rand.NewPCG(seed, 8004))
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(parts[rng.IntN(len(parts))])
		for range rng.IntN(32) {
			b.WriteByte(byte(rng.IntN(256)))
		}
	}
	return b.String()
}

// TestIndexer_HostileTransactions sends hostile strings through the real registries of the dev
// chain (the URIs, keys, tags and values a malicious agent owner, client or validator can
// choose, up to hundreds of kilobytes where the contracts only emit them), indexes the chain over
// JSON-RPC, and requires the raw log bytes in erc8004_events, SafeText in the text columns, and
// no mismatch with the contracts' view functions.
func TestIndexer_HostileTransactions(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 53, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	regs := c.Registries()
	accts := c.Accounts()
	owner, client, validator := accts[0], accts[1], accts[2]
	signer := types.LatestSignerForChainID(new(big.Int).SetUint64(c.ChainID()))
	nonces := map[common.Address]uint64{}
	// send mines one transaction in its own block and returns its receipt, which must succeed.
	send := func(from devchain.Account, to common.Address, data []byte) *types.Receipt {
		t.Helper()
		tx, err := types.SignNewTx(from.Key, signer, &types.DynamicFeeTx{ChainID: new(big.Int).SetUint64(c.ChainID()),
			Nonce: nonces[from.Address], GasTipCap: big.NewInt(2e9), GasFeeCap: big.NewInt(20e9), Gas: params.MaxTxGas,
			To: &to, Data: data})
		require.NoError(t, err)
		require.NoError(t, c.Client().SendTransaction(ctx, tx))
		nonces[from.Address]++
		require.Eventually(t, func() bool {
			n, err := c.Client().PendingNonceAt(ctx, from.Address)
			return err == nil && n == nonces[from.Address]
		}, 10*time.Second, time.Millisecond)
		c.Commit()
		rcpt, err := c.Client().TransactionReceipt(ctx, tx.Hash())
		require.NoError(t, err)
		require.Equal(t, types.ReceiptStatusSuccessful, rcpt.Status, "transaction reverted (gas used %d)", rcpt.GasUsed)
		return rcpt
	}
	for _, a := range []devchain.Account{owner, client, validator} {
		n, err := c.Client().PendingNonceAt(ctx, a.Address)
		require.NoError(t, err)
		nonces[a.Address] = n
	}

	identity, reputation, validation := contracts.NewIdentityRegistry(), contracts.NewReputationRegistry(), contracts.NewValidationRegistry()
	// Stored strings cost about 3,800 gas a byte: a few kilobytes fit under the 16.7M gas cap.
	uri, key, value := hostileText(1, 2_000), hostileText(2, 200), []byte(hostileText(3, 1_000))
	// Strings the contracts only emit can be far larger, up to the pool's 128 KiB transaction size.
	endpoint, fbURI, respURI := hostileText(4, 2_000), hostileText(5, 110_000), hostileText(6, 100_000)
	tag1, tag2, reqURI, vRespURI, vTag := hostileText(7, 60), hostileText(8, 60), hostileText(9, 100_000), hostileText(10, 100_000), hostileText(11, 200)
	hash := func(s string) [32]byte { return sha256.Sum256([]byte(s)) }

	rcpt := send(owner, regs.Identity, identity.PackRegister1(uri))
	var agentID *big.Int
	for _, l := range rcpt.Logs {
		if ev, err := erc8004.Decode(l); err == nil {
			if r, ok := ev.(*erc8004.Registered); ok {
				agentID = r.AgentID
			}
		}
	}
	require.NotNil(t, agentID)
	send(owner, regs.Identity, identity.PackSetMetadata(agentID, key, value))
	extreme := new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil) // the contracts' bound on |value|
	send(client, regs.Reputation, reputation.PackGiveFeedback(agentID, new(big.Int).Neg(extreme), 18, tag1, tag2, endpoint, fbURI, hash("f")))
	send(owner, regs.Reputation, reputation.PackAppendResponse(agentID, client.Address, 1, respURI, hash("r")))
	send(owner, regs.Validation, validation.PackValidationRequest(validator.Address, agentID, reqURI, hash("q")))
	send(validator, regs.Validation, validation.PackValidationResponse(hash("q"), 100, vRespURI, hash("v"), vTag))

	spec := ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{c.HTTPURL()}, FinalityDepth: 64,
		Registries: regs}
	rpc, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer rpc.Close()
	pool := testdb.New(t)
	ix := NewIndexer(spec, rpc, sink.NewPostgres(pool, log), log, nil)
	for {
		progressed, err := ix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	rep, err := verify.New(pool, rpc, spec.ChainID, spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches, "the projection agrees with the contracts")

	// Every registry log's bytes, exactly as the node has them.
	logs, err := c.Client().FilterLogs(ctx, ethereum.FilterQuery{FromBlock: big.NewInt(0),
		Addresses: []common.Address{regs.Identity, regs.Reputation, regs.Validation}})
	require.NoError(t, err)
	for _, l := range logs {
		var data []byte
		require.NoError(t, pool.QueryRow(ctx, `SELECT data FROM erc8004_events WHERE block_number = $1 AND log_index = $2`,
			int64(l.BlockNumber), int64(l.Index)).Scan(&data))
		require.True(t, bytes.Equal(l.Data, data), "data of log %d of block %d", l.Index, l.BlockNumber)
	}
	id := agentID.String()
	for _, tc := range []struct{ query, want string }{
		{`SELECT agent_uri FROM erc8004_agents WHERE agent_id = $1::numeric`, uri},
		{`SELECT key FROM erc8004_agent_metadata WHERE agent_id = $1::numeric AND key <> 'agentWallet'`, key},
		{`SELECT feedback_uri FROM erc8004_reputation WHERE agent_id = $1::numeric`, fbURI},
		{`SELECT endpoint FROM erc8004_reputation WHERE agent_id = $1::numeric`, endpoint},
		{`SELECT tag1 || '|' || tag2 FROM erc8004_reputation WHERE agent_id = $1::numeric`, tag1 + "|" + tag2},
		{`SELECT response_uri FROM erc8004_feedback_responses WHERE agent_id = $1::numeric`, respURI},
		{`SELECT request_uri FROM erc8004_validations WHERE agent_id = $1::numeric`, reqURI},
		{`SELECT response_uri || '|' || tag FROM erc8004_validations WHERE agent_id = $1::numeric`, vRespURI + "|" + vTag},
	} {
		var got string
		require.NoError(t, pool.QueryRow(ctx, tc.query, id).Scan(&got), tc.query)
		require.True(t, erc8004.SafeText(tc.want) == got, "%s: not SafeText of what was sent", tc.query)
	}
	var stored []byte
	require.NoError(t, pool.QueryRow(ctx, `SELECT value FROM erc8004_agent_metadata WHERE agent_id = $1::numeric AND key <> 'agentWallet'`, id).Scan(&stored))
	require.True(t, bytes.Equal(value, stored))
	var fbValue string
	require.NoError(t, pool.QueryRow(ctx, `SELECT value::text FROM erc8004_reputation WHERE agent_id = $1::numeric`, id).Scan(&fbValue))
	require.Equal(t, "-"+extreme.String(), fbValue)
}
