package offchain

import (
	"errors"
)

// Status is the outcome of the latest attempt at a file, as stored in the status columns.
type Status string

// The statuses of a registration or feedback file.
const (
	// StatusPending: not tried yet.
	StatusPending Status = "pending"
	// StatusOK: fetched and parsed; warnings may remain.
	StatusOK Status = "ok"
	// StatusInvalid: fetched, but not a well-formed file (bad JSON, wrong types, too large,
	// undecodable inline content); errors say why.
	StatusInvalid Status = "invalid"
	// StatusUnreachable: the fetch failed (network, HTTP status, timeout, blocked target); retried
	// with backoff.
	StatusUnreachable Status = "unreachable"
	// StatusUnsupported: a URI or content of no form the indexer reads (junk, unknown schemes,
	// plain HTTP when disabled, non-JSON content).
	StatusUnsupported Status = "unsupported"
	// StatusEmpty: the URI or the file is empty.
	StatusEmpty Status = "empty"
)

// StatusOf maps an error of Resolver.Resolve to the status it is recorded with.
func StatusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrEmpty):
		return StatusEmpty
	case errors.Is(err, ErrUnsupported):
		return StatusUnsupported
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrTooLarge):
		return StatusInvalid
	}
	return StatusUnreachable
}
