package mocks

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCORSPolicy(t *testing.T) {
	const app, other = "http://localhost:3000", "http://127.0.0.1:3000"
	tests := []struct {
		name        string
		origins     []string
		credentials bool
		origin      string
		wantOrigin  string // "" when the browser gets no grant
		wantCreds   bool
		wantVary    bool
	}{
		{"any origin, no credentials: *", nil, false, app, "*", false, false},
		{"any origin with credentials: echoed, never *", []string{"*"}, true, app, app, true, true},
		{"first of two origins", []string{app, other}, false, app, app, false, true},
		{"second of a comma list", []string{app + ", " + other}, false, other, other, false, true},
		{"listed origin with credentials", []string{app}, true, app, app, true, true},
		{"case of the scheme and host does not matter", []string{"HTTP://LocalHost:3000"}, false, app, app, false, true},
		{"an origin not listed gets nothing", []string{app}, true, "http://evil.example", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := newTestServer(t, func(c *Config) { c.CORSOrigins, c.CORSCredentials = tt.origins, tt.credentials })
			c := caseFor("pulse")
			for _, method := range []string{"OPTIONS", "POST"} {
				h := with(c.headers, "Origin", tt.origin)
				if method == "OPTIONS" {
					h = map[string]string{"Origin": tt.origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-account-id, authorization, content-type"}
				}
				got := do(t, ts.URL, call{method: method, path: c.path, headers: h, body: `{"email":"cors@example.com"}`})
				assert.Equal(t, tt.wantOrigin, got.header.Get("Access-Control-Allow-Origin"), method)
				assert.Equal(t, tt.wantCreds, got.header.Get("Access-Control-Allow-Credentials") == "true", method)
				if tt.wantOrigin != "" {
					assert.Equal(t, tt.wantVary, slices.Contains(got.header.Values("Vary"), "Origin"), method)
				}
				switch {
				case method == "OPTIONS" && tt.wantOrigin != "":
					assert.Equal(t, http.StatusNoContent, got.status)
					assert.Contains(t, got.header.Get("Access-Control-Allow-Headers"), "x-account-id")
				case method == "OPTIONS":
					assert.Equal(t, http.StatusForbidden, got.status, "a refused preflight says so, not 405 in the vendor's shape")
					assert.Contains(t, string(got.body), "origin http://evil.example is not allowed")
					assert.Contains(t, string(got.body), "--cors-origin http://evil.example")
				default:
					assert.Equal(t, 201, got.status, "a request from any origin is answered; the browser decides who reads it")
				}
			}
		})
	}
}

func TestCORSOriginRefusesNonsense(t *testing.T) {
	for _, o := range []string{"localhost:3000", "http://x/path", "http://x?q"} {
		_, err := newCORSPolicy([]string{o}, false)
		assert.Error(t, err, o)
	}
}

func TestCORSNeverOnAdmin(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.CORSOrigins, c.CORSCredentials = []string{"*"}, true })
	for _, method := range []string{"OPTIONS", "GET"} {
		got := do(t, ts.URL, call{method: method, path: "/__admin/requests", headers: map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}})
		assert.Empty(t, got.header.Get("Access-Control-Allow-Origin"), method)
		assert.Empty(t, got.header.Get("Access-Control-Allow-Credentials"), method)
	}
}

func TestPreflightsAreJournalled(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.CORSOrigins = []string{"http://localhost:3000"} })
	for _, origin := range []string{"http://localhost:3000", "http://evil.example"} {
		do(t, ts.URL, call{method: "OPTIONS", path: "/pulse/users", headers: map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"}})
	}
	got := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?api=pulse"})
	var j struct{ Requests []entry }
	require.NoError(t, json.Unmarshal(got.body, &j))
	require.Len(t, j.Requests, 2)
	refused, allowed := j.Requests[0], j.Requests[1]
	assert.Equal(t, "OPTIONS", allowed.Method)
	assert.Equal(t, 204, allowed.Status)
	assert.True(t, allowed.Valid)
	assert.Contains(t, allowed.Decision, "preflight allowed")
	assert.Equal(t, 403, refused.Status)
	assert.False(t, refused.Valid)
	assert.Contains(t, refused.Decision, "http://evil.example is not allowed")
	assert.Equal(t, "http://evil.example", refused.Request.Headers.Get("Origin"))
}
