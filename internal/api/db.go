package api

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// OpenDB opens the API's pool on dsn without connecting (the API starts while the database is
// down): search_path is schema, every session is read-only, statements are bounded by timeout
// (statement_timeout), and plans are made for each query's actual filters.
func OpenDB(ctx context.Context, dsn, schema string, timeout time.Duration) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url %s: %w", redact.URL(dsn), err)
	}
	rp := pc.ConnConfig.RuntimeParams
	rp["search_path"] = schema
	rp["default_transaction_read_only"] = "on"
	rp["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	// The list queries have optional filters ("$2 IS NULL OR owner = $2"): a generic plan would
	// not use the indexes of the filters given.
	rp["plan_cache_mode"] = "force_custom_plan"
	if rp["application_name"] == "" {
		rp["application_name"] = "erc8004-api"
	}
	if pc.ConnConfig.ConnectTimeout == 0 || pc.ConnConfig.ConnectTimeout > 3*time.Second {
		pc.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact.URL(dsn), err)
	}
	return pool, nil
}
