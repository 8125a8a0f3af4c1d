package sink

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// keySet holds the derived-state keys that a Replace must recompute: those touched by the rows it
// deleted and by the rows it inserted. Each key is a tuple of text columns as stored.
type keySet struct {
	agents   map[[2]string]struct{} // (identity registry, agent id)
	metadata map[[3]string]struct{} // (identity registry, agent id, key hash)
	ops      map[[3]string]struct{} // (identity registry, owner, operator)
	pairs    map[[3]string]struct{} // (reputation registry, agent id, client)
	requests map[[2]string]struct{} // (validation registry, request hash)
	// agentIDs are all agent ids that any touched event concerns, whatever the registry: the
	// agents whose published aggregates may have changed.
	agentIDs map[string]struct{}
}

func newKeySet() keySet {
	return keySet{
		agents:   map[[2]string]struct{}{},
		metadata: map[[3]string]struct{}{},
		ops:      map[[3]string]struct{}{},
		pairs:    map[[3]string]struct{}{},
		requests: map[[2]string]struct{}{},
		agentIDs: map[string]struct{}{},
	}
}

func (k *keySet) size() int {
	return len(k.agents) + len(k.metadata) + len(k.ops) + len(k.pairs) + len(k.requests)
}

// add records the keys one decoded log touches. address is the emitting registry, agentID the
// decimal agent id ("" when none) and topics the log's topics as lowercase hex. Deriving keys from
// these stored columns (not from typed events) lets the rows being deleted and the rows being
// inserted go through the same function.
func (k *keySet) add(address, event, agentID string, topics []string) {
	if agentID != "" {
		k.agentIDs[agentID] = struct{}{}
	}
	topic := func(i int) string {
		if i < len(topics) {
			return topics[i]
		}
		return ""
	}
	switch event {
	case "Registered", "Transfer", "URIUpdated", "Approval":
		if agentID != "" {
			k.agents[[2]string{address, agentID}] = struct{}{}
		}
	case "MetadataSet":
		if agentID != "" {
			k.agents[[2]string{address, agentID}] = struct{}{}
			k.metadata[[3]string{address, agentID, topic(2)}] = struct{}{}
		}
	case "ApprovalForAll":
		k.ops[[3]string{address, topicAddress(topic(1)), topicAddress(topic(2))}] = struct{}{}
	case "NewFeedback", "FeedbackRevoked":
		if agentID != "" {
			k.pairs[[3]string{address, agentID, topicAddress(topic(2))}] = struct{}{}
		}
	case "ValidationRequest", "ValidationResponse":
		k.requests[[2]string{address, topic(3)}] = struct{}{}
	}
}

// addLogs records the keys of a batch's decoded logs.
func (k *keySet) addLogs(b *Batch) {
	for i := range b.Logs {
		l := &b.Logs[i]
		if l.Event == nil {
			continue
		}
		agentID := ""
		if id := erc8004.AgentID(l.Event); id != nil {
			agentID = id.String()
		}
		topics := make([]string, len(l.Raw.Topics))
		for j, t := range l.Raw.Topics {
			topics[j] = hexHash(t)
		}
		k.add(hexAddr(l.Raw.Address), l.Event.Name(), agentID, topics)
	}
}

// oldKeys returns the keys touched by the decoded events currently stored in [from, to], and
// the agents paid by the payments stored there. ResponseAppended touches no derived row but its
// agent's aggregates (response_count).
func oldKeys(ctx context.Context, tx pgx.Tx, chainID, from, to uint64) (keySet, error) {
	const q = `SELECT address, event, coalesce(agent_id::text, ''), topics FROM erc8004_events
		WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND event IN
		('Registered', 'Transfer', 'URIUpdated', 'Approval', 'MetadataSet', 'ApprovalForAll',
		 'NewFeedback', 'FeedbackRevoked', 'ResponseAppended', 'ValidationRequest', 'ValidationResponse')`
	keys := newKeySet()
	rows, err := tx.Query(ctx, q, int64(chainID), int64(from), int64(clampBlock(to)))
	if err != nil {
		return keys, fmt.Errorf("read old keys: %w", err)
	}
	var address, event, agentID string
	var topics []string
	_, err = pgx.ForEachRow(rows, []any{&address, &event, &agentID, &topics}, func() error {
		keys.add(address, event, agentID, topics)
		return nil
	})
	if err != nil {
		return keys, fmt.Errorf("read old keys: %w", err)
	}
	const paid = `SELECT DISTINCT agent_id::text FROM erc8004_agent_payments
		WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3`
	if rows, err = tx.Query(ctx, paid, int64(chainID), int64(from), int64(clampBlock(to))); err != nil {
		return keys, fmt.Errorf("read old paid agents: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&agentID}, func() error {
		keys.agentIDs[agentID] = struct{}{}
		return nil
	})
	if err != nil {
		return keys, fmt.Errorf("read old paid agents: %w", err)
	}
	return keys, nil
}

// topicAddress turns a 32-byte address topic into the 20-byte lowercase address.
func topicAddress(t string) string {
	if len(t) != 66 {
		return strings.ToLower(t)
	}
	return "0x" + strings.ToLower(t[26:])
}

// columns2 and columns3 turn a key map into parallel arrays for unnest().
func columns2(m map[[2]string]struct{}) ([]string, []string) {
	a, b := make([]string, 0, len(m)), make([]string, 0, len(m))
	for k := range m {
		a, b = append(a, k[0]), append(b, k[1])
	}
	return a, b
}

func columns3(m map[[3]string]struct{}) ([]string, []string, []string) {
	a, b, c := make([]string, 0, len(m)), make([]string, 0, len(m)), make([]string, 0, len(m))
	for k := range m {
		a, b, c = append(a, k[0]), append(b, k[1]), append(c, k[2])
	}
	return a, b, c
}
