package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// confirmFlags are the safety options of rewind and replay.
type confirmFlags struct {
	yes    bool
	dryRun bool
}

func (c *confirmFlags) bind(fs *flag.FlagSet) {
	fs.BoolVar(&c.yes, "yes", false, "do not ask for confirmation (needed when stdin is not a terminal)")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print what would be deleted and replaced, change nothing")
}

func init() {
	var (
		to *uint64
		cf confirmFlags
	)
	register(command{
		name:    "rewind",
		summary: "delete everything indexed above a block and move the cursor there",
		help: `Deletes every row of the chain that comes from a block above --to-block (events, feedback,
responses, validations, block headers), recomputes the derived rows (agents, metadata, operators,
revocations, latest validation responses) from the events that remain, and moves the cursor to
--to-block, all in one transaction: interrupting it changes nothing. The next 'indexer run' (or a
running one, within a poll) re-indexes from --to-block + 1.

It prints the rows per table it will delete, then asks for confirmation on a terminal; --yes skips
the question (and is required when stdin is not a terminal), --dry-run only prints. The hash of
--to-block comes from the stored headers, else from --rpc-url. Safe while an indexer runs: a commit
of the indexer in between makes the rewind fail (cursor moved) rather than mix the two.

Examples:
  indexer rewind --chain sepolia --to-block 9990000 --database-url postgres://...
  indexer rewind --chain base --to-block 41700000 --rpc-url https://base.example --yes`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
			fs.Var(optUint{&to}, "to-block", "last `block` to keep (required)")
			cf.bind(fs)
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url", "chain"); err != nil {
				return err
			}
			if to == nil {
				return &config.FieldError{Field: "to-block", Msg: "is required: the last block to keep"}
			}
			return rewind(ctx, cfg, *to, cf, stdConsole())
		},
	})
}

// console is where a command talks to the operator (stdout, stdin, and whether stdin is a
// terminal that can answer a question).
type console struct {
	in       io.Reader
	out      io.Writer
	terminal bool
}

func stdConsole() console {
	return console{in: os.Stdin, out: os.Stdout, terminal: config.IsTerminal(os.Stdin)}
}

// errNeedsConfirmation is returned before anything is printed, so the failure contract (one
// line on stderr, nothing on stdout) holds.
var errNeedsConfirmation = errors.New("stdin is not a terminal: confirm with --yes (or look first with --dry-run)")

// proceed asks question on the console unless --yes or --dry-run decide. It returns false when
// nothing should be changed.
func (c console) proceed(ctx context.Context, cf confirmFlags, question string) (bool, error) {
	switch {
	case cf.dryRun:
		fmt.Fprintln(c.out, "dry run: nothing changed")
		return false, nil
	case cf.yes:
		return true, nil
	}
	ok, err := confirm(ctx, c.in, c.out, question)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, errors.New("not confirmed: nothing changed")
	}
	return true, nil
}

// confirm prints question and reads one answer line; only "y" or "yes" agree. An interrupt while
// waiting returns ctx's error.
func confirm(ctx context.Context, in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprintf(out, "%s [y/N] ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(in).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out)
		return false, ctx.Err()
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// resolveChain returns the chain named by --chain or --chain-id (any id: the database may hold
// a custom deployment) and its display name.
func resolveChain(cfg *config.Config) (name string, id uint64, err error) {
	if len(cfg.Chains) > 1 {
		return "", 0, &config.FieldError{Field: "chain", Value: strings.Join(cfg.Chains, ","), Msg: "give one chain"}
	}
	if len(cfg.Chains) == 1 {
		if id, _, _, err = config.ResolveChain(cfg.Chains[0]); err != nil {
			return "", 0, &config.FieldError{Field: "chain", Value: cfg.Chains[0], Msg: "unknown chain"}
		}
	}
	if cfg.ChainID != 0 {
		if id != 0 && id != cfg.ChainID {
			return "", 0, &config.FieldError{Field: "chain-id", Value: strconv.FormatUint(cfg.ChainID, 10),
				Msg: fmt.Sprintf("contradicts --chain (id %d)", id)}
		}
		id = cfg.ChainID
	}
	return config.ChainName(id), id, nil
}

// blockAt returns block n's header as stored in erc8004_blocks, else from the RPC endpoints.
func blockAt(ctx context.Context, db *sink.Postgres, rpcURLs []string, chainID, n uint64) (sink.Block, error) {
	stored, err := db.Blocks(ctx, chainID, n, n)
	if err != nil {
		return sink.Block{}, fmt.Errorf("read stored header %d: %w", n, err)
	}
	if len(stored) == 1 {
		return stored[0], nil
	}
	if len(rpcURLs) == 0 {
		return sink.Block{}, fmt.Errorf("block %d's header is not stored: give --rpc-url to fetch its hash", n)
	}
	client, err := chain.Dial(ctx, chain.Options{URLs: rpcURLs, ChainID: chainID})
	if err != nil {
		return sink.Block{}, err
	}
	defer client.Close()
	hs, err := client.Headers(ctx, []uint64{n})
	if err != nil {
		return sink.Block{}, fmt.Errorf("fetch header %d: %w", n, err)
	}
	h := hs[0]
	return sink.Block{Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash, Time: h.Time}, nil
}

// requireWritable fails early, before printing a plan, when the database cannot take writes: a
// streaming replica, or a connection whose transactions are read-only by default.
func requireWritable(ctx context.Context, pool *pgxpool.Pool) error {
	var readOnly bool
	const q = `SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'`
	if err := pool.QueryRow(ctx, q).Scan(&readOnly); err != nil {
		return fmt.Errorf("check the database is writable: %w", err)
	}
	if readOnly {
		return errors.New("the database is read-only (a replica, or read-only transactions): connect to the primary")
	}
	return nil
}

// printCounts prints the rows per table of a range, and their total.
func printCounts(out io.Writer, counts []daemon.TableCount) int64 {
	var total int64
	for _, c := range counts {
		fmt.Fprintf(out, "  %-44s %10d\n", c.Table, c.Rows)
		if !strings.Contains(c.Table, " ") { // the agents line is part of the recomputation, not a range table
			total += c.Rows
		}
	}
	return total
}

func rewind(ctx context.Context, cfg *config.Config, to uint64, cf confirmFlags, con console) error {
	name, id, err := resolveChain(cfg)
	if err != nil {
		return err
	}
	if !cf.yes && !cf.dryRun && !con.terminal {
		return errNeedsConfirmation
	}
	pool, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireWritable(ctx, pool); err != nil {
		return err
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	db := sink.NewPostgres(pool, log.Named("sink.pg"))
	cur, err := db.Cursor(ctx, id)
	if errors.Is(err, sink.ErrNotFound) {
		return fmt.Errorf("chain %s has no cursor: nothing is indexed", name)
	}
	if err != nil {
		return fmt.Errorf("read cursor of chain %s: %w", name, err)
	}
	if to >= cur.Number {
		fmt.Fprintf(con.out, "rewind: chain %s (%d) is indexed up to block %d, not above %d: nothing to do\n", name, id, cur.Number, to)
		return nil
	}
	keep, err := blockAt(ctx, db, cfg.RPCURLs, id, to)
	if err != nil {
		return err
	}
	counts, err := daemon.CountRange(ctx, pool, id, to+1, sink.MaxBlock)
	if err != nil {
		return err
	}
	fmt.Fprintf(con.out, "rewind: chain %s (%d): cursor %d -> %d (%s)\nrows to delete, blocks %d and above:\n",
		name, id, cur.Number, to, keep.Hash.Hex(), to+1)
	total := printCounts(con.out, counts)
	fmt.Fprintf(con.out, "  %-44s %10d\nagents, metadata, operators, revocations and latest validation responses are recomputed from the remaining events.\n", "total", total)
	ok, err := con.proceed(ctx, cf, fmt.Sprintf("Delete these rows and move the cursor of chain %s to block %d?", name, to))
	if err != nil || !ok {
		return err
	}
	start := time.Now()
	st, err := db.RollBack(ctx, id, to+1, &keep, &sink.Block{Number: cur.Number, Hash: cur.Hash}, cur.Finalized)
	if err != nil {
		return err
	}
	fmt.Fprintf(con.out, "rewind: done in %s: deleted %d rows, recomputed %d keys; cursor at block %d; 'indexer run' re-indexes from %d\n",
		time.Since(start).Round(time.Millisecond), st.Deleted, st.Touched, to, to+1)
	return nil
}

// optUint is a uint64 flag that distinguishes "not given" (nil) from 0.
type optUint struct{ p **uint64 }

func (o optUint) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return strconv.FormatUint(**o.p, 10)
}

func (o optUint) Set(v string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return errors.New("must be a non-negative integer")
	}
	*o.p = &n
	return nil
}
