package verify

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// identityChecks: ownerOf, tokenURI, getAgentWallet, getApproved per agent; getMetadata per known
// key; isApprovedForAll per known (owner, operator); and ownerOf(max+1) must revert, so no agent
// is missing at the top.
func (v *Verifier) identityChecks(ctx context.Context) ([]check, int, error) {
	const qAgents = `SELECT agent_id::text AS id, owner, agent_uri, coalesce(agent_wallet, ''), coalesce(approved, '')
		FROM erc8004_agents WHERE chain_id = $1 AND registry = $2 ORDER BY agent_id`
	to, reg := v.regs.Identity, hexAddr(v.regs.Identity)
	var checks []check
	var ids []*big.Int
	rows, err := v.pool.Query(ctx, qAgents, int64(v.chainID), reg)
	if err != nil {
		return nil, 0, fmt.Errorf("read agents: %w", err)
	}
	var idText, owner, uri, wallet, approved string
	_, err = pgx.ForEachRow(rows, []any{&idText, &owner, &uri, &wallet, &approved}, func() error {
		id, _ := new(big.Int).SetString(idText, 10)
		ids = append(ids, id)
		key := "agent " + idText
		checks = append(checks,
			check{"ownerOf", key, to, v.identity.PackOwnerOf(id), equal(v.identity.UnpackOwnerOf, renderAddress, owner)},
			check{"tokenURI", key, to, v.identity.PackTokenURI(id), equal(v.identity.UnpackTokenURI, erc8004.SafeText, uri)},
			check{"getAgentWallet", key, to, v.identity.PackGetAgentWallet(id), equal(v.identity.UnpackGetAgentWallet, renderOptionalAddress, wallet)},
			check{"getApproved", key, to, v.identity.PackGetApproved(id), equal(v.identity.UnpackGetApproved, renderOptionalAddress, approved)},
		)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read agents: %w", err)
	}
	next := big.NewInt(0)
	if n := len(ids); n > 0 {
		next = new(big.Int).Add(ids[n-1], big.NewInt(1))
		if ids[n-1].Cmp(big.NewInt(int64(n-1))) != 0 {
			checks = append(checks, check{"agentIds", "contiguous from 0", to, v.identity.PackOwnerOf(ids[n-1]),
				func([]byte, error) (string, string, bool) {
					return fmt.Sprintf("ids 0..%s", ids[n-1]), fmt.Sprintf("%d agents", n), false
				}})
		}
	}
	checks = append(checks, check{"ownerOf", "agent " + next.String() + " (one past the last)", to,
		v.identity.PackOwnerOf(next), expectRevert("no such agent")})

	const qMetadata = `SELECT agent_id::text AS id, key, key_hash, value FROM erc8004_agent_metadata
		WHERE chain_id = $1 AND registry = $2 ORDER BY agent_id, key_hash`
	rows, err = v.pool.Query(ctx, qMetadata, int64(v.chainID), reg)
	if err != nil {
		return nil, 0, fmt.Errorf("read metadata: %w", err)
	}
	var mkey, keyHash string
	var value []byte
	_, err = pgx.ForEachRow(rows, []any{&idText, &mkey, &keyHash, &value}, func() error {
		if crypto.Keccak256Hash([]byte(mkey)).Hex() != keyHash {
			return nil // the key is not valid UTF-8: its text form cannot be sent back to the contract
		}
		id, _ := new(big.Int).SetString(idText, 10)
		checks = append(checks, check{"getMetadata", fmt.Sprintf("agent %s key %q", idText, mkey), to,
			v.identity.PackGetMetadata(id, mkey), equal(v.identity.UnpackGetMetadata, renderBytes, renderBytes(value))})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read metadata: %w", err)
	}

	const qOperators = `SELECT owner, operator, approved FROM erc8004_operators WHERE chain_id = $1 AND registry = $2`
	rows, err = v.pool.Query(ctx, qOperators, int64(v.chainID), reg)
	if err != nil {
		return nil, 0, fmt.Errorf("read operators: %w", err)
	}
	var operator string
	var isApproved bool
	_, err = pgx.ForEachRow(rows, []any{&owner, &operator, &isApproved}, func() error {
		checks = append(checks, check{"isApprovedForAll", owner + " " + operator, to,
			v.identity.PackIsApprovedForAll(common.HexToAddress(owner), common.HexToAddress(operator)),
			equal(v.identity.UnpackIsApprovedForAll, renderBool, renderBool(isApproved))})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read operators: %w", err)
	}
	return checks, len(ids), nil
}

// reputationChecks: readFeedback per feedback, getLastIndex per (agent, client), and per agent
// getClients, getSummary(agent, clients, "", "") against v_erc8004_agent_reputation and
// getResponseCount(agent, 0, 0, []).
func (v *Verifier) reputationChecks(ctx context.Context) ([]check, int, error) {
	const qFeedback = `SELECT agent_id::text AS id, client_address, feedback_index::text, value::text, value_decimals, tag1, tag2, is_revoked
		FROM erc8004_reputation WHERE chain_id = $1 AND registry = $2 ORDER BY agent_id, block_number, log_index`
	to, reg := v.regs.Reputation, hexAddr(v.regs.Reputation)
	var checks []check
	type pair struct{ agent, client string }
	lastIndex := map[pair]uint64{}
	clients := map[string][]string{} // agent -> clients in first-feedback order
	var agents []string
	rows, err := v.pool.Query(ctx, qFeedback, int64(v.chainID), reg)
	if err != nil {
		return nil, 0, fmt.Errorf("read feedback: %w", err)
	}
	var idText, client, value, tag1, tag2 string
	var indexText string
	var decimals int16
	var revoked bool
	count := 0
	_, err = pgx.ForEachRow(rows, []any{&idText, &client, &indexText, &value, &decimals, &tag1, &tag2, &revoked}, func() error {
		count++
		id, _ := new(big.Int).SetString(idText, 10)
		index, err := strconv.ParseUint(indexText, 10, 64)
		if err != nil {
			return fmt.Errorf("feedback index %q of agent %s: %w", indexText, idText, err)
		}
		p := pair{idText, client}
		if _, seen := lastIndex[p]; !seen {
			if len(clients[idText]) == 0 {
				agents = append(agents, idText)
			}
			clients[idText] = append(clients[idText], client)
		}
		lastIndex[p] = max(lastIndex[p], index)
		want := fmt.Sprintf("%s/%d/%s/%s/%t", value, decimals, tag1, tag2, revoked)
		checks = append(checks, check{"readFeedback", fmt.Sprintf("agent %s client %s index %d", idText, client, index), to,
			v.reputation.PackReadFeedback(id, common.HexToAddress(client), index),
			equal(v.reputation.UnpackReadFeedback, renderFeedback, want)})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read feedback: %w", err)
	}
	for p, last := range lastIndex {
		id, _ := new(big.Int).SetString(p.agent, 10)
		checks = append(checks, check{"getLastIndex", fmt.Sprintf("agent %s client %s", p.agent, p.client), to,
			v.reputation.PackGetLastIndex(id, common.HexToAddress(p.client)),
			equal(v.reputation.UnpackGetLastIndex, renderUint64, fmt.Sprint(last))})
	}

	const qSummary = `SELECT agent_id::text, summary_value::text, summary_decimals, feedback_count, response_count
		FROM v_erc8004_agent_reputation WHERE chain_id = $1 AND agent_id = ANY($2::numeric[])`
	summaries := map[string]string{}
	responses := map[string]string{}
	rows, err = v.pool.Query(ctx, qSummary, int64(v.chainID), agents)
	if err != nil {
		return nil, 0, fmt.Errorf("read reputation summaries: %w", err)
	}
	var summary string
	var summaryDecimals int16
	var feedbackCount, responseCount int64
	_, err = pgx.ForEachRow(rows, []any{&idText, &summary, &summaryDecimals, &feedbackCount, &responseCount}, func() error {
		summaries[idText] = fmt.Sprintf("%d/%s/%d", feedbackCount, summary, summaryDecimals)
		responses[idText] = fmt.Sprint(responseCount)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read reputation summaries: %w", err)
	}
	for _, agent := range agents {
		id, _ := new(big.Int).SetString(agent, 10)
		addrs := make([]common.Address, len(clients[agent]))
		for i, c := range clients[agent] {
			addrs[i] = common.HexToAddress(c)
		}
		key := "agent " + agent
		checks = append(checks,
			check{"getClients", key, to, v.reputation.PackGetClients(id),
				equal(v.reputation.UnpackGetClients, renderAddresses, strings.Join(clients[agent], ","))},
			check{"getSummary", key, to, v.reputation.PackGetSummary(id, addrs, "", ""),
				equal(v.reputation.UnpackGetSummary, renderSummary, summaries[agent])},
			check{"getResponseCount", key, to, v.reputation.PackGetResponseCount(id, common.Address{}, 0, nil),
				equal(v.reputation.UnpackGetResponseCount, renderUint64, responses[agent])},
		)
	}
	tags, err := v.tagChecks(ctx, agents, clients)
	if err != nil {
		return nil, 0, err
	}
	return append(checks, tags...), count, nil
}

// validationChecks: getValidationStatus per request, and per agent getAgentValidations and
// getSummary(agent, [], "") against v_erc8004_agent_stats.
func (v *Verifier) validationChecks(ctx context.Context) ([]check, int, error) {
	const qRequests = `SELECT request_hash, validator_address, agent_id::text AS id, coalesce(response, 0), coalesce(response_hash, $3),
			coalesce(tag, ''), extract(epoch FROM coalesce(responded_at, block_time))::bigint
		FROM erc8004_validations WHERE chain_id = $1 AND registry = $2 ORDER BY agent_id, block_number, log_index`
	to, reg := v.regs.Validation, hexAddr(v.regs.Validation)
	var checks []check
	requests := map[string][]string{}
	var agents []string
	rows, err := v.pool.Query(ctx, qRequests, int64(v.chainID), reg, common.Hash{}.Hex())
	if err != nil {
		return nil, 0, fmt.Errorf("read validations: %w", err)
	}
	var hash, validator, idText, responseHash, tag string
	var response int16
	var lastUpdate int64
	count := 0
	_, err = pgx.ForEachRow(rows, []any{&hash, &validator, &idText, &response, &responseHash, &tag, &lastUpdate}, func() error {
		count++
		if len(requests[idText]) == 0 {
			agents = append(agents, idText)
		}
		requests[idText] = append(requests[idText], hash)
		want := fmt.Sprintf("%s/%s/%d/%s/%s/%d", validator, idText, response, responseHash, tag, lastUpdate)
		checks = append(checks, check{"getValidationStatus", "request " + hash, to,
			v.validation.PackGetValidationStatus(common.HexToHash(hash)),
			equal(v.validation.UnpackGetValidationStatus, renderStatus, want)})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read validations: %w", err)
	}
	const qStats = `SELECT agent_id::text, responded_count, avg_response FROM v_erc8004_agent_stats
		WHERE chain_id = $1 AND agent_id = ANY($2::numeric[])`
	stats := map[string]string{}
	rows, err = v.pool.Query(ctx, qStats, int64(v.chainID), agents)
	if err != nil {
		return nil, 0, fmt.Errorf("read validation summaries: %w", err)
	}
	var responded int64
	var avg int16
	_, err = pgx.ForEachRow(rows, []any{&idText, &responded, &avg}, func() error {
		stats[idText] = fmt.Sprintf("%d/%d", responded, avg)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read validation summaries: %w", err)
	}
	for _, agent := range agents {
		id, _ := new(big.Int).SetString(agent, 10)
		key := "agent " + agent
		want, ok := stats[agent]
		if !ok {
			want = "no agent row"
		}
		checks = append(checks,
			check{"getAgentValidations", key, to, v.validation.PackGetAgentValidations(id),
				equal(v.validation.UnpackGetAgentValidations, renderHashes, strings.Join(requests[agent], ","))},
			check{"getSummary(validation)", key, to, v.validation.PackGetValidationSummary(id, nil, ""),
				equal(v.validation.UnpackGetValidationSummary, renderValidationSummary, want)},
		)
	}
	return checks, count, nil
}

func renderOptionalAddress(a common.Address) string {
	if a == (common.Address{}) {
		return ""
	}
	return hexAddr(a)
}

func renderAddresses(as []common.Address) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = hexAddr(a)
	}
	return strings.Join(out, ",")
}

func renderHashes(hs [][32]byte) string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = common.Hash(h).Hex()
	}
	return strings.Join(out, ",")
}

func renderFeedback(f abi.ReadFeedbackOutput) string {
	return fmt.Sprintf("%s/%d/%s/%s/%t", f.Value, f.ValueDecimals, erc8004.SafeText(f.Tag1), erc8004.SafeText(f.Tag2), f.IsRevoked)
}

func renderSummary(s abi.GetSummaryOutput) string {
	return fmt.Sprintf("%d/%s/%d", s.Count, s.SummaryValue, s.SummaryValueDecimals)
}

func renderStatus(s abi.GetValidationStatusOutput) string {
	return fmt.Sprintf("%s/%s/%d/%s/%s/%s", hexAddr(s.ValidatorAddress), s.AgentId, s.Response,
		common.Hash(s.ResponseHash).Hex(), erc8004.SafeText(s.Tag), s.LastUpdate)
}

func renderValidationSummary(s abi.GetValidationSummaryOutput) string {
	return fmt.Sprintf("%d/%d", s.Count, s.AvgResponse)
}

func hexAddr(a common.Address) string { return strings.ToLower(a.Hex()) }
