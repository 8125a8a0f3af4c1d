package chain

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// headerBatchSeed is an eth_getBlockByNumber batch answer for blocks first.. with ids 0..n-1,
// carrying the extra fields a node sends.
func headerBatchSeed(first uint64, n int) []byte {
	var elems []string
	for i := range n {
		num := first + uint64(i)
		elems = append(elems, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"baseFeePerGas":"0x7","difficulty":"0x0",`+
			`"extraData":"0x","gasLimit":"0x1c9c380","hash":"0x%064x","logsBloom":"0x%0512x","miner":"0x%040x",`+
			`"number":"0x%x","parentHash":"0x%064x","timestamp":"0x%x","transactions":["0x%064x"],"uncles":[],`+
			`"withdrawals":[{"index":"0x1","amount":"0x2"}],"size":"0x2a0"}}`, i, num+1, num, num, num, num, 1_700_000_000+num, num))
	}
	return []byte("[" + strings.Join(elems, ",") + "]")
}

// FuzzHeaderBatch checks the backfill's fast header scanner against encoding/json, the decoder
// of go-ethereum's rpc client that the slow path uses: whatever batch answer the scanner
// accepts, encoding/json must accept too and yield the same headers, each checked against the
// requested number. (The scanner may refuse more: the batch then takes the slow path.)
func FuzzHeaderBatch(f *testing.F) {
	f.Add(headerBatchSeed(100, 3), uint64(100), uint8(3))
	f.Add(headerBatchSeed(0, 1), uint64(0), uint8(1))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":0,"result":null}]`), uint64(5), uint8(1))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":0,"error":{"code":-32000,"message":"header not found"}}]`), uint64(5), uint8(1))
	f.Add([]byte(`[{"id":1,"result":{"number":"0x6"}},{"id":0,"result":{"NUMBER":"0x5","number":"0x5"}}]`), uint64(5), uint8(2))
	f.Add([]byte(`[{"id":0,"id":1,"result":{},"result":{"number":"0x5"}}]`), uint64(5), uint8(2))
	f.Add([]byte(` [ ] `), uint64(0), uint8(0))
	f.Fuzz(func(t *testing.T, answer []byte, first uint64, n uint8) {
		count := int(n % 5)
		nums := make([]uint64, count)
		for i := range nums {
			nums[i] = first + uint64(i)
		}
		out := make([]Header, count)
		s := logScanner{b: answer}
		if s.headerBatch(nums, out) != nil {
			return // the slow path decides
		}
		var elems []struct {
			ID     json.RawMessage `json:"id"`
			Result *rpcHeader      `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		require.NoError(t, json.Unmarshal(answer, &elems), "the scanner accepted what encoding/json rejects")
		require.Len(t, elems, count)
		seen := map[int]bool{}
		for _, e := range elems {
			var id int
			require.NoError(t, json.Unmarshal(e.ID, &id), "id %s", e.ID)
			require.False(t, seen[id], "duplicate id %d", id)
			seen[id] = true
			require.True(t, id >= 0 && id < count)
			require.Empty(t, e.Error)
			require.NotNil(t, e.Result)
			want, err := e.Result.header(&nums[id])
			require.NoError(t, err)
			require.Equal(t, want, out[id], "header of id %d", id)
		}
	})
}
