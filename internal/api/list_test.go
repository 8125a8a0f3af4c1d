package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/erc8004-indexer/erc8004-indexer/internal/api"
)

func ids(agents []api.Agent) []string {
	out := make([]string, len(agents))
	for i, a := range agents {
		out[i] = a.AgentID
	}
	return out
}

// walk lists every page of path (limit 2) and returns the agent ids in order; between pages it
// calls between (to insert rows while paginating).
func walk(t *testing.T, b *bundle, path string, between func(page int)) []string {
	t.Helper()
	var out []string
	next := ""
	for page := 0; ; page++ {
		p := path + "&limit=2"
		if next != "" {
			p += "&cursor=" + url.QueryEscape(next)
		}
		var ap api.AgentPage
		b.getJSON(t, p, http.StatusOK, &ap)
		out = append(out, ids(ap.Agents)...)
		if ap.NextCursor == nil {
			require.LessOrEqual(t, len(ap.Agents), 2)
			return out
		}
		require.Len(t, ap.Agents, 2)
		next = *ap.NextCursor
		if between != nil {
			between(page)
		}
		require.Less(t, page, 100)
	}
}

// TestAPI_AgentFilters checks every filter and sort of the agent listing.
func TestAPI_AgentFilters(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	list := func(q string) []string {
		var ap api.AgentPage
		b.getJSON(t, pathf("/agents?%s", q), http.StatusOK, &ap)
		return ids(ap.Agents)
	}
	require.Equal(t, []string{"1", "2", "3", "4", "5"}, list(""))
	require.Equal(t, []string{"1", "3", "5"}, list("owner="+addr(11)))
	require.Equal(t, []string{"1", "3", "5"}, list("owner=0x"+fmt.Sprintf("%040X", 11)), "addresses in any case")
	require.Equal(t, []string{"5"}, list("wallet="+addr(500)))
	require.Equal(t, []string{"1", "2"}, list("has_feedback=true"))
	require.Equal(t, []string{"3", "4", "5"}, list("has_feedback=false"))
	require.Equal(t, []string{"5", "4", "3", "2", "1"}, list("order=desc"))
	require.Equal(t, []string{"5", "4", "3", "2", "1"}, list("sort=registration"))
	require.Equal(t, []string{"1", "2", "3", "4", "5"}, list("sort=registration&order=asc"))
	// feedback counts: 1 -> 3, 2 -> 1, others 0 (ties by id, descending).
	require.Equal(t, []string{"1", "2", "5", "4", "3"}, list("sort=feedback"))
	// reputation: 2 -> 99, 1 -> 54, others 0.
	require.Equal(t, []string{"2", "1", "5", "4", "3"}, list("sort=reputation"))
	require.Equal(t, []string{"3", "4", "5", "1", "2"}, list("sort=reputation&order=asc"))
	require.Equal(t, []string{"1"}, list("owner="+addr(11)+"&has_feedback=true&sort=reputation"))
	require.Equal(t, []string{"1"}, list("x402=true"))
	require.Equal(t, []string{"4"}, list("x402=false"))
	require.Equal(t, []string{"4"}, list("active=false&sort=feedback"))
	require.Equal(t, []string{"1"}, list("name=alice"))
	require.Equal(t, []string{"1"}, list("name=100%25"), "a literal %")
	require.Empty(t, list("name=%25%25%25x"), "wildcards are escaped")
	require.Equal(t, []string{"1", "4"}, list("name="), "an empty search matches every parsed name")
	var ap api.AgentPage
	b.getJSON(t, pathf("/agents?name=bob"), http.StatusOK, &ap)
	require.Equal(t, "Bob", *ap.Agents[0].Name)
	require.False(t, *ap.Agents[0].X402Support)
}

// TestAPI_PaginationStable walks every sort page by page while agents and feedback are inserted
// between pages: every agent present at the start is seen exactly once.
func TestAPI_PaginationStable(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	next := 100
	insert := func(pool *pgxpool.Pool) func(int) {
		return func(page int) {
			if page > 2 {
				return
			}
			next++
			addAgent(t, pool, next, addr(11), nil, 50+next)
			addFeedback(t, pool, fb{agent: 3, client: 40 + next, index: 1, value: "1", block: 60 + next, log: 1})
			refreshAggregates(t, pool)
		}
	}
	for _, q := range []string{"sort=id", "sort=id&order=desc", "sort=registration", "sort=registration&order=asc",
		"sort=feedback", "sort=feedback&order=asc", "sort=reputation", "sort=reputation&order=asc"} {
		t.Run(q, func(t *testing.T) {
			got := walk(t, b, pathf("/agents?%s", q), insert(b.pool))
			seen := map[string]int{}
			for _, id := range got {
				seen[id]++
				require.Equal(t, 1, seen[id], "%s: agent %s listed twice: %v", q, id, got)
			}
			for _, id := range []string{"1", "2", "4", "5"} {
				require.Equal(t, 1, seen[id], "%s: agent %s missing: %v", q, id, got)
			}
		})
	}
}

// TestAPI_FeedbackFilters checks the feedback listing's filters and pagination.
func TestAPI_FeedbackFilters(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), seedBasic)
	clients := func(q string) []string {
		var fp api.FeedbackPage
		b.getJSON(t, pathf("/agents/1/feedback?%s", q), http.StatusOK, &fp)
		var out []string
		for _, f := range fp.Feedback {
			out = append(out, f.ClientAddress[40:]+"/"+f.FeedbackIndex)
		}
		return out
	}
	require.Equal(t, []string{"14/1", "15/1", "16/1"}, clients(""))
	require.Equal(t, []string{"14/1", "15/1", "15/2", "16/1"}, clients("include_revoked=true"))
	require.Equal(t, []string{"15/1", "15/2"}, clients("include_revoked=true&client="+addr(21)))
	require.Equal(t, []string{"14/1", "15/1"}, clients("tag1=quality"))
	require.Equal(t, []string{"14/1"}, clients("tag1=quality&tag2=fast"))
	require.Equal(t, []string{"15/2"}, clients("tag1=speed&include_revoked=true"))
	require.Empty(t, clients("tag1=speed"))

	var p1, p2 api.FeedbackPage
	b.getJSON(t, pathf("/agents/1/feedback?limit=2&include_revoked=true"), http.StatusOK, &p1)
	require.Len(t, p1.Feedback, 2)
	require.NotNil(t, p1.NextCursor)
	b.getJSON(t, pathf("/agents/1/feedback?limit=2&include_revoked=true&cursor=%s", *p1.NextCursor), http.StatusOK, &p2)
	require.Len(t, p2.Feedback, 2)
	require.Nil(t, p2.NextCursor)
	require.Equal(t, "2", p2.Feedback[0].FeedbackIndex)
	resp, _ := b.get(t, pathf("/agents?cursor=%s", *p1.NextCursor))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "a feedback cursor is not an agents cursor")

	var vp api.ValidationPage
	b.getJSON(t, pathf("/agents/1/validations?limit=1"), http.StatusOK, &vp)
	require.Len(t, vp.Validations, 1)
	require.NotNil(t, vp.NextCursor)
	b.getJSON(t, pathf("/agents/1/validations?validator=%s", addr(31)), http.StatusOK, &vp)
	require.Empty(t, vp.Validations)
}

// TestAPI_Summary checks getSummary's arithmetic on hand-computed cases: client lists
// (duplicates count twice, as in the contract's loop), tags, the mode of the decimals with ties
// to the smallest, truncation toward zero, revoked excluded, int128 wrap-around.
func TestAPI_Summary(t *testing.T) {
	t.Parallel()
	b := setup(t, testConfig(), func(t *testing.T, pool *pgxpool.Pool) {
		seedBasic(t, pool)
		addAgent(t, pool, 7, addr(11), nil, 60)
		for i, f := range []fb{
			{client: 50, value: "-15", decimals: 1, tag1: "a"}, // -1.5
			{client: 50, value: "-2", decimals: 0, tag1: "a"},  // -2
			{client: 51, value: "3", decimals: 2, tag1: "b"},   // 0.03
			{client: 51, value: "170141183460469231731687303715884105727", decimals: 0, tag1: "big"},
			{client: 51, value: "170141183460469231731687303715884105727", decimals: 0, tag1: "big"},
		} {
			f.agent, f.index, f.block, f.log = 7, i+1, 70+i, 1
			addFeedback(t, pool, f)
		}
	})
	sum := func(q string) api.Summary {
		var s api.Summary
		b.getJSON(t, pathf("/agents/%s/summary?%s", "7", q), http.StatusOK, &s)
		return s
	}
	c50, c51 := addr(50), addr(51)
	// -1.5 and -2: avg -1.75e18; decimals 1 and 0 tie -> 0 -> -1 (toward zero).
	s := sum("clients=" + c50)
	require.Equal(t, []any{int64(2), "-1", int16(0)}, []any{s.Count, s.SummaryValue, s.SummaryValueDecimals})
	// Listed twice: counted twice, same average.
	s = sum("clients=" + c50 + "," + c50)
	require.Equal(t, []any{int64(4), "-1", int16(0)}, []any{s.Count, s.SummaryValue, s.SummaryValueDecimals})
	// -1.5, -2, 0.03: decimals 1, 0, 2 tie -> 0; avg -1.1566..e18 -> -1.
	s = sum("clients=" + c50 + "," + c51 + "&tag1=a")
	require.Equal(t, []any{int64(2), "-1", int16(0)}, []any{s.Count, s.SummaryValue, s.SummaryValueDecimals})
	s = sum("clients=" + c51 + "&tag1=b")
	require.Equal(t, []any{int64(1), "3", int16(2)}, []any{s.Count, s.SummaryValue, s.SummaryValueDecimals})
	// Two int128 maxima average to the maximum itself.
	s = sum("clients=" + c51 + "&tag1=big")
	require.Equal(t, "170141183460469231731687303715884105727", s.SummaryValue)
	s = sum("clients=" + c51 + "&tag2=none")
	require.Equal(t, []any{int64(0), "0", int16(0)}, []any{s.Count, s.SummaryValue, s.SummaryValueDecimals})
	// No clients: every client of the agent, as the reputation view.
	s = sum("")
	require.Equal(t, int64(5), s.Count)
	// Agent 1: the revoked feedback is excluded.
	var s1 api.Summary
	b.getJSON(t, pathf("/agents/1/summary?clients=%s", addr(21)), http.StatusOK, &s1)
	require.Equal(t, []any{int64(1), "905", int16(1)}, []any{s1.Count, s1.SummaryValue, s1.SummaryValueDecimals})
}
