package mocks

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestConcurrentDuplicatesGiveOneSuccess(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	const n = 200
	var wg sync.WaitGroup
	statuses := make([]int, n)
	bodies := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"employeeID":"RACE1","name":"n","phone":"1","isActive":true}`})
			statuses[i], bodies[i] = got.status, string(got.body)
		}(i)
	}
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		count[s]++
		if s == http.StatusConflict {
			assert.Contains(t, bodies[i], "USER_EMPLOYEE_ID_EXISTS")
		}
	}
	assert.Equal(t, map[int]int{200: 1, 409: n - 1}, count)
}

func TestPrefer(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	valid := `{"employeeID":"PREF%d","name":"n","phone":"1","isActive":true}`
	tests := []struct {
		name     string
		query    string
		prefer   string
		body     string
		status   int
		contains string
	}{
		{name: "header code 409 returns the documented example", prefer: "code=409", body: `{}`, status: 409, contains: "employee id already been taken"},
		{name: "query code and example", query: "?__code=400&__example=invalid_json", body: `{}`, status: 400, contains: "INVALID_JSON"},
		{name: "example name alone finds its status", prefer: "example=not_acceptable", body: `{}`, status: 406, contains: "NOT_ACCEPTABLE"},
		{name: "undocumented code", prefer: "code=418", body: `{}`, status: 400, contains: "documented: 200, 400"},
		{name: "unknown example lists the available ones", prefer: "example=nope", body: `{}`, status: 400, contains: "employee_id_exists (409)"},
		{name: "bad code", prefer: "code=abc", body: `{}`, status: 400, contains: "not an HTTP status code"},
		{name: "dynamic success still validates", prefer: "dynamic=true", body: fmt.Sprintf(valid, 1), status: 200, contains: `"serial"`},
		{name: "code 200 on an invalid request is still refused", prefer: "code=200", body: `{}`, status: 400, contains: "INVALID_PARAMETER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := with(c.headers, "Prefer", tt.prefer)
			got := do(t, ts.URL, call{path: c.path + tt.query, headers: h, body: tt.body})
			assert.Equal(t, tt.status, got.status, string(got.body))
			assert.Contains(t, string(got.body), tt.contains)
		})
	}
}

func TestParsePreference(t *testing.T) {
	tests := []struct {
		header, query string
		want          preference
		wantErr       bool
	}{
		{header: "code=409, example=employee_id_exists, dynamic=true", want: preference{Code: 409, Example: "employee_id_exists", Dynamic: true}},
		{header: `return=minimal; code="201"`, want: preference{Code: 201}},
		{query: "__code=404&__dynamic=false", want: preference{Code: 404}},
		{header: "code=201", query: "__code=409", want: preference{Code: 409}},
		{header: "code=99", wantErr: true},
		{header: "dynamic=maybe", wantErr: true},
		{header: "example=", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.header+tt.query, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x?"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Prefer", tt.header)
			}
			got, err := parsePreference(r)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCORSPreflight(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.CORSOrigin = "http://localhost:3000" })
	got := do(t, ts.URL, call{method: "OPTIONS", path: "/pulse/users", headers: map[string]string{
		"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-account-id, authorization"}})
	assert.Equal(t, http.StatusNoContent, got.status)
	assert.Equal(t, "http://localhost:3000", got.header.Get("Access-Control-Allow-Origin"))
	for _, h := range []string{"x-API-Key", "x-account-id", "Authorization", "Prefer"} {
		assert.Contains(t, got.header.Get("Access-Control-Allow-Headers"), h)
	}
	other := do(t, ts.URL, call{method: "OPTIONS", path: "/pulse/users", headers: map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}})
	assert.Empty(t, other.header.Get("Access-Control-Allow-Origin"))
	c := caseFor("pulse")
	real := do(t, ts.URL, call{path: c.path, headers: with(c.headers, "Origin", "http://localhost:3000"), body: `{"email":"cors@example.com"}`})
	assert.Equal(t, 201, real.status)
	assert.Contains(t, real.header.Get("Access-Control-Expose-Headers"), DecisionHeader)
}

func TestJournal(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("pulse")
	do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"email":"ok@example.com"}`})
	do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"email":"bad"}`})
	got := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?api=pulse"})
	require.Equal(t, 200, got.status)
	var j struct{ Requests []entry }
	require.NoError(t, json.Unmarshal(got.body, &j))
	require.Len(t, j.Requests, 2)
	assert.Equal(t, 400, j.Requests[0].Status, "newest first")
	assert.False(t, j.Requests[0].Valid)
	assert.Equal(t, "email", j.Requests[0].Problems[0].Field)
	assert.True(t, j.Requests[1].Valid)
	invalid := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?invalid=true"})
	assert.Equal(t, 1, strings.Count(string(invalid.body), `"status"`))
}

func TestJournalIsBounded(t *testing.T) {
	j := newJournal(3, 1<<20)
	for i := 0; i < 10; i++ {
		j.add(entry{Status: i})
	}
	got := j.list("", false, 100)
	require.Len(t, got, 3)
	assert.Equal(t, []int{9, 8, 7}, []int{got[0].Status, got[1].Status, got[2].Status})

	j = newJournal(1000, 10_000)
	for i := 0; i < 1000; i++ {
		j.add(entry{Status: i, Decision: strings.Repeat("x", 900)})
	}
	n, bytes := j.usage()
	assert.LessOrEqual(t, bytes, 10_000, "the byte budget holds")
	assert.Equal(t, 9, n, "as many of the newest as fit")
	assert.Equal(t, 999, j.list("", false, 1)[0].Status)
}

func TestAdmin(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	body := `{"employeeID":"ADMIN1","name":"n","phone":"1","isActive":true}`
	require.Equal(t, 200, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status)
	require.Equal(t, 409, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status)

	recs := do(t, ts.URL, call{method: "GET", path: "/__admin/apis/ruangkerja/records"})
	assert.Contains(t, string(recs.body), "ADMIN1")
	assert.Contains(t, string(recs.body), "TAKEN001", "fixture records are listed")

	reset := do(t, ts.URL, call{path: "/__admin/reset?api=ruangkerja"})
	require.Equal(t, 200, reset.status)
	assert.Equal(t, 200, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status, "reset forgets created records")
	assert.Equal(t, 409, do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"employeeID":"TAKEN001","name":"n","phone":"1","isActive":true}`}).status, "reset keeps fixtures")

	seeded := do(t, ts.URL, call{path: "/__admin/apis/ruangkerja/records", body: `{"body":{"employeeID":"SEEDED1","name":"n","phone":"1","isActive":true}}`})
	require.Equal(t, 201, seeded.status, string(seeded.body))
	assert.Equal(t, 409, do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"employeeID":"SEEDED1","name":"n","phone":"1","isActive":true}`}).status)
	bad := do(t, ts.URL, call{path: "/__admin/apis/ruangkerja/records", body: `{"body":{"employeeID":"x-1"}}`})
	assert.Equal(t, 400, bad.status)
	assert.Contains(t, string(bad.body), "employeeID")

	apis := do(t, ts.URL, call{method: "GET", path: "/__admin/apis"})
	assert.Contains(t, string(apis.body), `"employee_id_exists"`)
	assert.Equal(t, 404, do(t, ts.URL, call{method: "GET", path: "/__admin/apis/nope/records"}).status)
}

func TestAdminGuard(t *testing.T) {
	srv, _ := newTestServer(t)
	r := httptest.NewRequest("GET", "/__admin/apis", nil)
	r.RemoteAddr = "203.0.113.7:5555"
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	assert.Equal(t, http.StatusForbidden, w.Code)

	tokened, _ := newTestServer(t, func(c *Config) { c.AdminToken = "s3cret" })
	for _, tt := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer s3cret", 200}} {
		r := httptest.NewRequest("GET", "/__admin/apis", nil)
		r.RemoteAddr = "203.0.113.7:5555"
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		tokened.ServeHTTP(w, r)
		assert.Equal(t, tt.want, w.Code, tt.auth)
	}
}

func TestStrictAuth(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.Auth = AuthStrict })
	c := caseFor("pland")
	assert.Equal(t, 201, do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{}`}).status)
	got := do(t, ts.URL, call{path: c.path, headers: with(c.headers, "x-API-Key", "unknown"), body: `{}`})
	assert.Equal(t, 401, got.status)
	assert.Contains(t, string(got.body), "--auth strict")
}

func TestRootMount(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.Root = "pland" })
	c := caseFor("pland")
	assert.Equal(t, 201, do(t, ts.URL, call{path: "/v2/users/", headers: c.headers, body: `{}`}).status)
	assert.Equal(t, 404, do(t, ts.URL, call{path: "/pland/v2/users/", headers: c.headers, body: `{}`}).status)
	// The operational paths stay the server's; every other path is the API's, 404s included.
	health := do(t, ts.URL, call{method: http.MethodGet, path: "/__health"})
	assert.Equal(t, 200, health.status)
	assert.Contains(t, string(health.body), `"status": "ok"`)
	assert.Equal(t, 200, do(t, ts.URL, call{method: http.MethodGet, path: "/__admin/apis/pland/records"}).status)
	unknown := do(t, ts.URL, call{method: http.MethodGet, path: "/nowhere"})
	_, mounted := newTestServer(t)
	assert.Equal(t, 404, unknown.status)
	assert.JSONEq(t, string(do(t, mounted.URL, call{method: http.MethodGet, path: "/pland/nowhere"}).body), string(unknown.body),
		"the API's own 404, as when mounted under /pland")
}

// TestGoldenDefaultResponses pins the default success bodies under a fixed seed and clock,
// byte for byte: keys come in the order the vendor's document prints them.
func TestGoldenDefaultResponses(t *testing.T) {
	apis, _ := loadAll(t)
	for _, c := range apiCases {
		t.Run(c.id, func(t *testing.T) {
			_, ts := newTestServer(t)
			op := apiByID(t, apis, c.id).Ops[0]
			got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: documentedRequest(t, op)})
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, got.body, "  ", "  "))
			b := []byte(fmt.Sprintf("{\n  \"status\": %d,\n  \"body\": %s\n}", got.status, pretty.String()))
			file := filepath.Join("testdata", "golden", c.id+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
				require.NoError(t, os.WriteFile(file, append(b, '\n'), 0o644))
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "run go test ./mocks -run Golden -update")
			assert.Equal(t, string(want), string(b)+"\n")
		})
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	c := caseFor("ruangkerja")
	var bodies []string
	for i := 0; i < 2; i++ {
		_, ts := newTestServer(t)
		got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"employeeID":"SEED1","name":"n","phone":"1","isActive":true}`})
		bodies = append(bodies, string(got.body))
	}
	assert.Equal(t, bodies[0], bodies[1])
}
