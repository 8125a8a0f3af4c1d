package abi_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

var (
	topicValidationRequest  = crypto.Keccak256Hash([]byte("ValidationRequest(address,uint256,string,bytes32)"))
	topicValidationResponse = crypto.Keccak256Hash([]byte("ValidationResponse(address,uint256,bytes32,uint8,string,bytes32,string)"))
)

func TestValidationLifecycle(t *testing.T) {
	t.Parallel()
	c := newChain(t, 5)
	owner, operator, v1, v2, stranger := c.accounts[0], c.accounts[1], c.accounts[2], c.accounts[3], c.accounts[4]
	val := c.regs.Validation.Proxy
	id := c.register(owner, "u")
	other := c.register(stranger, "u2")
	c.send(owner, c.regs.Identity.Proxy, c.identity.PackSetApprovalForAll(operator.addr, true))

	h1 := crypto.Keccak256Hash([]byte("req-1"))
	h2 := crypto.Keccak256Hash([]byte("req-2"))
	h3 := crypto.Keccak256Hash([]byte("req-3"))
	h4 := crypto.Keccak256Hash([]byte("req-4"))

	c.requireRevert(stranger, val, c.validation.PackValidationRequest(v1.addr, id, "ipfs://q", h1), "Not authorized")
	c.requireRevert(owner, val, c.validation.PackValidationRequest(common.Address{}, id, "ipfs://q", h1), "bad validator")
	c.requireCustomError(owner, val, c.validation.PackValidationRequest(v1.addr, big.NewInt(77), "q", h1), errNonexistentToken)

	r := c.send(owner, val, c.validation.PackValidationRequest(v1.addr, id, "ipfs://q1", h1))
	require.Equal(t, []common.Hash{topicValidationRequest}, topic0s(r.Logs))
	req, err := c.validation.UnpackValidationRequestEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, v1.addr, req.ValidatorAddress)
	require.Equal(t, id, req.AgentId)
	require.Equal(t, "ipfs://q1", req.RequestURI)
	require.Equal(t, [32]byte(h1), req.RequestHash)
	c.requireRevert(owner, val, c.validation.PackValidationRequest(v2.addr, id, "again", h1), "exists")
	c.requireRevert(stranger, val, c.validation.PackValidationRequest(v2.addr, other, "again", h1), "exists")
	c.send(operator, val, c.validation.PackValidationRequest(v2.addr, id, "ipfs://q2", h2))
	c.send(owner, val, c.validation.PackValidationRequest(v1.addr, id, "", h3)) // stays pending
	c.send(stranger, val, c.validation.PackValidationRequest(v1.addr, other, "", h4))

	// Pending request: status readable, response 0, excluded from the summary.
	st := call(c, c.valC, c.validation.PackGetValidationStatus(h1), c.validation.UnpackGetValidationStatus)
	require.Equal(t, v1.addr, st.ValidatorAddress)
	require.Equal(t, uint8(0), st.Response)
	require.Equal(t, "", st.Tag)
	require.NotZero(t, st.LastUpdate.Sign())
	c.requireRevert(owner, val, c.validation.PackGetValidationStatus(crypto.Keccak256Hash([]byte("nope"))), "unknown")

	c.requireRevert(v2, val, c.validation.PackValidationResponse(h1, 50, "", [32]byte{}, ""), "not validator")
	c.requireRevert(owner, val, c.validation.PackValidationResponse(h1, 50, "", [32]byte{}, ""), "not validator")
	c.requireRevert(v1, val, c.validation.PackValidationResponse(h1, 101, "", [32]byte{}, ""), "resp>100")
	c.requireRevert(v1, val, c.validation.PackValidationResponse(crypto.Keccak256Hash([]byte("nope")), 1, "", [32]byte{}, ""), "unknown")

	// Responses may be repeated and go down; the latest one is stored.
	r = c.send(v1, val, c.validation.PackValidationResponse(h1, 100, "ipfs://a1", [32]byte{1}, "tee"))
	require.Equal(t, []common.Hash{topicValidationResponse}, topic0s(r.Logs))
	resp, err := c.validation.UnpackValidationResponseEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, v1.addr, resp.ValidatorAddress)
	require.Equal(t, id, resp.AgentId)
	require.Equal(t, [32]byte(h1), resp.RequestHash)
	require.Equal(t, uint8(100), resp.Response)
	require.Equal(t, "ipfs://a1", resp.ResponseURI)
	require.Equal(t, [32]byte{1}, resp.ResponseHash)
	require.Equal(t, "tee", resp.Tag)
	r = c.send(v1, val, c.validation.PackValidationResponse(h1, 40, "ipfs://a2", [32]byte{2}, "zk"))
	resp, err = c.validation.UnpackValidationResponseEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, uint8(40), resp.Response)
	st = call(c, c.valC, c.validation.PackGetValidationStatus(h1), c.validation.UnpackGetValidationStatus)
	require.Equal(t, uint8(40), st.Response)
	require.Equal(t, [32]byte{2}, st.ResponseHash)
	require.Equal(t, "zk", st.Tag)
	require.Equal(t, id, st.AgentId)
	block, err := c.client.BlockByNumber(c.ctx, r.BlockNumber)
	require.NoError(t, err)
	require.Equal(t, block.Time(), st.LastUpdate.Uint64())

	c.send(v2, val, c.validation.PackValidationResponse(h2, 75, "", [32]byte{}, "tee"))
	c.send(v1, val, c.validation.PackValidationResponse(h4, 0, "", [32]byte{}, "zk")) // other agent

	summary := func(tag string, validators ...common.Address) (uint64, uint8) {
		s := call(c, c.valC, c.validation.PackGetValidationSummary(id, validators, tag), c.validation.UnpackGetValidationSummary)
		return s.Count, s.AvgResponse
	}
	n, avg := summary("")
	require.Equal(t, uint64(2), n)
	require.Equal(t, uint8(57), avg, "floor((40+75)/2)")
	n, avg = summary("", v1.addr)
	require.Equal(t, uint64(1), n)
	require.Equal(t, uint8(40), avg)
	n, avg = summary("", v1.addr, v1.addr)
	require.Equal(t, uint64(1), n, "duplicate validators do not double-count")
	require.Equal(t, uint8(40), avg)
	n, avg = summary("tee")
	require.Equal(t, uint64(1), n)
	require.Equal(t, uint8(75), avg)
	n, avg = summary("tee", v1.addr)
	require.Equal(t, uint64(0), n)
	require.Equal(t, uint8(0), avg)
	n, _ = summary("", stranger.addr)
	require.Equal(t, uint64(0), n)

	// A pending request answered with 0 now counts.
	c.send(v1, val, c.validation.PackValidationResponse(h3, 0, "", [32]byte{}, ""))
	n, avg = summary("")
	require.Equal(t, uint64(3), n)
	require.Equal(t, uint8(38), avg, "floor((40+75+0)/3)")

	require.Equal(t, [][32]byte{h1, h2, h3}, call(c, c.valC, c.validation.PackGetAgentValidations(id), c.validation.UnpackGetAgentValidations))
	require.Equal(t, [][32]byte{h1, h3, h4}, call(c, c.valC, c.validation.PackGetValidatorRequests(v1.addr), c.validation.UnpackGetValidatorRequests))
	require.Equal(t, [][32]byte{h2}, call(c, c.valC, c.validation.PackGetValidatorRequests(v2.addr), c.validation.UnpackGetValidatorRequests))
	require.Empty(t, call(c, c.valC, c.validation.PackGetValidatorRequests(owner.addr), c.validation.UnpackGetValidatorRequests))
}
