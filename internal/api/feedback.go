package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// Feedback is one feedback of an agent with its responses inline.
type Feedback struct {
	ClientAddress string     `json:"clientAddress"`
	FeedbackIndex string     `json:"feedbackIndex"`
	Value         string     `json:"value"`
	ValueDecimals int16      `json:"valueDecimals"`
	Tag1          string     `json:"tag1"`
	Tag2          string     `json:"tag2"`
	Endpoint      string     `json:"endpoint"`
	FeedbackURI   string     `json:"feedbackURI"`
	FeedbackHash  string     `json:"feedbackHash"`
	IsRevoked     bool       `json:"isRevoked"`
	RevokedBlock  *int64     `json:"revokedBlock"`
	BlockNumber   int64      `json:"blockNumber"`
	BlockTime     *time.Time `json:"blockTime"`
	TxHash        string     `json:"txHash"`
	LogIndex      int32      `json:"logIndex"`
	// PaymentTxHash is the transaction the feedback file's proofOfPayment names, and
	// PaymentVerified whether it paid the agent from the client (v_erc8004_feedback_payments);
	// both null when no file is fetched or it names no transaction.
	PaymentTxHash   *string    `json:"paymentTxHash"`
	PaymentVerified *bool      `json:"paymentVerified"`
	Responses       []Response `json:"responses"`
}

// Response is one response appended to a feedback.
type Response struct {
	Responder    string `json:"responder"`
	ResponseURI  string `json:"responseURI"`
	ResponseHash string `json:"responseHash"`
	BlockNumber  int64  `json:"blockNumber"`
	TxHash       string `json:"txHash"`
	LogIndex     int32  `json:"logIndex"`
}

// FeedbackPage is a page of an agent's feedback, oldest first.
type FeedbackPage struct {
	Feedback   []Feedback `json:"feedback"`
	NextCursor *string    `json:"nextCursor"`
}

// listFeedback serves GET /v1/chains/{chain}/agents/{id}/feedback.
func (s *Server) listFeedback(r *http.Request) (any, error) {
	chainID, id, err := agentPath(r)
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(r, "client", "tag1", "tag2", "include_revoked", "cursor", "limit")
	if err != nil {
		return nil, err
	}
	client, err := q.address("client")
	if err != nil {
		return nil, err
	}
	revoked, err := q.boolean("include_revoked")
	if err != nil {
		return nil, err
	}
	limit, err := q.limit()
	if err != nil {
		return nil, err
	}
	const kind = "feedback"
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
	const qf = `SELECT r.client_address, r.feedback_index::text, r.value::text, r.value_decimals, r.tag1, r.tag2, r.endpoint,
			r.feedback_uri, r.feedback_hash, r.is_revoked, r.revoked_block, r.block_number, r.block_time, r.tx_hash, r.log_index,
			p.payment_tx_hash, p.payment_verified
		FROM erc8004_reputation r
		LEFT JOIN v_erc8004_feedback_payments p
		       ON p.chain_id = r.chain_id AND p.block_number = r.block_number AND p.log_index = r.log_index
		WHERE r.chain_id = $1 AND r.agent_id = $2
		  AND ($3::text IS NULL OR r.client_address = $3)
		  AND ($4::text IS NULL OR r.tag1 = $4)
		  AND ($5::text IS NULL OR r.tag2 = $5)
		  AND (coalesce($6::boolean, false) OR NOT r.is_revoked)
		  AND ($7::bigint IS NULL OR (r.block_number, r.log_index) > ($7::bigint, $8::integer))
		ORDER BY r.block_number, r.log_index
		LIMIT $9`
	rows, err := s.db.Query(r.Context(), qf, int64(chainID), id, client, q.tag("tag1"), q.tag("tag2"), revoked,
		block, logIndex, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	page := FeedbackPage{Feedback: []Feedback{}}
	var f Feedback
	_, err = pgx.ForEachRow(rows, []any{&f.ClientAddress, &f.FeedbackIndex, &f.Value, &f.ValueDecimals, &f.Tag1, &f.Tag2,
		&f.Endpoint, &f.FeedbackURI, &f.FeedbackHash, &f.IsRevoked, &f.RevokedBlock, &f.BlockNumber, &f.BlockTime,
		&f.TxHash, &f.LogIndex, &f.PaymentTxHash, &f.PaymentVerified}, func() error {
		f.Responses = []Response{}
		page.Feedback = append(page.Feedback, f)
		f = Feedback{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	if len(page.Feedback) > limit {
		page.Feedback = page.Feedback[:limit]
		last := page.Feedback[limit-1]
		next := pageCursor{Kind: kind, Key: fmt.Sprint(last.BlockNumber), ID: fmt.Sprint(last.LogIndex)}.encode()
		page.NextCursor = &next
	}
	if err := s.attachResponses(r, chainID, id, page.Feedback); err != nil {
		return nil, err
	}
	return page, nil
}

// attachResponses fills the responses of the page's feedback, in the order they were appended.
func (s *Server) attachResponses(r *http.Request, chainID uint64, id string, fs []Feedback) error {
	if len(fs) == 0 {
		return nil
	}
	byKey := map[string]*Feedback{}
	clients := make([]string, 0, len(fs))
	for i := range fs {
		byKey[fs[i].ClientAddress+"/"+fs[i].FeedbackIndex] = &fs[i]
		clients = append(clients, fs[i].ClientAddress)
	}
	const q = `SELECT client_address, feedback_index::text, responder, response_uri, response_hash, block_number, tx_hash, log_index
		FROM erc8004_feedback_responses
		WHERE chain_id = $1 AND agent_id = $2 AND client_address = ANY($3::text[])
		ORDER BY block_number, log_index`
	rows, err := s.db.Query(r.Context(), q, int64(chainID), id, clients)
	if err != nil {
		return fmt.Errorf("read responses: %w", err)
	}
	var client, index string
	var resp Response
	_, err = pgx.ForEachRow(rows, []any{&client, &index, &resp.Responder, &resp.ResponseURI, &resp.ResponseHash,
		&resp.BlockNumber, &resp.TxHash, &resp.LogIndex}, func() error {
		if f := byKey[client+"/"+index]; f != nil {
			f.Responses = append(f.Responses, resp)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read responses: %w", err)
	}
	return nil
}

// Summary is GET .../summary: the Reputation registry's getSummary return values.
type Summary struct {
	Count                int64    `json:"count"`
	SummaryValue         string   `json:"summaryValue"`
	SummaryValueDecimals int16    `json:"summaryValueDecimals"`
	Clients              []string `json:"clients"`
	Tag1                 string   `json:"tag1"`
	Tag2                 string   `json:"tag2"`
}

// maxSummaryClients bounds ?clients=.
const maxSummaryClients = 1000

// summary serves GET /v1/chains/{chain}/agents/{id}/summary with exactly the contract's
// getSummary(agentId, clientAddresses, tag1, tag2): the feedback of the listed clients (each
// listed client counts as often as it is listed, as the contract's loop does), revoked excluded,
// a tag filter applying when non-empty; each value scaled to 18 decimals (WAD), the sum divided
// by the count (truncating toward zero), then by 10^(18 - mode) where mode is the most frequent
// valueDecimals (ties: the smallest), the result truncated to int128. Tags are compared as the
// tables store them (erc8004.SafeText): a tag with NUL bytes or invalid UTF-8 matches its
// U+FFFD-replaced form, the one place where the API cannot tell apart what the contract does. Without ?clients= the
// agent's clients (getClients) are used, as v_erc8004_agent_reputation does; the contract itself
// reverts on an empty list.
func (s *Server) summary(r *http.Request) (any, error) {
	chainID, id, err := agentPath(r)
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(r, "clients", "tag1", "tag2")
	if err != nil {
		return nil, err
	}
	var clients []string
	if q.has("clients") {
		for part := range strings.SplitSeq(q.get("clients"), ",") {
			a, err := parseAddress("clients", strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			clients = append(clients, a)
		}
		if len(clients) > maxSummaryClients {
			return nil, badRequest(fmt.Sprintf("clients lists more than %d addresses", maxSummaryClients))
		}
	}
	if err := s.requireAgent(r.Context(), chainID, id); err != nil {
		return nil, err
	}
	const qs = `WITH listed AS (
			SELECT c.client
			FROM unnest(coalesce($3::text[], ARRAY(
				SELECT client_address FROM erc8004_reputation WHERE chain_id = $1 AND agent_id = $2
				GROUP BY client_address))) AS c(client)
		), sel AS (
			SELECT f.value, f.value_decimals
			FROM listed l
			JOIN erc8004_reputation f ON f.chain_id = $1 AND f.agent_id = $2 AND f.client_address = l.client
			WHERE NOT f.is_revoked AND ($4 = '' OR f.tag1 = $4) AND ($5 = '' OR f.tag2 = $5)
		), mode AS (
			SELECT value_decimals FROM sel GROUP BY value_decimals ORDER BY count(*) DESC, value_decimals LIMIT 1
		)
		SELECT count(*),
		       coalesce(erc8004_int128(div(div(sum(value * (10::numeric ^ (18 - value_decimals))::numeric(78,0)), count(*)),
		                (10::numeric ^ (18 - (SELECT value_decimals FROM mode)))::numeric(78,0))), 0)::text,
		       coalesce((SELECT value_decimals FROM mode), 0)::smallint
		FROM sel`
	out := Summary{Clients: clients, Tag1: erc8004.SafeText(q.get("tag1")), Tag2: erc8004.SafeText(q.get("tag2"))}
	if out.Clients == nil {
		out.Clients = []string{}
	}
	var clientsArg any
	if clients != nil {
		clientsArg = clients
	}
	err = s.db.QueryRow(r.Context(), qs, int64(chainID), id, clientsArg, out.Tag1, out.Tag2).
		Scan(&out.Count, &out.SummaryValue, &out.SummaryValueDecimals)
	if err != nil {
		return nil, fmt.Errorf("compute summary: %w", err)
	}
	return out, nil
}
