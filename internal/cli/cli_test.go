package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/specs"
)

// copySpecs writes the embedded specs to a directory, with edit applied to one of them.
func copySpecs(t *testing.T, file string, edit func(string) string) string {
	dir := t.TempDir()
	require.NoError(t, fs.WalkDir(specs.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(specs.FS(), p)
		if err != nil {
			return err
		}
		if p == file {
			b = []byte(edit(string(b)))
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	}))
	return dir
}

func TestLintPassesOnEmbeddedSpecs(t *testing.T) {
	var out, errb bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"lint"}, &out, &errb))
	assert.Equal(t, 5, strings.Count(out.String(), "ok  "))
}

func TestLintReportsBrokenSpecs(t *testing.T) {
	tests := []struct {
		name, file string
		edit       func(string) string
		want       string
	}{
		{"example violates its schema", "ruangkerja.yaml", func(s string) string {
			return strings.Replace(s, "employeeID: EMPLY001", "employeeID: EMPLY-001", 1)
		}, "ruangkerja.yaml:42: invalid OpenAPI document"}, // the line of the operation
		{"unknown rule check", "superfy.yaml", func(s string) string {
			return strings.Replace(s, "check: equals", "check: same", 1)
		}, `superfy.yaml:71: rule "retype_password_matches": unknown check "same"`},
		{"rule names an unbound root", "superfy.yaml", func(s string) string {
			return strings.Replace(s, "field: sessionDepartment/modules", "field: session/modules", 1)
		}, `starts with "session", which is neither body, header, credential nor a name bound by an earlier lookup`},
		{"rule example missing", "ruangkerja.yaml", func(s string) string {
			return strings.Replace(s, "              example: employee_id_exists", "              example: employee_id_taken", 1)
		}, `example "employee_id_taken" is not documented for status 409`},
		{"broken yaml", "pulse.yaml", func(s string) string {
			return strings.Replace(s, "paths:", "paths: [", 1)
		}, "pulse.yaml:"},
		{"unknown generator", "pland.yaml", func(s string) string {
			return strings.Replace(s, "$objectid", "$mongoid", 1)
		}, `unknown generator "$mongoid"`},
		{"misspelt rule key", "pulse.yaml", func(s string) string {
			return strings.Replace(s, "            fold: true", "            flod: true", 1)
		}, `pulse.yaml:53: unknown key "flod" in rule "email_unique_per_account"; did you mean "fold"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copySpecs(t, tt.file, tt.edit)
			var out, errb bytes.Buffer
			err := Run(context.Background(), []string{"lint", "--specs", dir}, &out, &errb)
			var exit *ExitError
			require.True(t, errors.As(err, &exit), "lint must fail: %v\n%s", err, out.String())
			assert.Equal(t, 1, exit.Code)
			assert.Contains(t, out.String(), tt.want)
			assert.Contains(t, out.String(), dir+string(os.PathSeparator)+tt.file+":")
		})
	}
}

func TestLintPassesWithWarnings(t *testing.T) {
	dir := copySpecs(t, "pulse.yaml", func(s string) string {
		return strings.Replace(s, "          description: No such endpoint\n", "          description: No such endpoint\n          links: {self: {operationId: createUser}}\n", 1)
	})
	var out, errb bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"lint", "--specs", dir}, &out, &errb))
	assert.Contains(t, out.String(), dir+string(os.PathSeparator)+"pulse.yaml:138: warning: POST /users: response 404: links are not supported")
	assert.Equal(t, 5, strings.Count(out.String(), "ok  "))
}

func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- runServe(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "json"}, &out, &errb, ready)
	}()
	addr := <-ready
	resp, err := http.Get("http://" + addr + "/__health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)
}

func TestServeRefusesBadFixtures(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pulse"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pulse", "f.yaml"), []byte("credentials:\n  - scheme: nope\n    value: x\n"), 0o644))
	err := runServe(context.Background(), []string{"--addr", "127.0.0.1:0", "--fixtures", dir}, &bytes.Buffer{}, &bytes.Buffer{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "pulse", "f.yaml")+":2: credential 1: scheme \"nope\"")
}

// TestStateSurvivesKill builds the binary, creates a record with --state, kills the process
// with SIGKILL and checks the record is still there after a restart.
func TestStateSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "usermock")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/usermock")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	state := filepath.Join(t.TempDir(), "state.jsonl")
	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--state", state)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		buf := make([]byte, 256)
		n, err := stdout.Read(buf)
		require.NoError(t, err)
		line := strings.TrimSpace(string(buf[:n]))
		return cmd, strings.TrimPrefix(line, "usermock serving on ")
	}
	post := func(base string) int {
		req, _ := http.NewRequest("POST", base+"/ruangkerja/ruangkerja/users", strings.NewReader(`{"employeeID":"KILL1","name":"n","phone":"1","isActive":true}`))
		req.Header.Set("Authorization", "access_token")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	cmd, base := start()
	assert.Equal(t, 200, post(base))
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	// A write torn by the kill must not stop the next start.
	f, err := os.OpenFile(state, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, _ = f.WriteString(`{"op":"create","record":{"api":"ruang`)
	f.Close()

	cmd, base = start()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/__health"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 409, post(base), "the record created before the kill is still there")
}
