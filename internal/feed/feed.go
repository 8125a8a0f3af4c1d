// Package feed is what the engine tells its consumers after every commit: the committed range,
// its logs and statistics, or a rollback. It lives below the engine so that consumers (the
// publisher, the off-chain worker, metrics wiring) depend on this small type, not on the engine.
package feed

import "github.com/erc8004-indexer/erc8004-indexer/internal/sink"

// Update describes one committed change, for publishers and metrics.
type Update struct {
	ChainID   uint64
	From, To  uint64
	Head      sink.Block // the new cursor
	Finalized uint64
	Logs      []sink.Log
	Reorg     *Reorg // set when the update is a rollback
	Stats     sink.Stats
}

// Reorg describes a rollback: everything above Fork was removed.
type Reorg struct {
	Fork    uint64 // last block kept
	OldHead uint64 // cursor before the rollback
	Depth   uint64 // OldHead - Fork
}
