package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
)

// KeyPrefix starts every API key, so that a leaked one is recognisable by secret scanners.
const KeyPrefix = "e8k_"

// identity is who a request is for the rate limiter and the access log.
type identity struct {
	kind string // "key" or "anonymous"
	id   string // the key's id, or the client IP
	name string // the key's name ("" when anonymous)
	ip   string
	rate config.Rate
}

// keyEntry is a key check remembered by the keyring.
type keyEntry struct {
	id, name string
	valid    bool
	at       time.Time
}

// keyTTL is how long a key check is remembered: a revoked key stops working within it.
const keyTTL = 30 * time.Second

// maxKeyEntries bounds the remembered checks (random keys must not grow memory).
const maxKeyEntries = 10000

// keyring checks API keys against erc8004_api_keys, remembering answers for keyTTL.
type keyring struct {
	db *pgxpool.Pool
	m  *apiMetrics
	mu sync.Mutex
	by map[string]keyEntry // by key hash
}

func newKeyring(db *pgxpool.Pool, m *apiMetrics) *keyring {
	return &keyring{db: db, m: m, by: map[string]keyEntry{}}
}

// HashKey is the stored form of a key: lowercase hex SHA-256. Keys are 256 random bits, so a
// plain hash is enough (no salt, no slow KDF: nothing to brute-force).
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func (k *keyring) lookup(ctx context.Context, key string) (keyEntry, error) {
	hash := HashKey(key)
	k.mu.Lock()
	e, ok := k.by[hash]
	k.mu.Unlock()
	if ok && time.Since(e.at) < keyTTL {
		return e, nil
	}
	const q = `SELECT id::text, name FROM erc8004_api_keys WHERE key_hash = $1 AND revoked_at IS NULL`
	e = keyEntry{at: time.Now()}
	err := k.db.QueryRow(ctx, q, hash).Scan(&e.id, &e.name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return keyEntry{}, fmt.Errorf("check api key: %w", err)
	default:
		e.valid = true
	}
	k.mu.Lock()
	if len(k.by) >= maxKeyEntries {
		clear(k.by)
	}
	k.by[hash] = e
	k.mu.Unlock()
	return e, nil
}

// presentedKey returns the key of Authorization: Bearer or X-API-Key, "" when none.
func presentedKey(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest)
		}
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// authenticate identifies the request: a valid key (401 for an unknown or revoked one), else
// anonymous by client IP when anonymous access is on (401 when it is off).
func (s *Server) authenticate(ctx context.Context, r *http.Request) (identity, error) {
	ip := clientIP(r, s.cfg.TrustedProxies)
	key := presentedKey(r)
	if key == "" {
		if s.cfg.AnonymousRate.IsZero() {
			return identity{ip: ip}, &Error{http.StatusUnauthorized, CodeUnauthorized,
				"an API key is required: Authorization: Bearer KEY or X-API-Key: KEY"}
		}
		return identity{kind: "anonymous", id: ip, ip: ip, rate: s.cfg.AnonymousRate}, nil
	}
	e, err := s.keys.lookup(ctx, key)
	if err != nil {
		return identity{ip: ip}, err
	}
	if !e.valid {
		s.m.keyLookups.WithLabelValues("invalid").Inc()
		return identity{ip: ip}, &Error{http.StatusUnauthorized, CodeUnauthorized, "unknown or revoked API key"}
	}
	s.m.keyLookups.WithLabelValues("valid").Inc()
	return identity{kind: "key", id: e.id, name: e.name, ip: ip, rate: s.cfg.KeyRate}, nil
}

// clientIP is the client's address: the TCP peer, or behind trusted reverse proxies the entry
// of X-Forwarded-For that the outermost trusted proxy appended (entries further left are the
// client's own claims and are ignored).
func clientIP(r *http.Request, trusted uint64) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if trusted == 0 {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for part := range strings.SplitSeq(h, ",") {
			hops = append(hops, strings.TrimSpace(part))
		}
	}
	if len(hops) == 0 {
		return peer
	}
	i := max(len(hops)-int(min(trusted, uint64(len(hops)))), 0)
	if ip := net.ParseIP(hops[i]); ip != nil {
		return ip.String()
	}
	return peer
}

// Key is a stored API key as 'indexer apikey list' shows it.
type Key struct {
	ID        int64
	Name      string
	Prefix    string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Querier is what the key commands need of the database (a pool, a connection, a transaction).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ErrKeyExists is returned by CreateKey when a valid key already has the name.
var ErrKeyExists = errors.New("a valid key with this name exists (revoke it first)")

// ErrNoKey is returned by RevokeKey when no valid key has the name.
var ErrNoKey = errors.New("no valid key with this name")

// CreateKey makes a new random key named name, stores its hash, and returns the key: the only
// time it is ever visible.
func CreateKey(ctx context.Context, db Querier, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", errors.New("a key needs a name of 1 to 100 characters")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make api key: %w", err)
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	const q = `INSERT INTO erc8004_api_keys (name, key_prefix, key_hash) VALUES ($1, $2, $3)`
	if _, err := db.Exec(ctx, q, name, key[:len(KeyPrefix)+6], HashKey(key)); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return "", ErrKeyExists
		}
		return "", fmt.Errorf("store api key: %w", err)
	}
	return key, nil
}

// ListKeys returns every key, valid and revoked, oldest first.
func ListKeys(ctx context.Context, db Querier) ([]Key, error) {
	const q = `SELECT id, name, key_prefix, created_at, revoked_at FROM erc8004_api_keys ORDER BY id`
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Key, error) {
		var k Key
		err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.CreatedAt, &k.RevokedAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the valid key named name. The API stops accepting it within 30 seconds
// (its processes remember key checks that long).
func RevokeKey(ctx context.Context, db Querier, name string) error {
	const q = `UPDATE erc8004_api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`
	tag, err := db.Exec(ctx, q, strings.TrimSpace(name))
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNoKey
	}
	return nil
}
