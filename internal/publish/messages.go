package publish

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// EventMessage is the JSON message published on the events channel for every committed registry
// log, decoded or not. Its fields mirror the erc8004_events row.
type EventMessage struct {
	ChainID   uint64 `json:"chain_id"`
	Block     uint64 `json:"block"`
	BlockHash string `json:"block_hash"`
	BlockTime uint64 `json:"block_time"` // unix seconds
	Tx        string `json:"tx"`
	TxIndex   uint   `json:"tx_index"`
	LogIndex  uint   `json:"log_index"`
	Registry  string `json:"registry"` // identity, reputation or validation
	Address   string `json:"address"`  // the emitting registry, lowercase hex
	// Event is the decoded event name ("" when the log could not be decoded).
	Event string `json:"event"`
	// AgentID is the agent the event concerns, as a decimal string, when it names one.
	AgentID string `json:"agent_id,omitempty"`
	// Args are the decoded arguments, as in erc8004_events.args (null when undecoded).
	Args map[string]any `json:"args"`
	// DecodeError, Topics and Data are set only for a log that was not decoded.
	DecodeError string   `json:"decode_error,omitempty"`
	Topics      []string `json:"topics,omitempty"`
	Data        string   `json:"data,omitempty"`
	// Truncated names the fields cut to MaxMessageString bytes ("args.feedbackURI", "data"): a
	// chain string can be megabytes; the whole value is in erc8004_events.
	Truncated []string `json:"truncated,omitempty"`
}

// MaxMessageString is the most bytes of one string of an event message (an argument, the raw
// data); a longer one is cut, on a character boundary, and named in EventMessage.Truncated.
const MaxMessageString = 8 << 10

// cut returns s cut to MaxMessageString bytes on a UTF-8 boundary, and whether it was cut.
func cut(s string) (string, bool) {
	if len(s) <= MaxMessageString {
		return s, false
	}
	return strings.ToValidUTF8(s[:MaxMessageString], ""), true
}

// ReorgMessage is the JSON message published on the reorgs channel for every rollback: every
// event of blocks FromBlock..ToBlock (that is, above ForkBlock) was retracted.
type ReorgMessage struct {
	ChainID uint64 `json:"chain_id"`
	// ForkBlock is the last block kept: every event above it was retracted. It is -1 when a
	// chain indexed from block 0 was rolled back entirely.
	ForkBlock int64  `json:"fork_block"`
	FromBlock uint64 `json:"from_block"` // ForkBlock+1: the first retracted block
	ToBlock   uint64 `json:"to_block"`   // the old head: the last retracted block
	OldHead   uint64 `json:"old_head"`
	// NewHead is the indexed head right after the rollback (the fork block, null when the
	// cursor was dropped); the events of the new branch follow on the events channel.
	NewHead     *uint64 `json:"new_head"`
	NewHeadHash string  `json:"new_head_hash,omitempty"`
	Depth       uint64  `json:"depth"`
}

// message is one PUBLISH of the queue.
type message struct {
	channel string
	payload []byte
}

// eventMessage builds the message of one committed log.
func eventMessage(chainID uint64, l *sink.Log) ([]byte, error) {
	m := EventMessage{
		ChainID:   chainID,
		Block:     l.Raw.BlockNumber,
		BlockHash: l.Raw.BlockHash.Hex(),
		BlockTime: l.BlockTime,
		Tx:        l.Raw.TxHash.Hex(),
		TxIndex:   l.Raw.TxIndex,
		LogIndex:  l.Raw.Index,
		Registry:  l.Registry.String(),
		Address:   strings.ToLower(l.Raw.Address.Hex()),
	}
	if l.Event != nil {
		m.Event = l.Event.Name()
		m.Args = l.Event.Args()
		for k, v := range m.Args {
			if str, ok := v.(string); ok {
				if c, was := cut(str); was {
					m.Args[k] = c
					m.Truncated = append(m.Truncated, "args."+k)
				}
			}
		}
		slices.Sort(m.Truncated)
		if id := erc8004.AgentID(l.Event); id != nil {
			m.AgentID = id.String()
		}
	} else {
		if l.DecodeErr != nil {
			m.DecodeError = erc8004.SafeText(l.DecodeErr.Error())
		}
		m.Topics = make([]string, len(l.Raw.Topics))
		for i, t := range l.Raw.Topics {
			m.Topics[i] = t.Hex()
		}
		var was bool
		if m.Data, was = cut(hexutil.Encode(l.Raw.Data)); was {
			m.Truncated = append(m.Truncated, "data")
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode event of block %d log %d: %w", l.Raw.BlockNumber, l.Raw.Index, err)
	}
	return b, nil
}

// reorgMessage builds the message of one rollback.
func reorgMessage(u *feed.Update) ([]byte, error) {
	r := u.Reorg
	m := ReorgMessage{
		ChainID: u.ChainID,
		// The indexer reports Fork = start block - 1 when the whole chain was dropped; from a
		// start block of 0 that wraps around, and the conversion turns it into -1.
		ForkBlock: int64(r.Fork),
		FromBlock: u.From,
		ToBlock:   r.OldHead,
		OldHead:   r.OldHead,
		Depth:     r.Depth,
	}
	if u.Head.Hash != (common.Hash{}) {
		n := u.Head.Number
		m.NewHead, m.NewHeadHash = &n, u.Head.Hash.Hex()
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode reorg at block %d: %w", r.Fork, err)
	}
	return b, nil
}
