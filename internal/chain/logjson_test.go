package chain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/stretchr/testify/require"
)

// fixtureLogs reads the mainnet Identity Registry logs copied into
// internal/erc8004/testdata/reference (numbers are plain JSON numbers there).
func fixtureLogs(t testing.TB) []types.Log {
	t.Helper()
	raw, err := os.ReadFile("../erc8004/testdata/reference/mainnet-identity-logs.json")
	require.NoError(t, err)
	type fl struct {
		BlockNumber      uint64         `json:"blockNumber"`
		BlockHash        common.Hash    `json:"blockHash"`
		TransactionHash  common.Hash    `json:"transactionHash"`
		TransactionIndex uint           `json:"transactionIndex"`
		LogIndex         uint           `json:"logIndex"`
		Address          common.Address `json:"address"`
		Topics           []common.Hash  `json:"topics"`
		Data             string         `json:"data"`
	}
	var doc struct {
		Registered []fl `json:"registeredLogs"`
		URIUpdated []fl `json:"uriUpdatedLogs"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out []types.Log
	for _, l := range append(doc.Registered, doc.URIUpdated...) {
		out = append(out, types.Log{
			Address: l.Address, Topics: l.Topics, Data: common.FromHex(l.Data), BlockNumber: l.BlockNumber,
			TxHash: l.TransactionHash, TxIndex: l.TransactionIndex, BlockHash: l.BlockHash, Index: l.LogIndex,
		})
	}
	require.Len(t, out, 80)
	return out
}

// randomLogs generates n logs with random shapes and extreme values.
func randomLogs(r *rand.Rand, n int) []types.Log {
	pick := func(vals ...uint64) uint64 { return vals[r.IntN(len(vals))] }
	out := make([]types.Log, n)
	for i := range out {
		l := types.Log{
			BlockNumber:    pick(0, 1, 15, 16, r.Uint64(), math.MaxUint64),
			TxIndex:        uint(pick(0, 9, 255, r.Uint64N(1000))),
			Index:          uint(pick(0, 10, 4096, math.MaxUint64)),
			BlockTimestamp: pick(0, 1_700_000_000),
			Removed:        r.IntN(5) == 0,
			Topics:         make([]common.Hash, r.IntN(5)),
			Data:           make([]byte, pick(0, 1, 32, 64, 257, r.Uint64N(2000))),
		}
		for _, b := range [][]byte{l.Address[:], l.TxHash[:], l.BlockHash[:], l.Data} {
			for k := range b {
				b[k] = byte(r.Uint32())
			}
		}
		for k := range l.Topics {
			for j := range l.Topics[k] {
				l.Topics[k][j] = byte(r.Uint32())
			}
		}
		out[i] = l
	}
	return out
}

// stdDecode is what ethclient does: encoding/json with Log.UnmarshalJSON.
func stdDecode(b []byte) ([]types.Log, error) {
	var out []types.Log
	err := json.Unmarshal(b, &out)
	return out, err
}

// fastOnly runs the fast scanner without the fallback.
func fastOnly(b []byte) ([]types.Log, bool) {
	s := logScanner{b: b}
	logs, err := s.logsArray()
	if err != nil {
		return nil, false
	}
	s.space()
	return logs, s.i == len(s.b)
}

// requireSameAsStd checks the contract of the fast decoder on b: when it
// accepts, encoding/json accepts too with an identical result; and
// decodeLogs (fast plus fallback) always agrees with encoding/json.
func requireSameAsStd(t *testing.T, b []byte) (fastAccepted bool) {
	t.Helper()
	want, stdErr := stdDecode(b)
	fast, ok := fastOnly(b)
	if ok {
		require.NoError(t, stdErr, "fast decoder accepted what encoding/json rejects: %s", b)
		require.Equal(t, want, fast)
	}
	got, err := decodeLogs(b)
	if stdErr != nil {
		require.Error(t, err)
	} else {
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	return ok
}

func TestDecodeLogs_MatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	sets := map[string][]types.Log{
		"Fixture": fixtureLogs(t),
		"Chain":   newTestChain(50, "a", everyBlock).logsBetween(0, 49),
		"Random":  randomLogs(r, 2000),
		"Empty":   {},
	}
	for name, logs := range sets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			compact, err := json.Marshal(logs)
			require.NoError(t, err)
			require.True(t, requireSameAsStd(t, compact), "compact answer takes the fast path")
			var indented bytes.Buffer
			require.NoError(t, json.Indent(&indented, compact, "", "\t"))
			require.True(t, requireSameAsStd(t, indented.Bytes()), "indented answer takes the fast path")

			// Through the JSON-RPC envelope, with extra fields providers add.
			extra := bytes.ReplaceAll(compact, []byte(`"removed":`), []byte(`"transactionLogIndex":"0x0","type":"mined","x":{"a":[1,-2.5e+3,true,null,"\u00e9\"x"]},"removed":`))
			require.True(t, requireSameAsStd(t, extra))
			env := fmt.Sprintf(`{"jsonrpc":"2.0","id":42,"result":%s}`, extra)
			got, err := decodeLogsResponse([]byte(env))
			require.NoError(t, err)
			want, err := stdDecode(compact)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}

func TestDecodeLogs_Edges(t *testing.T) {
	t.Parallel()
	const (
		addr = `"address":"0x8004a169fb4a3325136eb29fa0ceb6d2e539a432"`
		top  = `"topics":["0xca52e62c367d81bb2e328eb795f7c7ba24afb478408a26c0e201d155c449bc4a"]`
		data = `"data":"0x00ff"`
		tx   = `"transactionHash":"0x132c8ea538e8210a3058dbbcff6f901e2ff7a8204d5c30db19d15cceeb4db791"`
	)
	base := func(extra ...string) string {
		return `[{` + strings.Join(append([]string{addr, top, data, tx}, extra...), ",") + `}]`
	}
	tests := []struct {
		name string
		in   string
		fast bool // the fast path handles it
	}{
		{"Minimal", base(), true},
		{"UpperHex", strings.Replace(base(`"blockNumber":"0XABC"`), "0x00ff", "0X00FF", 1), true},
		{"EmptyData", strings.Replace(base(), "0x00ff", "0x", 1), true},
		{"EmptyTopics", strings.Replace(base(), top, `"topics":[]`, 1), true},
		{"MaxQuantity", base(`"blockNumber":"0xffffffffffffffff"`, `"logIndex":"0x0"`), true},
		{"DuplicateKeyLastWins", base(`"blockNumber":"0x1"`, `"blockNumber":"0x2"`), true},
		{"NullResult", `null`, true},
		{"NullField", base(`"blockHash":null`), false},
		{"CaseInsensitiveKey", base(`"BlockNumber":"0x5"`), false},
		{"EscapedKey", base(`"block\u004eumber":"0x5"`), false},
		{"EmptyQuantityString", base(`"blockNumber":""`), false},
		{"LeadingZero", base(`"blockNumber":"0x01"`), false},
		{"QuantityTooBig", base(`"blockNumber":"0x10000000000000000"`), false},
		{"NumberNotString", base(`"blockNumber":5`), false},
		{"NoPrefix", base(`"blockNumber":"5"`), false},
		{"OddData", strings.Replace(base(), "0x00ff", "0x00f", 1), false},
		{"BadHexDigit", strings.Replace(base(), "0x00ff", "0x00fg", 1), false},
		{"ShortHash", strings.Replace(base(), "0xca52e62c", "0xca52e6", 1), false},
		{"MissingAddress", `[{` + top + `,` + data + `,` + tx + `}]`, false},
		{"MissingTxHash", `[{` + addr + `,` + top + `,` + data + `}]`, false},
		{"NullTopics", strings.Replace(base(), top, `"topics":null`, 1), false},
		{"Truncated", base()[:len(base())-5], false},
		{"TrailingGarbage", base() + `x`, false},
		{"TrailingComma", strings.Replace(base(), "}]", ",}]", 1), false},
		{"RemovedString", base(`"removed":"true"`), false},
		{"ControlCharInString", base("\"x\":\"a\x01b\""), false},
		{"BadEscape", base(`"x":"\q"`), false},
		{"BadNumber", base(`"x":01`), false},
		{"EmptyObject", `[{}]`, false},
		{"NotArray", `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.fast, requireSameAsStd(t, []byte(tc.in)))
		})
	}
}

func TestDecodeLogsResponse(t *testing.T) {
	t.Parallel()
	one, err := json.Marshal(newTestChain(3, "a", everyBlock).logsBetween(1, 1))
	require.NoError(t, err)
	want, err := stdDecode(one)
	require.NoError(t, err)

	for name, in := range map[string]string{
		"Plain":         `{"jsonrpc":"2.0","id":1,"result":` + string(one) + `}`,
		"ResultFirst":   ` {"result":` + string(one) + `,"id":"abc","jsonrpc":"2.0"} ` + "\n",
		"ErrorNull":     `{"jsonrpc":"2.0","id":1,"error":null,"result":` + string(one) + `}`,
		"CapitalResult": `{"jsonrpc":"2.0","id":1,"Result":` + string(one) + `}`,
	} {
		got, err := decodeLogsResponse([]byte(in))
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}

	logs, err := decodeLogsResponse([]byte(`{"jsonrpc":"2.0","id":1,"result":null}`))
	require.NoError(t, err)
	require.Empty(t, logs)

	_, err = decodeLogsResponse([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results","data":{"from":"0x1"}}}`))
	var rerr *jsonRPCError
	require.ErrorAs(t, err, &rerr)
	require.Equal(t, -32005, rerr.Code)
	require.Equal(t, "query returned more than 10000 results", rerr.Error())

	for name, in := range map[string]string{
		"Truncated":  `{"jsonrpc":"2.0","id":1,"result":` + string(one[:len(one)/2]),
		"NoResult":   `{"jsonrpc":"2.0","id":1}`,
		"Batch":      `[{"jsonrpc":"2.0","id":1,"result":[]}]`,
		"HTML":       `<html>502 Bad Gateway</html>`,
		"Empty":      ``,
		"BadLogType": `{"jsonrpc":"2.0","id":1,"result":[1,2]}`,
	} {
		_, err := decodeLogsResponse([]byte(in))
		require.Error(t, err, name)
		require.NotErrorAs(t, err, &rerr, name)
	}
}

// TestDecodeLogs_Mutations runs the decoder contract on randomly damaged
// answers: flipped, inserted and cut bytes from the JSON alphabet.
func TestDecodeLogs_Mutations(t *testing.T) {
	t.Parallel()
	seed, err := json.Marshal(randomLogs(rand.New(rand.NewPCG(3, 4)), 3))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(9, 9))
	alphabet := []byte(`[]{}",:0x1aA\ -.eE9tfnul` + "\x00\x01")
	fastHits := 0
	for range 3000 {
		b := append([]byte{}, seed...)
		for range 1 + r.IntN(4) {
			switch p := r.IntN(len(b)); r.IntN(3) {
			case 0:
				b[p] = alphabet[r.IntN(len(alphabet))]
			case 1:
				b = b[:max(p, 1)]
			case 2:
				b = append(b[:p], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[p:]...)...)
			}
		}
		if requireSameAsStd(t, b) {
			fastHits++
		}
	}
	require.Positive(t, fastHits, "some damaged inputs are still valid and take the fast path")
}

// FuzzDecodeLogs checks that the fast decoder never accepts what
// encoding/json rejects and never decodes differently.
func FuzzDecodeLogs(f *testing.F) {
	seed, err := json.Marshal(newTestChain(2, "a", func(uint64) int { return 1 }).logsBetween(0, 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`[{"address":"0x8004a169fb4a3325136eb29fa0ceb6d2e539a432","topics":[],"data":"0x","transactionHash":"0x132c8ea538e8210a3058dbbcff6f901e2ff7a8204d5c30db19d15cceeb4db791","x":[{"y":-0.5e3}]}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		requireSameAsStd(t, b)
	})
}

// benchLogs is a 10k-log eth_getLogs answer shaped like ERC-8004 traffic.
func benchLogs(b *testing.B) []byte {
	logs := randomLogs(rand.New(rand.NewPCG(5, 6)), 10_000)
	for i := range logs {
		logs[i].Topics = logs[i].Topics[:0]
		logs[i].Topics = append(logs[i].Topics, common.Hash{1}, common.Hash{2}, common.Hash{3})
		logs[i].Data = logs[i].Data[:0]
		logs[i].Data = append(logs[i].Data, make([]byte, 192)...)
		logs[i].BlockNumber = 24_000_000 + uint64(i/10)
		logs[i].Index = uint(i % 300)
		logs[i].Removed = false
	}
	out, err := json.Marshal(logs)
	if err != nil {
		b.Fatal(err)
	}
	return []byte(`{"jsonrpc":"2.0","id":1,"result":` + string(out) + `}`)
}

func BenchmarkDecodeLogs(b *testing.B) {
	body := benchLogs(b)
	report := func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "logs/s")
	}
	b.Run("Fast", func(b *testing.B) {
		for b.Loop() {
			logs, err := decodeLogsResponse(body)
			if err != nil || len(logs) != 10_000 {
				b.Fatal(err, len(logs))
			}
		}
		report(b)
	})
	b.Run("EncodingJSON", func(b *testing.B) {
		// What the rpc package and ethclient do: decode the envelope, then
		// the result with Log.UnmarshalJSON.
		for b.Loop() {
			var env struct {
				Result json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				b.Fatal(err)
			}
			logs, err := stdDecode(env.Result)
			if err != nil || len(logs) != 10_000 {
				b.Fatal(err, len(logs))
			}
		}
		report(b)
	})
}

// BenchmarkLogsHTTP measures a whole eth_getLogs round trip of a 10k-log
// answer over loopback HTTP: this client against ethclient.FilterLogs.
func BenchmarkLogsHTTP(b *testing.B) {
	body := benchLogs(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		switch req.Method {
		case "eth_getLogs":
			_, _ = w.Write(bytes.Replace(body, []byte(`"id":1`), append([]byte(`"id":`), req.ID...), 1))
		case "eth_chainId":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"0x1"}`, req.ID)
		default:
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"0x2000000"}`, req.ID)
		}
	}))
	b.Cleanup(srv.Close)
	report := func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "logs/s")
	}
	b.Run("Client", func(b *testing.B) {
		c, err := Dial(b.Context(), Options{URLs: []string{srv.URL}})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		for b.Loop() {
			logs, err := c.Logs(b.Context(), LogQuery{From: 24_000_000, To: 24_001_000})
			if err != nil || len(logs) != 10_000 {
				b.Fatal(err, len(logs))
			}
		}
		report(b)
	})
	b.Run("Ethclient", func(b *testing.B) {
		ec, err := ethclient.Dial(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		defer ec.Close()
		for b.Loop() {
			logs, err := ec.FilterLogs(b.Context(), ethereum.FilterQuery{FromBlock: big.NewInt(24_000_000), ToBlock: big.NewInt(24_001_000)})
			if err != nil || len(logs) != 10_000 {
				b.Fatal(err, len(logs))
			}
		}
		report(b)
	})
}
