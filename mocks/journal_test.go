package mocks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJournalAnswersWhatTheAppSent: the journal keeps the query, headers and body of each
// request and the body of its answer, credentials and writeOnly fields redacted.
func TestJournalAnswersWhatTheAppSent(t *testing.T) {
	const sfy = `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2","username":"journal@test.com","password":"secret1","retype_password":"secret1","firstName":"J","departmentID":2}`
	tests := []struct {
		name, api, path, body string
		headers               map[string]string
		wantHeaders           map[string]string
		wantBody              []string // in the journalled request body
		notBody               []string
		wantQuery             string
		wantResponse          string
	}{
		{name: "bearer token redacted, scheme kept", api: "pulse", path: "/pulse/users?source=signup&x=1",
			headers:     map[string]string{"Authorization": "Bearer demo-token", "x-account-id": "2311", "Content-Type": "application/json"},
			body:        `{"email":"journal@example.com"}`,
			wantHeaders: map[string]string{"Authorization": "Bearer [redacted]", "X-Account-Id": "2311", "Content-Type": "application/json"},
			wantBody:    []string{`{"email":"journal@example.com"}`}, wantQuery: "source=signup&x=1", wantResponse: `"email":"journal@example.com"`},
		{name: "api key header redacted", api: "pland", path: "/pland/v2/users/",
			headers:     map[string]string{"x-API-Key": "pland-demo-key", "Content-Type": "application/json"},
			body:        `{"general":{"firstName":"John"}}`,
			wantHeaders: map[string]string{"X-Api-Key": "[redacted]"}, wantBody: []string{`"firstName":"John"`}, wantResponse: `"_id"`},
		{name: "body credentials and writeOnly fields redacted, order kept", api: "superfy", path: "/superfy/api/companies/adduser",
			headers: map[string]string{"Content-Type": "application/json"}, body: sfy,
			wantBody: []string{`{"deviceID":"[redacted]","token":"[redacted]","username":"journal@test.com","password":"[redacted]","retype_password":"[redacted]"`},
			notBody:  []string{"secret1", "bb602ab13b8090268cd6e3bb9dfa39e2"}, wantResponse: `"username":"journal@test.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := newTestServer(t)
			sent := do(t, ts.URL, call{path: tt.path, headers: tt.headers, body: tt.body})
			require.Less(t, sent.status, 300, string(sent.body))
			got := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?api=" + tt.api})
			var j struct{ Requests []entry }
			require.NoError(t, json.Unmarshal(got.body, &j))
			require.Len(t, j.Requests, 1)
			e := j.Requests[0]
			assert.Equal(t, tt.wantQuery, e.Query)
			for k, v := range tt.wantHeaders {
				assert.Equal(t, v, e.Request.Headers.Get(k), k)
			}
			for _, s := range tt.wantBody {
				assert.Contains(t, e.Request.Body, s)
			}
			for _, s := range tt.notBody {
				assert.NotContains(t, e.Request.Body, s)
				assert.NotContains(t, string(got.body), s)
			}
			assert.Equal(t, len(tt.body), e.Request.BodyBytes)
			assert.Contains(t, e.Response.Body, tt.wantResponse)
			assert.Equal(t, string(sent.body), e.Response.Body)
			assert.Equal(t, len(sent.body), e.Response.BodyBytes)
			assert.Contains(t, e.Response.Headers.Get("Content-Type"), "application/json")
		})
	}
}

func TestJournalClipsBodies(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("pulse")
	big := `{"email":"clip@example.com","firstName":"` + strings.Repeat("x", 3*JournalBodyBytes) + `"}`
	do(t, ts.URL, call{path: c.path, headers: c.headers, body: big})
	got := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?api=pulse"})
	var j struct{ Requests []entry }
	require.NoError(t, json.Unmarshal(got.body, &j))
	require.Len(t, j.Requests, 1)
	e := j.Requests[0]
	assert.Len(t, e.Request.Body, JournalBodyBytes)
	assert.True(t, e.Request.Truncated)
	assert.Equal(t, len(big), e.Request.BodyBytes)
	assert.LessOrEqual(t, len(e.Response.Body), JournalBodyBytes)
}

func TestJournalBudgetCountsBodies(t *testing.T) {
	j := newJournal(1000, 64<<10)
	body := strings.Repeat("b", JournalBodyBytes)
	for range 100 {
		j.add(entry{API: "a", Request: message{Body: body}, Response: message{Body: body}})
	}
	n, bytes := j.usage()
	assert.LessOrEqual(t, bytes, 64<<10)
	assert.Less(t, n, 100, "bodies count against the byte budget")
}
