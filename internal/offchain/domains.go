package offchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/singleflight"
)

// The statuses of an endpoint domain (erc8004_agent_endpoint_domains.status) besides pending,
// invalid (the well-known file is not a JSON registration file) and unreachable.
const (
	// DomainVerified: https://{domain}/.well-known/agent-registration.json lists the agent.
	DomainVerified Status = "verified"
	// DomainAgentURI: the domain serves the agent's registration file itself (its https
	// agentURI), which demonstrates control without a well-known file.
	DomainAgentURI Status = "agent-uri"
	// DomainUnverified: the domain publishes no well-known file (HTTP 404 or 410), or one that
	// lists no registration of the agent.
	DomainUnverified Status = "unverified"
)

// FileDomain is the kind of file of an endpoint-domain check, for WorkerConfig.Observe and Backlog.
const FileDomain = "domain"

// WellKnownPath is where an endpoint domain publishes the registrations it serves (SPEC: optional
// endpoint-domain verification).
const WellKnownPath = "/.well-known/agent-registration.json"

// MaxDomains bounds the endpoint domains checked per registration file: a hostile file listing
// thousands of endpoints costs no more than this many fetches.
const MaxDomains = 16

// EndpointDomains returns the domains to verify for a registration file's normalised services:
// the lower-case host names of the https endpoints, in order of first appearance, at most
// MaxDomains, without IP literals (no domain to prove). origin is the host name of an https
// agentURI ("" otherwise): that domain is verified by serving the file.
func EndpointDomains(services json.RawMessage, agentURI string) (domains []string, origin string) {
	origin = httpsHost(agentURI)
	var svcs []struct {
		Endpoint any `json:"endpoint"`
	}
	if services == nil || json.Unmarshal(services, &svcs) != nil {
		return nil, origin
	}
	seen := map[string]bool{}
	for _, s := range svcs {
		ep, ok := s.Endpoint.(string)
		if !ok {
			continue
		}
		h := httpsHost(ep)
		if h == "" || seen[h] {
			continue
		}
		if len(domains) == MaxDomains {
			break
		}
		seen[h] = true
		domains = append(domains, h)
	}
	return domains, origin
}

// httpsHost returns the lower-case host name of an https URL, or "" for anything else (another
// scheme, no host, an IP address).
func httpsHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !strings.EqualFold(u.Scheme, "https") {
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if h == "" || strings.ContainsAny(h, "/\\@ ") {
		return ""
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return ""
	}
	return h
}

// AgentRegistry is the agentRegistry string of an identity registry: "eip155:{chainId}:{address}".
func AgentRegistry(chainID int64, registry string) string {
	return fmt.Sprintf("eip155:%d:%s", chainID, strings.ToLower(registry))
}

// wellKnown is what one read of a domain's well-known file found: the registrations it lists
// (agentRegistry in lower case, "#", agentId), or the status and errors that say why none.
type wellKnown struct {
	at     time.Time
	url    string
	status Status // "" when the file was read and parsed
	errors []string
	refs   map[string]bool
}

// domainCache shares the reads of well-known files between the agents that list the same
// domain (a popular MCP host is listed by thousands): one fetch per domain per ttl, concurrent
// checks of a domain waiting for the same fetch. It holds at most maxCached domains, each with
// at most maxCachedRefs registrations (a larger file is read again for each agent).
type domainCache struct {
	ok, failed time.Duration // how long a read, or a failure to read, is reused
	group      singleflight.Group

	mu      sync.Mutex
	entries map[string]wellKnown
}

const (
	maxCached     = 256
	maxCachedRefs = 4096
)

func newDomainCache(ok, failed time.Duration) *domainCache {
	return &domainCache{ok: ok, failed: failed, entries: map[string]wellKnown{}}
}

// get returns the domain's well-known file as read within the cache's time, or reads it.
func (c *domainCache) get(ctx context.Context, r *Resolver, domain string) wellKnown {
	c.mu.Lock()
	e, ok := c.entries[domain]
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl(e) {
		return e
	}
	v, _, _ := c.group.Do(domain, func() (any, error) {
		e := readWellKnown(ctx, r, domain)
		if len(e.refs) <= maxCachedRefs && ctx.Err() == nil {
			c.put(domain, e)
		}
		return e, nil
	})
	return v.(wellKnown)
}

func (c *domainCache) ttl(e wellKnown) time.Duration {
	if e.status == StatusUnreachable {
		return c.failed
	}
	return c.ok
}

// put stores e, first dropping expired entries when the cache is full; when it is still full,
// e is not kept.
func (c *domainCache) put(domain string, e wellKnown) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		for d, old := range c.entries {
			if time.Since(old.at) >= c.ttl(old) {
				delete(c.entries, d)
			}
		}
	}
	if len(c.entries) < maxCached {
		c.entries[domain] = e
	}
}

// readWellKnown reads and parses https://{domain}/.well-known/agent-registration.json through
// the resolver (so under its SSRF guard, size, time and concurrency limits).
func readWellKnown(ctx context.Context, r *Resolver, domain string) wellKnown {
	e := wellKnown{at: time.Now()}
	res, err := r.Resolve(ctx, "https://"+domain+WellKnownPath, Validators{})
	e.url = res.URL
	if err != nil {
		e.status, e.errors = StatusOf(err), []string{err.Error()}
		var fe *FetchError
		switch {
		case errors.As(err, &fe) && (fe.Status == http.StatusNotFound || fe.Status == http.StatusGone):
			e.status = DomainUnverified // not published: the common case, no retry before the refresh
		case e.status != StatusUnreachable:
			e.status = StatusInvalid
		}
		return e
	}
	reg := ParseRegistration(res.Body)
	if reg.Document == nil {
		e.status, e.errors = StatusInvalid, reg.Errors
		return e
	}
	e.refs = make(map[string]bool, len(reg.Registrations))
	for _, ref := range reg.Registrations {
		e.refs[strings.ToLower(ref.AgentRegistry)+"#"+ref.AgentID] = true
	}
	return e
}

// verifyDomain makes one attempt at o's endpoint domain: it reads the domain's well-known file
// (or reuses a recent read) and looks for the agent in its registrations.
func (w *Worker) verifyDomain(ctx context.Context, o *outcome) {
	e := w.domains.get(ctx, w.resolver, o.domain)
	o.sourceURL = e.url
	registry := AgentRegistry(o.chainID, o.registry)
	switch {
	case e.status != "":
		o.status, o.errors = e.status, e.errors
	case e.refs[registry+"#"+o.agentID]:
		o.status = DomainVerified
	default:
		o.status = DomainUnverified
		o.errors = []string{fmt.Sprintf("no registrations entry for agentId %s of %s", o.agentID, registry)}
	}
}

// claimDomains takes up to limit due endpoint domains and leases them (as claim does).
func (s store) claimDomains(ctx context.Context, limit int, lease float64) ([]job, error) {
	const q = `
		WITH due AS (
		    SELECT chain_id, agent_id, domain FROM erc8004_agent_endpoint_domains
		    WHERE next_fetch_at <= now()
		    ORDER BY next_fetch_at
		    LIMIT $1
		    FOR UPDATE SKIP LOCKED)
		UPDATE erc8004_agent_endpoint_domains d
		SET next_fetch_at = now() + make_interval(secs => $2)
		FROM due, erc8004_agent_registrations r
		WHERE d.chain_id = due.chain_id AND d.agent_id = due.agent_id AND d.domain = due.domain
		  AND r.chain_id = d.chain_id AND r.agent_id = d.agent_id
		RETURNING d.chain_id, d.agent_id::text, d.domain, d.failures, r.registry`
	var jobs []job
	err := s.async(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, limit, lease)
		if err != nil {
			return err
		}
		jobs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (job, error) {
			var j job
			return j, row.Scan(&j.chainID, &j.agentID, &j.domain, &j.failures, &j.registry)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due endpoint domains: %w", err)
	}
	return jobs, nil
}

// queueDomainOutcome queues the update of an endpoint domain's row with o.
func queueDomainOutcome(b *pgx.Batch, o *outcome, next any) {
	const q = `
		UPDATE erc8004_agent_endpoint_domains SET
		    status = $4, errors = $5, well_known_url = COALESCE($6, well_known_url), checked_at = now(),
		    attempts = attempts + 1, failures = CASE WHEN $4 = 'unreachable' THEN failures + 1 ELSE 0 END,
		    next_fetch_at = now() + make_interval(secs => $7)
		WHERE chain_id = $1 AND agent_id = $2::text::numeric AND domain = $3`
	b.Queue(q, o.chainID, o.agentID, o.domain, o.status, nonNil(o.errors), nullStr(o.sourceURL), next)
}

// queueDomainSync queues the statements that make an agent's endpoint domains those of the file
// just parsed from its URI: new domains are due now (the agentURI's own is verified at once),
// domains no longer listed go, and those still listed keep their state. Nothing happens if the
// row moved to another URI meanwhile.
func queueDomainSync(b *pgx.Batch, o *outcome) {
	const qRemove = `
		DELETE FROM erc8004_agent_endpoint_domains d
		WHERE d.chain_id = $1 AND d.agent_id = $2::text::numeric AND NOT (d.domain = ANY($4::text[]))
		  AND EXISTS (SELECT 1 FROM erc8004_agent_registrations r
		              WHERE r.chain_id = $1 AND r.agent_id = $2::text::numeric AND r.uri = $3)`
	const qAdd = `
		INSERT INTO erc8004_agent_endpoint_domains (chain_id, agent_id, domain, status, checked_at, next_fetch_at)
		SELECT $1, $2::text::numeric, d,
		       CASE WHEN d = $5 THEN 'agent-uri' ELSE 'pending' END,
		       CASE WHEN d = $5 THEN now() END,
		       CASE WHEN d = $5 THEN NULL ELSE now() END
		FROM unnest($4::text[]) AS d
		WHERE EXISTS (SELECT 1 FROM erc8004_agent_registrations r
		              WHERE r.chain_id = $1 AND r.agent_id = $2::text::numeric AND r.uri = $3)
		ON CONFLICT (chain_id, agent_id, domain) DO NOTHING`
	domains := nonNil(o.domains)
	b.Queue(qRemove, o.chainID, o.agentID, o.uri, domains)
	b.Queue(qAdd, o.chainID, o.agentID, o.uri, domains, o.origin)
}
