package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/sink"
)

// openDB connects to the configured database and schema (sink.Open).
func openDB(ctx context.Context, cfg *config.Config, migrate bool) (*pgxpool.Pool, error) {
	return sink.Open(ctx, cfg.DatabaseURL, cfg.Schema, migrate)
}
