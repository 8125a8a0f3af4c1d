package soak

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/dbcompare"
	"github.com/erc8004-indexer/erc8004-indexer/internal/indexer"
)

// The soak's forks: shallow ones under a following indexer, and deep ones that must halt it
// without writing anything, checked against a snapshot of the database.

// fork makes one fork of depth 1..MaxDepth, after waiting for the indexer or racing it.
func (s *soaker) fork(ctx context.Context) error {
	if s.rng.Float64() < s.o.CatchUp {
		if err := s.waitCaughtUp(ctx); err != nil {
			return err
		}
	}
	depth := min(1+s.rng.Uint64N(s.o.MaxDepth), s.chain.MaxForkDepth())
	if err := s.chain.Fork(depth); err != nil {
		return &chainError{err}
	}
	s.mu.Lock()
	s.rep.Forks++
	s.rep.ForkBlocks += depth
	s.rep.DeepestFork = max(s.rep.DeepestFork, depth)
	s.mu.Unlock()
	return nil
}

// deepFork makes a fork deeper than the finality depth under an indexer that has caught up:
// the indexer must stop with ErrDeepReorg without writing anything. The rollback is then done
// as an operator would, with deep reorgs allowed for one step, and following resumes.
func (s *soaker) deepFork(ctx context.Context) error {
	if err := s.waitCaughtUp(ctx); err != nil {
		return err
	}
	before, err := s.state(ctx)
	if err != nil {
		return err
	}
	depth := s.o.FinalityDepth + 1 + s.rng.Uint64N(32)
	if depth > s.chain.MaxForkDepth() {
		if err := s.traffic(ctx, int(depth-s.chain.MaxForkDepth())); err != nil {
			return err
		}
		if err := s.waitCaughtUp(ctx); err != nil {
			return err
		}
		if before, err = s.state(ctx); err != nil {
			return err
		}
	}
	if err := s.chain.Fork(depth); err != nil {
		return &chainError{err}
	}
	s.mu.Lock()
	s.rep.DeepForks++
	s.mu.Unlock()

	var haltErr error
	select {
	case haltErr = <-s.follow.done:
		s.follow.done <- haltErr
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("%w: the indexer still runs 2 minutes after a %d-block fork", ErrDeepReorgMissed, depth)
	case <-ctx.Done():
		return ctx.Err()
	}
	if !errors.Is(haltErr, indexer.ErrDeepReorg) {
		return fmt.Errorf("%w: the indexer stopped with %v after a %d-block fork", ErrDeepReorgMissed, haltErr, depth)
	}
	after, err := s.state(ctx)
	if err != nil {
		return err
	}
	if diff := stateDiff(before, after); diff != "" {
		return fmt.Errorf("%w: the halt changed the database: %s", ErrDeepReorgMissed, diff)
	}
	s.log.Info("deep reorg halted the indexer", zap.Uint64("depth", depth), zap.Error(haltErr))
	s.mu.Lock()
	s.rep.DeepHalts++
	s.mu.Unlock()

	return s.allowDeep(ctx)
}

// allowDeep is the operator's answer to a deep-reorg halt: it rolls back with deep reorgs
// allowed for one step, then follows again.
func (s *soaker) allowDeep(ctx context.Context) error {
	if err := s.stopFollowing(); err != nil && !errors.Is(err, indexer.ErrDeepReorg) {
		return err
	}
	allow := s.spec
	allow.AllowDeepReorg = true
	ix := daemon.NewIndexer(allow, s.client, s.db, s.log.Named("indexer"), s.notify)
	prev := s.report().Rollbacks
	if _, err := ix.Step(ctx); err != nil {
		return fmt.Errorf("roll back the deep reorg: %w", err)
	}
	if s.report().Rollbacks == prev {
		return fmt.Errorf("%w: the first step with deep reorgs allowed did not roll back", ErrDeepReorgMissed)
	}
	return s.startFollowing(ctx)
}

// dbState is the database as a deep reorg must leave it: every compared table and the raw
// cursor row, update time included.
type dbState struct {
	tables map[string][]string
	cursor string
}

func (s *soaker) state(ctx context.Context) (dbState, error) {
	tables, err := dbcompare.Snapshot(ctx, s.db.Pool())
	if err != nil {
		return dbState{}, err
	}
	var cursor string
	err = s.db.Pool().QueryRow(ctx, `SELECT to_jsonb(c)::text FROM erc8004_cursors c WHERE chain_id = $1`,
		int64(s.spec.ChainID)).Scan(&cursor)
	if err != nil {
		return dbState{}, fmt.Errorf("read cursor row: %w", err)
	}
	return dbState{tables: tables, cursor: cursor}, nil
}

func stateDiff(a, b dbState) string {
	if a.cursor != b.cursor {
		return "cursor " + a.cursor + " became " + b.cursor
	}
	var diffs []string
	for _, table := range dbcompare.Tables() {
		for _, d := range dbcompare.Diff(table, a.tables[table], b.tables[table], 1) {
			diffs = append(diffs, d.String())
		}
	}
	return strings.Join(diffs, "; ")
}
