package synthchain

import (
	"encoding/binary"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
)

// The traffic is a closed-form schedule: log number s (0-based over the whole chain) belongs to
// round s / roundLogs, and round r registers agent r and then acts on agents registered before,
// in the order a real deployment of the v2.0 registries would log it. Any log can be computed
// from s alone, so the server needs no state beyond the block hashes, serves any range in any
// order, and every answer is the same on every run with the same seed.
//
// The schedule keeps the registries' rules, so the projection sees valid traffic:
//   - an agent is registered (Transfer from zero, MetadataUpdate, Registered, MetadataSet of
//     agentWallet: the contract's order) before any event names it;
//   - feedback comes from clients that never own, operate or are approved for the agent, and
//     its index is 1, 2, ... per (agent, client);
//   - a revocation names an existing feedback of that client, each feedback at most once;
//   - responses name existing feedback; validation responses come from the request's validator;
//   - a transfer clears agentWallet (MetadataSet with an empty value, before the Transfer),
//     URI updates and approvals come from the owner at that time.
//
// Round r, by position:
//
//	 0- 3  register agent r by owner(r): Transfer, MetadataUpdate, Registered, MetadataSet(agentWallet)
//	    4  setMetadata(r, "capabilities")
//	 5- 8  giveFeedback to the popular agents 0..nPopular-1 (from round nPopular on)
//	 9-12  giveFeedback to agents r-1 .. r-4 from the "recent" clients
//	   13  revokeFeedback of the first popular feedback of round r-revokeLag
//	   14  appendResponse to the second popular feedback of round r-3
//	   15  appendResponse to the first recent feedback of round r-2
//	   16  validationRequest for agent r
//	   17  validationResponse to the request of round r-1
//	   18  validationResponse to the request of round r-10 (its second response)
//	19-20  transfer of agent r-3 to newOwner(r-3): MetadataSet(agentWallet, ""), Transfer
//	   21  setAgentURI(r-2)
//	   22  approve(approved(r-1), r-1)
//	   23  setApprovalForAll(operator, true) by owner(r)
//
// A position whose target does not exist yet (the first rounds) emits a setMetadata on agent r
// instead, so that every round has exactly roundLogs logs.
//
// Popular agents get the bulk of the feedback (about 10,000 each per million logs), as the
// well-known agents of a real deployment do: their derived state is touched by every batch.
const (
	roundLogs      = 24
	nPopular       = 16
	nPopClients    = 64
	nRecentClients = 32
	nValidators    = 8
	nOperators     = 8
	popularSlots   = 4
	revokeLag      = 50
)

// traffic generates the logs of the schedule.
type traffic struct {
	seed       uint64
	identity   common.Address
	reputation common.Address
	validation common.Address
}

// synthLog is one generated log before its position in the chain is known.
type synthLog struct {
	address common.Address
	topics  [4]common.Hash
	ntopics int
	data    []byte
	op      uint8 // the transaction (operation) of its round the log belongs to
}

// opOf maps a round position to its transaction: the logs of one call share it.
var opOf = [roundLogs]uint8{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 17, 18, 19}

// mix is splitmix64: a cheap, well-distributed function of its input, for addresses, hashes
// and values that only need to look random and be reproducible.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Address and hash domains.
const (
	domOwner uint64 = iota + 1
	domNewOwner
	domApproved
	domOperator
	domPopClient
	domRecentClient
	domValidator
	domRequest
	domFeedbackHash
	domResponseHash
	domTx
)

func (t *traffic) addr(dom, i uint64) common.Address {
	var a common.Address
	k := t.seed ^ dom<<56 ^ i*0x100000001b3
	binary.BigEndian.PutUint64(a[0:], mix(k))
	binary.BigEndian.PutUint64(a[8:], mix(k+1))
	binary.BigEndian.PutUint32(a[16:], uint32(mix(k+2)))
	return a
}

func (t *traffic) hash(dom, i uint64) common.Hash {
	var h common.Hash
	k := t.seed ^ dom<<56 ^ i*0x100000001b3
	for j := 0; j < 4; j++ {
		binary.BigEndian.PutUint64(h[j*8:], mix(k+uint64(j)))
	}
	return h
}

// Roles.
func (t *traffic) owner(agent uint64) common.Address    { return t.addr(domOwner, agent) }
func (t *traffic) newOwner(agent uint64) common.Address { return t.addr(domNewOwner, agent) }
func (t *traffic) approved(agent uint64) common.Address { return t.addr(domApproved, agent) }
func (t *traffic) operator(i uint64) common.Address     { return t.addr(domOperator, i%nOperators) }
func (t *traffic) popClient(i uint64) common.Address    { return t.addr(domPopClient, i%nPopClients) }
func (t *traffic) recentClient(i uint64) common.Address {
	return t.addr(domRecentClient, i%nRecentClients)
}
func (t *traffic) validator(i uint64) common.Address { return t.addr(domValidator, i%nValidators) }
func (t *traffic) request(round uint64) common.Hash  { return t.hash(domRequest, round) }

// popular describes popular feedback number q (popularSlots per round from round nPopular on):
// its agent, client and 1-based index. Pair (agent, client) number q mod (nPopular*nPopClients)
// comes back every nPopular*nPopClients feedbacks, so its index is q / that + 1.
func (t *traffic) popular(q uint64) (agent uint64, client common.Address, index uint64) {
	return q % nPopular, t.popClient(q / nPopular), q/(nPopular*nPopClients) + 1
}

// recent describes the recent feedback of round r, slot j: to agent r-1-j from a client that
// differs for every slot that names the same agent, so its index is always 1.
func (t *traffic) recent(r, j uint64) (agent uint64, client common.Address) {
	a := r - 1 - j
	return a, t.recentClient(a + 3*j)
}

var tags1 = [...]string{"quality", "uptime", "latency", "accuracy"}
var tags2 = [...]string{"", "v2", "mcp"}

// log generates log s of the schedule.
func (t *traffic) log(s uint64) synthLog {
	r, p := s/roundLogs, s%roundLogs
	var l synthLog
	l.op = opOf[p]
	var args [11]val
	var ev *layout
	filler := func() {
		// setMetadata(r, "note-p", ...) by owner(r): valid at any time.
		key := noteKeys[p]
		args[0].u, args[1].s, args[2].s = r, key, key
		args[3].s = strconv.AppendUint(append([]byte(nil), "note for agent "...), r, 10)
		ev, l.address = evMetadataSet, t.identity
	}
	switch p {
	case 0: // Transfer(0, owner, r)
		args[1].a, args[2].u = t.owner(r), r
		ev, l.address = evTransfer, t.identity
	case 1: // MetadataUpdate(r)
		args[0].u = r
		ev, l.address = evMetadataUpdate, t.identity
	case 2: // Registered(r, uri, owner)
		args[0].u, args[1].s, args[2].a = r, agentURI(r, 0), t.owner(r)
		ev, l.address = evRegistered, t.identity
	case 3: // MetadataSet(r, agentWallet, agentWallet, owner)
		o := t.owner(r)
		args[0].u, args[1].s, args[2].s, args[3].s = r, keyWallet, keyWallet, o[:]
		ev, l.address = evMetadataSet, t.identity
	case 4:
		args[0].u, args[1].s, args[2].s = r, keyCapabilities, keyCapabilities
		args[3].s = strconv.AppendUint(append([]byte(nil), `{"skills":["search","trade"],"rev":`...), r%97, 10)
		args[3].s = append(args[3].s, '}')
		ev, l.address = evMetadataSet, t.identity
	case 5, 6, 7, 8:
		if r < nPopular {
			filler()
			break
		}
		q := (r-nPopular)*popularSlots + (p - 5)
		agent, client, index := t.popular(q)
		t.feedback(&args, q, agent, client, index)
		ev, l.address = evNewFeedback, t.reputation
	case 9, 10, 11, 12:
		j := p - 9
		if r < 1+j {
			filler()
			break
		}
		agent, client := t.recent(r, j)
		t.feedback(&args, s, agent, client, 1)
		ev, l.address = evNewFeedback, t.reputation
	case 13: // FeedbackRevoked(agent, client, index)
		if r < nPopular+revokeLag {
			filler()
			break
		}
		agent, client, index := t.popular((r - nPopular - revokeLag) * popularSlots)
		args[0].u, args[1].a, args[2].u = agent, client, index
		ev, l.address = evFeedbackRevoked, t.reputation
	case 14: // ResponseAppended to popular feedback, by the agent's owner
		if r < nPopular+3 {
			filler()
			break
		}
		agent, client, index := t.popular((r-nPopular-3)*popularSlots + 1)
		t.response(&args, s, agent, client, index, t.newOwner(agent))
		ev, l.address = evResponseAppended, t.reputation
	case 15: // ResponseAppended to recent feedback of round r-2 slot 0, by the owner
		if r < 3 {
			filler()
			break
		}
		agent, client := t.recent(r-2, 0)
		t.response(&args, s, agent, client, 1, t.owner(agent))
		ev, l.address = evResponseAppended, t.reputation
	case 16: // ValidationRequest(validator, r, uri, hash)
		args[0].a, args[1].u, args[3].h = t.validator(r), r, t.request(r)
		args[2].s = strconv.AppendUint(append([]byte(nil), "https://validator.example.org/requests/"...), r, 10)
		ev, l.address = evValidationRequest, t.validation
	case 17, 18:
		back := uint64(1)
		if p == 18 {
			back = 10
		}
		if r < back {
			filler()
			break
		}
		rr := r - back
		args[0].a, args[1].u, args[2].h = t.validator(rr), rr, t.request(rr)
		args[3].u = mix(t.seed^s) % 101
		args[4].s = strconv.AppendUint(append([]byte(nil), "ipfs://bafkreivalidation"...), s, 10)
		args[5].h = t.hash(domResponseHash, s)
		args[6].s = validationTags[s%uint64(len(validationTags))]
		ev, l.address = evValidationResponse, t.validation
	case 19: // MetadataSet(r-3, agentWallet, "") before the Transfer that clears it
		if r < 3 {
			filler()
			break
		}
		args[0].u, args[1].s, args[2].s, args[3].s = r-3, keyWallet, keyWallet, nil
		ev, l.address = evMetadataSet, t.identity
	case 20: // Transfer(owner, newOwner, r-3)
		if r < 3 {
			filler()
			break
		}
		args[0].a, args[1].a, args[2].u = t.owner(r-3), t.newOwner(r-3), r-3
		ev, l.address = evTransfer, t.identity
	case 21: // URIUpdated(r-2, uri, owner)
		if r < 2 {
			filler()
			break
		}
		args[0].u, args[1].s, args[2].a = r-2, agentURI(r-2, 1), t.owner(r-2)
		ev, l.address = evURIUpdated, t.identity
	case 22: // Approval(owner, approved, r-1)
		if r < 1 {
			filler()
			break
		}
		args[0].a, args[1].a, args[2].u = t.owner(r-1), t.approved(r-1), r-1
		ev, l.address = evApproval, t.identity
	case 23: // ApprovalForAll(owner, operator, true)
		args[0].a, args[1].a, args[2].u = t.owner(r), t.operator(r), 1
		ev, l.address = evApprovalForAll, t.identity
	}
	l.ntopics, l.data = ev.encode(args[:len(ev.inputs)], &l.topics, make([]byte, 0, 512))
	return l
}

func (t *traffic) feedback(args *[11]val, q, agent uint64, client common.Address, index uint64) {
	x := mix(t.seed ^ q)
	args[0].u, args[1].a, args[2].u = agent, client, index
	args[3].i = int64(x%201) - 100
	args[4].u = (x >> 8) % 3
	tag1 := tags1[(x>>16)%uint64(len(tags1))]
	args[5].s, args[6].s = []byte(tag1), []byte(tag1)
	args[7].s = []byte(tags2[(x>>24)%uint64(len(tags2))])
	args[8].s = strconv.AppendUint([]byte("https://agent-"), agent, 10)
	args[8].s = append(args[8].s, ".example.org/a2a"...)
	args[9].s = strconv.AppendUint([]byte("ipfs://bafkreifeedback"), q, 10)
	args[10].h = t.hash(domFeedbackHash, q)
}

func (t *traffic) response(args *[11]val, s, agent uint64, client common.Address, index uint64, responder common.Address) {
	args[0].u, args[1].a, args[2].u, args[3].a = agent, client, index, responder
	args[4].s = strconv.AppendUint([]byte("ipfs://bafkreiresponse"), s, 10)
	args[5].h = t.hash(domResponseHash, s)
}

var (
	keyWallet       = []byte("agentWallet")
	keyCapabilities = []byte("capabilities")
	noteKeys        = func() [roundLogs][]byte {
		var k [roundLogs][]byte
		for i := range k {
			k[i] = []byte("note-" + strconv.Itoa(i))
		}
		return k
	}()
	validationTags = [...][]byte{[]byte("soft"), []byte("hard"), []byte("")}
)

// agentURI is the registration URI of an agent, version v.
func agentURI(agent, v uint64) []byte {
	b := strconv.AppendUint([]byte("ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/agent-"), agent, 10)
	b = append(b, ".json?v="...)
	return strconv.AppendUint(b, v, 10)
}
