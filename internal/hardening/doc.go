// Package hardening holds the repository-wide security checks of the threat model in
// SECURITY.md, as tests: every SQL statement the code sends is a constant or an audited
// exception (sqlaudit_test.go), and no secret from a connection string reaches the logs, the
// errors or the metrics of the indexer binary (secrets_test.go). It has no code of its own.
package hardening
