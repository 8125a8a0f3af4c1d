package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// openDB connects to the configured database and schema (sink.Open), migrating it when migrate
// is set, unless --skip-migrate: then a pending migration is an error that says how to apply it.
func openDB(ctx context.Context, cfg *config.Config, migrate bool) (*pgxpool.Pool, error) {
	pool, err := sink.Open(ctx, cfg.DatabaseURL, cfg.Schema, migrate && !cfg.SkipMigrate)
	if err != nil || !migrate || !cfg.SkipMigrate {
		return pool, err
	}
	pending, err := migrations.Pending(ctx, pool, cfg.Schema)
	if err == nil && len(pending) > 0 {
		m := pending[0]
		err = fmt.Errorf("schema %s lacks %d migrations from %04d_%s on and --skip-migrate is set: run 'indexer migrate' "+
			"as the schema's owner first", cfg.Schema, len(pending), m.Version, m.Name)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
