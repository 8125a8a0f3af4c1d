package publish

import (
	"strconv"
	"strings"
)

// DefaultPrefix is the key prefix of the Valkey contract (DESIGN.md), "erc8004:".
const DefaultPrefix = "erc8004:"

// Keys names one chain's keys and channels under a prefix: "{prefix}{chain_id}:...". Consumers
// and tests use it so that the layout is spelled out in one place.
type Keys struct {
	base string // "{prefix}{chain_id}:"
}

// KeysFor returns the key names of chainID under prefix (DefaultPrefix when empty).
func KeysFor(prefix string, chainID uint64) Keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keys{base: prefix + strconv.FormatUint(chainID, 10) + ":"}
}

// Head is the hash of the last indexed block: number, hash, timestamp, indexed_at, finalized.
func (k Keys) Head() string { return k.base + "head" }

// Agent is the hash of one agent's hot aggregates; id is the decimal agent id.
func (k Keys) Agent(id string) string { return k.base + "agent:" + id }

// AgentPrefix is what every agent key starts with (Agent(id) = AgentPrefix() + id).
func (k Keys) AgentPrefix() string { return k.base + "agent:" }

// Leaderboard is the sorted set of agents by reputation score (see docs/valkey.md).
func (k Keys) Leaderboard() string { return k.base + "leaderboard" }

// Events is the channel of committed events, one JSON message each.
func (k Keys) Events() string { return k.base + "events" }

// Reorgs is the channel of rollbacks, one JSON message each.
func (k Keys) Reorgs() string { return k.base + "reorgs" }

// Synced is the publisher's marker: the time (unix milliseconds) of the last full resync. Its
// absence tells the publisher that Valkey lost its data (a restart without persistence, a
// FLUSHALL) even when no command failed, and that everything must be written again.
func (k Keys) Synced() string { return k.base + "synced" }

// escapeGlob escapes the characters that SCAN's MATCH pattern interprets, so that a key prefix
// is matched literally whatever it contains.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
