package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/lock"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

func init() {
	var (
		asJSON bool
		fs     *flag.FlagSet
	)
	register(command{
		name:    "status",
		summary: "show each chain's cursor, finalized block, remote head and lag",
		help: `Prints, per indexed chain: the cursor (last committed block), the finalized block the indexer
last saw, when the cursor last moved, whether an indexer process holds the chain's lock, and, with
RPC endpoints (--rpc-url: each endpoint is matched to its chain by eth_chainId; or the rpc_urls of a
--config file), the chain's head, finalized block and the lag (head minus cursor).

Read-only: it applies no migration and reads in a READ ONLY transaction, so it works on a streaming
replica and as a role with only SELECT (erc8004_reader). On a replica the lock column is "-": the
primary's locks are not visible there; instead the replica's replay lag is reported (0 when it
has replayed all the WAL it received, else the age of the last replayed transaction) with the WAL
bytes received but not yet replayed.

Examples:
  indexer status --database-url postgres://analyst@replica/erc8004
  indexer status --chain base --rpc-url https://base.example --json`,
		flags: func(f *flag.FlagSet, cfg *config.Config) {
			fs = f
			cfg.DatabaseFlags(f)
			cfg.ChainFlags(f)
			cfg.FileFlags(f)
			f.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if cfg.ConfigFile != "" {
				if err := cfg.LoadFile(fs, os.Getenv); err != nil {
					return err
				}
			}
			if err := cfg.Require("database-url"); err != nil {
				return err
			}
			rows, err := status(ctx, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printStatus(os.Stdout, rows, time.Now())
			return nil
		},
	})
}

// chainStatus is one row of `indexer status`.
type chainStatus struct {
	Chain   string `json:"chain"`
	ChainID uint64 `json:"chain_id"`
	// Indexed is false for a chain that was asked for but has no cursor.
	Indexed    bool       `json:"indexed"`
	Cursor     *uint64    `json:"cursor"`
	CursorHash string     `json:"cursor_hash,omitempty"`
	Finalized  *uint64    `json:"finalized"`
	UpdatedAt  *time.Time `json:"updated_at"`
	// Locked is "yes" when an indexer process holds the chain's lock, "no", or "-" when it cannot
	// be known (on a replica).
	Locked string `json:"locked"`
	// Head, RemoteFinalized and Lag come from the RPC, when one serves the chain.
	Head            *uint64 `json:"head"`
	RemoteFinalized *uint64 `json:"remote_finalized"`
	Lag             *uint64 `json:"lag"`
	RPCError        string  `json:"rpc_error,omitempty"`
	// Replica is true when the database read is a standby in recovery. ReplicaLagSeconds is how
	// far its replay is behind: 0 when it has replayed all the WAL it received, else the age of
	// the last transaction it replayed. ReplicaBehindBytes is the WAL received but not yet
	// replayed. Both are null on a primary.
	Replica            bool     `json:"replica"`
	ReplicaLagSeconds  *float64 `json:"replica_lag_seconds"`
	ReplicaBehindBytes *int64   `json:"replica_behind_bytes"`
	// Offchain counts the chain's off-chain file rows per status.
	Offchain offchainCounts `json:"offchain"`
}

// replicaLag is a standby's replay lag, as any role can read it.
type replicaLag struct {
	seconds *float64
	bytes   *int64
}

// replicaLagQuery reads a standby's replay lag. A standby whose WAL receiver is streaming and
// that has replayed all it received is caught up (0 s) however long ago the primary last wrote;
// otherwise (replay behind, or no WAL receiver: the primary is gone, or the standby restores
// from an archive) the lag is the age of the last replayed transaction, which keeps growing. Any
// role sees pg_stat_wal_receiver's pid. A standby clock behind the primary's reads as 0.
const replicaLagQuery = `SELECT
	CASE WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL)
			AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
		ELSE greatest(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))::float8 END,
	pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint`

func status(ctx context.Context, cfg *config.Config) ([]chainStatus, error) {
	want, err := wantedChains(cfg)
	if err != nil {
		return nil, err
	}
	pool, err := openDB(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	rows, err := readStatus(ctx, pool, cfg.Schema, want)
	if err != nil {
		return nil, err
	}
	remoteHeads(ctx, cfg, rows)
	return rows, nil
}

// wantedChains returns the chain ids asked for with --chain, --chain-id or the config file's
// chains; nil means every indexed chain.
func wantedChains(cfg *config.Config) ([]uint64, error) {
	var ids []uint64
	if len(cfg.FileChains) > 0 {
		for _, fc := range cfg.FileChains {
			ids = append(ids, fc.ID)
		}
		return ids, nil
	}
	for _, c := range cfg.Chains {
		id, _, _, err := config.ResolveChain(c)
		if err != nil {
			return nil, &config.FieldError{Field: "chain", Value: c, Msg: "unknown chain"}
		}
		ids = append(ids, id)
	}
	if cfg.ChainID != 0 {
		ids = append(ids, cfg.ChainID)
	}
	return ids, nil
}

// readStatus reads the cursors and the chains' locks in one READ ONLY transaction.
func readStatus(ctx context.Context, pool *pgxpool.Pool, schema string, want []uint64) ([]chainStatus, error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin read-only transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	const q = `SELECT chain_id, block_number, block_hash, finalized_block, updated_at FROM erc8004_cursors ORDER BY chain_id`
	dbRows, err := tx.Query(ctx, q)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
			return nil, fmt.Errorf("schema %s has no erc8004_cursors table: run 'indexer migrate', or check --schema", schema)
		}
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	type cursorRow struct {
		ChainID, Number, Finalized int64
		Hash                       string
		UpdatedAt                  time.Time
	}
	cursors, err := pgx.CollectRows(dbRows, func(r pgx.CollectableRow) (cursorRow, error) {
		var c cursorRow
		err := r.Scan(&c.ChainID, &c.Number, &c.Hash, &c.Finalized, &c.UpdatedAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	var replica bool
	if err := tx.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&replica); err != nil {
		return nil, fmt.Errorf("check recovery: %w", err)
	}

	var lag replicaLag
	if replica {
		if err := tx.QueryRow(ctx, replicaLagQuery).Scan(&lag.seconds, &lag.bytes); err != nil {
			return nil, fmt.Errorf("read replica lag: %w", err)
		}
		if lag.bytes != nil && *lag.bytes < 0 {
			zero := int64(0)
			lag.bytes = &zero
		}
	}

	byID := map[uint64]*chainStatus{}
	var out []chainStatus
	add := func(id uint64) *chainStatus {
		out = append(out, chainStatus{Chain: config.ChainName(id), ChainID: id, Locked: "-", Replica: replica,
			ReplicaLagSeconds: lag.seconds, ReplicaBehindBytes: lag.bytes})
		return &out[len(out)-1]
	}
	for _, c := range cursors {
		id := uint64(c.ChainID)
		if want != nil && !slices.Contains(want, id) {
			continue
		}
		s := add(id)
		num, fin, at := uint64(c.Number), uint64(c.Finalized), c.UpdatedAt
		s.Indexed, s.Cursor, s.CursorHash, s.Finalized, s.UpdatedAt = true, &num, c.Hash, &fin, &at
	}
	for _, id := range want {
		if !slices.ContainsFunc(out, func(s chainStatus) bool { return s.ChainID == id }) {
			add(id)
		}
	}
	for i := range out {
		byID[out[i].ChainID] = &out[i]
	}
	if err := readOffchainCounts(ctx, tx, byID); err != nil {
		return nil, err
	}
	if !replica {
		for id, s := range byID {
			classID, objID := lock.Split(lock.Key(schema, id))
			var held bool
			const lq = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1
				AND objid = $2 AND objsubid = 1 AND granted)`
			if err := tx.QueryRow(ctx, lq, int64(classID), int64(objID)).Scan(&held); err != nil {
				return nil, fmt.Errorf("read locks: %w", err)
			}
			s.Locked = "no"
			if held {
				s.Locked = "yes"
			}
		}
	}
	return out, nil
}

// remoteHeads fills head, finalized and lag from the RPC endpoints: the config file's per
// chain, else every --rpc-url, matched to a chain by its eth_chainId.
func remoteHeads(ctx context.Context, cfg *config.Config, rows []chainStatus) {
	urls := map[uint64][]string{}
	for _, fc := range cfg.FileChains {
		urls[fc.ID] = fc.RPCURLs
	}
	for _, u := range cfg.RPCURLs {
		c, err := chain.Dial(ctx, chain.Options{URLs: []string{u}, MaxRetries: -1, RequestTimeout: 10 * time.Second})
		if err != nil {
			continue
		}
		id, err := c.ChainID(ctx)
		c.Close()
		if err != nil {
			for i := range rows {
				if rows[i].RPCError == "" {
					rows[i].RPCError = fmt.Sprintf("endpoint %s: %v", redact.URL(u), err)
				}
			}
			continue
		}
		urls[id] = append(urls[id], u)
	}
	for i := range rows {
		s := &rows[i]
		eps := urls[s.ChainID]
		if len(eps) == 0 {
			continue
		}
		s.RPCError = ""
		c, err := chain.Dial(ctx, chain.Options{URLs: eps, ChainID: s.ChainID, MaxRetries: 1, RequestTimeout: 10 * time.Second})
		if err != nil {
			s.RPCError = err.Error()
			continue
		}
		head, err := c.HeadNumber(ctx)
		if err != nil {
			s.RPCError = err.Error()
			c.Close()
			continue
		}
		s.Head = &head
		if fin, ok, err := c.Finalized(ctx); err == nil && ok {
			s.RemoteFinalized = &fin
		}
		c.Close()
		if s.Cursor != nil {
			lag := uint64(0)
			if head > *s.Cursor {
				lag = head - *s.Cursor
			}
			s.Lag = &lag
		}
	}
}

func printStatus(w io.Writer, rows []chainStatus, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CHAIN\tID\tCURSOR\tFINALIZED\tHEAD\tLAG\tUPDATED\tLOCKED\t")
	opt := func(p *uint64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatUint(*p, 10)
	}
	for _, s := range rows {
		updated := "-"
		if s.UpdatedAt != nil {
			updated = now.Sub(*s.UpdatedAt).Round(time.Second).String() + " ago"
		}
		cursor := opt(s.Cursor)
		if !s.Indexed {
			cursor = "not indexed"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Chain, s.ChainID, cursor, opt(s.Finalized),
			opt(s.Head), opt(s.Lag), updated, s.Locked)
	}
	_ = tw.Flush()
	for _, s := range rows {
		if s.RPCError != "" {
			fmt.Fprintf(w, "%s: rpc: %s\n", s.Chain, s.RPCError)
		}
	}
	printOffchainCounts(w, rows)
	if len(rows) == 0 {
		fmt.Fprintln(w, "no chain is indexed yet")
		return
	}
	if r := rows[0]; r.Replica {
		fmt.Fprintf(w, "replica: %s\n", describeReplicaLag(r.ReplicaLagSeconds, r.ReplicaBehindBytes))
	}
}

// describeReplicaLag renders a standby's replay lag for the table output.
func describeReplicaLag(seconds *float64, bytes *int64) string {
	if seconds == nil {
		return "replay lag unknown (no transaction replayed yet)"
	}
	s := fmt.Sprintf("replay lag %s", time.Duration(*seconds*float64(time.Second)).Round(time.Millisecond))
	if bytes != nil {
		s += fmt.Sprintf(", %d WAL bytes received but not replayed", *bytes)
	}
	return s
}
