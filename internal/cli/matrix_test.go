package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// matrixMinCases is, per spec under testdata/specs, the fewest cases its run must send, so
// that the matrix cannot pass by sending nothing. Every spec there must be listed.
var matrixMinCases = map[string]int{
	"carried":  15, // credentials in a query parameter or a cookie, a required cookie parameter
	"composed": 20, // allOf and oneOf in requests and responses
	"either":   15, // security alternatives, an AND alternative, optional credentials
	"forms":    20, // JSON and form bodies, a form-only and a multipart operation
	"open":     4,  // security: [] lifting a global requirement
	"problems": 20, // application/problem+json errors declared by the spec
	"search":   12, // path and query parameters, no stored records
	"vendor":   40, // x-usermock errors in a vendor shape, a unique rule on a CRUD collection
	"widgets":  70, // plain CRUD
}

// TestSpecFeatureMatrix serves each spec of testdata/specs alone and runs usermock test
// against it: every case is sent (none skipped as a harness error) and every case passes.
func TestSpecFeatureMatrix(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "specs", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		id := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(id, func(t *testing.T) {
			min, ok := matrixMinCases[id]
			require.True(t, ok, "add %s to matrixMinCases", id)
			dir := t.TempDir()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".yaml"), data, 0o644))
			base := startServeArgs(t, "--specs", dir)

			report := filepath.Join(t.TempDir(), "report.json")
			var out bytes.Buffer
			err = Run(context.Background(), []string{"test", "--specs", dir, "--api", id, "--base-url", base + "/" + id,
				"--seed", "5", "--json", report}, &out, &bytes.Buffer{})
			assert.Equal(t, 0, exitCode(err), "%v\n%s", err, out.String())

			b, err := os.ReadFile(report)
			require.NoError(t, err)
			var rep struct {
				Summary struct{ Total, Passed, Failed, Skipped int }
				Cases   []struct {
					ID      string
					Harness string `json:"harnessError"`
				}
			}
			require.NoError(t, json.Unmarshal(b, &rep))
			assert.Zero(t, rep.Summary.Failed, out.String())
			for _, c := range rep.Cases {
				assert.Empty(t, c.Harness, "%s was not sent", c.ID)
			}
			assert.Zero(t, rep.Summary.Skipped)
			assert.GreaterOrEqual(t, rep.Summary.Total, min, "too few cases")
			t.Logf("%s: %d cases", id, rep.Summary.Total)
		})
	}
}

// startServeArgs runs usermock serve with extra flags on a loopback port until the test ends.
func startServeArgs(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, append([]string{"--addr", "127.0.0.1:0", "--log-format", "off"}, args...), &bytes.Buffer{}, &bytes.Buffer{}, ready)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		done <- err // for the cleanup, which waits for serve to return
		t.Fatalf("serve did not start: %v", err)
	}
	return ""
}
