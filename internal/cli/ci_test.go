package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTestCommandRunMatchingNothing(t *testing.T) {
	for _, args := range [][]string{
		{"--api", "crm", "--base-url", "http://127.0.0.1:1", "--run", "nomatch"},
		{"--api", "crm", "--list", "--run", "nomatch"},
	} {
		var out bytes.Buffer
		err := Run(context.Background(), append([]string{"test"}, args...), &out, &bytes.Buffer{})
		assert.Equal(t, 2, exitCode(err), out.String())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `--run "nomatch" matches no case of crm`)
		assert.NotContains(t, out.String(), "PASS")
	}
}

// TestTestCommandUnreachable: a server that is not there is one error, exit 2, and the JUnit
// and JSON reports are still written with that failure; never a FAIL per case.
func TestTestCommandUnreachable(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	var out bytes.Buffer
	err := Run(context.Background(), []string{"test", "--api", "crm", "--base-url", closed.URL + "/crm", "--seed", "1",
		"--junit", junit, "--json", js, "--format", "github"}, &out, &bytes.Buffer{})
	assert.Equal(t, 2, exitCode(err))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach "+closed.URL+"/crm")
	assert.NotContains(t, out.String(), "FAIL  ")
	assert.Equal(t, 1, strings.Count(out.String(), "::error "), out.String())

	b, err := os.ReadFile(js)
	require.NoError(t, err)
	var rep struct {
		Passed bool
		Error  string
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.False(t, rep.Passed)
	assert.Contains(t, rep.Error, "cannot reach")

	b, err = os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testsuite>testcase"`
	}
	require.NoError(t, xml.Unmarshal(b, &suites))
	assert.Equal(t, 1, suites.Failures)
	require.Len(t, suites.Cases, 1)
	require.NotNil(t, suites.Cases[0].Failure)
	assert.Contains(t, suites.Cases[0].Failure.Message, "cannot reach")
}

// TestTestCommandWait: --wait polls until a server that starts late answers.
func TestTestCommandWait(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		done <- runServe(ctx, []string{"--addr", addr, "--log-format", "off"}, &bytes.Buffer{}, &bytes.Buffer{}, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })

	var out bytes.Buffer
	err = Run(context.Background(), []string{"test", "--api", "pulse", "--base-url", "http://" + addr + "/pulse",
		"--run", "example/", "--wait", "10s"}, &out, &bytes.Buffer{})
	assert.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "PASS: pulse")
}

// TestTestCommandReportsOnce: one root cause is printed in full once; a failure that
// involves unique values says how to reset the mock before rerunning its curl.
func TestTestCommandReportsOnce(t *testing.T) {
	base := startServe(t)
	// A proxy that drops the Allow header of every answer.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Del("Allow")
		w.WriteHeader(resp.StatusCode)
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		_, _ = w.Write(buf.Bytes())
	}))
	defer proxy.Close()
	var out bytes.Buffer
	err := Run(context.Background(), []string{"test", "--api", "ruangkerja", "--base-url", proxy.URL + "/ruangkerja", "--seed", "3",
		"--run", "method/|rule/"}, &out, &bytes.Buffer{})
	assert.Equal(t, 1, exitCode(err), out.String())
	assert.Contains(t, out.String(), "--- FAIL: createUser/method/GET")
	assert.Contains(t, out.String(), "a 405 answer must carry an Allow header")
	assert.Equal(t, 1, strings.Count(out.String(), "a 405 answer must carry an Allow header"))
}
