package mocks

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sendRK posts a valid ruangkerja create with extra headers and reports the answer, the body
// read error (a dropped connection) and how long it took.
func sendRK(t *testing.T, base, query string, extra map[string]string) (*http.Response, []byte, time.Duration, error) {
	t.Helper()
	c := caseFor("ruangkerja")
	req, err := http.NewRequest(http.MethodPost, base+c.path+query, strings.NewReader(`{"employeeID":"F`+randomID()+`","name":"n","phone":"1","isActive":true}`))
	require.NoError(t, err)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	start := time.Now()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, time.Since(start), err
}

var idMu sync.Mutex
var idN int

func randomID() string {
	idMu.Lock()
	defer idMu.Unlock()
	idN++
	return strings.ToUpper(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")) + strconv.Itoa(idN)
}

func TestInjectedFaultsPerRequest(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.MaxDelay = 400 * time.Millisecond })
	t.Run("delay", func(t *testing.T) {
		resp, _, took, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "delay=200"})
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.GreaterOrEqual(t, took, 200*time.Millisecond)
		assert.Less(t, took, 2*time.Second)
	})
	t.Run("delay by query", func(t *testing.T) {
		_, _, took, err := sendRK(t, ts.URL, "?__delay=150", nil)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, took, 150*time.Millisecond)
	})
	t.Run("reset", func(t *testing.T) {
		_, _, _, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=reset"})
		assert.Error(t, err, "the connection is dropped without an answer")
	})
	t.Run("empty", func(t *testing.T) {
		resp, _, _, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=empty"})
		if err == nil {
			assert.Equal(t, 200, resp.StatusCode)
		}
		assert.Error(t, err, "headers, then the connection closes before the body")
	})
	t.Run("timeout", func(t *testing.T) {
		_, _, took, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=timeout"})
		assert.Error(t, err)
		assert.GreaterOrEqual(t, took, 400*time.Millisecond, "held until --max-delay")
	})
	t.Run("status in the vendor's shape", func(t *testing.T) {
		resp, body, _, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=status"})
		require.NoError(t, err)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Contains(t, string(body), `"errorCode":10010,"message":"SERVICE_UNAVAILABLE"`)
		resp, _, _, _ = sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=status, code=502"})
		assert.Equal(t, 502, resp.StatusCode, "a gateway status the spec does not document")
	})
	t.Run("bad preference", func(t *testing.T) {
		resp, _, _, err := sendRK(t, ts.URL, "", map[string]string{"Prefer": "fault=explode"})
		require.NoError(t, err)
		assert.Equal(t, 400, resp.StatusCode)
	})
	journal := do(t, ts.URL, call{method: "GET", path: "/__admin/requests?limit=20"})
	assert.Contains(t, string(journal.body), `"fault": "fault=reset"`)
	assert.Contains(t, string(journal.body), `"fault": "delay=200ms"`)
}

func TestInjectedFaultsPerAPI(t *testing.T) {
	_, ts := newTestServer(t)
	put := do(t, ts.URL, call{method: http.MethodPut, path: "/__admin/apis/ruangkerja/faults", body: `{"rate": 0.2, "fault": "reset"}`})
	require.Equal(t, 200, put.status, "%s", put.body)
	apis := do(t, ts.URL, call{method: http.MethodGet, path: "/__admin/apis"})
	assert.Contains(t, string(apis.body), `"fault": "reset"`)
	resets := 0
	const n = 1000
	for i := 0; i < n; i++ {
		if _, _, _, err := sendRK(t, ts.URL, "", nil); err != nil {
			resets++
		}
	}
	// 20 % of 1000: mean 200, standard deviation about 12.6; six of them either side.
	assert.InDelta(t, 200, resets, 76, "resets within binomial bounds")
	other := do(t, ts.URL, call{method: http.MethodGet, path: "/__health"})
	assert.Equal(t, 200, other.status)

	require.Equal(t, 204, do(t, ts.URL, call{method: http.MethodDelete, path: "/__admin/apis/ruangkerja/faults"}).status)
	for i := 0; i < 50; i++ {
		_, _, _, err := sendRK(t, ts.URL, "", nil)
		require.NoError(t, err, "cleared")
	}
	bad := do(t, ts.URL, call{method: http.MethodPut, path: "/__admin/apis/ruangkerja/faults", body: `{"rate": 2, "fault": "reset"}`})
	assert.Equal(t, 400, bad.status)
	unknown := do(t, ts.URL, call{method: http.MethodPut, path: "/__admin/apis/ruangkerja/faults", body: `{"delay": {"fixedMs": 10}, "latency": 3}`})
	assert.Equal(t, 400, unknown.status, "unknown keys are refused")

	slow := do(t, ts.URL, call{method: http.MethodPut, path: "/__admin/apis/ruangkerja/faults", body: `{"delay": {"fixedMs": 300, "jitterMs": 50}}`})
	require.Equal(t, 200, slow.status)
	_, _, took, err := sendRK(t, ts.URL, "", nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, took, 300*time.Millisecond)
	assert.Less(t, took, 2*time.Second)
}

// TestDelaysHoldNothingElse: a delayed request holds up no other, and Stop ends it.
func TestDelaysHoldNothingElse(t *testing.T) {
	srv, ts := newTestServer(t)
	done := make(chan time.Duration, 1)
	go func() {
		_, _, took, _ := sendRK(t, ts.URL, "", map[string]string{"Prefer": "delay=5000"})
		done <- took
	}()
	time.Sleep(100 * time.Millisecond)
	_, _, took, err := sendRK(t, ts.URL, "", nil)
	require.NoError(t, err)
	assert.Less(t, took, time.Second, "another request is not held up")
	srv.Stop()
	select {
	case took := <-done:
		assert.Less(t, took, 3*time.Second, "Stop ends the delay")
	case <-time.After(4 * time.Second):
		t.Fatal("the delayed request outlived Stop")
	}
}
