// Package lock gives one indexer process at a time the right to index a chain: a session-level
// PostgreSQL advisory lock held on a dedicated connection, so that several daemons (for high
// availability) can run against one database and exactly one of them indexes each chain.
//
// The lock lives as long as its connection: when the holder dies (SIGKILL, a lost host) the
// server ends its session and releases the lock, and a standby polling with pg_try_advisory_lock
// takes it within one poll interval. The holder watches its own connection and reports through
// Lost when it breaks, because from then on another process may hold the lock: the caller must
// stop writing at once. (The sink's optimistic cursor check is the second line of defence for a
// commit that was already in flight.)
//
// The connection must reach PostgreSQL itself, or a session-mode pooler: a transaction-mode
// pooler (PgBouncer's default on some platforms) would move the session between server
// connections and the lock with it.
package lock

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"
)

// Key is the advisory lock key of a chain indexed into schema: two deployments in different
// schemas of one database do not exclude each other.
func Key(schema string, chainID uint64) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("erc8004-indexer/chain/" + schema + "/" + strconv.FormatUint(chainID, 10)))
	return int64(h.Sum64())
}

// Split returns the (classid, objid) pair under which pg_locks shows a bigint advisory key (with
// objsubid 1), for queries such as `indexer status`.
func Split(key int64) (classID, objID uint32) {
	return uint32(uint64(key) >> 32), uint32(uint64(key))
}

// Options tunes Acquire. Zero values take the defaults.
type Options struct {
	// Poll is the wait between attempts while another session holds the lock (default 1s).
	Poll time.Duration
	// Check is the period of the holder's connection check (default 1s).
	Check time.Duration
	// Timeout bounds one connection check (default 5s); a slower answer counts as a lost
	// connection.
	Timeout time.Duration
	// Log receives the waiting and reconnection messages; nil means none.
	Log *zap.Logger
	// Waiting, if set, is called once when the first attempt finds the lock taken.
	Waiting func()
}

func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Check <= 0 {
		o.Check = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return o
}

// Lock is a held advisory lock.
type Lock struct {
	key  int64
	conn *pgx.Conn
	opts Options

	lost     chan struct{}
	stop     chan struct{}
	watching sync.WaitGroup
	once     sync.Once
}

// Acquire waits until this process holds the advisory lock key on a new connection made from
// cfg, or until ctx ends. Connection failures while waiting are retried.
func Acquire(ctx context.Context, cfg *pgx.ConnConfig, key int64, o Options) (*Lock, error) {
	o = o.withDefaults()
	waited := false
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		if conn == nil {
			c, err := connect(ctx, cfg, o)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				o.Log.Warn("lock connection failed, retrying", zap.Error(err), zap.Duration("retry_in", o.Poll))
			}
			conn = c
		}
		if conn != nil {
			ok, err := try(ctx, conn, key)
			switch {
			case err == nil && ok:
				l := &Lock{key: key, conn: conn, opts: o, lost: make(chan struct{}), stop: make(chan struct{})}
				conn = nil // owned by the lock now
				l.watching.Add(1)
				go l.watch()
				return l, nil
			case err != nil:
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				o.Log.Warn("lock attempt failed, reconnecting", zap.Error(err))
				_ = conn.Close(context.WithoutCancel(ctx))
				conn = nil
			case !waited:
				waited = true
				if o.Waiting != nil {
					o.Waiting()
				}
			}
		}
		t := time.NewTimer(o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// TryAcquire makes one attempt: it returns the lock, or nil when another session holds it.
func TryAcquire(ctx context.Context, cfg *pgx.ConnConfig, key int64, o Options) (*Lock, error) {
	o = o.withDefaults()
	conn, err := connect(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	ok, err := try(ctx, conn, key)
	if err != nil || !ok {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	l := &Lock{key: key, conn: conn, opts: o, lost: make(chan struct{}), stop: make(chan struct{})}
	l.watching.Add(1)
	go l.watch()
	return l, nil
}

// connect opens the dedicated connection. TCP keepalives are short so that a holder whose host
// vanished without closing its socket is noticed by the server (which then releases the lock),
// and statement or idle timeouts of the role cannot end the session.
func connect(ctx context.Context, base *pgx.ConnConfig, o Options) (*pgx.Conn, error) {
	cfg := base.Copy()
	dialer := &net.Dialer{Timeout: 10 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3}}
	cfg.DialFunc = dialer.DialContext
	for k, v := range map[string]string{
		"application_name":                    "erc8004-indexer lock",
		"statement_timeout":                   "0",
		"idle_session_timeout":                "0",
		"idle_in_transaction_session_timeout": "0",
		"tcp_keepalives_idle":                 "5",
		"tcp_keepalives_interval":             "2",
		"tcp_keepalives_count":                "3",
	} {
		cfg.RuntimeParams[k] = v
	}
	cctx, cancel := context.WithTimeout(ctx, o.Timeout+10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect for lock: %w", err)
	}
	return conn, nil
}

func try(ctx context.Context, conn *pgx.Conn, key int64) (bool, error) {
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		return false, fmt.Errorf("try advisory lock: %w", err)
	}
	return ok, nil
}

// Key returns the lock's key.
func (l *Lock) Key() int64 { return l.key }

// Lost is closed when the lock's connection fails or answers too slowly: the lock may be held by
// another process from then on.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

// watch checks the connection every Check until Release or a failure.
func (l *Lock) watch() {
	defer l.watching.Done()
	t := time.NewTicker(l.opts.Check)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.opts.Timeout)
		err := l.conn.Ping(ctx)
		cancel()
		if err != nil {
			l.opts.Log.Error("lock connection lost", zap.Int64("lock_key", l.key), zap.Error(err))
			close(l.lost)
			return
		}
	}
}

// Release unlocks and closes the connection. After a loss it only closes it: the server has
// ended the session (or will, which releases the lock as well).
func (l *Lock) Release(ctx context.Context) error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		l.watching.Wait()
		select {
		case <-l.lost:
		default:
			var ok bool
			if qerr := l.conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, l.key).Scan(&ok); qerr != nil {
				err = fmt.Errorf("release advisory lock: %w", qerr)
			} else if !ok {
				err = errors.New("release advisory lock: it was not held")
			}
		}
		// Closing the session releases the lock in any case.
		if cerr := l.conn.Close(ctx); cerr != nil && err == nil {
			err = fmt.Errorf("close lock connection: %w", cerr)
		}
	})
	return err
}
