package sink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// Open connects to the database at url with schema on the search path and, when migrate is set,
// applies the embedded migrations first. It is the writers' one way to a pool (run, dev,
// rewind, replay, verify, the soak); errors quote the URL redacted.
func Open(ctx context.Context, url, schema string, migrate bool) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url %s: %w", redact.URL(url), err)
	}
	pc.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact.URL(url), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact.URL(url), err)
	}
	if migrate {
		if err := migrations.Up(ctx, pool, schema); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}
