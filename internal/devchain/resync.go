package devchain

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// resync brings the generator's model and nonces in line with the chain's head state, reading
// only the registries' view functions (and eth_getLogs to know what a fork touched):
//   - the first time, after an error, or when the chain no longer remembers every fork since
//     the last sync: a full rebuild (resyncFull);
//   - after forks: only what the abandoned and the new blocks touched (resyncForks), which
//     keeps forks cheap on long chains.
//
// Nonces and registry owners are always re-read. c.mu must be held.
func (g *Generator) resync(ctx context.Context) error {
	epoch := g.c.epoch.Load()
	var err error
	if forks, ok := g.c.forksSince(g.epoch); g.synced && ok && len(forks) > 0 {
		err = g.resyncForks(ctx, forks)
	} else {
		err = g.resyncFull(ctx)
	}
	if err != nil {
		return err
	}
	for _, a := range slices.Concat(g.admins, g.payers) {
		n, err := g.c.client.NonceAt(ctx, a.Address, nil)
		if err != nil {
			return fmt.Errorf("resync nonce of %s: %w", a.Address, err)
		}
		g.nonces[a.Address] = n
	}
	for r := range 3 {
		// owner() has the same selector and encoding in the three registries.
		out, err := g.view(ctx, r, identityABI.PackOwner())
		if err != nil {
			return fmt.Errorf("resync owner of %s: %w", regNames[r], err)
		}
		if g.m.regOwner[r], err = identityABI.UnpackOwner(out); err != nil {
			return fmt.Errorf("resync owner of %s: %w", regNames[r], err)
		}
	}
	g.epoch = epoch
	g.synced = true
	g.mu.Lock()
	g.stats.Resyncs++
	g.mu.Unlock()
	return nil
}

// resyncFull rebuilds the model: ownerOf/getApproved for agents 0.. until
// ERC721NonexistentToken (ids are sequential and never burnt), isApprovedForAll for every pair
// the generator ever granted or revoked, and each agent's feedback and validations.
func (g *Generator) resyncFull(ctx context.Context) error {
	old := g.m
	m := newModel()
	n, err := g.probeAgents(ctx, m, old, 0)
	if err != nil {
		return err
	}
	for id := range n {
		if err := g.resyncAgent(ctx, m, m.agents[id]); err != nil {
			return err
		}
	}
	if err := g.resyncOperators(ctx, m, old.granted); err != nil {
		return err
	}
	g.m = m
	return nil
}

// resyncForks updates the model after forks: the agents and operator pairs named in the logs
// of the abandoned blocks and of the new canonical blocks (everything above the lowest fork
// ancestor) are re-read; every other agent only had state in the common prefix, unchanged.
func (g *Generator) resyncForks(ctx context.Context, forks []ForkInfo) error {
	lowest := uint64(math.MaxUint64)
	for _, f := range forks {
		lowest = min(lowest, f.Ancestor)
	}
	addrs := []common.Address{g.regs[regIdentity], g.regs[regReputation], g.regs[regValidation]}
	logs, err := g.c.client.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(lowest + 1), ToBlock: new(big.Int).SetUint64(g.c.head.Load()), Addresses: addrs,
	})
	if err != nil {
		return fmt.Errorf("resync: read new logs: %w", err)
	}
	for _, f := range forks {
		for _, h := range f.Dropped {
			dl, err := g.c.client.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &h, Addresses: addrs})
			if err != nil {
				return fmt.Errorf("resync: read logs of abandoned block %s: %w", h, err)
			}
			logs = append(logs, dl...)
		}
	}

	m := g.m
	touched := map[uint64]bool{}
	lo := uint64(len(m.agents)) // ids below lo were registered in the common prefix
	var pairs []opPair
	for i := range logs {
		t := touchedBy(&logs[i])
		if t.agent != nil {
			touched[*t.agent] = true
			if t.registered {
				lo = min(lo, *t.agent)
			}
		}
		if t.pair != nil {
			pairs = append(pairs, *t.pair)
		}
	}
	for id := lo; id < uint64(len(m.agents)); id++ {
		touched[id] = true
	}
	m.purge(touched)
	old := &model{agents: slices.Clone(m.agents)}
	m.agents = m.agents[:lo]
	n, err := g.probeAgents(ctx, m, old, lo)
	if err != nil {
		return err
	}
	for id := range n {
		if !touched[id] {
			continue
		}
		if id < lo {
			if err := g.readAgent(ctx, m.agents[id]); err != nil {
				return err
			}
		}
		if err := g.resyncAgent(ctx, m, m.agents[id]); err != nil {
			return err
		}
	}
	return g.resyncOperators(ctx, m, pairs)
}

// probeAgents appends to m the agents from id `from` up to the first that does not exist,
// with owner and approval read from the chain (and the metadata keys remembered in old), and
// returns the number of agents.
func (g *Generator) probeAgents(ctx context.Context, m, old *model, from uint64) (uint64, error) {
	for id := from; ; id++ {
		_, err := g.view(ctx, regIdentity, identityABI.PackOwnerOf(bigID(id)))
		if isNonexistentToken(err) {
			return id, nil
		}
		if err != nil {
			return 0, fmt.Errorf("resync ownerOf(%d): %w", id, err)
		}
		a := &agentState{id: id}
		if id < uint64(len(old.agents)) {
			a.metaKeys = old.agents[id].metaKeys
		}
		if err := g.readAgent(ctx, a); err != nil {
			return 0, err
		}
		m.agents = append(m.agents, a)
	}
}

// readAgent reads an agent's owner and approved address.
func (g *Generator) readAgent(ctx context.Context, a *agentState) error {
	out, err := g.view(ctx, regIdentity, identityABI.PackOwnerOf(bigID(a.id)))
	if err != nil {
		return fmt.Errorf("resync ownerOf(%d): %w", a.id, err)
	}
	if a.owner, err = identityABI.UnpackOwnerOf(out); err != nil {
		return fmt.Errorf("resync ownerOf(%d): %w", a.id, err)
	}
	if out, err = g.view(ctx, regIdentity, identityABI.PackGetApproved(bigID(a.id))); err != nil {
		return fmt.Errorf("resync getApproved(%d): %w", a.id, err)
	}
	if a.approved, err = identityABI.UnpackGetApproved(out); err != nil {
		return fmt.Errorf("resync getApproved(%d): %w", a.id, err)
	}
	return nil
}

// resyncOperators reads isApprovedForAll for the given pairs into m.
func (g *Generator) resyncOperators(ctx context.Context, m *model, pairs []opPair) error {
	for _, p := range pairs {
		out, err := g.view(ctx, regIdentity, identityABI.PackIsApprovedForAll(p.owner, p.operator))
		if err != nil {
			return fmt.Errorf("resync isApprovedForAll: %w", err)
		}
		on, err := identityABI.UnpackIsApprovedForAll(out)
		if err != nil {
			return fmt.Errorf("resync isApprovedForAll: %w", err)
		}
		m.setOperator(p.owner, p.operator, on)
	}
	return nil
}

// Topic0s of the registry events that name an agent or an operator pair.
var (
	evIdentityAgent = topicSet(identityABI.GetABI().Events, "Registered", "MetadataSet", "URIUpdated")
	evTokenAgent    = topicSet(identityABI.GetABI().Events, "Transfer", "Approval")
	evMetaUpdate    = identityABI.GetABI().Events["MetadataUpdate"].ID
	evApprovalAll   = identityABI.GetABI().Events["ApprovalForAll"].ID
	evRegistered    = identityABI.GetABI().Events["Registered"].ID
	evRepAgent      = topicSet(reputationABI.GetABI().Events, "NewFeedback", "FeedbackRevoked", "ResponseAppended")
	evValAgent      = topicSet(validationABI.GetABI().Events, "ValidationRequest", "ValidationResponse")
)

func topicSet(events map[string]abi.Event, names ...string) map[common.Hash]bool {
	out := map[common.Hash]bool{}
	for _, n := range names {
		out[events[n].ID] = true
	}
	return out
}

// touch is what one registry log says changed.
type touch struct {
	agent      *uint64
	registered bool
	pair       *opPair
}

// touchedBy returns the agent (and whether it was registered) or the operator pair a log is
// about; admin events touch neither.
func touchedBy(l *types.Log) touch {
	if len(l.Topics) == 0 {
		return touch{}
	}
	t0 := l.Topics[0]
	word := func(h common.Hash) *uint64 {
		v := new(big.Int).SetBytes(h[:])
		if !v.IsUint64() {
			return nil
		}
		u := v.Uint64()
		return &u
	}
	switch {
	case evIdentityAgent[t0] && len(l.Topics) > 1:
		return touch{agent: word(l.Topics[1]), registered: t0 == evRegistered}
	case evTokenAgent[t0] && len(l.Topics) > 3:
		return touch{agent: word(l.Topics[3])}
	case t0 == evMetaUpdate && len(l.Data) >= 32:
		return touch{agent: word(common.BytesToHash(l.Data[:32]))}
	case t0 == evApprovalAll && len(l.Topics) > 2:
		return touch{pair: &opPair{common.BytesToAddress(l.Topics[1][:]), common.BytesToAddress(l.Topics[2][:])}}
	case evRepAgent[t0] && len(l.Topics) > 1:
		return touch{agent: word(l.Topics[1])}
	case evValAgent[t0] && len(l.Topics) > 2:
		return touch{agent: word(l.Topics[2])}
	}
	return touch{}
}
