// Package offchain fetches, parses, verifies and stores the off-chain files that ERC-8004
// events point at: an agent's registration file (behind agentURI) and a feedback file (behind
// feedbackURI).
//
// It is a consumer of the index: it reads erc8004_agents and erc8004_reputation, and writes only
// its own tables (erc8004_agent_registrations, erc8004_agent_registration_documents,
// erc8004_feedback_files, erc8004_agent_endpoint_domains). Its queue lives in those tables, so it never slows or blocks the
// indexing path, and a restart or a standby taking over loses nothing.
//
// The pieces, bottom up:
//   - Resolver turns a URI of any form seen on mainnet (https, http, ipfs://, bare CIDs, ar://,
//     data: with base64, percent-encoding or gzip, raw inline JSON) into bytes, under size,
//     time, concurrency and SSRF limits (guard.go).
//   - ParseRegistration and ParseFeedback turn bytes into typed fields with a status, errors and
//     warnings, tolerant of the real-world variants of the formats but strict about types.
//   - EndpointDomains and the worker's domain checks verify the domains of a registration
//     file's https endpoints through /.well-known/agent-registration.json (domains.go).
//   - Worker reconciles the index with the file tables (incrementally, above each chain's last
//     cursor) and works through the due rows.
//
// Everything fetched is untrusted: it is bounded in size, time and nesting depth, and its content
// is never logged.
package offchain
