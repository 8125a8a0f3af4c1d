package devchain

import (
	"math/big"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// revertKind is one kind of call that must revert. build returns nil when the model offers no
// way to make it now. Must-revert calls never change the model.
type revertKind struct {
	name  string
	build func(g *Generator, head *types.Header) *call
}

var revertKinds = func() []revertKind {
	ks := []revertKind{
		{"self-feedback-owner", func(g *Generator, _ *types.Header) *call { return g.rvSelfFeedback(roleOwner) }},
		{"self-feedback-operator", func(g *Generator, _ *types.Header) *call { return g.rvSelfFeedback(roleOperator) }},
		{"self-feedback-approved", func(g *Generator, _ *types.Header) *call { return g.rvSelfFeedback(roleApproved) }},
		{"double-revoke", (*Generator).rvDoubleRevoke},
		{"revoke-non-client", (*Generator).rvRevokeNonClient},
		{"revoke-index-zero", (*Generator).rvRevokeIndexZero},
		{"response-over-100", (*Generator).rvResponseOver100},
		{"response-non-validator", (*Generator).rvResponseNonValidator},
		{"response-unknown-request", (*Generator).rvResponseUnknown},
		{"reserved-key-setMetadata", (*Generator).rvReservedKeySetMetadata},
		{"reserved-key-register", (*Generator).rvReservedKeyRegister},
		{"value-too-large", func(g *Generator, _ *types.Header) *call { return g.rvFeedbackArgs(false) }},
		{"decimals-over-18", func(g *Generator, _ *types.Header) *call { return g.rvFeedbackArgs(true) }},
		{"feedback-nonexistent-agent", (*Generator).rvFeedbackNonexistent},
		{"empty-response-uri", (*Generator).rvEmptyResponseURI},
		{"uri-not-authorized", (*Generator).rvURINotAuthorized},
		{"wallet-expired", func(g *Generator, h *types.Header) *call { return g.rvWalletDeadline(h, true) }},
		{"wallet-deadline-too-far", func(g *Generator, h *types.Header) *call { return g.rvWalletDeadline(h, false) }},
		{"wallet-bad-signature", (*Generator).rvWalletBadSig},
		{"wallet-zero-address", (*Generator).rvWalletZero},
		{"safe-transfer-to-non-receiver", (*Generator).rvSafeTransferNonReceiver},
		{"transfer-not-authorized", (*Generator).rvTransferNotAuthorized},
		{"approve-not-authorized", (*Generator).rvApproveNotAuthorized},
		{"operator-zero-address", (*Generator).rvOperatorZero},
		{"validation-request-duplicate-hash", (*Generator).rvDuplicateRequest},
		{"validation-request-not-authorized", (*Generator).rvRequestNotAuthorized},
		{"validation-request-zero-validator", (*Generator).rvRequestZeroValidator},
	}
	// Admin functions, per registry: initialize again, and owner-only calls by someone else.
	for r := range 3 {
		name := map[int]string{regIdentity: "identity", regReputation: "reputation", regValidation: "validation"}[r]
		ks = append(ks,
			revertKind{"reinitialize-" + name, func(g *Generator, _ *types.Header) *call { return g.rvReinitialize(r) }},
			revertKind{"renounce-ownership-not-owner-" + name, func(g *Generator, _ *types.Header) *call { return g.rvNotOwner(r, 0) }},
			revertKind{"transfer-ownership-not-owner-" + name, func(g *Generator, _ *types.Header) *call { return g.rvNotOwner(r, 1) }},
			revertKind{"upgrade-not-owner-" + name, func(g *Generator, _ *types.Header) *call { return g.rvNotOwner(r, 2) }},
		)
	}
	return ks
}()

// RevertKinds lists the kinds of must-revert calls the generator makes (the keys of
// GenStats.Reverts).
func RevertKinds() []string {
	out := make([]string, len(revertKinds))
	for i, k := range revertKinds {
		out[i] = k.name
	}
	return out
}

// uncoveredReverts counts the revert kinds never seen so far.
func (g *Generator) uncoveredReverts() int {
	n := 0
	for _, k := range revertKinds {
		if g.stats.Reverts[k.name] == 0 {
			n++
		}
	}
	return n
}

// pickRevert builds a must-revert call of the least-seen feasible kind (ties in random order),
// skipping kinds already planned in this block. With onlyNew, only never-seen kinds qualify.
func (g *Generator) pickRevert(head *types.Header, planned map[string]bool, onlyNew bool) *call {
	order := g.rng.Perm(len(revertKinds))
	slices.SortStableFunc(order, func(a, b int) int {
		return g.stats.Reverts[revertKinds[a].name] - g.stats.Reverts[revertKinds[b].name]
	})
	for _, i := range order {
		k := revertKinds[i]
		if planned[k.name] || (onlyNew && g.stats.Reverts[k.name] > 0) {
			continue
		}
		if cl := k.build(g, head); cl != nil {
			cl.revert.kind = k.name
			planned[k.name] = true
			return cl
		}
	}
	return nil
}

func withReason(cl *call, reason string) *call {
	if cl != nil {
		cl.revert = &revertSpec{reason: reason}
	}
	return cl
}

func withError(cl *call, sel []byte) *call {
	if cl != nil {
		cl.revert = &revertSpec{selector: sel}
	}
	return cl
}

// feedbackCall is a giveFeedback from `from` with valid arguments unless overridden.
func (g *Generator) feedbackCall(from *Account, agent *big.Int, value *big.Int, dec uint8) *call {
	return &call{reg: regReputation, from: from,
		data: reputationABI.PackGiveFeedback(agent, value, dec, g.tag(), g.tag(), g.endpoint(), "", [32]byte{})}
}

func (g *Generator) rvSelfFeedback(role string) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized(role)
	if !ok || x.role != role {
		return nil
	}
	v, dec := g.feedbackValue()
	cl := g.feedbackCall(x.acct, bigID(a.id), v, dec)
	cl.actor = x.role
	return withReason(cl, "Self-feedback not allowed")
}

func (g *Generator) rvDoubleRevoke(*types.Header) *call {
	for _, k := range g.m.fbKeys {
		from := g.keys[k.client]
		if from == nil {
			continue
		}
		for i, rev := range g.m.feedback[k].revoked {
			if rev {
				return withReason(&call{reg: regReputation, from: from,
					data: reputationABI.PackRevokeFeedback(bigID(k.agent), uint64(i+1))}, "Already revoked")
			}
		}
	}
	return nil
}

func (g *Generator) rvRevokeNonClient(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	for range 16 {
		from := g.randAcct()
		if _, ok := g.m.feedback[fbKey{a.id, from.Address}]; ok {
			continue
		}
		return withReason(&call{reg: regReputation, from: from,
			data: reputationABI.PackRevokeFeedback(bigID(a.id), uint64(1+g.rng.IntN(3)))}, "index out of bounds")
	}
	return nil
}

func (g *Generator) rvRevokeIndexZero(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	return withReason(&call{reg: regReputation, from: g.randAcct(),
		data: reputationABI.PackRevokeFeedback(bigID(g.randAgent().id), 0)}, "index must be > 0")
}

// ownValidation returns a request whose validator is one of the accounts.
func (g *Generator) ownValidation() (*validation, *Account) {
	for range 16 {
		if len(g.m.validations) == 0 {
			return nil, nil
		}
		v := g.m.validations[g.rng.IntN(len(g.m.validations))]
		if from := g.keys[v.validator]; from != nil {
			return v, from
		}
	}
	return nil, nil
}

func (g *Generator) rvResponseOver100(*types.Header) *call {
	v, from := g.ownValidation()
	if v == nil {
		return nil
	}
	return withReason(&call{reg: regValidation, from: from,
		data: validationABI.PackValidationResponse(v.hash, uint8(101+g.rng.IntN(155)), g.responseURI(), [32]byte{}, "")}, "resp>100")
}

func (g *Generator) rvResponseNonValidator(*types.Header) *call {
	if len(g.m.validations) == 0 {
		return nil
	}
	v := g.m.validations[g.rng.IntN(len(g.m.validations))]
	from := g.otherAcct(v.validator)
	return withReason(&call{reg: regValidation, from: from,
		data: validationABI.PackValidationResponse(v.hash, uint8(g.rng.IntN(101)), g.responseURI(), [32]byte{}, "")}, "not validator")
}

func (g *Generator) rvResponseUnknown(*types.Header) *call {
	h := g.hash32()
	if g.m.validIx[h] != nil {
		return nil
	}
	return withReason(&call{reg: regValidation, from: g.randAcct(),
		data: validationABI.PackValidationResponse(h, uint8(g.rng.IntN(101)), "", [32]byte{}, "")}, "unknown")
}

func (g *Generator) rvReservedKeySetMetadata(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	return withReason(g.idCall(x.acct, x.role,
		identityABI.PackSetMetadata(bigID(a.id), "agentWallet", g.randAcct().Address.Bytes())), "reserved key")
}

func (g *Generator) rvReservedKeyRegister(*types.Header) *call {
	md := []contracts.IdentityRegistryMetadataEntry{
		{MetadataKey: "name", MetadataValue: []byte("x")},
		{MetadataKey: "agentWallet", MetadataValue: g.randAcct().Address.Bytes()},
	}
	return withReason(g.idCall(g.randAcct(), "", identityABI.PackRegister0("ipfs://"+g.cid(), md)), "reserved key")
}

// rvFeedbackArgs sends feedback with too many decimals (checked first) or a value outside ±1e38.
func (g *Generator) rvFeedbackArgs(decimals bool) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	from, ok := g.stranger(a)
	if !ok {
		return nil
	}
	if decimals {
		v, _ := g.feedbackValue()
		return withReason(g.feedbackCall(from, bigID(a.id), v, uint8(19+g.rng.IntN(237))), "too many decimals")
	}
	return withReason(g.feedbackCall(from, bigID(a.id), g.tooLargeValue(), uint8(g.rng.IntN(19))), "value too large")
}

func (g *Generator) rvFeedbackNonexistent(*types.Header) *call {
	id := uint64(len(g.m.agents)) + 1 + uint64(g.rng.IntN(1000))
	v, dec := g.feedbackValue()
	return withError(g.feedbackCall(g.randAcct(), bigID(id), v, dec), errNonexistentToken)
}

func (g *Generator) rvEmptyResponseURI(*types.Header) *call {
	if len(g.m.fbKeys) == 0 {
		return nil
	}
	k := g.m.fbKeys[g.rng.IntN(len(g.m.fbKeys))]
	return withReason(&call{reg: regReputation, from: g.randAcct(),
		data: reputationABI.PackAppendResponse(bigID(k.agent), k.client, 1, "", g.hash32())}, "Empty URI")
}

func (g *Generator) rvURINotAuthorized(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	from, ok := g.stranger(a)
	if !ok {
		return nil
	}
	return withReason(g.idCall(from, "", identityABI.PackSetAgentURI(bigID(a.id), g.agentURI(a.id))), "Not authorized")
}

// rvWalletDeadline signs a valid wallet proof with an expired deadline (one second before the
// head, so before any later block too) or one an hour ahead (more than 5 minutes).
func (g *Generator) rvWalletDeadline(head *types.Header, expired bool) *call {
	if len(g.m.agents) == 0 || head.Time == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	w := g.randAcct()
	if expired {
		return withReason(g.walletCall(a, x, w.Address, w, new(big.Int).SetUint64(head.Time-1)), "expired")
	}
	far := max(head.Time, uint64(time.Now().Unix())) + 3600
	return withReason(g.walletCall(a, x, w.Address, w, new(big.Int).SetUint64(far)), "deadline too far")
}

// rvWalletBadSig signs the proof with a key that is not the wallet's (an EOA wallet, or an
// ERC-1271 wallet whose isValidSignature rejects it).
func (g *Generator) rvWalletBadSig(head *types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	if g.rng.IntN(2) == 0 {
		w := g.c.wallets[g.rng.IntN(len(g.c.wallets))]
		return withReason(g.walletCall(a, x, w.Address, g.otherAcct(w.Signer.Address), deadline(head)), "invalid wallet sig")
	}
	w := g.randAcct()
	return withReason(g.walletCall(a, x, w.Address, g.otherAcct(w.Address), deadline(head)), "invalid wallet sig")
}

func (g *Generator) rvWalletZero(head *types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	return withReason(g.walletCall(a, x, common.Address{}, g.randAcct(), deadline(head)), "bad wallet")
}

// rvSafeTransferNonReceiver safe-transfers an agent to the ERC-1271 wallet, which does not
// implement onERC721Received.
func (g *Generator) rvSafeTransferNonReceiver(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	to := g.c.wallets[g.rng.IntN(len(g.c.wallets))].Address
	return withError(g.idCall(x.acct, x.role, identityABI.PackSafeTransferFrom(a.owner, to, bigID(a.id))), errInvalidReceiver)
}

func (g *Generator) rvTransferNotAuthorized(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	from, ok := g.stranger(a)
	if !ok {
		return nil
	}
	return withError(g.idCall(from, "", identityABI.PackTransferFrom(a.owner, from.Address, bigID(a.id))), errInsufficientApprove)
}

func (g *Generator) rvApproveNotAuthorized(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	from, ok := g.stranger(a)
	if !ok {
		return nil
	}
	return withError(g.idCall(from, "", identityABI.PackApprove(from.Address, bigID(a.id))), errInvalidApprover)
}

func (g *Generator) rvOperatorZero(*types.Header) *call {
	return withError(g.idCall(g.randAcct(), "", identityABI.PackSetApprovalForAll(common.Address{}, true)), errInvalidOperator)
}

// rvDuplicateRequest re-sends an existing request hash (the uniqueness check comes before the
// authorisation check, so any sender gets "exists").
func (g *Generator) rvDuplicateRequest(*types.Header) *call {
	if len(g.m.validations) == 0 {
		return nil
	}
	v := g.m.validations[g.rng.IntN(len(g.m.validations))]
	return withReason(&call{reg: regValidation, from: g.randAcct(),
		data: validationABI.PackValidationRequest(g.randAcct().Address, bigID(v.agent), g.requestURI(), v.hash)}, "exists")
}

func (g *Generator) rvRequestNotAuthorized(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a := g.randAgent()
	from, ok := g.stranger(a)
	if !ok {
		return nil
	}
	return withReason(&call{reg: regValidation, from: from,
		data: validationABI.PackValidationRequest(g.randAcct().Address, bigID(a.id), g.requestURI(), g.requestHash())}, "Not authorized")
}

func (g *Generator) rvRequestZeroValidator(*types.Header) *call {
	if len(g.m.agents) == 0 {
		return nil
	}
	a, x, ok := g.authorized()
	if !ok {
		return nil
	}
	return withReason(&call{reg: regValidation, from: x.acct,
		data: validationABI.PackValidationRequest(common.Address{}, bigID(a.id), g.requestURI(), g.requestHash())}, "bad validator")
}

// rvReinitialize calls initialize again (reinitializer(2) is spent).
func (g *Generator) rvReinitialize(r int) *call {
	data := reputationABI.PackInitialize(g.regs[regIdentity])
	if r == regIdentity {
		data = identityABI.PackInitialize()
	}
	return withError(&call{reg: r, from: g.randAcct(), data: data}, errInvalidInit)
}

// rvNotOwner calls an owner-only function (0 renounceOwnership, 1 transferOwnership,
// 2 upgradeToAndCall) of registry r from an account that does not own it.
func (g *Generator) rvNotOwner(r, fn int) *call {
	from := g.otherAcct(g.m.regOwner[r])
	var data []byte
	switch fn {
	case 0:
		data = identityABI.PackRenounceOwnership()
	case 1:
		data = identityABI.PackTransferOwnership(from.Address)
	default:
		data = identityABI.PackUpgradeToAndCall(g.impls[r], []byte{})
	}
	return withError(&call{reg: r, from: from, data: data}, errUnauthorizedAccount)
}
