package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
)

func init() {
	var asJSON bool
	register(command{
		name:    "chains",
		summary: "list the built-in chains and their registry deployments",
		help: `Lists the official ERC-8004 deployments that --chain accepts by name: chain id, the Identity,
Reputation and Validation registry proxies, and the first block indexed. A start block shown as
"search" is not known: 'indexer run' finds it at the first run (the proxies' first Upgraded log).
Notes flag entries whose chain id comes from unofficial sources.

Examples:
  indexer chains
  indexer chains --json`,
		flags: func(fs *flag.FlagSet, _ *config.Config) {
			fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
		},
		run: func(_ context.Context, _ *config.Config, _ []string) error {
			list := config.ChainList()
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tID\tNETWORK\tIDENTITY\tREPUTATION\tVALIDATION\tSTART\tNOTE")
			for _, c := range list {
				network, start, validation := "mainnet", "search", "-"
				if c.Testnet {
					network = "testnet"
				}
				if c.StartKnown() {
					start = fmt.Sprint(c.StartBlock())
				}
				if c.ValidationRegistry != "" {
					validation = c.ValidationRegistry
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.ID, network, c.IdentityRegistry,
					c.ReputationRegistry, validation, start, c.Note)
			}
			return tw.Flush()
		},
	})
}
