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
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// copyRates are PostgreSQL's raw COPY rates, in rows per second, for rows of the erc8004_events
// shape.
type copyRates struct {
	one  float64 // one COPY stream into a table defined as erc8004_events (indexes included)
	two  float64 // two concurrent streams into it, as the indexer's backfill writes
	bare float64 // one stream into a copy of it without indexes
}

// copyRate measures PostgreSQL's raw COPY rate for n rows of the erc8004_events shape: into a
// table with the same definition as erc8004_events (a freshly migrated schema's, so primary key
// and indexes included) with one stream and with two concurrent streams on two connections (the
// backfill stages one batch while the one before it commits), and into a copy of it without
// indexes. The rows are the synthetic chain's own first logs, encoded once in binary COPY format
// (the format the indexer writes, which costs PostgreSQL less than text) and streamed again
// with fresh block numbers, log indexes and transaction hashes, so that the client costs next
// to nothing: the figures are PostgreSQL's limit.
func copyRate(ctx context.Context, o options, n uint64, out io.Writer) (copyRates, error) {
	var r copyRates
	tmpl, err := copyTemplates(2000)
	if err != nil {
		return r, err
	}
	pool, schema, err := freshSchema(ctx, o.dbURL, true)
	if err != nil {
		return r, err
	}
	defer dropSchema(o, pool, schema)
	if _, err := pool.Exec(ctx, `CREATE TABLE bare_events (LIKE erc8004_events INCLUDING DEFAULTS)`); err != nil {
		return r, err
	}
	measure := func(table string, streams uint64) (float64, error) {
		cpu0 := backendCPU(ctx, pool)
		start := time.Now()
		g, gctx := errgroup.WithContext(ctx)
		for k := range streams {
			g.Go(func() error {
				conn, err := pool.Acquire(gctx)
				if err != nil {
					return err
				}
				defer conn.Release()
				first, end := k*n/streams, (k+1)*n/streams
				tag, err := conn.Conn().PgConn().CopyFrom(gctx, &copyStream{tmpl: tmpl, i: first, n: end},
					"COPY "+table+" ("+strings.Join(eventColumns, ", ")+") FROM STDIN (FORMAT binary)")
				if err != nil {
					return fmt.Errorf("copy into %s: %w", table, err)
				}
				if uint64(tag.RowsAffected()) != end-first {
					return fmt.Errorf("copied %d rows into %s, want %d", tag.RowsAffected(), table, end-first)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return 0, err
		}
		wall := time.Since(start)
		fmt.Fprintf(out, "dense: copy into %s, %d stream(s): cpu postgres=%.1fs wall=%.1fs\n", table, streams,
			(backendCPU(ctx, pool) - cpu0).Seconds(), wall.Seconds())
		return float64(n) / wall.Seconds(), nil
	}
	if r.one, err = measure("erc8004_events", 1); err != nil {
		return r, err
	}
	if _, err := pool.Exec(ctx, `TRUNCATE erc8004_events`); err != nil {
		return r, err
	}
	if r.two, err = measure("erc8004_events", 2); err != nil {
		return r, err
	}
	if r.bare, err = measure("bare_events", 1); err != nil {
		return r, err
	}
	return r, nil
}

// eventColumns are the erc8004_events columns in template order.
var eventColumns = []string{"chain_id", "block_number", "block_hash", "block_time", "tx_hash", "tx_index",
	"log_index", "address", "registry", "event", "signature", "agent_id", "args", "topic0", "topics", "data",
	"decode_error"}

// copyTemplate is one event row in binary COPY format, split around the fields that change
// from row to row: the block number, the transaction hash and the log index.
type copyTemplate struct {
	head   []byte // field count, chain_id, block_number's length
	mid    []byte // block_hash, block_time, tx_hash's length and "0x"
	txTail []byte // tx_hash after its first 16 hex digits
	idx    []byte // tx_index, log_index's length
	tail   []byte // address ... decode_error
}

// copyTemplates encodes the first count logs of a synthetic chain as the indexer stores them,
// with pgx's binary encoders.
func copyTemplates(count uint64) ([]copyTemplate, error) {
	c, err := synthchain.New(synthchain.Config{Blocks: count / 5, EventsPerBlock: 5})
	if err != nil {
		return nil, err
	}
	regs := map[[20]byte]erc8004.Registry{synthchain.DefaultRegistries.Identity: erc8004.RegistryIdentity,
		synthchain.DefaultRegistries.Reputation: erc8004.RegistryReputation,
		synthchain.DefaultRegistries.Validation: erc8004.RegistryValidation}
	m := pgtype.NewMap()
	field := func(buf []byte, oid uint32, v any) ([]byte, error) {
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		out, err := m.Encode(oid, pgtype.BinaryFormatCode, v, buf)
		if err != nil {
			return nil, err
		}
		if out == nil {
			binary.BigEndian.PutUint32(buf[at:], 0xffffffff)
			return buf, nil
		}
		binary.BigEndian.PutUint32(out[at:], uint32(len(out)-at-4))
		return out, nil
	}
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
		var agent any
		if id := erc8004.AgentID(ev); id != nil {
			agent = pgtype.Numeric{Int: id, Valid: true}
		}
		topics := make([]string, len(l.Topics))
		for i, t := range l.Topics {
			topics[i] = t.Hex()
		}
		var t copyTemplate
		steps := []struct {
			dst *[]byte
			oid uint32
			v   any
		}{
			{&t.head, pgtype.Int8OID, int64(80004)},
			{&t.mid, pgtype.TextOID, l.BlockHash.Hex()},
			{&t.mid, pgtype.TimestamptzOID, time.Unix(int64(l.BlockTimestamp), 0)},
			{&t.idx, pgtype.Int4OID, int32(l.TxIndex)},
			{&t.tail, pgtype.TextOID, strings.ToLower(l.Address.Hex())},
			{&t.tail, pgtype.TextOID, regs[l.Address].String()},
			{&t.tail, pgtype.TextOID, ev.Name()},
			{&t.tail, pgtype.TextOID, ev.Signature()},
			{&t.tail, pgtype.NumericOID, agent},
			{&t.tail, pgtype.JSONBOID, string(args)},
			{&t.tail, pgtype.TextOID, l.Topics[0].Hex()},
			{&t.tail, pgtype.TextArrayOID, topics},
			{&t.tail, pgtype.ByteaOID, l.Data},
			{&t.tail, pgtype.TextOID, nil},
		}
		t.head = binary.BigEndian.AppendUint16(nil, 17)
		for i, st := range steps {
			if *st.dst, err = field(*st.dst, st.oid, st.v); err != nil {
				return nil, fmt.Errorf("encode template field %d: %w", i, err)
			}
			switch i {
			case 0: // block_number follows
				t.head = binary.BigEndian.AppendUint32(t.head, 8)
			case 2: // tx_hash follows
				t.mid = binary.BigEndian.AppendUint32(t.mid, 66)
				t.mid = append(t.mid, "0x"...)
				t.txTail = []byte(l.TxHash.Hex()[18:])
			case 3: // log_index follows
				t.idx = binary.BigEndian.AppendUint32(t.idx, 4)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// copyStream streams binary COPY rows i (from its initial value) to n-1, cycling through the
// templates, row i at block i/5+1 and log index i%5, with a transaction hash of its own
// (erc8004_events has an index on it).
type copyStream struct {
	tmpl    []copyTemplate
	n, i    uint64
	started bool
	buf     bytes.Buffer
}

func (s *copyStream) Read(p []byte) (int, error) {
	if !s.started {
		s.started = true
		s.buf.WriteString("PGCOPY\n\xff\r\n\x00")
		s.buf.Write(make([]byte, 8)) // flags, header extension length
	}
	var w [8]byte
	for s.buf.Len() < len(p) && s.i < s.n {
		t := &s.tmpl[s.i%uint64(len(s.tmpl))]
		s.buf.Write(t.head)
		binary.BigEndian.PutUint64(w[:], s.i/5+1)
		s.buf.Write(w[:])
		s.buf.Write(t.mid)
		binary.BigEndian.PutUint64(w[:], s.i*0x9e3779b97f4a7c15)
		var hx [16]byte
		hex.Encode(hx[:], w[:])
		s.buf.Write(hx[:])
		s.buf.Write(t.txTail)
		s.buf.Write(t.idx)
		binary.BigEndian.PutUint32(w[:4], uint32(s.i%5))
		s.buf.Write(w[:4])
		s.buf.Write(t.tail)
		s.i++
		if s.i == s.n {
			s.buf.Write([]byte{0xff, 0xff})
		}
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
