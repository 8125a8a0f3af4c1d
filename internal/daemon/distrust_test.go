package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/erc8004-indexer/erc8004-indexer/internal/dbcompare"
	"github.com/erc8004-indexer/erc8004-indexer/internal/devchain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// lyingRPC is a JSON-RPC proxy whose eth_getLogs answers ignore the address filter and repeat
// validation requests: to every answer it adds a copy of each log from foreignRegistry (a
// contract of the same events that nobody asked about), and a second copy of each
// ValidationRequest log, same registry and request hash, at another log index of its block.
type lyingRPC struct {
	target            string
	foreign, repeated atomic.Int64
}

// foreignRegistry is the address of the logs lyingRPC makes up.
var foreignRegistry = common.HexToAddress("0x00000000000000000000000000000000000bad01")

var validationRequestTopic = crypto.Keccak256Hash([]byte("ValidationRequest(address,uint256,string,bytes32)"))

func (p *lyingRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	resp, err := http.Post(p.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(body, []byte(`"eth_getLogs"`)) && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		out = p.lie(out)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// lie adds the foreign and repeated logs to an eth_getLogs answer.
func (p *lyingRPC) lie(answer []byte) []byte {
	var msg map[string]json.RawMessage
	var logs []map[string]any
	if json.Unmarshal(answer, &msg) != nil || json.Unmarshal(msg["result"], &logs) != nil {
		return answer
	}
	n := len(logs)
	for _, l := range logs[:n] {
		index, err := hexutil.DecodeUint64(l["logIndex"].(string))
		if err != nil {
			return answer
		}
		foreign := clone(l)
		foreign["address"], foreign["logIndex"] = foreignRegistry.Hex(), hexutil.EncodeUint64(index+10_000)
		logs = append(logs, foreign)
		p.foreign.Add(1)
		if topics, _ := l["topics"].([]any); len(topics) > 0 && topics[0] == validationRequestTopic.Hex() {
			repeat := clone(l)
			repeat["logIndex"] = hexutil.EncodeUint64(index + 20_000)
			logs = append(logs, repeat)
			p.repeated.Add(1)
		}
	}
	msg["result"], _ = json.Marshal(logs)
	out, _ := json.Marshal(msg)
	return out
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestIndexer_LyingRPC indexes a live dev chain through lyingRPC: the chain must reach the head,
// no foreign log may be stored (they are counted), each repeated request stays raw in
// erc8004_events with its reason while the first is the one indexed, and everything else must
// equal an index made over the honest endpoint.
func TestIndexer_LyingRPC(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	c, err := devchain.New(ctx, devchain.Options{Seed: 17, HTTP: true, Log: log})
	require.NoError(t, err)
	defer c.Close()
	gen := devchain.NewGenerator(c, devchain.GenOptions{Seed: 17})
	for range 80 {
		require.NoError(t, gen.Step(ctx))
	}

	proxy := &lyingRPC{target: c.HTTPURL()}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	m := metrics.New()
	spec := ChainSpec{ChainID: c.ChainID(), RPCURLs: []string{srv.URL}, Registries: c.Registries(), FinalityDepth: 16,
		PollInterval: 50 * time.Millisecond, LiveSpan: 8, MaxBackoff: 200 * time.Millisecond,
		Metrics: m.Chain("dev", c.ChainID())}
	pool := testdb.New(t)
	db := sink.NewPostgres(pool, log)
	client, err := spec.Dial(ctx, log)
	require.NoError(t, err)
	defer client.Close()
	ix := NewIndexer(spec, client, db, log, nil)
	ictx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ix.Run(ictx, nil) }()
	require.NoError(t, WaitCaughtUp(ctx, db, c, time.Minute, done), "the chain reaches the head")
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Positive(t, proxy.foreign.Load())
	require.Positive(t, proxy.repeated.Load(), "the traffic had validation requests")

	var foreign, repeats, requests, requestRows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE address = $1),
		count(*) FILTER (WHERE decode_error LIKE '%repeats the request of block%'),
		count(*) FILTER (WHERE event = 'ValidationRequest')
		FROM erc8004_events`, strings.ToLower(foreignRegistry.Hex())).Scan(&foreign, &repeats, &requests))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM erc8004_validations`).Scan(&requestRows))
	require.Zero(t, foreign, "no foreign log is stored")
	require.Positive(t, repeats)
	require.Equal(t, requests, requestRows, "one indexed request per request hash")
	var counted, setAside float64
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range fams {
		switch f.GetName() {
		case metrics.ForeignLogsTotal:
			counted = f.GetMetric()[0].GetCounter().GetValue()
		case metrics.DecodeErrorsTotal:
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					if l.GetName() == "kind" && l.GetValue() == "set_aside" {
						setAside += s.GetCounter().GetValue()
					}
				}
			}
		}
	}
	require.Positive(t, counted, "foreign logs are counted")
	require.EqualValues(t, repeats, setAside, "each repeated request is counted as set aside")

	rep, err := verify.New(pool, client, spec.ChainID, spec.Registries).Run(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches, "the projection agrees with the contracts")

	direct := spec
	direct.RPCURLs, direct.Metrics = []string{c.HTTPURL()}, nil
	dclient, err := direct.Dial(ctx, log)
	require.NoError(t, err)
	defer dclient.Close()
	fresh := testdb.New(t)
	fix := NewIndexer(direct, dclient, sink.NewPostgres(fresh, log), log, nil)
	for {
		progressed, err := fix.Step(ctx)
		require.NoError(t, err)
		if !progressed {
			break
		}
	}
	a, b := testdb.Snapshot(t, fresh), testdb.Snapshot(t, pool)
	for _, table := range dbcompare.Tables() {
		if table == "erc8004_events" {
			require.Equal(t, len(a[table])+repeats, len(b[table]), "the honest events and the repeats")
			continue
		}
		require.Equal(t, a[table], b[table], table)
	}
}
