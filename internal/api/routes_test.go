package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
)

// TestAPI_Routes calls every route on a seeded chain, checks each answer against
// openapi.json's schema for it, and checks the values.
func TestAPI_Routes(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	doc := loadOpenAPI(t)
	require.Equal(t, "3.1.0", doc.OpenAPI)

	cases := []struct{ path, schema string }{
		{"/v1/chains", "ChainList"},
		{pathf(""), "Chain"},
		{"/v1/chains/1337/agents?limit=2", "AgentPage"},
		{pathf("/agents/1"), "AgentDetail"},
		{pathf("/agents/2"), "AgentDetail"},
		{pathf("/agents/3"), "AgentDetail"},
		{pathf("/agents/1/feedback?include_revoked=true"), "FeedbackPage"},
		{pathf("/agents/1/summary"), "Summary"},
		{pathf("/agents/1/validations"), "ValidationPage"},
		{pathf("/validations/%s", hash(40)), "ValidationDetail"},
		{"/v1/stats", "Stats"},
		{"/readyz", "Readiness"},
		{"/v1/chains/1337/agents/999", "Error"},
	}
	documented := map[string]bool{}
	for p := range doc.Paths {
		documented[p] = true
	}
	for _, c := range cases {
		resp, body := b.get(t, c.path)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), c.path)
		require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
		var v any
		require.NoError(t, json.Unmarshal(body, &v), c.path)
		require.NoError(t, checkSchema(doc, c.schema, v), "%s: %s", c.path, body)
	}
	for _, p := range []string{"/v1/chains", "/v1/chains/{chain}", "/v1/chains/{chain}/agents", "/v1/chains/{chain}/agents/{id}",
		"/v1/chains/{chain}/agents/{id}/feedback", "/v1/chains/{chain}/agents/{id}/summary",
		"/v1/chains/{chain}/agents/{id}/validations", "/v1/chains/{chain}/validations/{requestHash}", "/v1/stats"} {
		require.True(t, documented[p], "openapi.json documents %s", p)
	}

	var chains api.ChainList
	b.getJSON(t, "/v1/chains", http.StatusOK, &chains)
	require.Len(t, chains.Chains, 1)
	require.Equal(t, uint64(1337), chains.Chains[0].ChainID)
	require.Equal(t, int64(100), chains.Chains[0].IndexedBlock)
	require.Equal(t, hash(100), chains.Chains[0].IndexedBlockHash)
	require.NotNil(t, chains.Chains[0].LagSeconds)
	require.GreaterOrEqual(t, *chains.Chains[0].LagSeconds, 29.0, "the indexed block is 30 s old")

	var d api.AgentDetail
	b.getJSON(t, pathf("/agents/1"), http.StatusOK, &d)
	require.Equal(t, "1", d.AgentID)
	require.Equal(t, addr(11), d.Owner)
	require.Equal(t, "ipfs://agent-1", d.AgentURI)
	require.Equal(t, []api.Metadata{{Key: "name", Value: "0x416c696365", ValueText: ptr("Alice"), BlockNumber: 12}}, d.Metadata)
	// getSummary over clients 20, 21, 22: WAD values 80e18, 90.5e18, -7e18 -> avg 54.5e18; mode:
	// decimals 0 twice -> 54 (truncated toward zero).
	require.Equal(t, api.Reputation{Count: 3, SummaryValue: "54", SummaryValueDecimals: 0, RevokedCount: 1, UniqueClients: 3,
		ResponseCount: 1}, d.Reputation)
	require.Equal(t, api.ValStats{Count: 2, RespondedCount: 1, AvgResponse: 90}, d.Validations)
	require.Equal(t, "ok", d.Registration.Status)
	require.Equal(t, "Alice 100%", *d.Registration.Name)
	require.True(t, *d.Registration.X402Support)
	require.JSONEq(t, `[{"name":"A2A","endpoint":"https://a.example"}]`, string(d.Registration.Services))
	require.Equal(t, []string{"reputation"}, d.Registration.SupportedTrust)
	b.getJSON(t, pathf("/agents/2"), http.StatusOK, &d)
	require.Equal(t, "invalid", d.Registration.Status)
	require.Equal(t, []string{"not JSON"}, d.Registration.Errors)
	require.Nil(t, d.Registration.Name)
	b.getJSON(t, pathf("/agents/3"), http.StatusOK, &d)
	require.Equal(t, "pending", d.Registration.Status)
	require.Equal(t, "ipfs://agent-3", d.Registration.URI)

	var fp api.FeedbackPage
	b.getJSON(t, pathf("/agents/1/feedback"), http.StatusOK, &fp)
	require.Len(t, fp.Feedback, 3, "revoked excluded by default")
	require.Equal(t, addr(20), fp.Feedback[0].ClientAddress)
	require.Len(t, fp.Feedback[0].Responses, 1)
	require.Equal(t, addr(11), fp.Feedback[0].Responses[0].Responder)
	require.Equal(t, "905", fp.Feedback[1].Value)
	require.Equal(t, int16(1), fp.Feedback[1].ValueDecimals)

	var vd api.Validation
	b.getJSON(t, pathf("/validations/%s", strings.ToUpper(hash(40)[2:])), http.StatusBadRequest, nil)
	b.getJSON(t, pathf("/validations/%s", hash(40)), http.StatusOK, &vd)
	require.Equal(t, int16(90), *vd.Response)
	require.Len(t, vd.History, 2)
	require.Equal(t, int16(50), vd.History[0].Response)

	var st api.Stats
	b.getJSON(t, "/v1/stats", http.StatusOK, &st)
	require.Equal(t, []api.ChainStats{{ChainID: 1337, IndexedBlock: 100, Agents: 5, Feedback: 4, RevokedFeedback: 1, Responses: 1,
		Validations: 2, ValidationsDone: 1, MetadataEntries: 1, FeedbackClients: 3, AgentsWithReview: 2}}, st.Chains)

	resp, body := b.get(t, "/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok\n", string(body))
	resp, body = b.get(t, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `erc8004_api_requests_total{route="GET /v1/chains/{chain}/agents/{id}",status="200"}`)
	require.Contains(t, string(body), `erc8004_api_request_duration_seconds_bucket{route="GET /v1/stats"`)
	resp, body = b.get(t, "/openapi.json")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, json.Valid(body))
}

func ptr[T any](v T) *T { return &v }

// TestAPI_BadInput checks the 400s and 404s, each with the error body.
func TestAPI_BadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/chains/nochain/agents", 400, api.CodeBadRequest},
		{"/v1/chains/0/agents", 400, api.CodeBadRequest},
		{pathf("/agents?owner=0x12"), 400, api.CodeBadRequest},
		{pathf("/agents?wallet=nothex"), 400, api.CodeBadRequest},
		{pathf("/agents?colour=red"), 400, api.CodeBadRequest},
		{pathf("/agents?sort=name"), 400, api.CodeBadRequest},
		{pathf("/agents?order=up"), 400, api.CodeBadRequest},
		{pathf("/agents?limit=0"), 400, api.CodeBadRequest},
		{pathf("/agents?limit=101"), 400, api.CodeBadRequest},
		{pathf("/agents?limit=1&limit=2"), 400, api.CodeBadRequest},
		{pathf("/agents?has_feedback=maybe"), 400, api.CodeBadRequest},
		{pathf("/agents?cursor=garbage!"), 400, api.CodeBadRequest},
		{pathf("/agents?cursor=eyJ0IjoiZmVlZGJhY2sifQ"), 400, api.CodeBadRequest}, // a feedback cursor
		{pathf("/agents/-1"), 400, api.CodeBadRequest},
		{pathf("/agents/01"), 400, api.CodeBadRequest},
		{pathf("/agents/1e3"), 400, api.CodeBadRequest},
		{pathf("/agents/115792089237316195423570985008687907853269984665640564039457584007913129639936"), 400, api.CodeBadRequest},
		{pathf("/agents/1/feedback?client=0xzz"), 400, api.CodeBadRequest},
		{pathf("/agents/1/feedback?tag=x"), 400, api.CodeBadRequest},
		{pathf("/agents/1/summary?clients=0x1,0x2"), 400, api.CodeBadRequest},
		{pathf("/agents/1/validations?validator=1"), 400, api.CodeBadRequest},
		{pathf("/validations/0x1234"), 400, api.CodeBadRequest},
		{pathf("/agents/6"), 404, api.CodeNotFound},
		{pathf("/agents/6/feedback"), 404, api.CodeNotFound},
		{pathf("/agents/6/summary"), 404, api.CodeNotFound},
		{pathf("/agents/6/validations"), 404, api.CodeNotFound},
		{pathf("/validations/%s", hash(1)), 404, api.CodeNotFound},
		{"/v1/chains/8453", 404, api.CodeNotFound},
		{"/v1/nothing", 404, api.CodeNotFound},
	} {
		resp, body := b.get(t, c.path)
		require.Equal(t, c.status, resp.StatusCode, "%s: %s", c.path, body)
		require.Equal(t, c.code, errCode(t, body), c.path)
	}
	resp, _ := b.get(t, "/v1/chains/base")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "a built-in name resolves (base is not indexed here)")
	resp, _ = b.get(t, "/v1/chains/base/agents")
	require.Equal(t, http.StatusOK, resp.StatusCode, "an empty chain lists no agents")
}
