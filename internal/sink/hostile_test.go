package sink_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	gethabi "github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
)

// What a chain can carry that a careless indexer would choke on, or worse execute. Anyone can
// register an agent or give feedback, so every string and number of every event is hostile.

const hostileChain = 48004

var (
	hIdentity   = common.HexToAddress("0x8004a169fb4a3325136eb29fa0ceb6d2e539a432")
	hReputation = common.HexToAddress("0x8004baa17c55a88189ae136b182e5fda19de9b63")
	hValidation = common.HexToAddress("0x8004cc8439f36fd5f9f049d9ff86523df6daab58")
	hOwner      = common.HexToAddress("0x000000000000000000000000000000000000dead")
	hClient     = common.HexToAddress("0x00000000000000000000000000000000c11e0000")

	// maxUint256 is the largest agent id (ERC-721 ids are uint256; a registry is free to mint it).
	maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	minInt128  = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
	maxInt128  = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
)

// hostileFragments are the pieces hostile strings are made of.
var hostileFragments = []string{
	"'); DROP TABLE erc8004_events; --",
	`"; DELETE FROM erc8004_agents WHERE ''='`,
	"\\x00\\' OR 1=1; COPY erc8004_events TO PROGRAM 'touch /tmp/erc8004-pwned'; --",
	"$(touch /tmp/erc8004-pwned)`touch /tmp/erc8004-pwned`; rm -rf / | nc evil 1 & echo ${PATH}",
	"\x00", "\x00\x00nul\x00",
	"\xff\xfe\xfd", "\xc3\x28", "\xed\xa0\x80", // invalid UTF-8, incl. an encoded UTF-16 surrogate
	"\xf4\x90\x80\x80",   // beyond U+10FFFF
	"\u202e\u200b\ufeff", // bidi override, zero width, BOM
	"🤖 agent ✓ ñ ü 中文",   // valid multi-byte text must stay intact
	`\u0000 \\ %s %n {{.}} <script>alert(1)</script>`,
	"\r\n\t\b\f\v",
}

// hostileString returns a string of about n bytes cycling through the hostile fragments with a
// seeded random filler between them.
func hostileString(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 8004))
	var b strings.Builder
	b.Grow(n + 64)
	for b.Len() < n {
		b.WriteString(hostileFragments[rng.IntN(len(hostileFragments))])
		for range rng.IntN(64) {
			b.WriteByte(byte(rng.IntN(256)))
		}
	}
	return b.String()
}

// hostileBuilder encodes registry logs with go-ethereum's ABI packer, independently of the
// decoder under test.
type hostileBuilder struct {
	t     testing.TB
	abis  map[common.Address]gethabi.ABI
	block uint64
	index uint
}

func newHostileBuilder(t testing.TB, block uint64) *hostileBuilder {
	parse := func(s string) gethabi.ABI {
		a, err := gethabi.JSON(strings.NewReader(s))
		require.NoError(t, err)
		return a
	}
	return &hostileBuilder{t: t, block: block, abis: map[common.Address]gethabi.ABI{
		hIdentity:   parse(contracts.IdentityRegistryABI()),
		hReputation: parse(contracts.ReputationRegistryABI()),
		hValidation: parse(contracts.ValidationRegistryABI()),
	}}
}

// log builds event name of the registry at addr; args are in ABI order, indexed ones included.
func (b *hostileBuilder) log(addr common.Address, name string, args ...any) types.Log {
	ev, ok := b.abis[addr].Events[name]
	require.True(b.t, ok, name)
	topics := []common.Hash{ev.ID}
	var data []any
	for i, in := range ev.Inputs {
		if !in.Indexed {
			data = append(data, args[i])
			continue
		}
		switch v := args[i].(type) {
		case common.Address:
			topics = append(topics, common.BytesToHash(v.Bytes()))
		case *big.Int:
			topics = append(topics, common.BytesToHash(v.Bytes()))
		case common.Hash:
			topics = append(topics, v)
		case string:
			topics = append(topics, crypto.Keccak256Hash([]byte(v)))
		default:
			b.t.Fatalf("unsupported indexed arg %T", v)
		}
	}
	packed, err := ev.Inputs.NonIndexed().Pack(data...)
	require.NoError(b.t, err)
	return b.raw(addr, topics, packed)
}

// raw builds a log with the given topics and data at the builder's next position.
func (b *hostileBuilder) raw(addr common.Address, topics []common.Hash, data []byte) types.Log {
	var pos [16]byte
	binary.BigEndian.PutUint64(pos[:8], b.block)
	binary.BigEndian.PutUint64(pos[8:], uint64(b.index))
	l := types.Log{Address: addr, Topics: topics, Data: data, BlockNumber: b.block, Index: b.index,
		BlockHash: hostileBlock(b.block).Hash, TxHash: crypto.Keccak256Hash([]byte("tx"), pos[:]), TxIndex: b.index / 4}
	b.index++
	return l
}

func hostileBlock(n uint64) sink.Block {
	var num [8]byte
	binary.BigEndian.PutUint64(num[:], n)
	var parent [8]byte
	binary.BigEndian.PutUint64(parent[:], n-1)
	return sink.Block{Number: n, Hash: crypto.Keccak256Hash([]byte("hostile"), num[:]),
		ParentHash: crypto.Keccak256Hash([]byte("hostile"), parent[:]), Time: 1_750_000_000 + n}
}

// hostileBatch decodes logs (all of block n) into a Batch of that block that moves the cursor.
// Undecodable logs are kept with their error, as the indexer does.
func hostileBatch(n uint64, logs []types.Log) *sink.Batch {
	kinds := map[common.Address]erc8004.Registry{hIdentity: erc8004.RegistryIdentity,
		hReputation: erc8004.RegistryReputation, hValidation: erc8004.RegistryValidation}
	hdr := hostileBlock(n)
	b := &sink.Batch{ChainID: hostileChain, From: n, To: n, Blocks: []sink.Block{hdr}, Cursor: &hdr}
	b.Logs = make([]sink.Log, len(logs))
	for i := range logs {
		ev, err := erc8004.Decode(&logs[i])
		b.Logs[i] = sink.Log{Raw: logs[i], Registry: kinds[logs[i].Address], Event: ev, DecodeErr: err, BlockTime: hdr.Time}
	}
	return b
}

// TestReplace_HostileInput stores one block of hostile events: multi-megabyte strings mixing
// invalid UTF-8, NUL bytes, SQL and shell metacharacters, the largest agent id, the int128
// extremes as feedback values, the largest uint8s, undecodable and unknown logs. Everything
// must be stored (raw bytes exactly, text columns as SafeText of the chain's string), nothing
// executed, and the views must still answer.
func TestReplace_HostileInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	const block = 1_000
	b := newHostileBuilder(t, block)

	uri := hostileString(1, 3<<20)           // 3 MiB agent URI
	key := hostileString(2, 4<<10)           // metadata key
	value := []byte(hostileString(3, 1<<20)) // 1 MiB metadata value
	newURI := hostileString(4, 64<<10)
	tag1, tag2, endpoint := hostileString(5, 300), hostileString(6, 300), hostileString(7, 64<<10)
	fbURI := hostileString(8, 256<<10)
	respURI := hostileString(9, 64<<10)
	reqURI, vRespURI, vTag := hostileString(10, 64<<10), hostileString(11, 64<<10), hostileString(12, 1<<10)
	hash := func(s string) common.Hash { return sha256.Sum256([]byte(s)) }
	reqHash := hash("request")

	logs := []types.Log{
		b.log(hIdentity, "Transfer", common.Address{}, hOwner, maxUint256),
		b.log(hIdentity, "Registered", maxUint256, uri, hOwner),
		b.log(hIdentity, "MetadataSet", maxUint256, key, key, value),
		b.log(hIdentity, "URIUpdated", big.NewInt(0), newURI, hOwner),
		b.log(hReputation, "NewFeedback", maxUint256, hClient, uint64(1), minInt128, uint8(0), tag1, tag1, tag2, endpoint, fbURI, hash("a")),
		b.log(hReputation, "NewFeedback", maxUint256, hClient, uint64(2), maxInt128, uint8(18), tag1, tag1, tag2, endpoint, fbURI, hash("b")),
		b.log(hReputation, "NewFeedback", maxUint256, hOwner, uint64(1), maxInt128, uint8(255), tag2, tag2, tag1, "", "", common.Hash{}),
		b.log(hReputation, "NewFeedback", big.NewInt(0), hOwner, uint64(18446744073709551615), minInt128, uint8(255), "", "", "", "", "", common.Hash{}),
		b.log(hReputation, "ResponseAppended", maxUint256, hClient, uint64(1), hOwner, respURI, hash("r")),
		b.log(hReputation, "FeedbackRevoked", maxUint256, hClient, new(big.Int).SetUint64(2)),
		b.log(hValidation, "ValidationRequest", hOwner, maxUint256, reqURI, reqHash),
		b.log(hValidation, "ValidationResponse", hOwner, maxUint256, reqHash, uint8(255), vRespURI, hash("v"), vTag),
	}
	// A known event whose data is cut short: stored raw with its decode error.
	bad := b.log(hIdentity, "URIUpdated", maxUint256, "x", hOwner)
	bad.Data = bad.Data[:40]
	logs = append(logs, bad)
	// An unknown event with 2 MiB of data and arbitrary topics.
	blob := []byte(hostileString(13, 2<<20))
	logs = append(logs, b.raw(hIdentity, []common.Hash{crypto.Keccak256Hash([]byte("Evil(string)")), {0xff}, {}, common.BytesToHash(maxUint256.Bytes())}, blob))
	// A log without topics at all (LOG0).
	logs = append(logs, b.raw(hReputation, nil, []byte("\x00'; DROP TABLE erc8004_cursors; --")))

	batch := hostileBatch(block, logs)
	require.Nil(t, batch.Logs[len(logs)-3].Event, "the truncated log is undecodable")
	require.ErrorIs(t, batch.Logs[len(logs)-3].DecodeErr, erc8004.ErrMalformed)
	for i := range len(logs) - 3 {
		require.NoError(t, batch.Logs[i].DecodeErr, "log %d", i)
	}
	start := time.Now()
	_, err := db.Replace(ctx, batch)
	require.NoError(t, err)
	t.Logf("replace of %d hostile logs: %s", len(logs), time.Since(start))

	// Raw bytes and topics of every log, exactly.
	rows, err := pool.Query(ctx, `SELECT log_index, data, topics, event, coalesce(decode_error, ''), args IS NOT NULL
		FROM erc8004_events WHERE chain_id = $1 ORDER BY log_index`, hostileChain)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var idx int
		var data []byte
		var topics []string
		var event, decodeErr string
		var hasArgs bool
		require.NoError(t, rows.Scan(&idx, &data, &topics, &event, &decodeErr, &hasArgs))
		l := logs[idx]
		require.True(t, bytes.Equal(l.Data, data), "data of log %d: %d bytes stored, %d sent", idx, len(data), len(l.Data))
		require.Len(t, topics, len(l.Topics))
		for i, tp := range l.Topics {
			require.Equal(t, tp.Hex(), topics[i])
		}
		require.Equal(t, batch.Logs[idx].Event != nil, hasArgs, "log %d", idx)
		require.Equal(t, batch.Logs[idx].Event == nil, event == "", "log %d", idx)
		if batch.Logs[idx].DecodeErr != nil && idx == len(logs)-3 {
			require.Contains(t, decodeErr, "URIUpdated")
		}
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, len(logs), n)

	// Text columns hold SafeText of the chain's strings; bytes columns the bytes.
	maxID := maxUint256.String()
	var gotURI, owner string
	require.NoError(t, pool.QueryRow(ctx, `SELECT agent_uri, owner FROM erc8004_agents WHERE chain_id = $1 AND agent_id = $2::numeric`,
		hostileChain, maxID).Scan(&gotURI, &owner))
	requireSafe(t, uri, gotURI)
	require.Equal(t, strings.ToLower(hOwner.Hex()), owner)
	var gotKey string
	var gotValue []byte
	var valueText *string
	require.NoError(t, pool.QueryRow(ctx, `SELECT key, value, value_text FROM erc8004_agent_metadata WHERE chain_id = $1 AND agent_id = $2::numeric`,
		hostileChain, maxID).Scan(&gotKey, &gotValue, &valueText))
	requireSafe(t, key, gotKey)
	require.True(t, bytes.Equal(value, gotValue), "metadata value bytes preserved")
	require.Nil(t, valueText, "a value that is not valid UTF-8 has no text form")
	var jsonURI string
	require.NoError(t, pool.QueryRow(ctx, `SELECT args->>'agentURI' FROM erc8004_events WHERE chain_id = $1 AND event = 'Registered'`,
		hostileChain).Scan(&jsonURI))
	requireSafe(t, uri, jsonURI)

	// Feedback values and decimals at their extremes, exactly; strings as SafeText.
	type fb struct {
		value, agent          string
		decimals              int
		index                 uint64
		tag1, tag2, ep, fbURI string
		revoked               bool
	}
	frows, err := pool.Query(ctx, `SELECT value::text, agent_id::text, value_decimals, feedback_index::text, tag1, tag2, endpoint,
		feedback_uri, is_revoked FROM erc8004_reputation WHERE chain_id = $1 ORDER BY log_index`, hostileChain)
	require.NoError(t, err)
	var fbs []fb
	for frows.Next() {
		var f fb
		var index string
		require.NoError(t, frows.Scan(&f.value, &f.agent, &f.decimals, &index, &f.tag1, &f.tag2, &f.ep, &f.fbURI, &f.revoked))
		f.index, err = strconv.ParseUint(index, 10, 64)
		require.NoError(t, err)
		fbs = append(fbs, f)
	}
	require.NoError(t, frows.Err())
	require.Len(t, fbs, 4)
	require.Equal(t, minInt128.String(), fbs[0].value)
	require.Equal(t, maxInt128.String(), fbs[1].value)
	require.Equal(t, maxID, fbs[0].agent)
	require.Equal(t, 255, fbs[2].decimals)
	require.Equal(t, uint64(18446744073709551615), fbs[3].index, "a uint64 feedback index survives the numeric(20,0) column")
	requireSafe(t, tag1, fbs[0].tag1)
	requireSafe(t, tag2, fbs[0].tag2)
	requireSafe(t, endpoint, fbs[0].ep)
	requireSafe(t, fbURI, fbs[0].fbURI)
	require.False(t, fbs[0].revoked)
	require.True(t, fbs[1].revoked, "FeedbackRevoked of index 2 applies")

	var gotResp string
	require.NoError(t, pool.QueryRow(ctx, `SELECT response_uri FROM erc8004_feedback_responses WHERE chain_id = $1`, hostileChain).Scan(&gotResp))
	requireSafe(t, respURI, gotResp)
	var gotReq, gotVResp, gotTag string
	var resp int
	require.NoError(t, pool.QueryRow(ctx, `SELECT request_uri, response, response_uri, tag FROM erc8004_validations WHERE chain_id = $1`,
		hostileChain).Scan(&gotReq, &resp, &gotVResp, &gotTag))
	requireSafe(t, reqURI, gotReq)
	requireSafe(t, vRespURI, gotVResp)
	requireSafe(t, vTag, gotTag)
	require.Equal(t, 255, resp)

	// The views answer for the hostile agents (WAD arithmetic over int128 extremes and 255
	// decimals included).
	for _, view := range []string{"v_erc8004_agent_reputation", "v_erc8004_agent_stats"} {
		var count int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT to_jsonb(v)::text FROM `+view+` v WHERE chain_id = $1) x`,
			hostileChain).Scan(&count), view)
		require.Positive(t, count, view)
	}

	// Nothing was executed: every table is still there with its rows, no file was created.
	requireHostileTablesIntact(t, pool, len(logs))
	_, err = os.Stat("/tmp/erc8004-pwned")
	require.True(t, os.IsNotExist(err), "a shell command ran")

	// Applying the same block again is idempotent; rolling it back leaves nothing.
	before := testdb.Snapshot(t, pool)
	_, err = db.Replace(ctx, hostileBatch(block, logs))
	require.NoError(t, err)
	require.Equal(t, before, testdb.Snapshot(t, pool))
	hdr := hostileBlock(block - 1)
	_, err = db.Replace(ctx, &sink.Batch{ChainID: hostileChain, From: block, To: sink.MaxBlock, Cursor: &hdr})
	require.NoError(t, err)
	for table, rows := range testdb.Snapshot(t, pool) {
		if table != "erc8004_cursors" {
			require.Empty(t, rows, table)
		}
	}
}

// requireSafe checks a stored text value: valid UTF-8 without NUL, equal to SafeText of what the
// chain carried (so valid text is preserved byte for byte).
func requireSafe(t *testing.T, chain, stored string) {
	t.Helper()
	require.True(t, utf8.ValidString(stored))
	require.NotContains(t, stored, "\x00")
	want := erc8004.SafeText(chain)
	if want != stored {
		t.Fatalf("stored text differs from SafeText of the chain's string (%d vs %d bytes)", len(stored), len(want))
	}
}

func requireHostileTablesIntact(t *testing.T, pool *pgxpool.Pool, events int) {
	t.Helper()
	ctx := context.Background()
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_events WHERE chain_id = $1`, hostileChain).Scan(&n))
	require.Equal(t, events, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_agents WHERE chain_id = $1`, hostileChain).Scan(&n))
	require.Equal(t, 1, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_cursors WHERE chain_id = $1`, hostileChain).Scan(&n))
	require.Equal(t, 1, n)
}

// TestReplace_LargestFeedbackIndex stores a feedback whose uint64 index is above the largest
// bigint: the stored index must be the event's, not its two's-complement reinterpretation.
func TestReplace_LargestFeedbackIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	b := newHostileBuilder(t, 7)
	logs := []types.Log{
		b.log(hReputation, "NewFeedback", big.NewInt(1), hClient, uint64(1<<63), big.NewInt(5), uint8(0), "", "", "", "", "", common.Hash{}),
		b.log(hReputation, "ResponseAppended", big.NewInt(1), hClient, uint64(1<<63), hOwner, "ok", common.Hash{}),
		b.log(hReputation, "FeedbackRevoked", big.NewInt(1), hClient, new(big.Int).SetUint64(1<<63)),
	}
	_, err := db.Replace(ctx, hostileBatch(7, logs))
	require.NoError(t, err)
	var index, argIndex, respIndex string
	var revoked bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT r.feedback_index::text, e.args->>'feedbackIndex', r.is_revoked FROM erc8004_reputation r
		JOIN erc8004_events e USING (chain_id, block_number, log_index) WHERE r.chain_id = $1`, hostileChain).Scan(&index, &argIndex, &revoked))
	require.NoError(t, pool.QueryRow(ctx, `SELECT feedback_index::text FROM erc8004_feedback_responses WHERE chain_id = $1`,
		hostileChain).Scan(&respIndex))
	require.Equal(t, "9223372036854775808", argIndex, "the event's args")
	require.Equal(t, "9223372036854775808", index, "erc8004_reputation.feedback_index")
	require.Equal(t, "9223372036854775808", respIndex, "erc8004_feedback_responses.feedback_index")
	require.True(t, revoked, "the FeedbackRevoked of that index applies")
}

// TestReplace_EventFlood writes one block with 100,000 events (feedback from 100 clients to
// 1,000 agents, plus their registrations) and measures the heap: decoding and Replace must stay
// within a small multiple of the logs' own size, whatever the block holds.
func TestReplace_EventFlood(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, zap.NewNop())
	const block, agents, clients, events = 5_000, 100, 10, 100_000
	b := newHostileBuilder(t, block)
	logs := make([]types.Log, 0, events)
	for a := range agents {
		logs = append(logs, b.log(hIdentity, "Registered", big.NewInt(int64(a)), "ipfs://agent", hOwner))
	}
	for i := 0; len(logs) < events; i++ {
		agent, client := big.NewInt(int64(i%agents)), common.BigToAddress(big.NewInt(int64(0x10000+i/agents%clients)))
		logs = append(logs, b.log(hReputation, "NewFeedback", agent, client, uint64(i/(agents*clients)+1),
			big.NewInt(int64(i%200-100)), uint8(i%3), "tag", "tag", "t2", "", "ipfs://f", common.Hash{}))
	}
	var rawBytes int
	for _, l := range logs {
		rawBytes += len(l.Data) + 32*len(l.Topics) + 100
	}

	peak := sampleHeap(t, func() {
		start := time.Now()
		batch := hostileBatch(block, logs)
		st, err := db.Replace(ctx, batch)
		require.NoError(t, err)
		t.Logf("flood: %d events, %d rows inserted, %d keys, %s", events, st.Inserted, st.Touched, time.Since(start))
	})
	t.Logf("flood: logs %.1f MiB, peak heap growth during decode+Replace %.1f MiB", mib(rawBytes), mib(int(peak)))
	require.Less(t, peak, uint64(10*rawBytes+64<<20), "heap grows out of proportion to the block")

	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_reputation WHERE chain_id = $1`, hostileChain).Scan(&n))
	require.Equal(t, events-agents, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM v_erc8004_agent_reputation WHERE chain_id = $1`, hostileChain).Scan(&n))
	require.Equal(t, agents, n)
}

// sampleHeap runs fn and returns the largest growth of the live heap above its level before fn,
// sampled every 5 ms (and once at the end).
func sampleHeap(t *testing.T, fn func()) uint64 {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
			peak.Store(ms.HeapAlloc - base)
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	sample()
	return peak.Load()
}

func mib(n int) float64 { return float64(n) / (1 << 20) }
