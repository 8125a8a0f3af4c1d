package daemon

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/payments"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// decimalsSelector is the selector of ERC-20 decimals().
var decimalsSelector = []byte{0x31, 0x3c, 0xe5, 0x67}

// preparePayments reads decimals() of the payment tokens given without decimals and records the
// chain's tokens in erc8004_payment_tokens (the views scale amounts with them).
func preparePayments(ctx context.Context, spec *ChainSpec, client *chain.Client, db *sink.Postgres) error {
	if len(spec.PaymentTokens) == 0 {
		return nil
	}
	rows := make([]sink.PaymentToken, 0, len(spec.PaymentTokens))
	for i := range spec.PaymentTokens {
		t := &spec.PaymentTokens[i]
		if !t.DecimalsKnown {
			d, err := tokenDecimals(ctx, client, t.Address)
			if err != nil {
				return err
			}
			t.Decimals, t.DecimalsKnown = d, true
		}
		rows = append(rows, sink.PaymentToken{Address: t.Address, Symbol: t.Symbol, Decimals: t.Decimals})
	}
	return db.StorePaymentTokens(ctx, spec.ChainID, rows)
}

// tokenDecimals calls the token's decimals().
func tokenDecimals(ctx context.Context, client *chain.Client, token common.Address) (uint8, error) {
	out, err := client.CallContract(ctx, ethereum.CallMsg{To: &token, Data: decimalsSelector}, nil)
	if err != nil {
		return 0, fmt.Errorf("read decimals() of payment token %s: %w", token.Hex(), err)
	}
	if len(out) != 32 || new(big.Int).SetBytes(out).Cmp(big.NewInt(77)) > 0 {
		return 0, fmt.Errorf("payment token %s: decimals() returned %d bytes, not a number of decimals; give it as ADDRESS:DECIMALS",
			token.Hex(), len(out))
	}
	return out[31], nil
}

// paymentFetcher wraps the registry fetcher with the payment tokens' logs (payments.Fetcher)
// when the chain has payment tokens and an Identity registry; it returns nil otherwise.
func paymentFetcher(spec ChainSpec, fetcher *chain.RangeFetcher, client *chain.Client, db *sink.Postgres) *payments.Fetcher {
	if len(spec.PaymentTokens) == 0 || spec.Registries.Identity == (common.Address{}) {
		return nil
	}
	tokens := make([]common.Address, len(spec.PaymentTokens))
	for i, t := range spec.PaymentTokens {
		tokens[i] = t.Address
	}
	return payments.New(fetcher, client, db, payments.Options{ChainID: spec.ChainID, Identity: spec.Registries.Identity,
		Tokens: tokens, Owners: spec.PaymentOwners, StartBlock: spec.StartBlock, Mode: spec.PaymentMode})
}

// tokenSet is the set of the chain's payment token addresses.
func tokenSet(ts []config.PaymentToken) map[common.Address]bool {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[common.Address]bool, len(ts))
	for _, t := range ts {
		m[t.Address] = true
	}
	return m
}
