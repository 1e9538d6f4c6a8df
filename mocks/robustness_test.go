package mocks

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/store"
)

// The robustness suite: each test is an attack from the reliability issue, then the
// assertion that nothing was lost or leaked and the status is right.

// TestAdminRefusesOtherOrigins: a page on another origin (the browser is a loopback client)
// cannot read or reset anything, and a DNS-rebound Host is refused; curl keeps working.
func TestAdminRefusesOtherOrigins(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	body := `{"employeeID":"KEEPME","name":"n","phone":"1","isActive":true}`
	require.Equal(t, 200, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status)

	attacks := []struct {
		name    string
		call    call
		refused bool
	}{
		{"form post from another page", call{path: "/__admin/reset", headers: map[string]string{"Origin": "http://evil.example"}}, true},
		{"fetch marked cross-site", call{path: "/__admin/reset", headers: map[string]string{"Sec-Fetch-Site": "cross-site"}}, true},
		{"read records from another page", call{method: "GET", path: "/__admin/apis/ruangkerja/records", headers: map[string]string{"Origin": "http://evil.example"}}, true},
		{"read the journal from another page", call{method: "GET", path: "/__admin/requests", headers: map[string]string{"Origin": "null"}}, true},
		{"clear the journal from another page", call{method: "DELETE", path: "/__admin/requests", headers: map[string]string{"Origin": "http://127.0.0.1:1"}}, true},
		{"DNS rebinding", call{method: "GET", path: "/__admin/apis", headers: map[string]string{"Host": "evil.example"}}, true},
		{"same origin", call{method: "GET", path: "/__admin/apis", headers: map[string]string{"Origin": ts.URL}}, false},
		{"curl", call{method: "GET", path: "/__admin/apis"}, false},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			got := doHost(t, ts.URL, a.call)
			if a.refused {
				assert.Equal(t, http.StatusForbidden, got.status, "%s", got.body)
			} else {
				assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
			}
			assert.Empty(t, got.header.Get("Access-Control-Allow-Origin"), "the admin API grants no origin anything")
		})
	}
	preflight := doHost(t, ts.URL, call{method: "OPTIONS", path: "/__admin/reset",
		headers: map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}})
	assert.Empty(t, preflight.header.Get("Access-Control-Allow-Origin"), "preflight refused")
	recs := do(t, ts.URL, call{method: "GET", path: "/__admin/apis/ruangkerja/records"})
	assert.Contains(t, string(recs.body), "KEEPME", "no attack reset the mock")

	api := doHost(t, ts.URL, call{method: "OPTIONS", path: c.path,
		headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "POST"}})
	assert.Equal(t, "*", api.header.Get("Access-Control-Allow-Origin"), "the mocked APIs keep their CORS")
}

// doHost is do with the Host header honoured.
func doHost(t *testing.T, base string, c call) reply {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	require.NoError(t, err)
	for k, v := range c.headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	return reply{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

// TestHugeValuesGiveSmallAnswers: a megabyte value quoted in a conflict, or an array with a
// problem per item, makes a small answer and a small journal.
func TestHugeValuesGiveSmallAnswers(t *testing.T) {
	srv, ts := newTestServer(t)
	c := caseFor("pland")
	huge := strings.Repeat("a", 900<<10)
	body := `{"general":{"firstName":"` + huge + `"},"number":77}`
	require.Equal(t, 201, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status)
	for i := 0; i < 20; i++ {
		got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: body})
		require.Equal(t, 409, got.status)
		assert.Less(t, len(got.body), 2000, "the conflict quotes a clipped value")
		assert.Less(t, len(got.header.Get(DecisionHeader)), maxDecision+100)
	}
	items := strings.TrimSuffix(strings.Repeat(`1,`, 100_000), ",")
	got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"tags":[` + items + `]}`})
	require.Equal(t, 400, got.status)
	assert.Less(t, len(got.body), 20_000, "at most %d problems and a count of the rest", maxProblems)
	assert.Contains(t, string(got.body), "more problem(s)")
	_, bytes := srv.journal.usage()
	assert.Less(t, bytes, 2<<20, "the journal holds clipped entries")
}

// TestNumbersCompareByValue: 1, 1.0, 1e0 and 10e-1 are one number for unique rules and
// lookups; an integer beyond 64 bits is refused however it is spelled.
func TestNumbersCompareByValue(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("pland")
	require.Equal(t, 201, do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"number":5}`}).status)
	for _, n := range []string{"5.0", "5e0", "50e-1", "0.5e1"} {
		assert.Equal(t, 409, do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"number":` + n + `}`}).status, n)
	}
	for _, n := range []string{"1e20", "9223372036854775808.0", "-1e19"} {
		got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"number":` + n + `}`})
		assert.Equal(t, 400, got.status, n)
		assert.Contains(t, string(got.body), "64-bit range", n)
	}
	sfy := caseFor("superfy")
	got := do(t, ts.URL, call{path: sfy.path, headers: sfy.headers, body: `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2","username":"two@test.com","password":"abcde","retype_password":"abcde","firstName":"T","departmentID":2.0}`})
	assert.Equal(t, 201, got.status, "department 2.0 is department 2: %s", got.body)
}

// TestGeneratedKeysAreTaken: an id the server generated cannot be created again by a client.
func TestGeneratedKeysAreTaken(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("pland")
	first := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{}`})
	require.Equal(t, 201, first.status)
	id := first.json.(map[string]any)["_id"].(string)
	again := do(t, ts.URL, call{path: c.path, headers: c.headers, body: `{"_id":"` + id + `"}`})
	assert.Equal(t, 409, again.status, "%s", again.body)
	assert.Contains(t, string(again.body), id)
}

// TestDeclaredLengthOverTheLimit: a Content-Length above the limit is refused before the body
// is read, so a client waiting on "Expect: 100-continue" never gets the go-ahead.
func TestDeclaredLengthOverTheLimit(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	req := fmt.Sprintf("POST /ruangkerja%s HTTP/1.1\r\nHost: x\r\nAuthorization: access_token\r\nAccept: application/json\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", strings.TrimPrefix(c.path, "/ruangkerja"), 50<<20)
	_, err = conn.Write([]byte(req))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	assert.Equal(t, "PAYLOAD_TOO_LARGE", v["message"], "in the API's shape")
}

// TestSmallerRefusals: the small items of the reliability issue.
func TestSmallerRefusals(t *testing.T) {
	_, ts := newTestServer(t)
	rk := caseFor("ruangkerja")
	forced := do(t, ts.URL, call{path: rk.path, headers: map[string]string{"Prefer": "code=409", "Authorization": "access_token", "Accept": "application/json", "Content-Type": "application/json"}, body: `{}`})
	require.Equal(t, 409, forced.status)
	journal := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?limit=1"})
	assert.Contains(t, string(journal.body), `"valid": false`, "a forced error is not journalled as valid")

	noAuth := do(t, ts.URL, call{path: rk.path, headers: map[string]string{"Accept": "application/json", "Content-Type": "application/json"}, body: `{}`})
	require.Equal(t, 401, noAuth.status)
	assert.Contains(t, noAuth.header.Get("WWW-Authenticate"), `name="Authorization"`)
	pulse := caseFor("pulse")
	noBearer := do(t, ts.URL, call{path: pulse.path, headers: map[string]string{"Content-Type": "application/json", "x-account-id": "1"}, body: `{}`})
	assert.Equal(t, `Bearer realm="usermock"`, noBearer.header.Get("WWW-Authenticate"))
	sfy := caseFor("superfy")
	driver := do(t, ts.URL, call{path: sfy.path, headers: sfy.headers, body: `{"deviceID":"DRVR-0000-0000-0001","token":"00000000000000000000000000000001","username":"d@test.com","password":"abcde","retype_password":"abcde","firstName":"D","departmentID":2}`})
	require.Equal(t, 401, driver.status)
	assert.Equal(t, `Body realm="usermock", fields="deviceID token"`, driver.header.Get("WWW-Authenticate"), "every 401 names how to authenticate")

	health := do(t, ts.URL, call{method: "POST", path: "/__health"})
	assert.Equal(t, 405, health.status)
	assert.Equal(t, "GET, HEAD", health.header.Get("Allow"))

	unclean := do(t, ts.URL, call{path: "//ruangkerja/ruangkerja/users", headers: rk.headers, body: `{}`})
	assert.Equal(t, 404, unclean.status, "no bodiless redirect")
	assert.NotEmpty(t, unclean.body)

	// Under a mount too: a cleaned path would be redirected out of the API ("/users").
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/ruangkerja//ruangkerja/users", "/ruangkerja/./ruangkerja/users", "/ruangkerja/ruangkerja/x/../users"} {
		req, err := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(`{}`))
		require.NoError(t, err)
		for k, v := range rk.headers {
			req.Header.Set(k, v)
		}
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode, path)
		assert.Empty(t, resp.Header.Get("Location"), path)
		assert.Contains(t, string(body), "errorCode", "%s: answered in the API's shape", path)
	}
}

// failingStore fails every write while failing is set, as a full disk would.
type failingStore struct {
	*store.Memory
	mu      sync.Mutex
	failing bool
}

func (f *failingStore) set(v bool) { f.mu.Lock(); f.failing = v; f.mu.Unlock() }

func (f *failingStore) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return fmt.Errorf("%w: no space left on device", store.ErrWrite)
	}
	return nil
}

func (f *failingStore) Create(rec store.Record, limits []store.Limit, finish store.Finish) (store.Record, error) {
	if err := f.err(); err != nil {
		return store.Record{}, err
	}
	return f.Memory.Create(rec, limits, finish)
}

func (f *failingStore) Err() error { return f.err() }

// TestStorageFailureIsAnHonest500: a failing store answers 500 in the API's shape (never a
// 400 "validation"), /__health says so, and both recover when writes succeed again.
func TestStorageFailureIsAnHonest500(t *testing.T) {
	fs := &failingStore{Memory: store.NewMemory()}
	_, ts := newTestServer(t, func(c *Config) { c.Store = fs })
	c := caseFor("ruangkerja")
	body := `{"employeeID":"DISK1","name":"n","phone":"1","isActive":true}`
	fs.set(true)
	got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: body})
	assert.Equal(t, 500, got.status)
	assert.JSONEq(t, `{"errorCode":10009,"message":"INTERNAL_ERROR","detail":"the record store failed"}`, string(got.body))
	assert.Equal(t, 503, do(t, ts.URL, call{method: "GET", path: "/__health"}).status)
	fs.set(false)
	assert.Equal(t, 200, do(t, ts.URL, call{method: "GET", path: "/__health"}).status)
	assert.Equal(t, 200, do(t, ts.URL, call{path: c.path, headers: c.headers, body: body}).status, "the refused create was not kept")
}

// TestJournalListingIsBounded: the journal's JSON can be larger than the journal (escapes);
// one listing never answers more than maxListingBytes, and says it stopped.
func TestJournalListingIsBounded(t *testing.T) {
	_, ts := newTestServer(t)
	c := caseFor("ruangkerja")
	big := strings.Repeat("<", 60<<10)
	for i := 0; i < 200; i++ {
		h := map[string]string{"X-Big": big}
		for k, v := range c.headers {
			h[k] = v
		}
		do(t, ts.URL, call{path: c.path, headers: h, body: `{}`})
	}
	got := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?limit=1000"})
	require.Equal(t, 200, got.status)
	assert.LessOrEqual(t, len(got.body), maxListingBytes+(1<<20))
	var v struct {
		Requests  []map[string]any
		Truncated bool
	}
	require.NoError(t, json.Unmarshal(got.body, &v))
	assert.True(t, v.Truncated)
	assert.NotEmpty(t, v.Requests)
}
