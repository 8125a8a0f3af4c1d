package offchain

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// job is one due file, claimed from a table.
type job struct {
	feedback bool   // erc8004_feedback_files, else erc8004_agent_registrations (or domain)
	domain   string // erc8004_agent_endpoint_domains: the endpoint domain to verify
	registry string // domain: the agent's identity registry
	chainID  int64  // all
	agentID  string // all, decimal
	block    int64  // feedback key
	logIndex int32  // feedback key
	uri      string
	hash     string     // feedback: the committed feedbackHash
	prev     Validators // registrations: validators of the last ok fetch
	failures int
}

// file is the kind of file j is about.
func (j job) file() string {
	switch {
	case j.domain != "":
		return FileDomain
	case j.feedback:
		return FileFeedback
	}
	return FileRegistration
}

// queue returns how many rows of file's table are due (and not claimed: a claim moves a row past
// its lease) and how long the oldest of them has waited, through the next_fetch_at index.
func (s store) queue(ctx context.Context, file string) (int64, time.Duration, error) {
	const (
		qRegs = `SELECT count(*), COALESCE(EXTRACT(epoch FROM now() - min(next_fetch_at)), 0)::float8
			FROM erc8004_agent_registrations WHERE next_fetch_at <= now()`
		qFiles = `SELECT count(*), COALESCE(EXTRACT(epoch FROM now() - min(next_fetch_at)), 0)::float8
			FROM erc8004_feedback_files WHERE next_fetch_at <= now()`
		qDomains = `SELECT count(*), COALESCE(EXTRACT(epoch FROM now() - min(next_fetch_at)), 0)::float8
			FROM erc8004_agent_endpoint_domains WHERE next_fetch_at <= now()`
	)
	var due int64
	var lag float64
	var row pgx.Row
	switch file {
	case FileFeedback:
		row = s.pool.QueryRow(ctx, qFiles)
	case FileDomain:
		row = s.pool.QueryRow(ctx, qDomains)
	default:
		row = s.pool.QueryRow(ctx, qRegs)
	}
	if err := row.Scan(&due, &lag); err != nil {
		return 0, 0, fmt.Errorf("count due %s files: %w", file, err)
	}
	return due, time.Duration(lag * float64(time.Second)), nil
}

// claim takes up to limit due rows of one table and leases them for lease: their next_fetch_at
// moves past the lease, so a worker that dies mid-fetch leaves them due again when the lease
// ends, and SKIP LOCKED keeps two workers (a standby, a second process) from claiming one row.
func (s store) claim(ctx context.Context, file string, limit int, lease time.Duration) ([]job, error) {
	if file == FileDomain {
		return s.claimDomains(ctx, limit, lease.Seconds())
	}
	feedback := file == FileFeedback
	const qRegs = `
		WITH due AS (
		    SELECT chain_id, agent_id FROM erc8004_agent_registrations
		    WHERE next_fetch_at <= now()
		    ORDER BY next_fetch_at
		    LIMIT $1
		    FOR UPDATE SKIP LOCKED)
		UPDATE erc8004_agent_registrations r
		SET next_fetch_at = now() + make_interval(secs => $2)
		FROM due
		WHERE r.chain_id = due.chain_id AND r.agent_id = due.agent_id
		RETURNING r.chain_id, r.agent_id::text, r.uri, r.failures,
		    CASE WHEN r.status = 'ok' THEN COALESCE(r.etag, '') ELSE '' END,
		    CASE WHEN r.status = 'ok' THEN COALESCE(r.last_modified, '') ELSE '' END`
	const qFiles = `
		WITH due AS (
		    SELECT chain_id, block_number, log_index FROM erc8004_feedback_files
		    WHERE next_fetch_at <= now()
		    ORDER BY next_fetch_at
		    LIMIT $1
		    FOR UPDATE SKIP LOCKED)
		UPDATE erc8004_feedback_files f
		SET next_fetch_at = now() + make_interval(secs => $2)
		FROM due
		WHERE f.chain_id = due.chain_id AND f.block_number = due.block_number AND f.log_index = due.log_index
		RETURNING f.chain_id, f.agent_id::text, f.block_number, f.log_index, f.uri, f.feedback_hash, f.failures`
	var jobs []job
	err := s.async(ctx, func(tx pgx.Tx) error {
		var (
			rows pgx.Rows
			err  error
		)
		if feedback {
			rows, err = tx.Query(ctx, qFiles, limit, lease.Seconds())
		} else {
			rows, err = tx.Query(ctx, qRegs, limit, lease.Seconds())
		}
		if err != nil {
			return err
		}
		jobs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (job, error) {
			j := job{feedback: feedback}
			if feedback {
				return j, row.Scan(&j.chainID, &j.agentID, &j.block, &j.logIndex, &j.uri, &j.hash, &j.failures)
			}
			return j, row.Scan(&j.chainID, &j.agentID, &j.uri, &j.failures, &j.prev.ETag, &j.prev.LastModified)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due files: %w", err)
	}
	return jobs, nil
}

// outcome is the result of one attempt at a job, ready to record.
type outcome struct {
	job
	kind     string
	status   Status
	errors   []string
	warnings []string
	// parsed is true when a document was fetched and parsed (whatever its status): the row's
	// fields are replaced. Otherwise the fields of the last parse stay (a failed re-fetch).
	parsed      bool
	notModified bool
	reg         Registration
	fb          Feedback
	hashOK      *bool
	contentHash string
	sourceURL   string
	validators  Validators
	// domains are the endpoint domains of a parsed registration file, origin its agentURI's
	// (EndpointDomains).
	domains []string
	origin  string
	// next is the delay before the next attempt; nil when none is due.
	next *time.Duration
}

// record writes a batch of outcomes in one transaction. Each update matches the row's current
// URI, so an outcome for a URI that changed meanwhile (the row was re-queued) is dropped.
func (s store) record(ctx context.Context, outs []outcome) error {
	b := &pgx.Batch{}
	for i := range outs {
		o := &outs[i]
		var next any
		if o.next != nil {
			next = o.next.Seconds()
		}
		errs, warns := nonNil(o.errors), nonNil(o.warnings)
		switch {
		case o.domain != "":
			queueDomainOutcome(b, o, next)
		case o.feedback && o.parsed:
			const q = `
				UPDATE erc8004_feedback_files SET
				    uri_kind = $5, status = $6, hash_ok = $7, content_hash = $8, document = $9,
				    agent_registry = $10, file_agent_id = $11, file_client = $12, file_created_at = $13,
				    value = $14, value_decimals = $15, tag1 = $16, tag2 = $17, endpoint = $18, text = $19,
				    mcp = $20, a2a = $21, oasf = $22, proof_of_payment = $23, errors = $24, warnings = $25,
				    source_url = $26, fetched_at = now(), attempts = attempts + 1, failures = 0,
				    next_fetch_at = now() + make_interval(secs => $27)
				WHERE chain_id = $1 AND block_number = $2 AND log_index = $3 AND uri = $4`
			f := o.fb
			b.Queue(q, o.chainID, o.block, o.logIndex, o.uri, o.kind, o.status, o.hashOK, o.contentHash, jsonb(f.Document),
				nullStr(f.AgentRegistry), nullStr(f.AgentID), nullStr(f.ClientAddress), nullStr(f.CreatedAt),
				nullStr(f.Value), f.ValueDecimals, nullStr(f.Tag1), nullStr(f.Tag2), nullStr(f.Endpoint), nullStr(f.Text),
				jsonb(f.MCP), jsonb(f.A2A), jsonb(f.OASF), jsonb(f.ProofOfPayment), errs, warns,
				nullStr(o.sourceURL), next)
		case o.feedback:
			const q = `
				UPDATE erc8004_feedback_files SET
				    uri_kind = $5, status = $6, errors = $7, source_url = COALESCE($8, source_url),
				    fetched_at = now(), attempts = attempts + 1, failures = failures + 1,
				    next_fetch_at = now() + make_interval(secs => $9)
				WHERE chain_id = $1 AND block_number = $2 AND log_index = $3 AND uri = $4`
			b.Queue(q, o.chainID, o.block, o.logIndex, o.uri, o.kind, o.status, errs, nullStr(o.sourceURL), next)
		case o.parsed:
			const q = `
				UPDATE erc8004_agent_registrations SET
				    uri_kind = $4, status = $5, name = $6, description = $7, image = $8, services = $9,
				    x402_support = $10, active = $11, supported_trust = $12, document = $13, content_hash = $14,
				    errors = $15, warnings = $16, source_url = $17, etag = $18, last_modified = $19,
				    fetched_at = now(), attempts = attempts + 1, failures = 0,
				    next_fetch_at = now() + make_interval(secs => $20)
				WHERE chain_id = $1 AND agent_id = $2::text::numeric AND uri = $3`
			r := o.reg
			b.Queue(q, o.chainID, o.agentID, o.uri, o.kind, o.status, nullStr(r.Name), nullStr(r.Description), nullStr(r.Image),
				jsonb(r.Services), r.X402Support, r.Active, r.SupportedTrust, jsonb(r.Document), o.contentHash, errs, warns,
				nullStr(o.sourceURL), nullStr(o.validators.ETag), nullStr(o.validators.LastModified), next)
			if r.Document != nil {
				// The history, only while the row still describes this URI.
				const qHistory = `
					INSERT INTO erc8004_agent_registration_documents (chain_id, agent_id, content_hash, uri, document)
					SELECT $1, $2::text::numeric, $4, $3, $5
					WHERE EXISTS (SELECT 1 FROM erc8004_agent_registrations
					              WHERE chain_id = $1 AND agent_id = $2::text::numeric AND uri = $3)
					ON CONFLICT (chain_id, agent_id, content_hash) DO UPDATE SET last_seen_at = now()`
				b.Queue(qHistory, o.chainID, o.agentID, o.uri, o.contentHash, jsonb(r.Document))
			}
			queueDomainSync(b, o)
		case o.notModified:
			const q = `
				UPDATE erc8004_agent_registrations SET
				    status = 'ok', errors = '{}', fetched_at = now(), attempts = attempts + 1, failures = 0,
				    next_fetch_at = now() + make_interval(secs => $4)
				WHERE chain_id = $1 AND agent_id = $2::text::numeric AND uri = $3`
			b.Queue(q, o.chainID, o.agentID, o.uri, next)
		default:
			const q = `
				UPDATE erc8004_agent_registrations SET
				    uri_kind = $4, status = $5, errors = $6, fetched_at = now(), attempts = attempts + 1,
				    failures = failures + 1, next_fetch_at = now() + make_interval(secs => $7)
				WHERE chain_id = $1 AND agent_id = $2::text::numeric AND uri = $3`
			b.Queue(q, o.chainID, o.agentID, o.uri, o.kind, o.status, errs, next)
		}
	}
	err := s.async(ctx, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("record %d off-chain outcomes: %w", len(outs), err)
	}
	return nil
}

// async runs fn in a transaction that commits without waiting for the WAL flush
// (synchronous_commit off), so the worker's many small commits do not queue behind the
// indexer's on the disk. A crash of PostgreSQL can lose the last fraction of a second of them,
// never half of one: a lost claim or outcome leaves its row due again when the lease ends.
func (s store) async(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
			return fmt.Errorf("set synchronous_commit: %w", err)
		}
		return fn(tx)
	})
}

// nonNil returns s, or an empty slice for nil (the text[] columns are NOT NULL).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nullStr maps "" to SQL NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonb maps a nil document to SQL NULL and passes JSON text otherwise.
func jsonb(m json.RawMessage) any {
	if m == nil {
		return nil
	}
	return string(m)
}
