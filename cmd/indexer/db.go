package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// openDB connects to the database with the configured schema on the search path and, when
// migrate is set, applies the embedded migrations first.
func openDB(ctx context.Context, cfg *config.Config, migrate bool) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url %s: %w", redact.URL(cfg.DatabaseURL), err)
	}
	pc.ConnConfig.RuntimeParams["search_path"] = cfg.Schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact.URL(cfg.DatabaseURL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact.URL(cfg.DatabaseURL), err)
	}
	if migrate {
		if err := migrations.Up(ctx, pool, cfg.Schema); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}
