package erc8004

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"
)

// fixtureLog is one raw log of testdata/reference/mainnet-identity-logs.json.
type fixtureLog struct {
	BlockNumber     uint64        `json:"blockNumber"`
	TransactionHash common.Hash   `json:"transactionHash"`
	LogIndex        uint          `json:"logIndex"`
	Address         string        `json:"address"`
	Topics          []common.Hash `json:"topics"`
	Data            hexutil.Bytes `json:"data"`
}

type fixtureFile struct {
	RegisteredLogs []fixtureLog `json:"registeredLogs"`
	URIUpdatedLogs []fixtureLog `json:"uriUpdatedLogs"`
}

func (f fixtureLog) log() *types.Log {
	return &types.Log{
		Address:     common.HexToAddress(f.Address),
		Topics:      append([]common.Hash(nil), f.Topics...),
		Data:        append([]byte(nil), f.Data...),
		BlockNumber: f.BlockNumber,
		TxHash:      f.TransactionHash,
		Index:       f.LogIndex,
	}
}

func loadFixture(tb testing.TB) fixtureFile {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(referenceDir, "mainnet-identity-logs.json"))
	require.NoError(tb, err)
	var f fixtureFile
	require.NoError(tb, json.Unmarshal(b, &f))
	require.NotEmpty(tb, f.RegisteredLogs)
	require.NotEmpty(tb, f.URIUpdatedLogs)
	return f
}

// handReadString reads the single dynamic string of a one-string data section
// word by word, without the decoder: offset word, then length word, then bytes.
func handReadString(t *testing.T, data []byte) string {
	t.Helper()
	require.GreaterOrEqual(t, len(data), 64)
	require.Zero(t, binary.BigEndian.Uint64(data[0:8])|binary.BigEndian.Uint64(data[8:16])|binary.BigEndian.Uint64(data[16:24]))
	off := binary.BigEndian.Uint64(data[24:32])
	require.LessOrEqual(t, off+32, uint64(len(data)))
	n := binary.BigEndian.Uint64(data[off+24 : off+32])
	require.LessOrEqual(t, off+32+n, uint64(len(data)))
	return string(data[off+32 : off+32+n])
}

func TestDecode_MainnetFixture(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	check := func(t *testing.T, fl fixtureLog, wantSig string) {
		l := fl.log()
		ev, err := Decode(l)
		require.NoError(t, err, "block %d log %d", fl.BlockNumber, fl.LogIndex)
		require.Equal(t, wantSig, ev.Signature())
		require.Len(t, fl.Topics, 3)
		wantID := fl.Topics[1].Big()
		wantAddr := common.BytesToAddress(fl.Topics[2][12:])
		wantURI := handReadString(t, fl.Data)
		switch e := ev.(type) {
		case *Registered:
			require.Equal(t, 0, wantID.Cmp(e.AgentID))
			require.Equal(t, wantAddr, e.Owner)
			require.Equal(t, wantURI, e.AgentURI)
		case *URIUpdated:
			require.Equal(t, 0, wantID.Cmp(e.AgentID))
			require.Equal(t, wantAddr, e.UpdatedBy)
			require.Equal(t, wantURI, e.NewURI)
			require.Zero(t, e.LegacyTopic0)
		default:
			t.Fatalf("unexpected %T", ev)
		}
		require.Equal(t, 0, wantID.Cmp(AgentID(ev)))
		_, err = json.Marshal(ev.Args())
		require.NoError(t, err)
	}
	for _, fl := range f.RegisteredLogs {
		check(t, fl, sigRegistered)
	}
	for _, fl := range f.URIUpdatedLogs {
		check(t, fl, sigURIUpdated)
	}
	// The first log is mainnet agent 0 (SPEC §2.1), decoded as big.NewInt(0).
	ev, err := Decode(f.RegisteredLogs[0].log())
	require.NoError(t, err)
	require.Equal(t, &Registered{AgentID: bigDec("0"), AgentURI: "", Owner: common.HexToAddress("0x9ce7082814bda389f3ba548bdf2626006279569c")}, ev)
}
