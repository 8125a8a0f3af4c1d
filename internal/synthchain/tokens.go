package synthchain

import (
	"encoding/binary"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Token traffic (Config.TokenLogsPerBlock > 0): every block with registry logs also carries
// that many logs of one ERC-20 token (Config.Token), after its registry logs, in pairs. Pair
// number g of the chain (TokenLogsPerBlock/2 per block, in block order) is, by g mod 100:
//
//	 0  a payment with EIP-3009: AuthorizationUsed(payer, nonce), Transfer(payer, wallet)
//	50  a plain payment: Transfer(random, random), Transfer(payer, wallet)
//	25  a transfer to a former wallet: Transfer(random, random), Transfer(payer, owner(R-5))
//	75  a transfer to a future wallet: Transfer(random, random), Transfer(payer, owner(R+1))
//	 *  two transfers between random addresses
//
// where R is the round of the block's last registry log and wallet is owner(R-1), the wallet of
// agent R-1 at that point (registered in round R-1, cleared by its transfer in round R+2).
// owner(R-5)'s agent was transferred in round R-2, which cleared its wallet; agent R+1 registers
// in a later block. So exactly the pairs 0 and 50 pay an agent (one each), when R >= 5.
const (
	// payPeriod is the period of the pair kinds above.
	payPeriod = 100
	domToken  = domTx + 16 // address and hash domains of the token traffic
)

var (
	tokenTransferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	authUsedTopic      = crypto.Keccak256Hash([]byte("AuthorizationUsed(address,bytes32)"))
)

// Payment is an expected agent payment of the token traffic.
type Payment struct {
	Block, LogIndex uint64
	Agent           uint64
	Payer, Wallet   common.Address
	Amount          uint64
	// Nonce is the EIP-3009 nonce; zero for a plain transfer.
	Nonce common.Hash
}

// tokenLog fills l (address, topics, data) with token log k of block b, whose last registry log
// is number last. data must have 32 bytes of room.
func (c *Chain) tokenLog(b, last, k uint64, l *types.Log, topics *[4]common.Hash, data []byte) {
	ord, _ := c.activeOrdinal(b)
	g := (ord*c.cfg.TokenLogsPerBlock + k) / 2
	second := k%2 == 1
	t := &c.traffic
	l.Address = c.cfg.Token
	topics[0] = tokenTransferTopic
	from, to := t.addr(domToken, 2*g), t.addr(domToken+1, 2*g+boolU(second))
	amount := mix(t.seed^g)%1_000_000_000 + 1
	r := last / roundLogs
	kind := g % payPeriod
	if p, ok := c.pairPayment(b, last, g); ok && second {
		from, to, amount = p.Payer, p.Wallet, p.Amount
	} else if !second && kind == 0 && r >= 5 {
		// The authorization before the payment.
		topics[0], topics[1], topics[2] = authUsedTopic, common.BytesToHash(t.addr(domToken+2, g).Bytes()), t.hash(domToken, g)
		l.Topics, l.Data = topics[:3], data[:0]
		return
	} else if second && (kind == 25 && r >= 5) {
		to = t.owner(r - 5)
	} else if second && kind == 75 && r >= 5 {
		to = t.owner(r + 1)
	}
	topics[1], topics[2] = common.BytesToHash(from.Bytes()), common.BytesToHash(to.Bytes())
	clear(data[:32])
	binary.BigEndian.PutUint64(data[24:32], amount)
	l.Topics, l.Data = topics[:3], data[:32]
}

// pairPayment returns the payment of pair g in block b (last registry log last), if it is one.
func (c *Chain) pairPayment(b, last, g uint64) (Payment, bool) {
	r := last / roundLogs
	kind := g % payPeriod
	if (kind != 0 && kind != 50) || r < 5 {
		return Payment{}, false
	}
	t := &c.traffic
	p := Payment{Block: b, Agent: r - 1, Wallet: t.owner(r - 1), Payer: t.addr(domToken+2, g),
		Amount: mix(t.seed^g^1)%1_000_000_000 + 1}
	if kind == 0 {
		p.Nonce = t.hash(domToken, g)
	}
	return p, true
}

func boolU(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// TokenTransfers returns the number of token Transfer logs in the chain.
func (c *Chain) TokenTransfers() uint64 {
	var n uint64
	c.eachPair(func(b, last, g, first uint64) {
		n += 2
		if g%payPeriod == 0 && last/roundLogs >= 5 {
			n-- // the AuthorizationUsed
		}
	})
	return n
}

// Payments returns every agent payment of the token traffic, in chain order.
func (c *Chain) Payments() []Payment {
	var out []Payment
	c.eachPair(func(b, last, g, first uint64) {
		if p, ok := c.pairPayment(b, last, g); ok {
			p.LogIndex = first + 1
			out = append(out, p)
		}
	})
	return out
}

// eachPair calls fn for every token pair: its block, the block's last registry log, the pair's
// number and the log index of its first log.
func (c *Chain) eachPair(fn func(b, last, g, first uint64)) {
	k := c.cfg.TokenLogsPerBlock
	if k == 0 || c.cfg.Blocks < c.cfg.FirstEventBlock {
		return
	}
	for b := c.cfg.FirstEventBlock; b <= c.cfg.Blocks; b++ {
		first, end := c.blockLogs(b)
		if first == end {
			continue
		}
		ord, _ := c.activeOrdinal(b)
		for i := uint64(0); i < k/2; i++ {
			fn(b, end-1, (ord*k)/2+i, end-first+2*i)
		}
	}
}
