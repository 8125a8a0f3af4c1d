package sink

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
	"github.com/erc8004-indexer/erc8004-indexer/migrations"
)

// Keepalive probes of the database connections: a peer that vanished (a failover, a cut
// network) is noticed after about dbKeepIdle + dbKeepCount*dbKeepInterval instead of the
// kernel's two hours; a call in flight is bounded by the sink's deadlines (Postgres.Deadlines).
const (
	dbKeepIdle     = 15 * time.Second
	dbKeepInterval = 5 * time.Second
	dbKeepCount    = 3
)

// Open connects to the database at url with schema on the search path and, when migrate is set,
// applies the embedded migrations first. It is the writers' one way to a pool (run, dev,
// rewind, replay, verify, migrate, the soak); errors quote the URL redacted. It refuses a
// database whose encoding is not UTF8 (CheckEncoding) and speaks UTF8 to it.
func Open(ctx context.Context, url, schema string, migrate bool) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url %s: %w", redact.URL(url), err)
	}
	pc.ConnConfig.RuntimeParams["search_path"] = schema
	pc.ConnConfig.RuntimeParams["client_encoding"] = "UTF8"
	d := &net.Dialer{Timeout: pc.ConnConfig.ConnectTimeout, KeepAliveConfig: net.KeepAliveConfig{Enable: true,
		Idle: dbKeepIdle, Interval: dbKeepInterval, Count: dbKeepCount}}
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	pc.ConnConfig.DialFunc = d.DialContext
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact.URL(url), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact.URL(url), err)
	}
	if err := CheckEncoding(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if migrate {
		if err := migrations.Up(ctx, pool, schema); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// CheckEncoding fails, with a one-line reason that says how to fix it, unless the database's
// server_encoding is UTF8: in SQL_ASCII every byte is accepted and no text is checked, and in a
// single-byte encoding (LATIN1, ...) most of the characters a chain string can carry have no
// representation, so PostgreSQL would refuse them.
func CheckEncoding(ctx context.Context, pool *pgxpool.Pool) error {
	var enc string
	if err := pool.QueryRow(ctx, `SELECT current_setting('server_encoding')`).Scan(&enc); err != nil {
		return fmt.Errorf("read the database encoding: %w", err)
	}
	if strings.EqualFold(enc, "UTF8") {
		return nil
	}
	// The database's name is not quoted: redact.URL treats it as private.
	return fmt.Errorf("the database has encoding %s, the indexer needs UTF8: create a database with "+
		"CREATE DATABASE <name> ENCODING 'UTF8' TEMPLATE template0 (and a UTF-8 or C locale) and point --database-url at it", enc)
}
