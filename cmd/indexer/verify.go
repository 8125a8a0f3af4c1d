package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/daemon"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

func init() {
	var paymentSample int
	register(command{
		name:    "verify",
		summary: "cross-check the database against the registries' view functions",
		help: `Reads every agent, metadata key, operator, feedback and validation of the chain from the
database and calls the registries' own view functions at the indexed block (eth_call, batched):
ownerOf, tokenURI, getAgentWallet, getApproved, getMetadata, isApprovedForAll, getClients,
getLastIndex, readFeedback, getSummary, getResponseCount, getValidationStatus, getAgentValidations
and the Validation registry's getSummary. With payment tokens (built in for the chain, or
--payment-token), it also recounts the payments of --payment-sample agents from eth_getLogs
(their wallet history and the tokens' Transfer logs, not the stored events) and compares them with
erc8004_agent_payments, and asks the tokens for decimals(), authorizationState of the stored
EIP-3009 payments, and the balances of sampled wallets (balance before the recount's first block
plus the transfers since must equal the balance at the indexed block). Prints each mismatch and
exits 1 if there is any. The RPC endpoint must serve state at the indexed block (an archive node
for old blocks).

Examples:
  indexer verify --chain sepolia --rpc-url https://sepolia.example --database-url postgres://...`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
			fs.IntVar(&paymentSample, "payment-sample", 50, "`agents` whose payments are recounted from the node's logs (0: no payment checks)")
		},
		run: func(ctx context.Context, cfg *config.Config, _ []string) error {
			if err := cfg.Require("database-url", "rpc-url"); err != nil {
				return err
			}
			spec, err := daemon.SpecFromConfig(cfg)
			if err != nil {
				return err
			}
			log, err := cfg.Logger()
			if err != nil {
				return err
			}
			pool, err := openDB(ctx, cfg, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			client, err := spec.Dial(ctx, log.Named("rpc"))
			if err != nil {
				return err
			}
			defer client.Close()
			v := verify.New(pool, client, spec.ChainID, spec.Registries)
			if paymentSample > 0 && len(spec.PaymentTokens) > 0 {
				v.Payments = &verify.Payments{Client: client, Owners: spec.PaymentOwners, Sample: paymentSample}
				for _, t := range spec.PaymentTokens {
					v.Payments.Tokens = append(v.Payments.Tokens, t.Address)
				}
			}
			rep, err := v.Run(ctx)
			if err != nil {
				return err
			}
			for _, m := range rep.Mismatches {
				fmt.Println("mismatch:", m)
			}
			fmt.Printf("verify: block=%d agents=%d feedback=%d validations=%d payments=%d payment_agents=%d checks=%d mismatches=%d\n",
				rep.Block, rep.Agents, rep.Feedback, rep.Validations, rep.Payments, rep.PaymentAgents, rep.Checks, len(rep.Mismatches))
			if n := len(rep.Mismatches); n > 0 {
				return fmt.Errorf("%d mismatches between the database and the contracts", n)
			}
			return nil
		},
	})
}
