package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Payments configures the payment checks of Run (docs/payments.md): a sample of agents'
// payments is recounted from the node's logs, independently of the indexer's stored events, and
// the token contracts are asked what they can confirm.
type Payments struct {
	// Client fetches the logs (eth_getLogs).
	Client *chain.Client
	// Tokens are the chain's payment tokens.
	Tokens []common.Address
	// Owners counts transfers to an agent's owner too (--payment-owners).
	Owners bool
	// Sample is how many agents that ever had a wallet (with Owners, any agents) are recounted
	// (default 50).
	Sample int
	// Balances is how many of the sampled wallets have their balance checked (default 20).
	Balances int
}

// The topics the recount asks for.
var (
	erc20Transfer     = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	agentWalletKey    = crypto.Keccak256Hash([]byte("agentWallet"))
	metadataSetTopics = func() []common.Hash {
		var out []common.Hash
		for _, v := range erc8004.Variants() {
			if v.Name == "MetadataSet" && v.Registry == erc8004.RegistryIdentity {
				out = append(out, v.Topic0)
			}
		}
		return out
	}()
)

// idsPerRequest bounds the agent ids or addresses in one eth_getLogs topic list.
const idsPerRequest = 500

// position is a log's place in the chain.
type position struct{ block, index uint64 }

func (p position) before(q position) bool {
	return p.block < q.block || (p.block == q.block && p.index < q.index)
}

// change is one value of an agent's wallet (or owner) from a position on.
type change struct {
	at   position
	addr common.Address // zero: none
}

// paymentRow is one payment, recounted or stored.
type paymentRow struct {
	agent  string
	at     position
	token  string
	payer  string
	amount string
	nonce  string
}

func (r paymentRow) String() string {
	return fmt.Sprintf("%d/%d %s from %s amount %s", r.at.block, r.at.index, r.token, r.payer, r.amount)
}

// paymentChecks recounts the payments of a sample of agents in [from, block] and returns the
// mismatches, the payments recounted and the agents sampled, with the eth_calls that compare
// what the token contracts know (run by the caller).
func (v *Verifier) paymentChecks(ctx context.Context, block uint64) (ms []Mismatch, payments, agents int, calls []check, err error) {
	sample, from, err := v.paymentSample(ctx, block)
	if err != nil || len(sample) == 0 {
		return nil, 0, 0, nil, err
	}
	wallets, owners, err := v.walletHistory(ctx, sample, from, block)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	recipients := map[common.Address]bool{}
	for _, hs := range [2]map[string][]change{wallets, owners} {
		for _, h := range hs {
			for _, c := range h {
				if c.addr != (common.Address{}) {
					recipients[c.addr] = true
				}
			}
		}
	}
	addrs := slices.SortedFunc(func(yield func(common.Address) bool) {
		for a := range recipients {
			if !yield(a) {
				return
			}
		}
	}, func(a, b common.Address) int { return a.Cmp(b) })
	in, err := v.tokenLogs(ctx, addrs, 2, from, block)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	recount := resolvePayments(in, sample, wallets, owners)
	stored, err := v.storedPayments(ctx, sample, block)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	for _, id := range sample {
		if m, bad := comparePayments(id, recount[id], stored[id]); bad {
			ms = append(ms, m)
		}
		payments += len(stored[id])
	}
	calls, err = v.tokenCalls(ctx, addrs, in, stored, from, block)
	return ms, payments, len(sample), calls, err
}

// paymentSample picks the agents to recount: up to Sample agents of the identity registry that
// ever had a wallet (with Owners, any), spread by a hash of their id and the block so that runs
// at other blocks look at other agents; from is the first block any of them was created in.
func (v *Verifier) paymentSample(ctx context.Context, block uint64) ([]string, uint64, error) {
	n := v.Payments.Sample
	if n <= 0 {
		n = 50
	}
	const q = `SELECT a.agent_id::text, a.created_block FROM erc8004_agents a
		WHERE a.chain_id = $1 AND a.registry = $2 AND a.created_block <= $3
		  AND ($4 OR EXISTS (SELECT 1 FROM erc8004_events e WHERE e.chain_id = a.chain_id AND e.registry = 'identity'
		      AND e.address = a.registry AND e.agent_id = a.agent_id AND e.event = 'MetadataSet'
		      AND e.topics[3] = $5 AND erc8004_wallet_of(e.args->>'metadataValue') IS NOT NULL))
		ORDER BY md5(a.agent_id::text || '/' || $3::text) LIMIT $6`
	rows, err := v.pool.Query(ctx, q, int64(v.chainID), hexAddr(v.regs.Identity), int64(block), v.Payments.Owners,
		agentWalletKey.Hex(), n)
	if err != nil {
		return nil, 0, fmt.Errorf("sample agents for payments: %w", err)
	}
	var ids []string
	from := block
	var id string
	var created int64
	_, err = pgx.ForEachRow(rows, []any{&id, &created}, func() error {
		ids = append(ids, id)
		from = min(from, uint64(created))
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("sample agents for payments: %w", err)
	}
	return ids, from, nil
}

// walletHistory fetches from the node the wallet changes (agentWallet MetadataSet) and, with
// Owners, the owner changes (Transfer) of the sampled agents in [from, to].
func (v *Verifier) walletHistory(ctx context.Context, ids []string, from, to uint64) (wallets, owners map[string][]change, err error) {
	wallets, owners = map[string][]change{}, map[string][]change{}
	for start := 0; start < len(ids); start += idsPerRequest {
		var topics []common.Hash
		for _, id := range ids[start:min(start+idsPerRequest, len(ids))] {
			n, _ := new(big.Int).SetString(id, 10)
			topics = append(topics, common.BigToHash(n))
		}
		filters := [][][]common.Hash{{metadataSetTopics, topics, {agentWalletKey}}}
		if v.Payments.Owners {
			filters = append(filters, [][]common.Hash{{erc20Transfer}, nil, nil, topics})
		}
		for _, f := range filters {
			rf := &chain.RangeFetcher{Client: v.Payments.Client, Addresses: []common.Address{v.regs.Identity}, Topics: f}
			logs, err := rf.Fetch(ctx, from, to)
			if err != nil {
				return nil, nil, fmt.Errorf("fetch wallet history %d-%d: %w", from, to, err)
			}
			for i := range logs {
				l := &logs[i]
				ev, err := erc8004.Decode(l)
				if err != nil {
					continue
				}
				at := position{l.BlockNumber, uint64(l.Index)}
				switch ev := ev.(type) {
				case *erc8004.MetadataSet:
					var a common.Address
					copy(a[:], ev.Value)
					wallets[ev.AgentID.String()] = append(wallets[ev.AgentID.String()], change{at, a})
				case *erc8004.Transfer:
					owners[ev.TokenID.String()] = append(owners[ev.TokenID.String()], change{at, ev.To})
				}
			}
		}
	}
	return wallets, owners, nil
}

// tokenLogs fetches the payment tokens' Transfer logs in [from, to] whose topics[topic] (1:
// from, 2: to) is one of addrs.
func (v *Verifier) tokenLogs(ctx context.Context, addrs []common.Address, topic int, from, to uint64) ([]types.Log, error) {
	var out []types.Log
	for start := 0; start < len(addrs); start += idsPerRequest {
		var list []common.Hash
		for _, a := range addrs[start:min(start+idsPerRequest, len(addrs))] {
			list = append(list, common.BytesToHash(a.Bytes()))
		}
		topics := make([][]common.Hash, topic+1)
		topics[0], topics[topic] = []common.Hash{erc20Transfer}, list
		rf := &chain.RangeFetcher{Client: v.Payments.Client, Addresses: v.Payments.Tokens, Topics: topics}
		logs, err := rf.Fetch(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("fetch token transfers %d-%d: %w", from, to, err)
		}
		out = append(out, logs...)
	}
	return out, nil
}

// at returns the address of history h just before position p.
func at(h []change, p position) common.Address {
	var a common.Address
	for _, c := range h {
		if !c.at.before(p) {
			break
		}
		a = c.addr
	}
	return a
}

// resolvePayments applies the rule of docs/payments.md to the transfers: a transfer pays agent
// A when its recipient is A's wallet (or owner) just before it.
func resolvePayments(transfers []types.Log, ids []string, wallets, owners map[string][]change) map[string][]paymentRow {
	out := map[string][]paymentRow{}
	for i := range transfers {
		l := &transfers[i]
		if len(l.Topics) != 3 || len(l.Data) != 32 {
			continue
		}
		to := common.BytesToAddress(l.Topics[2][:])
		p := position{l.BlockNumber, uint64(l.Index)}
		for _, id := range ids {
			if at(wallets[id], p) == to || at(owners[id], p) == to {
				out[id] = append(out[id], paymentRow{agent: id, at: p, token: hexAddr(l.Address),
					payer: hexAddr(common.BytesToAddress(l.Topics[1][:])), amount: new(big.Int).SetBytes(l.Data).String()})
			}
		}
	}
	for _, rows := range out {
		slices.SortFunc(rows, func(a, b paymentRow) int {
			return cmp.Or(cmp.Compare(a.at.block, b.at.block), cmp.Compare(a.at.index, b.at.index))
		})
	}
	return out
}

// storedPayments reads the sampled agents' payments up to block.
func (v *Verifier) storedPayments(ctx context.Context, ids []string, block uint64) (map[string][]paymentRow, error) {
	const q = `SELECT agent_id::text, block_number, log_index, token, payer, amount::text, coalesce(authorization_nonce, '')
		FROM erc8004_agent_payments
		WHERE chain_id = $1 AND registry = $2 AND agent_id = ANY($3::numeric[]) AND block_number <= $4
		ORDER BY block_number, log_index`
	rows, err := v.pool.Query(ctx, q, int64(v.chainID), hexAddr(v.regs.Identity), ids, int64(block))
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	out := map[string][]paymentRow{}
	var r paymentRow
	var b int64
	var idx int32
	_, err = pgx.ForEachRow(rows, []any{&r.agent, &b, &idx, &r.token, &r.payer, &r.amount, &r.nonce}, func() error {
		r.at = position{uint64(b), uint64(idx)}
		out[r.agent] = append(out[r.agent], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	return out, nil
}

// comparePayments compares an agent's recounted and stored payments; the mismatch names the
// counts, the sums and the first payment that differs.
func comparePayments(id string, recount, stored []paymentRow) (Mismatch, bool) {
	sum := func(rows []paymentRow) string {
		s := new(big.Int)
		for _, r := range rows {
			n, _ := new(big.Int).SetString(r.amount, 10)
			s.Add(s, n)
		}
		return fmt.Sprintf("%d payments, sum %s", len(rows), s)
	}
	for i := 0; i < max(len(recount), len(stored)); i++ {
		var a, b string
		if i < len(recount) {
			a = recount[i].String()
		}
		if i < len(stored) {
			b = stored[i].String()
		}
		if a != b {
			return Mismatch{Check: "payments", Key: "agent " + id,
				Contract: sum(recount) + "; first difference: " + cmp.Or(a, "none"),
				Database: sum(stored) + "; first difference: " + cmp.Or(b, "none")}, true
		}
	}
	return Mismatch{}, false
}

// tokenCalls returns the eth_calls, at the verified block, that the token contracts answer about
// the sample: decimals() against erc8004_payment_tokens; authorizationState(payer, nonce) is
// true for every stored EIP-3009 payment; and for up to Balances of the sampled recipients,
// balanceOf at the block equals balanceOf at a baseline block plus the transfers in and minus
// those out since (the baseline is the block before the recount's range, or a recent block when
// the node keeps no older state). A wallet's stored payments are only
// its inflows from agents' points of view, so no stored sum can be compared with a balance; the
// balance check proves instead that the node's logs, which the recount used, are complete for
// those wallets.
func (v *Verifier) tokenCalls(ctx context.Context, recipients []common.Address, in []types.Log,
	stored map[string][]paymentRow, from, block uint64) ([]check, error) {
	p, token := v.Payments, abi.NewPaymentToken()
	var checks []check
	const qDecimals = `SELECT decimals FROM erc8004_payment_tokens WHERE chain_id = $1 AND token = $2`
	for _, t := range p.Tokens {
		var d int16
		err := v.pool.QueryRow(ctx, qDecimals, int64(v.chainID), hexAddr(t)).Scan(&d)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read decimals of %s: %w", hexAddr(t), err)
		}
		checks = append(checks, check{"decimals", "token " + hexAddr(t), t, token.PackDecimals(),
			equal(token.UnpackDecimals, func(n uint8) string { return fmt.Sprint(n) }, fmt.Sprint(d))})
	}
	for _, rows := range stored {
		for _, r := range rows {
			if r.nonce == "" {
				continue
			}
			checks = append(checks, check{"authorizationState", fmt.Sprintf("agent %s payment %d/%d", r.agent, r.at.block, r.at.index),
				common.HexToAddress(r.token), token.PackAuthorizationState(common.HexToAddress(r.payer), common.HexToHash(r.nonce)),
				equal(token.UnpackAuthorizationState, renderBool, "true")})
		}
	}
	n := p.Balances
	if n <= 0 {
		n = 20
	}
	wallets := recipients[:min(n, len(recipients))]
	if len(wallets) == 0 {
		return checks, nil
	}
	var keys []holding
	for _, w := range wallets {
		for _, t := range p.Tokens {
			keys = append(keys, holding{t, w})
		}
	}
	// The baseline: the balances just before the recount's range, or, when the node keeps no
	// state that old (not an archive node), a recent block's.
	base, start, err := v.baseBalances(ctx, keys, from, block)
	if err != nil {
		return nil, err
	}
	net := map[holding]*big.Int{}
	for i, h := range keys {
		net[h] = start[i]
	}
	out, err := v.tokenLogs(ctx, wallets, 1, uint64(base+1), block)
	if err != nil {
		return nil, err
	}
	for sign, logs := range map[int64][]types.Log{1: in, -1: out} {
		for i := range logs {
			l := &logs[i]
			if len(l.Topics) != 3 || len(l.Data) != 32 || int64(l.BlockNumber) <= base {
				continue
			}
			w := common.BytesToAddress(l.Topics[2][:])
			if sign < 0 {
				w = common.BytesToAddress(l.Topics[1][:])
			}
			if s := net[holding{l.Address, w}]; s != nil {
				s.Add(s, new(big.Int).Mul(big.NewInt(sign), new(big.Int).SetBytes(l.Data)))
			}
		}
	}
	for _, h := range keys {
		checks = append(checks, check{"balanceOf", fmt.Sprintf("wallet %s token %s (balance at %d plus transfers since)",
			hexAddr(h.wallet), hexAddr(h.token), base), h.token, token.PackBalanceOf(h.wallet),
			equal(token.UnpackBalanceOf, func(b *big.Int) string { return b.String() }, net[h].String())})
	}
	return checks, nil
}

// holding is one wallet's balance of one token.
type holding struct{ token, wallet common.Address }

// baseBalances reads the balances at from-1 or, when the node keeps no state that old, at
// block-64 (a full node keeps about 128 blocks). From block 0 they are zero at "block -1". It
// returns the block read and the balances in the order of keys.
func (v *Verifier) baseBalances(ctx context.Context, keys []holding, from, block uint64) (int64, []*big.Int, error) {
	token := abi.NewPaymentToken()
	zero := func() []*big.Int {
		out := make([]*big.Int, len(keys))
		for i := range out {
			out[i] = new(big.Int)
		}
		return out
	}
	if from == 0 {
		return -1, zero(), nil
	}
	var errs []error
	for _, at := range slices.Compact([]uint64{from - 1, max(from-1, block-min(block, 64))}) {
		calls := make([]chain.Call, len(keys))
		for i, h := range keys {
			calls[i] = chain.Call{To: h.token, Data: token.PackBalanceOf(h.wallet)}
		}
		err := v.caller.BatchCall(ctx, calls, new(big.Int).SetUint64(at))
		out := zero()
		for i := range calls {
			if err != nil {
				break
			}
			if calls[i].Err != nil {
				err = calls[i].Err
				break
			}
			if out[i], err = token.UnpackBalanceOf(calls[i].Result); err != nil {
				break
			}
		}
		if err == nil {
			return int64(at), out, nil
		}
		errs = append(errs, fmt.Errorf("balanceOf at block %d: %w", at, err))
	}
	return 0, nil, errors.Join(errs...)
}
