package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/specs"
)

// TestRecordMergeLint: the vendor's answers seen through the proxy become examples, merge
// into the spec without reformatting it, and the merged spec lints and serves them.
func TestRecordMergeLint(t *testing.T) {
	vendor := startServeArgs(t, "--api", "ruangkerja")
	recDir := t.TempDir()
	proxy := startServeArgs(t, "--proxy", "ruangkerja="+vendor, "--record", recDir)

	post := func(body string, auth string) int {
		req, err := http.NewRequest(http.MethodPost, proxy+"/ruangkerja/ruangkerja/users", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"employeeID":"REC1","name":"Rec","phone":"1","isActive":true,"password":"s3cret!"}`
	require.Equal(t, 200, post(body, "access_token"))
	require.Equal(t, 409, post(body, "access_token"))
	require.Equal(t, 409, post(body, "access_token"), "the same answer again is not recorded twice")

	recorded, err := os.ReadFile(filepath.Join(recDir, "ruangkerja.recorded.yaml"))
	require.NoError(t, err)
	rec := string(recorded)
	assert.Contains(t, rec, "recorded_200_1:")
	assert.Contains(t, rec, "recorded_409_1:")
	assert.NotContains(t, rec, "recorded_409_2:")
	assert.NotContains(t, rec, "access_token", "credentials are redacted")
	assert.NotContains(t, rec, "s3cret!", "writeOnly fields are redacted")

	specDir := t.TempDir()
	orig, err := specs.FS().Open("ruangkerja.yaml")
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = buf.ReadFrom(orig)
	require.NoError(t, err)
	specFile := filepath.Join(specDir, "ruangkerja.yaml")
	require.NoError(t, os.WriteFile(specFile, buf.Bytes(), 0o644))

	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"lint", "--specs", specDir, "--recorded", recDir}, &out, &bytes.Buffer{}), out.String())
	out.Reset()
	require.NoError(t, Run(context.Background(), []string{"record", "merge", recDir, "--spec", specFile}, &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "merged 2 example(s)")
	merged, err := os.ReadFile(specFile)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(merged), "openapi: 3.0.3\ninfo:"), "the file keeps its order")
	assert.Contains(t, string(merged), "x-source-document: 004_5968456626198838.txt")
	assert.Contains(t, string(merged), "recorded_409_1:")

	out.Reset()
	require.NoError(t, Run(context.Background(), []string{"lint", "--specs", specDir}, &out, &bytes.Buffer{}), out.String())
	served := startServeArgs(t, "--specs", specDir)
	req, _ := http.NewRequest(http.MethodPost, served+"/ruangkerja/ruangkerja/users", strings.NewReader(body))
	req.Header.Set("Prefer", "example=recorded_409_1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 409, resp.StatusCode, "the recorded example is served")

	// A recording that does not fit the spec is a lint problem with its line.
	bad := strings.Replace(rec, "USER_EMPLOYEE_ID_EXISTS", "user exists", 1)
	require.NoError(t, os.WriteFile(filepath.Join(recDir, "ruangkerja.recorded.yaml"), []byte(bad), 0o644))
	out.Reset()
	err = Run(context.Background(), []string{"lint", "--recorded", recDir}, &out, &bytes.Buffer{})
	assert.Equal(t, 1, exitCode(err))
	assert.Regexp(t, `ruangkerja.recorded.yaml:\d+: example recorded_409_1 does not match the 409 schema`, out.String())
}
