package sink

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
)

// Payments (docs/payments.md): a batch carries, beside its registry logs, the Transfer logs of
// the chain's payment tokens whose recipient may be an agent's wallet, and the EIP-3009
// AuthorizationUsed logs that go with them (Batch.Payments). In the batch's transaction, after
// its registry events are stored, each transfer is resolved against the stored wallet history:
// it pays agent A when A's agentWallet at the transfer's position (block, log index) is the
// recipient (with Batch.PaymentOwners, A's owner too). The rows are in erc8004_agent_payments,
// a range table: rollbacks and replays treat them like every other log row.

var (
	// TransferTopic is the topic0 of ERC-20 Transfer(address indexed, address indexed, uint256).
	TransferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	// AuthorizationUsedTopic is the topic0 of EIP-3009 AuthorizationUsed(address indexed
	// authorizer, bytes32 indexed nonce).
	AuthorizationUsedTopic = crypto.Keccak256Hash([]byte("AuthorizationUsed(address,bytes32)"))
)

// transferRows are the columns of the candidate transfers handed to qStorePayments.
type transferRows struct {
	token, payer, payee, amount, tx, nonce []string
	block                                  []int64
	at                                     []time.Time
	index                                  []int32
}

// candidateTransfers extracts the ERC-20 transfers of logs (sorted by block and index) with the
// EIP-3009 nonce of each: the AuthorizationUsed log right before a transfer, in the same
// transaction and token, whose authorizer is the payer (FiatToken emits it just before the
// Transfer of transferWithAuthorization and receiveWithAuthorization). Logs that are not a
// well-formed Transfer (an ERC-721 Transfer has four topics) are ignored.
func candidateTransfers(logs []Log) transferRows {
	var r transferRows
	for i := range logs {
		l := &logs[i].Raw
		if len(l.Topics) != 3 || l.Topics[0] != TransferTopic || len(l.Data) != 32 {
			continue
		}
		var nonce *string
		if i > 0 {
			if a := &logs[i-1].Raw; isAuthorizationOf(a, l) {
				s := hexHash(a.Topics[2])
				nonce = &s
			}
		}
		r.token = append(r.token, hexAddr(l.Address))
		r.payer = append(r.payer, hexAddr(common.BytesToAddress(l.Topics[1][:])))
		r.payee = append(r.payee, hexAddr(common.BytesToAddress(l.Topics[2][:])))
		r.amount = append(r.amount, new(big.Int).SetBytes(l.Data).String())
		r.block = append(r.block, int64(l.BlockNumber))
		r.at = append(r.at, unixTime(logs[i].BlockTime))
		r.tx = append(r.tx, hexHash(l.TxHash))
		r.index = append(r.index, int32(l.Index))
		if nonce != nil {
			r.nonce = append(r.nonce, *nonce)
		} else {
			r.nonce = append(r.nonce, "")
		}
	}
	return r
}

// isAuthorizationOf reports whether a is the AuthorizationUsed log of transfer t.
func isAuthorizationOf(a, t *types.Log) bool {
	return len(a.Topics) == 3 && a.Topics[0] == AuthorizationUsedTopic && a.Address == t.Address &&
		a.TxHash == t.TxHash && a.BlockNumber == t.BlockNumber && a.Index+1 == t.Index && a.Topics[1] == t.Topics[1]
}

// qStorePayments inserts one row per (agent, transfer) where the transfer's recipient is the
// agent's wallet at the transfer's position: the agents that ever had the recipient as wallet
// before that position (erc8004_events_wallet_idx), kept when their last agentWallet
// MetadataSet before it set the recipient. With $11, the same for owners (the last Identity
// Transfer's to). An agent whose wallet and owner are both the recipient gets one row.
const qStorePayments = `
WITH t AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[],
                         $8::text[], $9::int[], $10::text[])
        AS t(token, payer, payee, amount, block_number, block_time, tx_hash, log_index, nonce)
), wallet AS (
    SELECT t.*, w.registry, w.agent_id
    FROM t
    CROSS JOIN LATERAL (
        SELECT DISTINCT e.address AS registry, e.agent_id
        FROM erc8004_events e
        WHERE e.chain_id = $1 AND e.event = 'MetadataSet' AND e.topics[3] = '` + agentWalletTopic + `'
          AND erc8004_wallet_of(e.args->>'metadataValue') = t.payee AND e.registry = 'identity'
          AND (e.block_number, e.log_index) < (t.block_number, t.log_index)
    ) w
    WHERE erc8004_wallet_of((
        SELECT l.args->>'metadataValue' FROM erc8004_events l
        WHERE l.chain_id = $1 AND l.registry = 'identity' AND l.address = w.registry AND l.agent_id = w.agent_id
          AND l.event = 'MetadataSet' AND l.topics[3] = '` + agentWalletTopic + `'
          AND (l.block_number, l.log_index) < (t.block_number, t.log_index)
        ORDER BY l.block_number DESC, l.log_index DESC LIMIT 1)) = t.payee
), owner AS (
    SELECT t.*, o.registry, o.agent_id
    FROM t
    CROSS JOIN LATERAL (
        SELECT DISTINCT e.address AS registry, e.agent_id
        FROM erc8004_events e
        WHERE $11 AND e.chain_id = $1 AND e.registry = 'identity' AND e.event = 'Transfer' AND e.args->>'to' = t.payee
          AND (e.block_number, e.log_index) < (t.block_number, t.log_index)
    ) o
    WHERE (
        SELECT l.args->>'to' FROM erc8004_events l
        WHERE l.chain_id = $1 AND l.registry = 'identity' AND l.address = o.registry AND l.agent_id = o.agent_id
          AND l.event = 'Transfer' AND (l.block_number, l.log_index) < (t.block_number, t.log_index)
        ORDER BY l.block_number DESC, l.log_index DESC LIMIT 1) = t.payee
), hit AS (
    SELECT * FROM wallet UNION SELECT * FROM owner
)
INSERT INTO erc8004_agent_payments (chain_id, registry, agent_id, token, payer, payee, amount, block_number,
    block_time, tx_hash, log_index, authorization_nonce)
SELECT $1, registry, agent_id, token, payer, payee, amount::numeric, block_number, block_time, tx_hash, log_index,
       nullif(nonce, '')
FROM hit
RETURNING agent_id::text`

// storePayments resolves b's candidate transfers against the stored wallet history (which
// already holds b's own registry events) and inserts the payments. It returns the rows inserted
// and records the agents paid in agentIDs (their published figures change).
func storePayments(ctx context.Context, tx pgx.Tx, b *Batch, agentIDs map[string]struct{}) (int64, error) {
	if len(b.Payments) == 0 {
		return 0, nil
	}
	r := candidateTransfers(b.Payments)
	if len(r.token) == 0 {
		return 0, nil
	}
	rows, err := tx.Query(ctx, qStorePayments, int64(b.ChainID), r.token, r.payer, r.payee, r.amount, r.block, r.at,
		r.tx, r.index, r.nonce, b.PaymentOwners)
	if err != nil {
		return 0, fmt.Errorf("store payments: %w", err)
	}
	var n int64
	var id string
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
		n++
		agentIDs[id] = struct{}{}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store payments: %w", err)
	}
	return n, nil
}

// qPaymentRecipients reads, in one snapshot, the chain's cursor and finalized block and every
// address that any stored event above block $2 made an agent's wallet (with $3, an owner too).
const qPaymentRecipients = `
SELECT (SELECT block_number FROM erc8004_cursors WHERE chain_id = $1),
       (SELECT finalized_block FROM erc8004_cursors WHERE chain_id = $1),
       ARRAY(
           SELECT erc8004_wallet_of(args->>'metadataValue') FROM erc8004_events
           WHERE chain_id = $1 AND event = 'MetadataSet' AND block_number > $2
             AND topics[3] = '` + agentWalletTopic + `' AND erc8004_wallet_of(args->>'metadataValue') IS NOT NULL
           UNION
           SELECT args->>'to' FROM erc8004_events
           WHERE $3 AND chain_id = $1 AND event = 'Transfer' AND registry = 'identity' AND block_number > $2
       )`

// Recipients is what PaymentRecipients read.
type Recipients struct {
	// Cursor is the chain's cursor block; HasCursor is false when the chain has none.
	Cursor    uint64
	HasCursor bool
	// Finalized is the finalized block stored with the cursor.
	Finalized uint64
	// Addresses were made an agent's wallet (or owner) by a stored event above the block asked.
	Addresses []common.Address
}

// PaymentRecipients returns, in one snapshot, the chain's cursor and every address that a stored
// event above block after made an agent's wallet (with owners, an agent's owner too): the
// recipients whose transfers may pay an agent, as far as the committed history goes.
func (p *Postgres) PaymentRecipients(ctx context.Context, chainID, after uint64, owners bool) (Recipients, error) {
	ctx, cancel := p.queryContext(ctx)
	defer cancel()
	var cur, fin *int64
	var addrs []string
	if err := p.pool.QueryRow(ctx, qPaymentRecipients, int64(chainID), int64(clampBlock(after)), owners).Scan(&cur, &fin, &addrs); err != nil {
		return Recipients{}, fmt.Errorf("read payment recipients: %w", err)
	}
	var r Recipients
	if cur != nil {
		r.Cursor, r.HasCursor = uint64(*cur), true
	}
	if fin != nil {
		r.Finalized = uint64(*fin)
	}
	for _, a := range addrs {
		if common.IsHexAddress(a) {
			r.Addresses = append(r.Addresses, common.HexToAddress(a))
		}
	}
	return r, nil
}

// PaymentToken is a token row of erc8004_payment_tokens.
type PaymentToken struct {
	Address  common.Address
	Symbol   string
	Decimals uint8
}

// StorePaymentTokens records the chain's payment tokens (the views scale amounts by their
// decimals). Tokens configured earlier and no longer are kept: their payments stay stored.
func (p *Postgres) StorePaymentTokens(ctx context.Context, chainID uint64, tokens []PaymentToken) error {
	ctx, cancel := p.queryContext(ctx)
	defer cancel()
	const q = `INSERT INTO erc8004_payment_tokens (chain_id, token, symbol, decimals) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chain_id, token) DO UPDATE SET symbol = EXCLUDED.symbol, decimals = EXCLUDED.decimals`
	for _, t := range tokens {
		if _, err := p.pool.Exec(ctx, q, int64(chainID), hexAddr(t.Address), t.Symbol, int16(t.Decimals)); err != nil {
			return fmt.Errorf("store payment token %s: %w", hexAddr(t.Address), err)
		}
	}
	return nil
}
