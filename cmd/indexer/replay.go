package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/lock"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// replayFlags are the options of `indexer replay`.
type replayFlags struct {
	from, to     *uint64
	backfillSpan uint64
	confirmFlags
}

func init() {
	var rf replayFlags
	register(command{
		name:    "replay",
		summary: "re-fetch and re-apply a block range",
		help: `Fetches the registry logs of blocks --from-block to --to-block again from the RPC, with the
payment tokens' transfers that may pay an agent (resolved again as indexing does), and replaces
what the database holds for them, through the same one-transaction Replace that indexing uses:
rows of the range are deleted, the fresh ones inserted, derived rows recomputed. Replaying a range
twice changes nothing. Use it after a decoder fix, or when rows of a range are suspected
wrong ('indexer verify' reports a mismatch).

A range below the cursor is replaced batch by batch, one transaction each, and the cursor stays;
an interrupted replay leaves whole batches done and can simply be run again. A block whose hash
differs from the stored one stops the replay: the chain reorganised there, and 'indexer run' (or
'indexer rewind') must roll it back. A range that reaches the cursor (no --to-block, or one at or
above it) is a rewind to --from-block - 1 followed by indexing up to the old cursor (or
--to-block), like 'indexer run' would; when a running indexer holds the chain's lock, the replay
only rewinds and leaves the indexing to it.

It prints the rows per table it will replace and asks for confirmation on a terminal; --yes skips
the question (and is required when stdin is not a terminal), --dry-run only prints.

Examples:
  indexer replay --chain sepolia --from-block 9990000 --to-block 9999999 --rpc-url https://... --database-url postgres://...
  indexer replay --chain base --from-block 41700000 --yes   # up to the cursor: rewind + re-index`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
			fs.Var(optUint{&rf.from}, "from-block", "first `block` to replay (required)")
			fs.Var(optUint{&rf.to}, "to-block", "last `block` to replay (default: the cursor)")
			fs.Uint64Var(&rf.backfillSpan, "backfill-span", 0, "most `blocks` per batch below finality (default 10000)")
			rf.bind(fs)
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url", "chain", "rpc-url"); err != nil {
				return err
			}
			if rf.from == nil {
				return &config.FieldError{Field: "from-block", Msg: "is required: the first block to replay"}
			}
			if rf.to != nil && *rf.to < *rf.from {
				return &config.FieldError{Field: "to-block", Value: fmt.Sprint(*rf.to), Msg: fmt.Sprintf("is below --from-block %d", *rf.from)}
			}
			return replay(ctx, cfg, rf, stdConsole())
		},
	})
}

func replay(ctx context.Context, cfg *config.Config, rf replayFlags, con console) error {
	spec, err := daemon.SpecFromConfig(cfg)
	if err != nil {
		return err
	}
	spec.BackfillSpan = rf.backfillSpan
	if !rf.yes && !rf.dryRun && !con.terminal {
		return errNeedsConfirmation
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireWritable(ctx, pool); err != nil {
		return err
	}
	db := sink.NewPostgres(pool, log.Named("sink.pg"))
	cur, err := db.Cursor(ctx, spec.ChainID)
	if errors.Is(err, sink.ErrNotFound) {
		return fmt.Errorf("chain %s has no cursor: nothing is indexed to replay; use 'indexer run'", spec.Name)
	}
	if err != nil {
		return fmt.Errorf("read cursor of chain %s: %w", spec.Name, err)
	}
	from := *rf.from
	if from > cur.Number+1 {
		return fmt.Errorf("--from-block %d is above the cursor (%d) of chain %s: nothing indexed there to replay", from, cur.Number, spec.Name)
	}
	to := cur.Number
	if rf.to != nil {
		to = *rf.to
	}
	if to < from {
		return fmt.Errorf("--from-block %d is above the cursor (%d) of chain %s: give --to-block to index further, or use 'indexer run'",
			from, cur.Number, spec.Name)
	}
	reaches := to >= cur.Number
	countTo := to
	if reaches {
		countTo = sink.MaxBlock
	}
	counts, err := daemon.CountRange(ctx, pool, spec.ChainID, from, countTo)
	if err != nil {
		return err
	}
	if reaches {
		fmt.Fprintf(con.out, "replay: chain %s (%d): blocks %d-%d reach the cursor (%d): rewind to block %d, then index up to %d\nrows to delete and index again:\n",
			spec.Name, spec.ChainID, from, to, cur.Number, int64(from)-1, max(to, cur.Number))
	} else {
		fmt.Fprintf(con.out, "replay: chain %s (%d): blocks %d-%d are fetched again and replaced; the cursor (%d) stays\nrows to replace:\n",
			spec.Name, spec.ChainID, from, to, cur.Number)
	}
	total := printCounts(con.out, counts)
	fmt.Fprintf(con.out, "  %-44s %10d\n", "total", total)
	ok, err := con.proceed(ctx, rf.confirmFlags, fmt.Sprintf("Replay blocks %d-%d of chain %s?", from, to, spec.Name))
	if err != nil || !ok {
		return err
	}
	start := time.Now()
	client, err := spec.Dial(ctx, log.Named("rpc"))
	if err != nil {
		return err
	}
	defer client.Close()
	if !reaches {
		st, err := daemon.ReplayRange(ctx, spec, client, db, from, to, cur.Finalized, log.Named("replay"), nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(con.out, "replay: done in %s: %d batches, %d logs, %d rows deleted, %d inserted; cursor unchanged at %d\n",
			time.Since(start).Round(time.Millisecond), st.Batches, st.Logs, st.Deleted, st.Inserted, cur.Number)
		return nil
	}

	// Rewind, then index like `indexer run` — unless a running indexer holds the chain: it will
	// index the range itself, and two indexers on one chain is what the lock prevents.
	l, err := lock.TryAcquire(ctx, pool.Config().ConnConfig, lock.Key(cfg.Schema, spec.ChainID), lock.Options{Log: log.Named("lock")})
	if err != nil {
		return err
	}
	if l != nil {
		defer func() { _ = l.Release(context.WithoutCancel(ctx)) }()
	}
	var keep *sink.Block
	if from == 0 {
		spec.StartBlock = 0
	} else {
		b, err := blockAt(ctx, db, cfg.RPCURLs, spec.ChainID, from-1)
		if err != nil {
			return err
		}
		keep = &b
	}
	if _, err := db.RollBack(ctx, spec.ChainID, from, keep, &sink.Block{Number: cur.Number, Hash: cur.Hash}, cur.Finalized); err != nil {
		return err
	}
	if l == nil {
		fmt.Fprintf(con.out, "replay: rewound chain %s to block %d; a running indexer holds its lock and indexes it again from %d\n",
			spec.Name, int64(from)-1, from)
		return nil
	}
	target := max(to, cur.Number)
	ix := daemon.NewIndexer(spec, client, db, log, nil)
	for {
		progressed, err := ix.Step(ctx)
		if err != nil {
			return fmt.Errorf("index again from %d: %w", from, err)
		}
		now, err := db.Cursor(ctx, spec.ChainID)
		if err == nil && now.Number >= target {
			fmt.Fprintf(con.out, "replay: done in %s: blocks %d-%d indexed again; cursor at %d\n",
				time.Since(start).Round(time.Millisecond), from, now.Number, now.Number)
			return nil
		}
		if !progressed {
			log.Info("replay stopped below its target: the chain's head (minus confirmations) is lower",
				zap.Uint64("cursor", now.Number), zap.Uint64("target", target))
			fmt.Fprintf(con.out, "replay: done in %s: indexed again up to %d (the head); 'indexer run' continues from there\n",
				time.Since(start).Round(time.Millisecond), now.Number)
			return nil
		}
	}
}
