// Package verify cross-checks the PostgreSQL projection against the registries' own view
// functions, called with eth_call at the indexed block.
package verify

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
	"github.com/erc8004-indexer/erc8004-indexer/internal/chain"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Caller runs batched eth_calls (satisfied by *chain.Client).
type Caller interface {
	BatchCall(ctx context.Context, calls []chain.Call, block *big.Int) error
}

// Mismatch is one difference between the database and the contract.
type Mismatch struct {
	Check    string // the view function, e.g. "ownerOf"
	Key      string // what was checked, e.g. "agent 12"
	Contract string // what the contract returned
	Database string // what the database holds
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s(%s): contract=%s database=%s", m.Check, m.Key, m.Contract, m.Database)
}

// Report is the outcome of a verification.
type Report struct {
	Block       uint64
	Checks      int // view calls compared
	Agents      int
	Feedback    int
	Validations int
	// Payments are the stored payments of PaymentAgents sampled agents, recounted from the
	// node's logs (Verifier.Payments set).
	Payments      int
	PaymentAgents int
	Mismatches    []Mismatch
}

// check is one eth_call and how to compare its answer with the database.
type check struct {
	name, key string
	to        common.Address
	data      []byte
	// compare returns the contract's and the database's renderings and whether they agree.
	compare func(out []byte, callErr error) (contract, database string, ok bool)
}

// Verifier compares one chain's projection with its contracts.
type Verifier struct {
	pool    *pgxpool.Pool
	caller  Caller
	chainID uint64
	regs    erc8004.Registries
	// BatchSize is how many calls go in one JSON-RPC batch request.
	BatchSize int
	// Payments, when set, adds the payment checks (payments.go).
	Payments *Payments

	identity   *abi.IdentityRegistry
	reputation *abi.ReputationRegistry
	validation *abi.ValidationRegistry
}

// New returns a verifier for chainID.
func New(pool *pgxpool.Pool, caller Caller, chainID uint64, regs erc8004.Registries) *Verifier {
	return &Verifier{pool: pool, caller: caller, chainID: chainID, regs: regs, BatchSize: 1000,
		identity: abi.NewIdentityRegistry(), reputation: abi.NewReputationRegistry(), validation: abi.NewValidationRegistry()}
}

// ErrNoCursor is returned when the chain was never indexed.
var ErrNoCursor = errors.New("chain has no cursor: nothing indexed yet")

// Run verifies everything in the database at the cursor block.
func (v *Verifier) Run(ctx context.Context) (*Report, error) {
	var block int64
	err := v.pool.QueryRow(ctx, `SELECT block_number FROM erc8004_cursors WHERE chain_id = $1`, int64(v.chainID)).Scan(&block)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNoCursor
		}
		return nil, fmt.Errorf("read cursor: %w", err)
	}
	rep := &Report{Block: uint64(block)}
	var checks []check
	if v.regs.Identity != (common.Address{}) {
		cs, n, err := v.identityChecks(ctx)
		if err != nil {
			return nil, err
		}
		checks, rep.Agents = append(checks, cs...), n
	}
	if v.regs.Reputation != (common.Address{}) {
		cs, n, err := v.reputationChecks(ctx)
		if err != nil {
			return nil, err
		}
		checks, rep.Feedback = append(checks, cs...), n
	}
	if v.regs.Validation != (common.Address{}) {
		cs, n, err := v.validationChecks(ctx)
		if err != nil {
			return nil, err
		}
		checks, rep.Validations = append(checks, cs...), n
	}
	if v.Payments != nil && len(v.Payments.Tokens) > 0 && v.regs.Identity != (common.Address{}) {
		ms, n, agents, cs, err := v.paymentChecks(ctx, uint64(block))
		if err != nil {
			return nil, err
		}
		// Each sampled agent's recount is one check.
		rep.Mismatches, rep.Payments, rep.PaymentAgents = ms, n, agents
		checks = append(checks, cs...)
		rep.Checks += agents
	}
	aggs, err := v.aggregateMismatches(ctx)
	if err != nil {
		return nil, err
	}
	rep.Mismatches = append(rep.Mismatches, aggs...)
	rep.Checks += len(checks) + 1
	at := big.NewInt(block)
	for start := 0; start < len(checks); start += v.BatchSize {
		part := checks[start:min(start+v.BatchSize, len(checks))]
		calls := make([]chain.Call, len(part))
		for i, c := range part {
			calls[i] = chain.Call{To: c.to, Data: c.data}
		}
		if err := v.caller.BatchCall(ctx, calls, at); err != nil {
			return nil, fmt.Errorf("eth_call batch at block %d: %w", block, err)
		}
		for i, c := range part {
			contract, database, ok := c.compare(calls[i].Result, calls[i].Err)
			if !ok {
				rep.Mismatches = append(rep.Mismatches, Mismatch{Check: c.name, Key: c.key, Contract: contract, Database: database})
			}
		}
	}
	return rep, nil
}

// expectRevert builds a comparison that passes only when the call reverted.
func expectRevert(why string) func([]byte, error) (string, string, bool) {
	return func(out []byte, err error) (string, string, bool) {
		if err != nil {
			return "revert", "revert", true
		}
		return fmt.Sprintf("0x%x", out), why, false
	}
}

// equal builds a comparison of a decoded value with the database's rendering of it.
func equal[T any](unpack func([]byte) (T, error), render func(T) string, database string) func([]byte, error) (string, string, bool) {
	return func(out []byte, err error) (string, string, bool) {
		if err != nil {
			return "error: " + err.Error(), database, false
		}
		val, err := unpack(out)
		if err != nil {
			return "undecodable: " + err.Error(), database, false
		}
		got := render(val)
		return got, database, got == database
	}
}

func renderAddress(a common.Address) string { return hexAddr(a) }
func renderUint64(n uint64) string          { return fmt.Sprint(n) }
func renderBool(b bool) string              { return fmt.Sprint(b) }
func renderBytes(b []byte) string           { return fmt.Sprintf("0x%x", b) }
