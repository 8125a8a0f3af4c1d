package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// PaymentToken is an ERC-20 token whose transfers to agents' wallets are indexed as payments
// (docs/payments.md).
type PaymentToken struct {
	// Symbol labels the token in the docs and in erc8004_payment_tokens ("" when unknown).
	Symbol string `json:"symbol,omitempty"`
	// Address is the token contract.
	Address common.Address `json:"address"`
	// Decimals scales amounts in the views; DecimalsKnown is false when the token's decimals()
	// must be read from the chain at start.
	Decimals      uint8 `json:"decimals"`
	DecimalsKnown bool  `json:"-"`
}

// builtinTokens are Circle's own USDC and EURC contracts (6 decimals) on the chains of the
// built-in table, as Circle publishes them (developers.circle.com, "USDC Contract Addresses" and
// "EURC Contract Addresses"). Chains not listed here have no built-in token: Circle issues no
// native USDC there, or its address could not be confirmed from Circle's pages (celo, zksync
// and the other chains of the table; see docs/payments.md). Bridged variants (USDC.e) are not
// included: add them with --payment-token.
var builtinTokens = map[uint64][]PaymentToken{
	1: {usdc("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"), eurc("0x1aBaEA1f7C830bD89Acc67eC4af516284b1bC33c")},
	8453: {usdc("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
		eurc("0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42")},
	42161: {usdc("0xaf88d065e77c8cC2239327C5EDb3A432268e5831")},
	10:    {usdc("0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85")},
	137:   {usdc("0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359")},
	43114: {usdc("0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E"),
		eurc("0xC891EB4cbdEFf6e073e859e987815Ed1505c2ACD")},
	59144: {usdc("0x176211869cA2b568f2A7D4EE941E073a821EE1ff")},
	// Testnets (Circle's faucet tokens).
	11155111: {usdc("0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238")},
	84532:    {usdc("0x036CbD53842c5426634e7929541eC2318f3dCF7e")},
	421614:   {usdc("0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d")},
	43113:    {usdc("0x5425890298aed601595a70AB815c96711a31Bc65")},
	11155420: {usdc("0x5fd84259d66Cd46123540766Be93DFE6D43130D7")},
	80002:    {usdc("0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582")},
}

func usdc(addr string) PaymentToken {
	return PaymentToken{Symbol: "USDC", Address: common.HexToAddress(addr), Decimals: 6, DecimalsKnown: true}
}

func eurc(addr string) PaymentToken {
	return PaymentToken{Symbol: "EURC", Address: common.HexToAddress(addr), Decimals: 6, DecimalsKnown: true}
}

// BuiltinTokens returns the built-in payment tokens of a chain (a copy; nil when it has none).
func BuiltinTokens(chainID uint64) []PaymentToken {
	return append([]PaymentToken(nil), builtinTokens[chainID]...)
}

// PaymentTokensOff is the --payment-token value that drops the built-in tokens.
const PaymentTokensOff = "none"

// PaymentTokens returns the tokens whose transfers are indexed on a chain: the built-in ones,
// then each of specs ("ADDRESS" or "ADDRESS:DECIMALS"; "none" drops everything listed before
// it) added, or replacing the entry of the same address. An empty result means payments are
// off for the chain.
func PaymentTokens(chainID uint64, specs []string) ([]PaymentToken, error) {
	out := BuiltinTokens(chainID)
	for _, s := range specs {
		if strings.EqualFold(strings.TrimSpace(s), PaymentTokensOff) {
			out = nil
			continue
		}
		t, err := ParsePaymentToken(s)
		if err != nil {
			return nil, err
		}
		replaced := false
		for i := range out {
			if out[i].Address == t.Address {
				if !t.DecimalsKnown {
					t.Decimals, t.DecimalsKnown = out[i].Decimals, out[i].DecimalsKnown
				}
				t.Symbol = out[i].Symbol
				out[i], replaced = t, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out, nil
}

// ParsePaymentToken parses "ADDRESS" or "ADDRESS:DECIMALS" (decimals 0-77).
func ParsePaymentToken(s string) (PaymentToken, error) {
	addr, dec, hasDec := strings.Cut(strings.TrimSpace(s), ":")
	if !common.IsHexAddress(addr) || !strings.HasPrefix(addr, "0x") {
		return PaymentToken{}, newFieldError("payment-token", s, "not a 0x address (ADDRESS or ADDRESS:DECIMALS)")
	}
	t := PaymentToken{Address: common.HexToAddress(addr)}
	if t.Address == (common.Address{}) {
		return PaymentToken{}, newFieldError("payment-token", s, "the zero address is not a token")
	}
	if hasDec {
		n, err := strconv.ParseUint(dec, 10, 8)
		if err != nil || n > 77 {
			return PaymentToken{}, newFieldError("payment-token", s, "decimals must be an integer from 0 to 77")
		}
		t.Decimals, t.DecimalsKnown = uint8(n), true
	}
	return t, nil
}

// String renders the token as ADDRESS:DECIMALS (ADDRESS alone when the decimals are unknown).
func (t PaymentToken) String() string {
	a := strings.ToLower(t.Address.Hex())
	if !t.DecimalsKnown {
		return a
	}
	return fmt.Sprintf("%s:%d", a, t.Decimals)
}

// PaymentFlags binds --payment-token and --payment-owners.
func (c *Config) PaymentFlags(fs *flag.FlagSet) {
	fs.Var(&listValue{p: &c.PaymentTokens}, "payment-token", usage("payment-token",
		"ERC-20 `token` whose transfers to agents' wallets are payments, ADDRESS or ADDRESS:DECIMALS (repeatable; adds to or replaces the chain's built-in USDC/EURC; none drops them)"))
	fs.BoolVar(&c.PaymentOwners, "payment-owners", c.PaymentOwners, usage("payment-owners",
		"also count transfers to an agent's owner as payments to the agent"))
}

// CheckPaymentTokens validates --payment-token.
func (c *Config) CheckPaymentTokens() error {
	_, err := PaymentTokens(0, c.PaymentTokens)
	return err
}
