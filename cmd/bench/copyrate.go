package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// copyRate measures PostgreSQL's raw COPY rate for n rows of the erc8004_events shape: once into
// a table with the same definition as erc8004_events (a freshly migrated schema's, so primary key
// and indexes included) and once into a copy of it without indexes. The rows are the synthetic
// chain's own first logs, rendered once as COPY text and streamed again with fresh (block, log
// index) keys, so that the client costs next to nothing: the figure is PostgreSQL's limit.
func copyRate(ctx context.Context, o options, n uint64) (float64, float64, error) {
	tmpl, err := copyTemplates(2000)
	if err != nil {
		return 0, 0, err
	}
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return 0, 0, err
	}
	defer dropSchema(o, pool, schema)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TABLE bare_events (LIKE erc8004_events INCLUDING DEFAULTS)`); err != nil {
		return 0, 0, err
	}
	var pid int32
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return 0, 0, err
	}
	measure := func(table string) (float64, error) {
		cpu := procCPU(fmt.Sprintf("/proc/%d/stat", pid))
		start := time.Now()
		defer func() {
			fmt.Fprintf(os.Stderr, "bench: cpu copy into %s: postgres=%.1fs wall=%.1fs\n", table,
				(procCPU(fmt.Sprintf("/proc/%d/stat", pid)) - cpu).Seconds(), time.Since(start).Seconds())
		}()
		tag, err := conn.Conn().PgConn().CopyFrom(ctx, &copyStream{tmpl: tmpl, n: n},
			"COPY "+table+" FROM STDIN")
		if err != nil {
			return 0, fmt.Errorf("copy into %s: %w", table, err)
		}
		if uint64(tag.RowsAffected()) != n {
			return 0, fmt.Errorf("copied %d rows into %s, want %d", tag.RowsAffected(), table, n)
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	rate, err := measure("erc8004_events")
	if err != nil {
		return 0, 0, err
	}
	bare, err := measure("bare_events")
	if err != nil {
		return 0, 0, err
	}
	return rate, bare, nil
}

// copyTemplate is one event row in COPY text format, split around its block number and log
// index columns.
type copyTemplate struct {
	head, mid, tx, idx, tail string // chain_id\t | \tblock_hash\tblock_time\t0x | tx_hash[18:] | \ttx_index\t | \taddress...decode_error\n
}

// copyTemplates renders the first count logs of a synthetic chain as the indexer would store them.
func copyTemplates(count uint64) ([]copyTemplate, error) {
	c, err := synthchain.New(synthchain.Config{Blocks: count / 5, EventsPerBlock: 5})
	if err != nil {
		return nil, err
	}
	regs := map[[20]byte]erc8004.Registry{synthchain.DefaultRegistries.Identity: erc8004.RegistryIdentity,
		synthchain.DefaultRegistries.Reputation: erc8004.RegistryReputation,
		synthchain.DefaultRegistries.Validation: erc8004.RegistryValidation}
	var out []copyTemplate
	for _, l := range c.Logs(0, c.Head()) {
		ev, err := erc8004.Decode(&l)
		if err != nil {
			return nil, err
		}
		args, err := json.Marshal(ev.Args())
		if err != nil {
			return nil, err
		}
		agent := `\N`
		if id := erc8004.AgentID(ev); id != nil {
			agent = id.String()
		}
		topics := make([]string, len(l.Topics))
		for i, t := range l.Topics {
			topics[i] = t.Hex()
		}
		at := time.Unix(int64(l.BlockTimestamp), 0).UTC().Format("2006-01-02 15:04:05+00")
		rest := []string{strings.ToLower(l.Address.Hex()), regs[l.Address].String(), ev.Name(), ev.Signature(), agent,
			copyEscape(string(args)), l.Topics[0].Hex(), "{" + strings.Join(topics, ",") + "}",
			`\\x` + hex.EncodeToString(l.Data), `\N`}
		out = append(out, copyTemplate{head: "80004\t", mid: "\t" + l.BlockHash.Hex() + "\t" + at + "\t0x",
			tx: l.TxHash.Hex()[18:], idx: "\t" + strconv.Itoa(int(l.TxIndex)) + "\t",
			tail: "\t" + strings.Join(rest, "\t") + "\n"})
	}
	return out, nil
}

// copyEscape escapes a value for COPY text format.
func copyEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// copyStream streams n rows cycling through the templates, row i at block i/5+1, log index i%5,
// with a transaction hash of its own (erc8004_events has an index on it).
type copyStream struct {
	tmpl []copyTemplate
	n, i uint64
	buf  bytes.Buffer
}

func (s *copyStream) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && s.i < s.n {
		t := &s.tmpl[s.i%uint64(len(s.tmpl))]
		s.buf.WriteString(t.head)
		s.buf.WriteString(strconv.FormatUint(s.i/5+1, 10))
		s.buf.WriteString(t.mid)
		var w [8]byte
		binary.BigEndian.PutUint64(w[:], s.i*0x9e3779b97f4a7c15)
		s.buf.WriteString(hex.EncodeToString(w[:]))
		s.buf.WriteString(t.tx)
		s.buf.WriteString(t.idx)
		s.buf.WriteString(strconv.FormatUint(s.i%5, 10))
		s.buf.WriteString(t.tail)
		s.i++
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	return s.buf.Read(p)
}

// peakRSSMB returns the process's peak resident set size (VmHWM) in MiB.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return string(b)
}

// benchApp is the application_name of the benchmark's connections, to find their backends.
const benchApp = "erc8004-bench"

// backendCPU returns the CPU time (user + system) used so far by the PostgreSQL backends of the
// benchmark's connections, read from /proc: it only works with a local server.
func backendCPU(ctx context.Context, pool *pgxpool.Pool) time.Duration {
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, benchApp)
	if err != nil {
		return 0
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, pid := range pids {
		total += procCPU(fmt.Sprintf("/proc/%d/stat", pid))
	}
	return total
}

// processCPU returns this process's CPU time.
func processCPU() time.Duration { return procCPU("/proc/self/stat") }

// procCPU reads utime + stime from a /proc/<pid>/stat file.
func procCPU(path string) time.Duration {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command: state is field 3, utime 14 and stime 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / 100 // USER_HZ is 100 on Linux
}
