package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
)

// seedProofs adds to seedBasic the feedback files of agent 1's feedback and two payments: client
// 20's file names the transaction that paid agent 1 from client 20 (in upper case, after a
// space), client 21's names a transaction that paid agent 1 from someone else, client 22's file
// has no proofOfPayment; the revoked feedback has no file.
func seedProofs(t *testing.T, pool *pgxpool.Pool) {
	seedBasic(t, pool)
	exec(t, pool, `INSERT INTO erc8004_agent_payments (chain_id, registry, agent_id, token, payer, payee, amount, block_number,
		block_time, tx_hash, log_index) VALUES ($1, $2, 1, $3, $4, $5, 1000000, 19, now(), $6, 3),
		($1, $2, 1, $3, $7, $5, 5, 19, now(), $8, 4)`,
		chainID, registry, addr(600), addr(20), addr(500), hash(777), addr(99), hash(778))
	for _, f := range []struct {
		block, client int
		proof         *string
	}{
		{20, 20, ptr(`{"txHash": " 0x` + strings.ToUpper(hash(777)[2:]) + `"}`)},
		{21, 21, ptr(`{"txHash": "` + hash(778) + `", "fromAddress": "` + addr(21) + `"}`)},
		{23, 22, nil},
	} {
		exec(t, pool, `INSERT INTO erc8004_feedback_files (chain_id, block_number, log_index, agent_id, client_address,
			feedback_index, uri, feedback_hash, status, proof_of_payment) VALUES ($1, $2, 1, 1, $3, 1, 'ipfs://f', $4, 'ok', $5::jsonb)`,
			chainID, f.block, addr(f.client), hash(f.block*1000+1), f.proof)
	}
}

// TestAPI_FeedbackPaymentVerified: a feedback's paymentVerified is true when its file's
// proofOfPayment names a transaction that paid the agent from the feedback's client, false when
// the transaction paid it from someone else, null without a named transaction or a file.
func TestAPI_FeedbackPaymentVerified(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedProofs)
	var fp api.FeedbackPage
	b.getJSON(t, pathf("/agents/1/feedback?include_revoked=true"), http.StatusOK, &fp)
	var got []string
	for _, f := range fp.Feedback {
		s := f.ClientAddress[40:] + "/" + f.FeedbackIndex + " "
		if f.PaymentTxHash != nil {
			s += (*f.PaymentTxHash)[60:] + " "
		}
		if f.PaymentVerified == nil {
			s += "null"
		} else if *f.PaymentVerified {
			s += "true"
		} else {
			s += "false"
		}
		got = append(got, s)
	}
	require.Equal(t, []string{"14/1 000309 true", "15/1 00030a false", "15/2 null", "16/1 null"}, got)
}
