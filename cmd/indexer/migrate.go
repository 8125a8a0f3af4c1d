package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

func init() {
	register(command{
		name:    "migrate",
		summary: "apply the embedded database migrations",
		help: `Creates the schema if it is missing and applies, in order, every embedded migration the
schema has not seen yet, each in its own transaction, under a PostgreSQL advisory lock (several
indexers may start at once). Applied versions are recorded in <schema>.schema_migrations.
Migrations are forward-only; running it again is a no-op. 'indexer run' does the same at start.

It also creates the role erc8004_reader (NOLOGIN) with SELECT on the schema, for analysts and
read replicas: GRANT erc8004_reader TO <login role>.

Examples:
  indexer migrate --database-url postgres://postgres@127.0.0.1:5432/postgres
  DATABASE_URL=postgres://indexer@db/erc8004 DB_SCHEMA=erc8004 indexer migrate`,
		flags: func(fs *flag.FlagSet, cfg *config.Config) { cfg.DatabaseFlags(fs) },
		run:   runMigrate,
	})
}

func runMigrate(ctx context.Context, cfg *config.Config, _ []string) error {
	if err := cfg.Require("database-url"); err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer pool.Close()

	applied, err := migrations.Apply(ctx, pool, cfg.Schema)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Println("migrate: up to date")
		return nil
	}
	fmt.Printf("migrate: applied %d migrations (schema %s)\n", len(applied), cfg.Schema)
	return nil
}
