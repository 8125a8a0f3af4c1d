package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5/pgconn"
)

// Error codes of the {"error": {"code", "message"}} body.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeNotFound     = "not_found"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeTimeout      = "timeout"
	CodeInternal     = "internal"
)

// Error is an API error: the HTTP status and the body's code and message.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func badRequest(msg string) *Error { return &Error{http.StatusBadRequest, CodeBadRequest, msg} }
func notFound(msg string) *Error   { return &Error{http.StatusNotFound, CodeNotFound, msg} }

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// classify turns a handler's error into the API error to answer. A query PostgreSQL rejected is
// a bug (500); a timeout is 504 for the request's own deadline and 503 for statement_timeout;
// anything else on the way to the database (refused connection, broken pool) means the
// database is gone: 503. Messages never quote the driver, which may name hosts.
func classify(ctx context.Context, err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return &Error{http.StatusGatewayTimeout, CodeTimeout, "the request took too long"}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57014": // query_canceled: statement_timeout
			return &Error{http.StatusServiceUnavailable, CodeUnavailable, "the database took too long"}
		case "57P01", "57P02", "57P03", "53300": // shutdown, crash, cannot connect now, too many connections
			return &Error{http.StatusServiceUnavailable, CodeUnavailable, "the database is unavailable"}
		}
		return &Error{http.StatusInternalServerError, CodeInternal, "internal error"}
	}
	return &Error{http.StatusServiceUnavailable, CodeUnavailable, "the database is unavailable"}
}
