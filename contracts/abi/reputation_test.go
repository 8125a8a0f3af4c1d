package abi_test

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

var (
	topicNewFeedback      = crypto.Keccak256Hash([]byte("NewFeedback(uint256,address,uint64,int128,uint8,string,string,string,string,string,bytes32)"))
	topicFeedbackRevoked  = crypto.Keccak256Hash([]byte("FeedbackRevoked(uint256,address,uint64)"))
	topicResponseAppended = crypto.Keccak256Hash([]byte("ResponseAppended(uint256,address,uint64,address,string,bytes32)"))
)

// feedback is the Go model of one stored feedback entry.
type feedback struct {
	client   common.Address
	index    uint64
	value    *big.Int
	decimals uint8
	tag1     string
	tag2     string
	revoked  bool
}

var (
	two128 = new(big.Int).Lsh(big.NewInt(1), 128)
	two127 = new(big.Int).Lsh(big.NewInt(1), 127)
)

// toInt128 mimics Solidity's int128(int256): keep the low 128 bits, two's complement.
func toInt128(x *big.Int) *big.Int {
	m := new(big.Int).Mod(x, two128) // Euclidean: 0 <= m < 2^128
	if m.Cmp(two127) >= 0 {
		m.Sub(m, two128)
	}
	return m
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// modelSummary is the Go model of ReputationRegistry.getSummary: WAD-normalised sum, average with
// truncation toward zero, scaled to the mode of valueDecimals (ties: smallest), narrowed to int128.
func modelSummary(all []feedback, clients []common.Address, tag1, tag2 string) (uint64, *big.Int, uint8) {
	sum := new(big.Int)
	var counts [19]uint64
	var count uint64
	for _, cl := range clients {
		for _, f := range all {
			if f.client != cl || f.revoked || (tag1 != "" && f.tag1 != tag1) || (tag2 != "" && f.tag2 != tag2) {
				continue
			}
			sum.Add(sum, new(big.Int).Mul(f.value, pow10(18-int(f.decimals))))
			counts[f.decimals]++
			count++
		}
	}
	if count == 0 {
		return 0, new(big.Int), 0
	}
	mode := 0
	for d := 1; d <= 18; d++ {
		if counts[d] > counts[mode] {
			mode = d
		}
	}
	avg := new(big.Int).Quo(sum, new(big.Int).SetUint64(count)) // Quo truncates toward zero
	avg.Quo(avg, pow10(18-mode))
	return count, toInt128(avg), uint8(mode)
}

func TestToInt128Model(t *testing.T) {
	t.Parallel()
	require.Equal(t, "-1", toInt128(new(big.Int).Sub(two128, big.NewInt(1))).String())
	require.Equal(t, new(big.Int).Neg(two127).String(), toInt128(two127).String())
	require.Equal(t, "5", toInt128(new(big.Int).Add(two128, big.NewInt(5))).String())
	require.Equal(t, "-7", toInt128(big.NewInt(-7)).String())
	q := new(big.Int).Quo(big.NewInt(-7), big.NewInt(2))
	require.Equal(t, "-3", q.String(), "Quo must truncate toward zero like Solidity sdiv")
}

func TestGiveFeedbackRules(t *testing.T) {
	t.Parallel()
	c := newChain(t, 5)
	owner, operator, approved, client, client2 := c.accounts[0], c.accounts[1], c.accounts[2], c.accounts[3], c.accounts[4]
	rep := c.regs.Reputation.Proxy
	id := c.register(owner, "u")
	c.send(owner, c.regs.Identity.Proxy, c.identity.PackSetApprovalForAll(operator.addr, true))
	c.send(owner, c.regs.Identity.Proxy, c.identity.PackApprove(approved.addr, id))

	give := func(v int64, dec uint8) []byte {
		return c.reputation.PackGiveFeedback(id, big.NewInt(v), dec, "t1", "t2", "https://e", "ipfs://f", [32]byte{1})
	}
	for _, a := range []account{owner, operator, approved} {
		c.requireRevert(a, rep, give(1, 0), "Self-feedback not allowed")
	}
	c.requireCustomError(client, rep, c.reputation.PackGiveFeedback(big.NewInt(99), big.NewInt(1), 0, "", "", "", "", [32]byte{}), errNonexistentToken)
	c.requireRevert(client, rep, give(1, 19), "too many decimals")
	limit := pow10(38)
	over := new(big.Int).Add(limit, big.NewInt(1))
	c.requireRevert(client, rep, c.reputation.PackGiveFeedback(id, over, 0, "", "", "", "", [32]byte{}), "value too large")
	c.requireRevert(client, rep, c.reputation.PackGiveFeedback(id, new(big.Int).Neg(over), 0, "", "", "", "", [32]byte{}), "value too large")

	// Edge values pass; indexes are 1-based per (agent, client); clients kept in first-feedback order.
	r := c.send(client2, rep, c.reputation.PackGiveFeedback(id, new(big.Int).Neg(limit), 18, "", "", "", "", [32]byte{}))
	require.Equal(t, []common.Hash{topicNewFeedback}, topic0s(r.Logs))
	require.Equal(t, crypto.Keccak256Hash(nil), r.Logs[0].Topics[3], "empty tag1 topic is keccak256(\"\")")
	for i := 1; i <= 3; i++ {
		r = c.send(client, rep, give(int64(-9977*i), 2))
		ev, err := c.reputation.UnpackNewFeedbackEvent(r.Logs[0])
		require.NoError(t, err)
		require.Equal(t, uint64(i), ev.FeedbackIndex)
		require.Equal(t, client.addr, ev.ClientAddress)
		requireBig(t, int64(-9977*i), ev.Value)
		require.Equal(t, uint8(2), ev.ValueDecimals)
		require.Equal(t, crypto.Keccak256Hash([]byte("t1")), ev.IndexedTag1)
		require.Equal(t, "t1", ev.Tag1)
		require.Equal(t, "t2", ev.Tag2)
		require.Equal(t, "https://e", ev.Endpoint)
		require.Equal(t, "ipfs://f", ev.FeedbackURI)
		require.Equal(t, [32]byte{1}, ev.FeedbackHash)
	}
	r = c.send(client2, rep, c.reputation.PackGiveFeedback(id, limit, 0, "", "", "", "", [32]byte{}))
	ev, err := c.reputation.UnpackNewFeedbackEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, uint64(2), ev.FeedbackIndex)

	require.Equal(t, uint64(3), call(c, c.repC, c.reputation.PackGetLastIndex(id, client.addr), c.reputation.UnpackGetLastIndex))
	require.Equal(t, uint64(0), call(c, c.repC, c.reputation.PackGetLastIndex(id, owner.addr), c.reputation.UnpackGetLastIndex))
	require.Equal(t, []common.Address{client2.addr, client.addr}, call(c, c.repC, c.reputation.PackGetClients(id), c.reputation.UnpackGetClients))
	fb := call(c, c.repC, c.reputation.PackReadFeedback(id, client.addr, 2), c.reputation.UnpackReadFeedback)
	requireBig(t, -19954, fb.Value)
	require.Equal(t, uint8(2), fb.ValueDecimals)
	require.Equal(t, "t1", fb.Tag1)
	require.Equal(t, "t2", fb.Tag2)
	require.False(t, fb.IsRevoked)
	c.requireRevert(client, rep, c.reputation.PackReadFeedback(id, client.addr, 0), "index must be > 0")
	c.requireRevert(client, rep, c.reputation.PackReadFeedback(id, client.addr, 4), "index out of bounds")

	// After a transfer, the former owner may give feedback and the new owner may not.
	c.send(owner, c.regs.Identity.Proxy, c.identity.PackTransferFrom(owner.addr, client2.addr, id))
	c.requireRevert(client2, rep, give(1, 0), "Self-feedback not allowed")
	c.send(owner, rep, give(1, 0))
}

func TestRevokeAndResponses(t *testing.T) {
	t.Parallel()
	c := newChain(t, 5)
	owner, alice, bob, resp1, resp2 := c.accounts[0], c.accounts[1], c.accounts[2], c.accounts[3], c.accounts[4]
	rep := c.regs.Reputation.Proxy
	id := c.register(owner, "u")
	for i := 0; i < 2; i++ {
		c.send(alice, rep, c.reputation.PackGiveFeedback(id, big.NewInt(int64(i)), 0, "a", "", "", "", [32]byte{}))
		c.send(bob, rep, c.reputation.PackGiveFeedback(id, big.NewInt(int64(i)), 0, "b", "", "", "", [32]byte{}))
	}

	c.requireRevert(alice, rep, c.reputation.PackRevokeFeedback(id, 0), "index must be > 0")
	c.requireRevert(alice, rep, c.reputation.PackRevokeFeedback(id, 3), "index out of bounds")
	c.requireRevert(owner, rep, c.reputation.PackRevokeFeedback(id, 1), "index out of bounds") // not owner's feedback
	r := c.send(alice, rep, c.reputation.PackRevokeFeedback(id, 2))
	require.Equal(t, []common.Hash{topicFeedbackRevoked}, topic0s(r.Logs))
	rv, err := c.reputation.UnpackFeedbackRevokedEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, alice.addr, rv.ClientAddress)
	require.Equal(t, uint64(2), rv.FeedbackIndex)
	c.requireRevert(alice, rep, c.reputation.PackRevokeFeedback(id, 2), "Already revoked")
	require.True(t, call(c, c.repC, c.reputation.PackReadFeedback(id, alice.addr, 2), c.reputation.UnpackReadFeedback).IsRevoked)

	// Responses: anyone, also on revoked feedback; non-empty URI; index within bounds.
	c.requireRevert(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 1, "", [32]byte{}), "Empty URI")
	c.requireRevert(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 0, "", [32]byte{}), "Empty URI")
	c.requireRevert(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 0, "x", [32]byte{}), "index must be > 0")
	c.requireRevert(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 3, "x", [32]byte{}), "index out of bounds")
	c.requireRevert(resp1, rep, c.reputation.PackAppendResponse(id, owner.addr, 1, "x", [32]byte{}), "index out of bounds")
	r = c.send(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 2, "ipfs://r", [32]byte{7}))
	require.Equal(t, []common.Hash{topicResponseAppended}, topic0s(r.Logs))
	ra, err := c.reputation.UnpackResponseAppendedEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, alice.addr, ra.ClientAddress)
	require.Equal(t, uint64(2), ra.FeedbackIndex)
	require.Equal(t, resp1.addr, ra.Responder)
	require.Equal(t, "ipfs://r", ra.ResponseURI)
	require.Equal(t, [32]byte{7}, ra.ResponseHash)
	c.send(resp1, rep, c.reputation.PackAppendResponse(id, alice.addr, 2, "ipfs://r2", [32]byte{}))
	c.send(resp2, rep, c.reputation.PackAppendResponse(id, alice.addr, 1, "x", [32]byte{}))
	c.send(owner, rep, c.reputation.PackAppendResponse(id, bob.addr, 1, "x", [32]byte{}))
	c.send(resp2, rep, c.reputation.PackAppendResponse(id, bob.addr, 2, "x", [32]byte{}))

	count := func(client common.Address, index uint64, responders ...common.Address) uint64 {
		return call(c, c.repC, c.reputation.PackGetResponseCount(id, client, index, responders), c.reputation.UnpackGetResponseCount)
	}
	zero := common.Address{}
	require.Equal(t, uint64(5), count(zero, 0))
	require.Equal(t, uint64(5), count(zero, 2), "clientAddress 0 ignores feedbackIndex")
	require.Equal(t, uint64(2), count(zero, 0, resp1.addr))
	require.Equal(t, uint64(4), count(zero, 0, resp1.addr, resp2.addr))
	require.Equal(t, uint64(3), count(alice.addr, 0))
	require.Equal(t, uint64(2), count(alice.addr, 2))
	require.Equal(t, uint64(1), count(alice.addr, 1))
	require.Equal(t, uint64(2), count(alice.addr, 2, resp1.addr))
	require.Equal(t, uint64(0), count(alice.addr, 2, resp2.addr))
	require.Equal(t, uint64(4), count(alice.addr, 2, resp1.addr, resp1.addr), "duplicate responders count twice")
	require.Equal(t, uint64(1), count(bob.addr, 0, owner.addr))
	require.Equal(t, uint64(2), count(bob.addr, 0))
	require.Equal(t, uint64(0), count(owner.addr, 0))
	require.Equal(t, uint64(0), count(alice.addr, 9))

	// readAllFeedback: all clients in first-feedback order, revoked optional, exact tags.
	all := call(c, c.repC, c.reputation.PackReadAllFeedback(id, nil, "", "", true), c.reputation.UnpackReadAllFeedback)
	require.Equal(t, []common.Address{alice.addr, alice.addr, bob.addr, bob.addr}, all.Clients)
	require.Equal(t, []uint64{1, 2, 1, 2}, all.FeedbackIndexes)
	require.Equal(t, []bool{false, true, false, false}, all.RevokedStatuses)
	require.Equal(t, []string{"a", "a", "b", "b"}, all.Tag1s)
	live := call(c, c.repC, c.reputation.PackReadAllFeedback(id, nil, "", "", false), c.reputation.UnpackReadAllFeedback)
	require.Equal(t, []uint64{1, 1, 2}, live.FeedbackIndexes)
	onlyB := call(c, c.repC, c.reputation.PackReadAllFeedback(id, []common.Address{bob.addr}, "b", "", false), c.reputation.UnpackReadAllFeedback)
	require.Equal(t, []common.Address{bob.addr, bob.addr}, onlyB.Clients)
	requireBig(t, 1, onlyB.Values[1])
	none := call(c, c.repC, c.reputation.PackReadAllFeedback(id, []common.Address{bob.addr}, "a", "", true), c.reputation.UnpackReadAllFeedback)
	require.Empty(t, none.Clients)
}

func TestGetSummaryMatchesModel(t *testing.T) {
	t.Parallel()
	c := newChain(t, 5)
	owner := c.accounts[0]
	cl := c.accounts[1:]
	rep := c.regs.Reputation.Proxy
	id := c.register(owner, "u")
	rng := rand.New(rand.NewSource(8004))

	var model []feedback
	lastIdx := map[common.Address]uint64{}
	give := func(a account, v *big.Int, dec uint8, tag1, tag2 string) {
		c.send(a, rep, c.reputation.PackGiveFeedback(id, v, dec, tag1, tag2, "", "", [32]byte{}))
		lastIdx[a.addr]++
		model = append(model, feedback{client: a.addr, index: lastIdx[a.addr], value: v, decimals: dec, tag1: tag1, tag2: tag2})
	}
	randValue := func(maxExp int) *big.Int {
		v := new(big.Int).Rand(rng, pow10(maxExp))
		if rng.Intn(2) == 0 {
			v.Neg(v)
		}
		return v
	}
	tags := []string{"", "quality", "uptime"}
	tag := func() string { return tags[rng.Intn(len(tags))] }

	check := func(stage string) {
		t.Helper()
		addrs := func(as ...account) []common.Address {
			out := make([]common.Address, len(as))
			for i, a := range as {
				out[i] = a.addr
			}
			return out
		}
		subsets := [][]common.Address{
			addrs(cl...), addrs(cl[0]), addrs(cl[1]), addrs(cl[2]), addrs(cl[3]),
			addrs(cl[0], cl[2]), addrs(cl[3], cl[0], cl[0]), addrs(owner),
		}
		for _, sub := range subsets {
			for _, tg := range [][2]string{{"", ""}, {"quality", ""}, {"", "uptime"}, {"quality", "uptime"}, {"nope", ""}} {
				wantCount, wantValue, wantDec := modelSummary(model, sub, tg[0], tg[1])
				got := call(c, c.repC, c.reputation.PackGetSummary(id, sub, tg[0], tg[1]), c.reputation.UnpackGetSummary)
				require.Equal(t, wantCount, got.Count, "%s %v %v", stage, sub, tg)
				require.Zero(t, wantValue.Cmp(got.SummaryValue), "%s %v %v: want %s got %s", stage, sub, tg, wantValue, got.SummaryValue)
				require.Equal(t, wantDec, got.SummaryValueDecimals, "%s %v %v", stage, sub, tg)
			}
		}
	}

	c.requireRevert(cl[0], rep, c.reputation.PackGetSummary(id, nil, "", ""), "clientAddresses required")
	check("empty")

	// One feedback for every decimals value 0..18, mixed signs and magnitudes: a 19-way tie in
	// the mode, which resolves to 0 decimals.
	for d := 0; d <= 18; d++ {
		give(cl[d%4], randValue(d+3), uint8(d), tag(), tag())
	}
	_, _, dec := modelSummary(model, []common.Address{cl[0].addr, cl[1].addr, cl[2].addr, cl[3].addr}, "", "")
	require.Equal(t, uint8(0), dec)
	check("19-way tie")

	// Tie between 5 and 7 decimals (3 each) resolves to the smaller one.
	for _, d := range []uint8{5, 5, 7, 7} {
		give(cl[rng.Intn(4)], randValue(int(d)+2), d, tag(), tag())
	}
	_, _, dec = modelSummary(model, []common.Address{cl[0].addr, cl[1].addr, cl[2].addr, cl[3].addr}, "", "")
	require.Equal(t, uint8(5), dec)
	check("5/7 tie")

	give(cl[2], big.NewInt(-1), 7, "quality", "uptime")
	check("7 wins")

	// Revoked feedback is excluded.
	for _, f := range []int{0, 3, len(model) - 1} {
		fb := &model[f]
		var a account
		for _, x := range cl {
			if x.addr == fb.client {
				a = x
			}
		}
		c.send(a, rep, c.reputation.PackRevokeFeedback(id, fb.index))
		fb.revoked = true
	}
	check("after revocations")

	// WAD overflow of int128: 1e38 at 0 decimals averaged and expressed with 18 decimals
	// (mode 18) exceeds int128, and Solidity's int128() keeps the low 128 bits.
	big38 := pow10(38)
	give(cl[3], big38, 0, "wad", "")
	give(cl[3], new(big.Int).Neg(big38), 0, "wad", "neg")
	give(cl[3], big38, 0, "wad", "")
	for i := 0; i < 4; i++ {
		give(cl[3], big.NewInt(int64(i)), 18, "wad", "")
	}
	n, v, d := modelSummary(model, []common.Address{cl[3].addr}, "wad", "")
	require.Equal(t, uint64(7), n)
	require.Equal(t, uint8(18), d)
	exact := new(big.Int).Quo(new(big.Int).Add(new(big.Int).Mul(big38, pow10(18)), big.NewInt(6)), big.NewInt(7))
	require.NotZero(t, exact.Cmp(v), "the model must really truncate here")
	check("int128 truncation")
}
