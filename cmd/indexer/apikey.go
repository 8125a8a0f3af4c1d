package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
)

func init() {
	var (
		name string
		fs   *flag.FlagSet
	)
	register(command{
		name:    "apikey",
		summary: "create, list or revoke keys of the read API",
		args:    "create|list|revoke",
		help: `Manages the keys of 'indexer api' in the database's erc8004_api_keys table (only a SHA-256 of
each key is stored). 'create --name N' prints the new key once: store it, it cannot be shown
again. 'list' shows every key (name, first characters, created, revoked). 'revoke --name N'
revokes the valid key of that name; running APIs stop accepting it within 30 seconds.
It writes: run it against the primary, not a replica.

Examples:
  indexer apikey create --name explorer
  indexer apikey list
  indexer apikey revoke --name explorer`,
		flags: func(f *flag.FlagSet, cfg *config.Config) {
			fs = f
			cfg.DatabaseFlags(f)
			f.StringVar(&name, "name", "", "`name` of the key (create, revoke)")
		},
		run: func(ctx context.Context, cfg *config.Config, args []string) error {
			if len(args) == 0 {
				return errors.New("give one action: create, list or revoke (see 'indexer apikey --help')")
			}
			// Flags may also follow the action ('apikey create --name N').
			if err := fs.Parse(args[1:]); err != nil {
				return fmt.Errorf("%w (see 'indexer apikey --help')", err)
			}
			if fs.NArg() > 0 {
				return fmt.Errorf("unexpected argument %q (see 'indexer apikey --help')", fs.Arg(0))
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			if err := cfg.Require("database-url"); err != nil {
				return err
			}
			action := args[0]
			switch action {
			case "create", "revoke":
				if name == "" {
					return &config.FieldError{Field: "name", Msg: "missing: " + action + " needs --name"}
				}
			case "list":
			default:
				return fmt.Errorf("unknown action %q: create, list or revoke", action)
			}
			pool, err := openDB(ctx, cfg, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			switch action {
			case "create":
				key, err := api.CreateKey(ctx, pool, name)
				if err != nil {
					return err
				}
				fmt.Fprintln(os.Stdout, key)
			case "revoke":
				if err := api.RevokeKey(ctx, pool, name); err != nil {
					return err
				}
				fmt.Fprintf(os.Stdout, "revoked %s\n", name)
			case "list":
				keys, err := api.ListKeys(ctx, pool)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED\tREVOKED")
				for _, k := range keys {
					revoked := "-"
					if k.RevokedAt != nil {
						revoked = k.RevokedAt.UTC().Format("2006-01-02T15:04:05Z")
					}
					fmt.Fprintf(tw, "%d\t%s\t%s...\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), revoked)
				}
				return tw.Flush()
			}
			return nil
		},
	})
}
