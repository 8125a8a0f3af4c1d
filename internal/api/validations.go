package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// Validation is one validation request with its latest response.
type Validation struct {
	RequestHash      string     `json:"requestHash"`
	Registry         string     `json:"registry"`
	ValidatorAddress string     `json:"validatorAddress"`
	AgentID          string     `json:"agentId"`
	RequestURI       string     `json:"requestURI"`
	Response         *int16     `json:"response"`
	ResponseURI      *string    `json:"responseURI"`
	ResponseHash     *string    `json:"responseHash"`
	Tag              *string    `json:"tag"`
	ResponseCount    int32      `json:"responseCount"`
	RespondedBlock   *int64     `json:"respondedBlock"`
	RespondedAt      *time.Time `json:"respondedAt"`
	BlockNumber      int64      `json:"blockNumber"`
	BlockTime        *time.Time `json:"blockTime"`
	TxHash           string     `json:"txHash"`
	LogIndex         int32      `json:"logIndex"`
	// History lists every response, oldest first (only in GET .../validations/{requestHash}).
	History []ValidationResponse `json:"history,omitempty"`
}

// ValidationResponse is one response to a validation request.
type ValidationResponse struct {
	Response     int16      `json:"response"`
	ResponseURI  string     `json:"responseURI"`
	ResponseHash string     `json:"responseHash"`
	Tag          string     `json:"tag"`
	BlockNumber  int64      `json:"blockNumber"`
	BlockTime    *time.Time `json:"blockTime"`
	TxHash       string     `json:"txHash"`
	LogIndex     int32      `json:"logIndex"`
}

// ValidationPage is a page of an agent's validation requests, oldest first.
type ValidationPage struct {
	Validations []Validation `json:"validations"`
	NextCursor  *string      `json:"nextCursor"`
}

const validationColumns = `request_hash, registry, validator_address, agent_id::text, request_uri, response, response_uri,
	response_hash, tag, response_count, responded_block, responded_at, block_number, block_time, tx_hash, log_index`

func validationFields(v *Validation) []any {
	return []any{&v.RequestHash, &v.Registry, &v.ValidatorAddress, &v.AgentID, &v.RequestURI, &v.Response, &v.ResponseURI,
		&v.ResponseHash, &v.Tag, &v.ResponseCount, &v.RespondedBlock, &v.RespondedAt, &v.BlockNumber, &v.BlockTime,
		&v.TxHash, &v.LogIndex}
}

// listValidations serves GET /v1/chains/{chain}/agents/{id}/validations.
func (s *Server) listValidations(r *http.Request) (any, error) {
	chainID, id, err := agentPath(r)
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(r, "validator", "cursor", "limit")
	if err != nil {
		return nil, err
	}
	validator, err := q.address("validator")
	if err != nil {
		return nil, err
	}
	limit, err := q.limit()
	if err != nil {
		return nil, err
	}
	const kind = "validations"
	cur, err := q.cursor(kind)
	if err != nil {
		return nil, err
	}
	var block, logIndex *string
	if cur != nil {
		if !decimalRe.MatchString(cur.ID) {
			return nil, badRequest("cursor is not a cursor of this listing (use the nextCursor of its previous page)")
		}
		block, logIndex = &cur.Key, &cur.ID
	}
	if err := s.requireAgent(r.Context(), chainID, id); err != nil {
		return nil, err
	}
	const qv = `SELECT ` + validationColumns + `
		FROM erc8004_validations
		WHERE chain_id = $1 AND agent_id = $2
		  AND ($3::text IS NULL OR validator_address = $3)
		  AND ($4::bigint IS NULL OR (block_number, log_index) > ($4::bigint, $5::integer))
		ORDER BY block_number, log_index
		LIMIT $6`
	rows, err := s.db.Query(r.Context(), qv, int64(chainID), id, validator, block, logIndex, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list validations: %w", err)
	}
	page := ValidationPage{Validations: []Validation{}}
	var v Validation
	_, err = pgx.ForEachRow(rows, validationFields(&v), func() error {
		page.Validations = append(page.Validations, v)
		v = Validation{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list validations: %w", err)
	}
	if len(page.Validations) > limit {
		page.Validations = page.Validations[:limit]
		last := page.Validations[limit-1]
		next := pageCursor{Kind: kind, Key: fmt.Sprint(last.BlockNumber), ID: fmt.Sprint(last.LogIndex)}.encode()
		page.NextCursor = &next
	}
	return page, nil
}

// getValidation serves GET /v1/chains/{chain}/validations/{requestHash}: the request, its latest
// response and the history of its responses.
func (s *Server) getValidation(r *http.Request) (any, error) {
	chainID, err := parseChain(r.PathValue("chain"))
	if err != nil {
		return nil, err
	}
	hash, err := parseHash("requestHash", r.PathValue("requestHash"))
	if err != nil {
		return nil, err
	}
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	const qv = `SELECT ` + validationColumns + ` FROM erc8004_validations
		WHERE chain_id = $1 AND request_hash = $2 ORDER BY registry LIMIT 1`
	var v Validation
	err = s.db.QueryRow(r.Context(), qv, int64(chainID), hash).Scan(validationFields(&v)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no validation request " + hash + " on chain " + fmt.Sprint(chainID))
	}
	if err != nil {
		return nil, fmt.Errorf("read validation: %w", err)
	}
	const qh = `SELECT response, response_uri, response_hash, tag, block_number, block_time, tx_hash, log_index
		FROM erc8004_validation_responses
		WHERE chain_id = $1 AND registry = $2 AND request_hash = $3
		ORDER BY block_number, log_index`
	rows, err := s.db.Query(r.Context(), qh, int64(chainID), v.Registry, hash)
	if err != nil {
		return nil, fmt.Errorf("read validation responses: %w", err)
	}
	v.History = []ValidationResponse{}
	var h ValidationResponse
	_, err = pgx.ForEachRow(rows, []any{&h.Response, &h.ResponseURI, &h.ResponseHash, &h.Tag, &h.BlockNumber, &h.BlockTime,
		&h.TxHash, &h.LogIndex}, func() error {
		v.History = append(v.History, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read validation responses: %w", err)
	}
	return v, nil
}
