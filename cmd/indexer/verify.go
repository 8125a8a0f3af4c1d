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
	register(command{
		name:    "verify",
		summary: "cross-check the database against the registries' view functions",
		help: `Reads every agent, metadata key, operator, feedback and validation of the chain from the
database and calls the registries' own view functions at the indexed block (eth_call, batched):
ownerOf, tokenURI, getAgentWallet, getApproved, getMetadata, isApprovedForAll, getClients,
getLastIndex, readFeedback, getSummary, getResponseCount, getValidationStatus, getAgentValidations
and the Validation registry's getSummary. Prints each mismatch and exits 1 if there is any.
The RPC endpoint must serve state at the indexed block (an archive node for old blocks).

Examples:
  indexer verify --chain sepolia --rpc-url https://sepolia.example --database-url postgres://...`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) {
			cfg.DatabaseFlags(fs)
			cfg.ChainFlags(fs)
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
			rep, err := verify.New(pool, client, spec.ChainID, spec.Registries).Run(ctx)
			if err != nil {
				return err
			}
			for _, m := range rep.Mismatches {
				fmt.Println("mismatch:", m)
			}
			fmt.Printf("verify: block=%d agents=%d feedback=%d validations=%d checks=%d mismatches=%d\n",
				rep.Block, rep.Agents, rep.Feedback, rep.Validations, rep.Checks, len(rep.Mismatches))
			if n := len(rep.Mismatches); n > 0 {
				return fmt.Errorf("%d mismatches between the database and the contracts", n)
			}
			return nil
		},
	})
}
