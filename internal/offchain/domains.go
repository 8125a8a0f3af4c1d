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

	"github.com/jackc/pgx/v5"
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

// FileDomain is the kind of file of an endpoint-domain check, for WorkerConfig.Observe and Queue.
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

// Lists reports whether a parsed registration file has a registrations entry for the agent
// agentID (decimal) of registry (an AgentRegistry string); addresses compare case-insensitively.
func (r Registration) Lists(registry, agentID string) bool {
	for _, ref := range r.Registrations {
		if ref.AgentID == agentID && strings.EqualFold(ref.AgentRegistry, registry) {
			return true
		}
	}
	return false
}

// verifyDomain makes one attempt at j's endpoint domain: it reads the domain's well-known file
// through the resolver (so under its SSRF guard, size, time and concurrency limits) and looks
// for the agent in its registrations.
func (w *Worker) verifyDomain(ctx context.Context, o *outcome) {
	res, err := w.resolver.Resolve(ctx, "https://"+o.domain+WellKnownPath, Validators{})
	o.sourceURL = res.URL
	if err != nil {
		o.status, o.errors = StatusOf(err), []string{err.Error()}
		var fe *FetchError
		switch {
		case errors.As(err, &fe) && (fe.Status == http.StatusNotFound || fe.Status == http.StatusGone):
			o.status = DomainUnverified // not published: the common case, no retry before the refresh
		case o.status != StatusUnreachable:
			o.status = StatusInvalid
		}
		return
	}
	reg := ParseRegistration(res.Body)
	registry := AgentRegistry(o.chainID, o.registry)
	switch {
	case reg.Document == nil:
		o.status, o.errors = StatusInvalid, reg.Errors
	case reg.Lists(registry, o.agentID):
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
	rows, err := s.pool.Query(ctx, q, limit, lease)
	if err != nil {
		return nil, fmt.Errorf("claim due endpoint domains: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (job, error) {
		var j job
		return j, row.Scan(&j.chainID, &j.agentID, &j.domain, &j.failures, &j.registry)
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
