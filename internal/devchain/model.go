package devchain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// model is what the generator believes is on chain, kept only to choose valid calls. Every
// collection the generator picks from is a slice (or indexed by one) so that choices do not
// depend on map iteration order.
type model struct {
	agents []*agentState // index = agent id (ids are sequential from 0, no burns)
	// operators holds the current isApprovedForAll pairs; opPairs lists the granted ones in
	// grant order, granted every pair the generator ever sent (resync candidates).
	operators map[opPair]bool
	opPairs   []opPair
	granted   []opPair
	grantedIx map[opPair]bool

	feedback map[fbKey]*fbState
	fbKeys   []fbKey // (agent, client) pairs in first-feedback order

	validations []*validation
	validIx     map[common.Hash]*validation

	regOwner [3]common.Address
}

type agentState struct {
	id       uint64
	owner    common.Address
	approved common.Address
	// metaKeys are the keys the generator set (to overwrite some); not enumerable on chain,
	// so a resync keeps the previous list.
	metaKeys []string
}

type opPair struct{ owner, operator common.Address }

type fbKey struct {
	agent  uint64
	client common.Address
}

type fbState struct {
	revoked []bool // revoked[i] is feedback index i+1
}

type validation struct {
	hash      common.Hash
	agent     uint64
	validator common.Address
	response  uint8
}

func newModel() *model {
	return &model{
		operators: map[opPair]bool{},
		grantedIx: map[opPair]bool{},
		feedback:  map[fbKey]*fbState{},
		validIx:   map[common.Hash]*validation{},
	}
}

func (m *model) setOperator(owner, op common.Address, on bool) {
	p := opPair{owner, op}
	if !m.grantedIx[p] {
		m.grantedIx[p] = true
		m.granted = append(m.granted, p)
	}
	if m.operators[p] == on {
		return
	}
	if on {
		m.operators[p] = true
		m.opPairs = append(m.opPairs, p)
		return
	}
	delete(m.operators, p)
	for i, q := range m.opPairs {
		if q == p {
			m.opPairs = append(m.opPairs[:i], m.opPairs[i+1:]...)
			break
		}
	}
}

func (m *model) addFeedback(agent uint64, client common.Address) uint64 {
	k := fbKey{agent, client}
	st := m.feedback[k]
	if st == nil {
		st = &fbState{}
		m.feedback[k] = st
		m.fbKeys = append(m.fbKeys, k)
	}
	st.revoked = append(st.revoked, false)
	return uint64(len(st.revoked))
}

func (m *model) addValidation(v *validation) {
	m.validations = append(m.validations, v)
	m.validIx[v.hash] = v
}

// purge forgets the feedback and validations of the given agents.
func (m *model) purge(agents map[uint64]bool) {
	keys := m.fbKeys[:0]
	for _, k := range m.fbKeys {
		if agents[k.agent] {
			delete(m.feedback, k)
			continue
		}
		keys = append(keys, k)
	}
	m.fbKeys = keys
	vs := m.validations[:0]
	for _, v := range m.validations {
		if agents[v.agent] {
			delete(m.validIx, v.hash)
			continue
		}
		vs = append(vs, v)
	}
	m.validations = vs
}

// resyncAgent loads the feedback and validations of one agent into m.
func (g *Generator) resyncAgent(ctx context.Context, m *model, a *agentState) error {
	bid := new(big.Int).SetUint64(a.id)
	out, err := g.view(ctx, regReputation, reputationABI.PackGetClients(bid))
	if err != nil {
		return fmt.Errorf("resync getClients(%d): %w", a.id, err)
	}
	clients, err := reputationABI.UnpackGetClients(out)
	if err != nil {
		return fmt.Errorf("resync getClients(%d): %w", a.id, err)
	}
	for _, cl := range clients {
		if out, err = g.view(ctx, regReputation, reputationABI.PackGetLastIndex(bid, cl)); err != nil {
			return fmt.Errorf("resync getLastIndex(%d, %s): %w", a.id, cl, err)
		}
		last, err := reputationABI.UnpackGetLastIndex(out)
		if err != nil {
			return fmt.Errorf("resync getLastIndex(%d, %s): %w", a.id, cl, err)
		}
		for i := uint64(1); i <= last; i++ {
			idx := m.addFeedback(a.id, cl)
			if out, err = g.view(ctx, regReputation, reputationABI.PackReadFeedback(bid, cl, i)); err != nil {
				return fmt.Errorf("resync readFeedback(%d, %s, %d): %w", a.id, cl, i, err)
			}
			fb, err := reputationABI.UnpackReadFeedback(out)
			if err != nil {
				return fmt.Errorf("resync readFeedback(%d, %s, %d): %w", a.id, cl, i, err)
			}
			m.feedback[fbKey{a.id, cl}].revoked[idx-1] = fb.IsRevoked
		}
	}
	if out, err = g.view(ctx, regValidation, validationABI.PackGetAgentValidations(bid)); err != nil {
		return fmt.Errorf("resync getAgentValidations(%d): %w", a.id, err)
	}
	hashes, err := validationABI.UnpackGetAgentValidations(out)
	if err != nil {
		return fmt.Errorf("resync getAgentValidations(%d): %w", a.id, err)
	}
	for _, h := range hashes {
		if out, err = g.view(ctx, regValidation, validationABI.PackGetValidationStatus(h)); err != nil {
			return fmt.Errorf("resync getValidationStatus(%x): %w", h, err)
		}
		st, err := validationABI.UnpackGetValidationStatus(out)
		if err != nil {
			return fmt.Errorf("resync getValidationStatus(%x): %w", h, err)
		}
		m.addValidation(&validation{hash: h, agent: a.id, validator: st.ValidatorAddress, response: st.Response})
	}
	return nil
}

// view runs a read-only call against a registry at the head block.
func (g *Generator) view(ctx context.Context, reg int, data []byte) ([]byte, error) {
	to := g.regs[reg]
	return g.c.client.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
}
