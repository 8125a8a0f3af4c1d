package devchain

import (
	"encoding/binary"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// Roles of an account towards an agent.
const (
	roleOwner    = "owner"
	roleApproved = "approved"
	roleOperator = "operator"
)

// op is one kind of call meant to succeed. build returns nil when the model has nothing it
// can be applied to; otherwise it returns the call and updates the model as if it was mined.
type op struct {
	fn     string // stats key of the function it calls, for the coverage boost
	weight int
	build  func(g *Generator, head *types.Header) *call
}

var ops = []op{
	{"Identity.register()", 3, func(g *Generator, _ *types.Header) *call { return g.opRegister(0) }},
	{"Identity.register(string)", 5, func(g *Generator, _ *types.Header) *call { return g.opRegister(1) }},
	{"Identity.register(string,(string,bytes)[])", 4, func(g *Generator, _ *types.Header) *call { return g.opRegister(2) }},
	{"Identity.setAgentURI(uint256,string)", 6, (*Generator).opSetAgentURI},
	{"Identity.setMetadata(uint256,string,bytes)", 7, (*Generator).opSetMetadata},
	{"Identity.setAgentWallet(uint256,address,uint256,bytes)", 3, func(g *Generator, h *types.Header) *call { return g.opSetAgentWallet(h, false) }},
	{"Identity.setAgentWallet(uint256,address,uint256,bytes)", 2, func(g *Generator, h *types.Header) *call { return g.opSetAgentWallet(h, true) }},
	{"Identity.unsetAgentWallet(uint256)", 2, (*Generator).opUnsetAgentWallet},
	{"Identity.approve(address,uint256)", 3, (*Generator).opApprove},
	{"Identity.approve(address,uint256)", 1, (*Generator).opApproveRevoke},
	{"Identity.setApprovalForAll(address,bool)", 3, (*Generator).opSetOperator},
	{"Identity.setApprovalForAll(address,bool)", 1, (*Generator).opRevokeOperator},
	{"Identity.transferFrom(address,address,uint256)", 3, func(g *Generator, _ *types.Header) *call { return g.opTransfer(0) }},
	{"Identity.safeTransferFrom(address,address,uint256)", 2, func(g *Generator, _ *types.Header) *call { return g.opTransfer(1) }},
	{"Identity.safeTransferFrom(address,address,uint256,bytes)", 2, func(g *Generator, _ *types.Header) *call { return g.opTransfer(2) }},
	{"Identity.transferFrom(address,address,uint256)", 1, (*Generator).opTransferToContract},
	{"Reputation.giveFeedback(uint256,int128,uint8,string,string,string,string,bytes32)", 16, (*Generator).opGiveFeedback},
	{"Reputation.revokeFeedback(uint256,uint64)", 4, (*Generator).opRevokeFeedback},
	{"Reputation.appendResponse(uint256,address,uint64,string,bytes32)", 8, (*Generator).opAppendResponse},
	{"Validation.validationRequest(address,uint256,string,bytes32)", 5, (*Generator).opValidationRequest},
	{"Validation.validationResponse(bytes32,uint8,string,bytes32,string)", 8, (*Generator).opValidationResponse},
	{"Identity.transferOwnership(address)", 1, func(g *Generator, _ *types.Header) *call { return g.opTransferOwnership(regIdentity) }},
	{"Reputation.transferOwnership(address)", 1, func(g *Generator, _ *types.Header) *call { return g.opTransferOwnership(regReputation) }},
	{"Validation.transferOwnership(address)", 1, func(g *Generator, _ *types.Header) *call { return g.opTransferOwnership(regValidation) }},
	{"Identity.upgradeToAndCall(address,bytes)", 1, func(g *Generator, _ *types.Header) *call { return g.opUpgrade(regIdentity) }},
	{"Reputation.upgradeToAndCall(address,bytes)", 1, func(g *Generator, _ *types.Header) *call { return g.opUpgrade(regReputation) }},
	{"Validation.upgradeToAndCall(address,bytes)", 1, func(g *Generator, _ *types.Header) *call { return g.opUpgrade(regValidation) }},
}

var opsTotalWeight = func() int {
	t := 0
	for _, o := range ops {
		t += o.weight
	}
	return t
}()

// minAgents is the number of agents below which the generator only registers.
const minAgents = 4

// pickOp chooses and builds one call meant to succeed: registrations until there are a few
// agents; then, one time in three, a function never called so far (coverage first); else a
// weighted random op. Infeasible picks are retried; registration is the fallback.
func (g *Generator) pickOp(head *types.Header) *call {
	if len(g.m.agents) < minAgents {
		return g.opRegister(g.rng.IntN(3))
	}
	if g.rng.IntN(3) == 0 {
		for _, i := range g.rng.Perm(len(ops)) {
			if g.stats.Functions[ops[i].fn].Succeeded > 0 {
				continue
			}
			if cl := ops[i].build(g, head); cl != nil {
				return cl
			}
		}
	}
	for range 16 {
		r := g.rng.IntN(opsTotalWeight)
		for _, o := range ops {
			if r < o.weight {
				if cl := o.build(g, head); cl != nil {
					return cl
				}
				break
			}
			r -= o.weight
		}
	}
	return g.opRegister(1)
}

func (g *Generator) randAcct() *Account { return &g.accts[g.rng.IntN(len(g.accts))] }

func bigID(id uint64) *big.Int { return new(big.Int).SetUint64(id) }

// role returns the role of addr towards agent a ("" for a stranger).
func (g *Generator) role(a *agentState, addr common.Address) string {
	switch {
	case addr == a.owner:
		return roleOwner
	case addr == a.approved:
		return roleApproved
	case g.m.operators[opPair{a.owner, addr}]:
		return roleOperator
	}
	return ""
}

// actor is an account of the generator authorised on an agent.
type actor struct {
	acct *Account
	role string
}

// actors lists the generator's accounts authorised on a, filtered by roles (all if none given).
func (g *Generator) actors(a *agentState, roles ...string) []actor {
	var out []actor
	for i := range g.accts {
		r := g.role(a, g.accts[i].Address)
		if r == "" {
			continue
		}
		ok := len(roles) == 0
		for _, want := range roles {
			ok = ok || r == want
		}
		if ok {
			out = append(out, actor{&g.accts[i], r})
		}
	}
	return out
}

// authorized picks a random agent that one of the generator's accounts may manage (with one of
// roles, if given) and the account to act: the owner usually, an approved address or an
// operator 40% of the time when there is one.
func (g *Generator) authorized(roles ...string) (*agentState, actor, bool) {
	for range 24 {
		a := g.m.agents[g.rng.IntN(len(g.m.agents))]
		as := g.actors(a, roles...)
		if len(as) == 0 {
			continue
		}
		var delegated []actor
		for _, x := range as {
			if x.role != roleOwner {
				delegated = append(delegated, x)
			}
		}
		if len(delegated) > 0 && g.rng.IntN(10) < 4 {
			return a, delegated[g.rng.IntN(len(delegated))], true
		}
		return a, as[g.rng.IntN(len(as))], true
	}
	return nil, actor{}, false
}

// stranger returns one of the generator's accounts with no role on a.
func (g *Generator) stranger(a *agentState) (*Account, bool) {
	for range 16 {
		acct := g.randAcct()
		if g.role(a, acct.Address) == "" {
			return acct, true
		}
	}
	return nil, false
}

func (g *Generator) randAgent() *agentState { return g.m.agents[g.rng.IntN(len(g.m.agents))] }

// otherAcct returns a random account other than not.
func (g *Generator) otherAcct(not common.Address) *Account {
	for {
		if a := g.randAcct(); a.Address != not {
			return a
		}
	}
}

func (g *Generator) idCall(from *Account, role string, data []byte) *call {
	return &call{reg: regIdentity, from: from, data: data, actor: role}
}

func (g *Generator) opRegister(kind int) *call {
	from := g.randAcct()
	id := uint64(len(g.m.agents))
	a := &agentState{id: id, owner: from.Address}
	var data []byte
	switch kind {
	case 0:
		data = identityABI.PackRegister()
	case 1:
		data = identityABI.PackRegister1(g.agentURI(id))
	default:
		uri := g.agentURI(id)
		md := make([]contracts.IdentityRegistryMetadataEntry, 1+g.rng.IntN(3))
		for i := range md {
			md[i] = contracts.IdentityRegistryMetadataEntry{MetadataKey: g.metadataKey(), MetadataValue: g.metadataValue()}
			a.metaKeys = append(a.metaKeys, md[i].MetadataKey)
		}
		data = identityABI.PackRegister0(uri, md)
	}
	g.m.agents = append(g.m.agents, a)
	return g.idCall(from, "", data)
}

func (g *Generator) opSetAgentURI(_ *types.Header) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	return g.idCall(x.acct, x.role, identityABI.PackSetAgentURI(bigID(a.id), g.agentURI(a.id)))
}

func (g *Generator) opSetMetadata(_ *types.Header) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	var key string
	if len(a.metaKeys) > 0 && g.rng.IntN(5) < 2 {
		key = a.metaKeys[g.rng.IntN(len(a.metaKeys))] // overwrite
	} else {
		key = g.metadataKey()
		a.metaKeys = append(a.metaKeys, key)
	}
	return g.idCall(x.acct, x.role, identityABI.PackSetMetadata(bigID(a.id), key, g.metadataValue()))
}

// deadline returns a setAgentWallet deadline valid for the next block: the block's timestamp is
// max(wall clock, head + 1s), and the deadline must be within [timestamp, timestamp + 5 min].
func deadline(head *types.Header) *big.Int {
	base := max(head.Time+1, uint64(time.Now().Unix()))
	return new(big.Int).SetUint64(base + 120)
}

// walletCall builds setAgentWallet(a, wallet) signed by signer (the wallet's key for an EOA,
// the ERC-1271 wallet's signer for a contract), with the digest for the stats left without the
// time-dependent deadline and signature.
func (g *Generator) walletCall(a *agentState, x actor, wallet common.Address, signer *Account, dl *big.Int) *call {
	d := contracts.AgentWalletSetDigest(g.c.chainID, g.regs[regIdentity], bigID(a.id), wallet, a.owner, dl)
	sig, err := contracts.SignDigest(signer.Key, d)
	if err != nil {
		return nil // cannot happen with a valid key
	}
	cl := g.idCall(x.acct, x.role, identityABI.PackSetAgentWallet(bigID(a.id), wallet, dl, sig))
	cl.digest = identityABI.PackSetAgentWallet(bigID(a.id), wallet, new(big.Int), signer.Address.Bytes())
	return cl
}

func (g *Generator) opSetAgentWallet(head *types.Header, erc1271 bool) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	if erc1271 {
		w := g.c.wallets[g.rng.IntN(len(g.c.wallets))]
		return g.walletCall(a, x, w.Address, &w.Signer, deadline(head))
	}
	w := g.randAcct()
	return g.walletCall(a, x, w.Address, w, deadline(head))
}

func (g *Generator) opUnsetAgentWallet(_ *types.Header) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	return g.idCall(x.acct, x.role, identityABI.PackUnsetAgentWallet(bigID(a.id)))
}

// opApprove approves another account for an agent (by its owner or an operator: an approved
// address cannot approve).
func (g *Generator) opApprove(_ *types.Header) *call {
	a, x, ok := g.authorized(roleOwner, roleOperator)
	if !ok {
		return nil
	}
	to := g.otherAcct(a.owner).Address
	a.approved = to
	return g.idCall(x.acct, x.role, identityABI.PackApprove(to, bigID(a.id)))
}

// opApproveRevoke clears an agent's approval (approve(0)).
func (g *Generator) opApproveRevoke(_ *types.Header) *call {
	for range 24 {
		a := g.randAgent()
		if a.approved == (common.Address{}) {
			continue
		}
		as := g.actors(a, roleOwner, roleOperator)
		if len(as) == 0 {
			continue
		}
		x := as[g.rng.IntN(len(as))]
		a.approved = common.Address{}
		return g.idCall(x.acct, x.role, identityABI.PackApprove(common.Address{}, bigID(a.id)))
	}
	return nil
}

// opSetOperator makes another account an operator of an agent owner (or of any account).
func (g *Generator) opSetOperator(_ *types.Header) *call {
	from := g.randAcct()
	if a := g.randAgent(); g.keys[a.owner] != nil && a.owner != g.c.deployer.Address {
		from = g.keys[a.owner]
	}
	op := g.otherAcct(from.Address)
	g.m.setOperator(from.Address, op.Address, true)
	return g.idCall(from, "", identityABI.PackSetApprovalForAll(op.Address, true))
}

// opRevokeOperator revokes a granted operator.
func (g *Generator) opRevokeOperator(_ *types.Header) *call {
	if len(g.m.opPairs) == 0 {
		return nil
	}
	p := g.m.opPairs[g.rng.IntN(len(g.m.opPairs))]
	from := g.keys[p.owner]
	if from == nil {
		return nil
	}
	g.m.setOperator(p.owner, p.operator, false)
	return g.idCall(from, "", identityABI.PackSetApprovalForAll(p.operator, false))
}

// opTransfer moves an agent (transferFrom, safeTransferFrom, safeTransferFrom with data) to
// another account, or to its owner (a self-transfer, which still clears the agent wallet).
func (g *Generator) opTransfer(kind int) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	to := a.owner
	if g.rng.IntN(8) != 0 {
		to = g.otherAcct(a.owner).Address
	}
	var data []byte
	switch kind {
	case 0:
		data = identityABI.PackTransferFrom(a.owner, to, bigID(a.id))
	case 1:
		data = identityABI.PackSafeTransferFrom(a.owner, to, bigID(a.id))
	default:
		data = identityABI.PackSafeTransferFrom0(a.owner, to, bigID(a.id), g.randBytes(g.rng.IntN(40)))
	}
	a.owner, a.approved = to, common.Address{}
	return g.idCall(x.acct, x.role, data)
}

// opTransferToContract gives an agent to an ERC-1271 wallet contract with transferFrom (the
// wallet cannot receive safe transfers). The agent is stuck there: nobody can manage it.
func (g *Generator) opTransferToContract(_ *types.Header) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	to := g.c.wallets[g.rng.IntN(len(g.c.wallets))].Address
	data := identityABI.PackTransferFrom(a.owner, to, bigID(a.id))
	a.owner, a.approved = to, common.Address{}
	return g.idCall(x.acct, x.role, data)
}

func (g *Generator) opGiveFeedback(_ *types.Header) *call {
	a := g.randAgent()
	client, ok := g.stranger(a)
	if !ok {
		return nil
	}
	value, dec := g.feedbackValue()
	tag1, tag2 := g.tag(), g.tag()
	uri, hash := g.feedbackFile(a.id, client.Address, value, dec, tag1, tag2)
	g.m.addFeedback(a.id, client.Address)
	return &call{reg: regReputation, from: client,
		data: reputationABI.PackGiveFeedback(bigID(a.id), value, dec, tag1, tag2, g.endpoint(), uri, hash)}
}

func (g *Generator) opRevokeFeedback(_ *types.Header) *call {
	if len(g.m.fbKeys) == 0 {
		return nil
	}
	for range 16 {
		k := g.m.fbKeys[g.rng.IntN(len(g.m.fbKeys))]
		from := g.keys[k.client]
		if from == nil {
			continue
		}
		st := g.m.feedback[k]
		var open []int
		for i, rev := range st.revoked {
			if !rev {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			continue
		}
		i := open[g.rng.IntN(len(open))]
		st.revoked[i] = true
		return &call{reg: regReputation, from: from, data: reputationABI.PackRevokeFeedback(bigID(k.agent), uint64(i+1))}
	}
	return nil
}

// opAppendResponse responds to some feedback (revoked or not), by the agent's owner half of
// the time, else by anyone.
func (g *Generator) opAppendResponse(_ *types.Header) *call {
	if len(g.m.fbKeys) == 0 {
		return nil
	}
	k := g.m.fbKeys[g.rng.IntN(len(g.m.fbKeys))]
	idx := uint64(1 + g.rng.IntN(len(g.m.feedback[k].revoked)))
	from := g.randAcct()
	if owner := g.keys[g.m.agents[k.agent].owner]; owner != nil && owner.Address != g.c.deployer.Address && g.rng.IntN(2) == 0 {
		from = owner
	}
	return &call{reg: regReputation, from: from,
		data: reputationABI.PackAppendResponse(bigID(k.agent), k.client, idx, g.responseURI(), g.optionalHash())}
}

// requestHash returns a fresh, never reused validation request hash.
func (g *Generator) requestHash() [32]byte {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(g.opts.Seed))
	binary.BigEndian.PutUint64(buf[8:], g.requests)
	g.requests++
	return crypto.Keccak256Hash([]byte("devchain/validation-request"), buf[:])
}

func (g *Generator) requestURI() string {
	return g.pick([]string{"", "ipfs://" + g.cid(), "https://validators.example.org/req.json", "data:application/json;base64,eyJ0YXNrIjoxfQ=="})
}

// opValidationRequest asks one of the accounts (or, 1 in 10, an address nobody controls) to
// validate an agent.
func (g *Generator) opValidationRequest(_ *types.Header) *call {
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	validator := g.randAcct().Address
	if g.rng.IntN(10) == 0 {
		validator = common.BytesToAddress(g.randBytes(20))
	}
	h := g.requestHash()
	g.m.addValidation(&validation{hash: h, agent: a.id, validator: validator})
	return &call{reg: regValidation, from: x.acct, actor: x.role,
		data: validationABI.PackValidationRequest(validator, bigID(a.id), g.requestURI(), h)}
}

// opValidationResponse answers a request as its validator; successive answers go up and down.
func (g *Generator) opValidationResponse(_ *types.Header) *call {
	if len(g.m.validations) == 0 {
		return nil
	}
	for range 16 {
		v := g.m.validations[g.rng.IntN(len(g.m.validations))]
		from := g.keys[v.validator]
		if from == nil || v.validator == g.c.deployer.Address {
			continue
		}
		var resp int
		switch g.rng.IntN(4) {
		case 0:
			resp = g.pickInt(0, 100)
		case 1:
			resp = g.rng.IntN(101)
		default: // a step up or down from the last answer
			resp = min(100, max(0, int(v.response)+g.rng.IntN(81)-40))
		}
		v.response = uint8(resp)
		uri := g.responseURI()
		if g.rng.IntN(4) == 0 {
			uri = ""
		}
		tag := g.pick([]string{"", "soft-finality", "hard-finality", "tee"})
		return &call{reg: regValidation, from: from,
			data: validationABI.PackValidationResponse(v.hash, uint8(resp), uri, g.optionalHash(), tag)}
	}
	return nil
}

func (g *Generator) pickInt(xs ...int) int { return xs[g.rng.IntN(len(xs))] }

// opTransferOwnership hands a registry to another of the accounts (or the deployer).
func (g *Generator) opTransferOwnership(r int) *call {
	from := g.keys[g.m.regOwner[r]]
	if from == nil {
		return nil
	}
	to := g.admins[g.rng.IntN(len(g.admins))].Address
	g.m.regOwner[r] = to
	return &call{reg: r, from: from, data: identityABI.PackTransferOwnership(to)}
}

// opUpgrade re-points a registry proxy at its implementation (upgradeToAndCall with no call),
// which emits Upgraded mid-stream as a real upgrade does.
func (g *Generator) opUpgrade(r int) *call {
	from := g.keys[g.m.regOwner[r]]
	if from == nil {
		return nil
	}
	return &call{reg: r, from: from, data: identityABI.PackUpgradeToAndCall(g.impls[r], []byte{})}
}
