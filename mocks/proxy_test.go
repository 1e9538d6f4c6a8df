package mocks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyTo serves every API with ruangkerja proxied to vendorURL.
func proxyTo(t *testing.T, vendorURL string, errs bool) (*Server, *httptest.Server) {
	t.Helper()
	return newTestServer(t, func(c *Config) {
		c.Proxies = map[string]string{"ruangkerja": vendorURL}
		c.ProxyErrors = errs
	})
}

// TestProxyInFrontOfTheMock: the vendor is a real usermock; a valid request passes clean, an
// invalid one is forwarded and flagged on the request side, the vendor's bytes come back
// unchanged, and a duplicate gets the vendor's own 409.
func TestProxyInFrontOfTheMock(t *testing.T) {
	_, vendor := newTestServer(t, func(c *Config) { c.Root = "ruangkerja" })
	srv, ts := proxyTo(t, vendor.URL, false)
	c := caseFor("ruangkerja")
	body := `{"employeeID":"PROXY1","name":"n","phone":"1","isActive":true}`
	got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: body})
	assert.Equal(t, 200, got.status, "%s", got.body)
	assert.Empty(t, got.header.Get(ViolationsHeader), "clean both ways")
	assert.Contains(t, string(got.body), `"status":"success"`)

	dup := do(t, ts.URL, call{path: c.path, headers: c.headers, body: body})
	assert.Equal(t, 409, dup.status)
	assert.JSONEq(t, `{"errorCode":10101,"message":"USER_EMPLOYEE_ID_EXISTS","detail":"employee id already been taken"}`, string(dup.body))
	assert.Empty(t, dup.header.Get(ViolationsHeader), "the vendor refused the duplicate as documented")

	bad := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"employeeID":"no-dashes","name":"n","phone":"1","isActive":true}`})
	assert.Equal(t, 400, bad.status, "forwarded: the vendor answers")
	assert.Contains(t, bad.header.Get(ViolationsHeader), "request: employeeID: must match the pattern")

	j := srv.journal.list("ruangkerja", false, 1)
	require.Len(t, j, 1)
	require.NotEmpty(t, j[0].Violations)
	assert.Equal(t, Violation{Side: "request", Field: "employeeID", Message: "must match the pattern ^[a-zA-Z0-9]+$ (Employee ID of user. Allowed format: Alphabet (a-z, A-Z), Numeric (0-9))"}, j[0].Violations[0])
}

// TestProxyErrorsAnswersLocally: with --proxy-errors an invalid request never reaches the
// vendor; it is answered in the vendor's shape.
func TestProxyErrorsAnswersLocally(t *testing.T) {
	var hits int
	var mu sync.Mutex
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer vendor.Close()
	_, ts := proxyTo(t, vendor.URL, true)
	c := caseFor("ruangkerja")
	got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"name":"n"}`})
	assert.Equal(t, 400, got.status)
	assert.Contains(t, string(got.body), "INVALID_PARAMETER")
	assert.Zero(t, hits)
}

// TestProxyJudgesTheVendor: a vendor that deviates is flagged on the response side, its bytes
// passed back as sent; an unreachable vendor is a 502 in the API's shape.
func TestProxyJudgesTheVendor(t *testing.T) {
	var mu sync.Mutex
	var seen *http.Request
	var seenBody []byte
	answers := map[string]struct {
		status int
		ct     string
		body   string
	}{
		"WRONGSTATUS": {201, "application/json", `{"status":"success","message":"Success","data":{"serial":"ABC"}}`},
		"NOSERIAL":    {200, "application/json", `{"status":"success","message":"Success","data":{}}`},
		"WRONGTYPE":   {200, "text/plain", `ok`},
		"DUP":         {200, "application/json", `{"status":"success","message":"Success","data":{"serial":"ABC"}}`},
		"WRONGCODE":   {409, "application/json", `{"errorCode":10001,"message":"INVALID_PARAMETER","detail":"taken"}`},
	}
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen, seenBody = r.Clone(r.Context()), b
		mu.Unlock()
		var v struct{ EmployeeID string }
		_ = json.Unmarshal(b, &v)
		a, ok := answers[v.EmployeeID]
		if !ok {
			a.status, a.ct, a.body = 200, "application/json", `{}`
		}
		w.Header().Set("Content-Type", a.ct)
		w.Header().Set("X-Vendor", "yes")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	defer vendor.Close()
	_, ts := proxyTo(t, vendor.URL+"/base", false)
	c := caseFor("ruangkerja")
	send := func(id string) reply {
		return do(t, ts.URL, call{path: c.path + "?trace=1", headers: c.headers, body: `{"employeeID":"` + id + `","name":"n","phone":"1","isActive":true}`})
	}
	got := send("WRONGSTATUS")
	assert.Equal(t, 201, got.status, "the vendor's status, unchanged")
	assert.Equal(t, `{"status":"success","message":"Success","data":{"serial":"ABC"}}`, string(got.body), "the vendor's bytes, unchanged")
	assert.Equal(t, "yes", got.header.Get("X-Vendor"))
	assert.Contains(t, got.header.Get(ViolationsHeader), "response: status: status 201 is not documented")
	mu.Lock()
	assert.Equal(t, "/base/ruangkerja/users", seen.URL.Path, "the mount is dropped, the documented path appended to the base")
	assert.Equal(t, "trace=1", seen.URL.RawQuery)
	assert.Equal(t, "access_token", seen.Header.Get("Authorization"))
	assert.Contains(t, string(seenBody), "WRONGSTATUS")
	mu.Unlock()

	assert.Contains(t, send("NOSERIAL").header.Get(ViolationsHeader), `property "serial" is missing`)
	assert.Contains(t, send("WRONGTYPE").header.Get(ViolationsHeader), `Content-Type "text/plain" is not documented for status 200`)
	assert.NotEmpty(t, send("WRONGCODE").header.Get(ViolationsHeader), "a 409 that is not the documented duplicate error")
	assert.Empty(t, send("DUP").header.Get(ViolationsHeader))
	assert.Contains(t, send("DUP").header.Get(ViolationsHeader), "the upstream accepted a duplicate (rule employee_id_unique", "unique rules learned from the vendor's own answers")

	get := do(t, ts.URL, call{method: http.MethodGet, path: c.path + "?__delay=0&x=1", headers: map[string]string{"Authorization": "access_token", "Prefer": "delay=0, respond-async"}})
	assert.Equal(t, 200, get.status, "an undocumented method is forwarded, not answered 405 locally")
	assert.Contains(t, get.header.Get(ViolationsHeader), "request: method GET is not documented")
	mu.Lock()
	assert.Equal(t, "x=1", seen.URL.RawQuery, "usermock's own controls are not forwarded")
	assert.Equal(t, "respond-async", seen.Header.Get("Prefer"))
	mu.Unlock()

	vendor.Close()
	down := send("ANY")
	assert.Equal(t, 502, down.status)
	assert.Contains(t, string(down.body), `"errorCode":10010`, "in the API's shape")
	assert.True(t, strings.Contains(down.header.Get(DecisionHeader), "did not answer"))
}
