package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServe runs usermock serve on a loopback port until the test ends.
func startServe(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "json"}, &bytes.Buffer{}, &bytes.Buffer{}, ready)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + <-ready
}

func exitCode(err error) int {
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestTestCommandAgainstServe is the "done when": usermock test passes against
// usermock serve for every API, and writes a JUnit file with one entry per case.
func TestTestCommandAgainstServe(t *testing.T) {
	base := startServe(t)
	for _, id := range embeddedIDs() {
		t.Run(id, func(t *testing.T) {
			dir := t.TempDir()
			junit, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
			var out, errb bytes.Buffer
			err := Run(context.Background(), []string{"test", "--api", id, "--base-url", base + "/" + id,
				"--junit", junit, "--json", js}, &out, &errb)
			require.NoError(t, err, out.String())
			assert.Contains(t, out.String(), "PASS: "+id)

			b, err := os.ReadFile(junit)
			require.NoError(t, err)
			var suites struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
				Cases    []struct {
					Name string `xml:"name,attr"`
				} `xml:"testsuite>testcase"`
			}
			require.NoError(t, xml.Unmarshal(b, &suites))
			assert.Equal(t, 0, suites.Failures)
			assert.Equal(t, suites.Tests, len(suites.Cases))
			assert.Equal(t, strings.Count(out.String(), "\nPASS  "), len(suites.Cases))
			_, err = os.Stat(js)
			assert.NoError(t, err)
		})
	}
}

func TestTestCommandFailsAgainstBrokenServer(t *testing.T) {
	// A server that accepts everything: every negative case must fail.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","message":"Success","data":{"serial":"JOHNILXV3QAJJEL3"}}`))
	}))
	defer broken.Close()
	var out bytes.Buffer
	err := Run(context.Background(), []string{"test", "--api", "ruangkerja", "--base-url", broken.URL, "--seed", "1"}, &out, &bytes.Buffer{})
	assert.Equal(t, 1, exitCode(err), out.String())
	// One root cause, shown in full once, the other cases listed under it.
	assert.Contains(t, out.String(), "--- FAIL: createUser/body/email/type")
	assert.Regexp(t, `the same check\(s\) failed in \d+ more case\(s\): .*createUser/body/employeeID/pattern`, out.String())
	assert.Equal(t, 1, strings.Count(out.String(), "expected a 4xx refusal of a request the spec does not allow, got 200"))
	assert.Contains(t, out.String(), "expected a 4xx refusal of a request the spec does not allow, got 200")
	assert.Contains(t, out.String(), "curl -sS -i -X POST '"+broken.URL+"/ruangkerja/users'")
	assert.Contains(t, out.String(), "FAIL: ruangkerja")
}

func TestTestCommandUsage(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no api", []string{"--base-url", "http://127.0.0.1:1"}, 2, "--api is required"},
		{"unknown api lists the known ones", []string{"--api", "nope", "--base-url", "http://127.0.0.1:1"}, 2, `no API "nope" in the embedded specs; available: crm, pland, pulse, ruangkerja, superfy`},
		{"no base url", []string{"--api", "crm"}, 2, "--base-url is required"},
		{"bad base url", []string{"--api", "crm", "--base-url", "127.0.0.1:4010"}, 2, "must start with http://"},
		{"bad header", []string{"--api", "crm", "--base-url", "http://x", "--header", "nocolon"}, 2, "want 'Name: value'"},
		{"bad run regexp", []string{"--api", "crm", "--base-url", "http://x", "--run", "("}, 2, "--run"},
		{"unreachable", []string{"--api", "crm", "--base-url", closed.URL}, 2, "cannot reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Run(context.Background(), append([]string{"test"}, tt.args...), &bytes.Buffer{}, &bytes.Buffer{})
			assert.Equal(t, tt.code, exitCode(err))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestTestCommandListAndRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"test", "--api", "superfy", "--list", "--run", "rule/"}, &out, &bytes.Buffer{}))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		assert.Contains(t, l, "addUser/rule/")
	}
	assert.Contains(t, out.String(), "addUser/rule/username_unique/duplicate-other-case")
}

// TestTestCommandBodyCredentials: --credential replaces superfy's documented session, so a
// driver's session (whose department lacks the modules to add users) is refused everywhere.
func TestTestCommandBodyCredentials(t *testing.T) {
	base := startServe(t)
	var out bytes.Buffer
	err := Run(context.Background(), []string{"test", "--api", "superfy", "--base-url", base + "/superfy", "--run", "example/documented",
		"--credential", "deviceID=DRVR-0000-0000-0001", "--credential", "token=00000000000000000000000000000001"}, &out, &bytes.Buffer{})
	assert.Equal(t, 1, exitCode(err), out.String())
	assert.Contains(t, out.String(), "DRVR-0000-0000-0001")
	assert.Contains(t, out.String(), "expected success (2xx) for a request the spec accepts, got 401")
}
