package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// Head is a chain whose head block is known in process (the dev chain).
type Head interface {
	ChainID() uint64
	Head() uint64
	HeadHash() common.Hash
}

// WaitCaughtUp waits until the indexer's cursor is c's head block, for at most timeout. It
// returns early with the indexer's error when indexErr delivers one.
func WaitCaughtUp(ctx context.Context, db *sink.Postgres, c Head, timeout time.Duration, indexErr <-chan error) error {
	deadline := time.Now().Add(timeout)
	for {
		head := c.Head()
		cur, err := db.Cursor(ctx, c.ChainID())
		if err == nil && cur.Number == head && cur.Hash == c.HeadHash() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("indexer did not reach head %d within %s (cursor %d)", head, timeout, cur.Number)
		}
		select {
		case err := <-indexErr:
			return fmt.Errorf("indexer stopped: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
