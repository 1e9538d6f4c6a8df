package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestEveryCommandHelp: -h prints the command's usage and exits 0.
func TestEveryCommandHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "usermock serve"},
		{[]string{"help"}, "usermock health"},
		{[]string{"serve", "-h"}, "USERMOCK_<FLAG>"},
		{[]string{"lint", "-h"}, "Usage: usermock lint"},
		{[]string{"lint", "--help"}, "-specs"},
		{[]string{"test", "-h"}, "Usage: usermock test"},
		{[]string{"health", "-h"}, "Usage: usermock health"},
		{[]string{"version", "-h"}, "Usage: usermock version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := RunEnv(context.Background(), tt.args, nil, &out, &errb)
			require.NoError(t, err)
			assert.Contains(t, out.String()+errb.String(), tt.want)
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		require.NoError(t, RunEnv(context.Background(), args, nil, &out, &bytes.Buffer{}))
		assert.Regexp(t, `^usermock \S+ .*go1\.\d+`, out.String(), args)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/usermock/usermock", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name   string
		info   *debug.BuildInfo
		linked string
		want   string
	}{
		{"tagged and dirty", info, "", "usermock v1.2.3 (revision 0123456789ab, 2026-01-02T03:04:05Z, modified) go1.26.8"},
		{"linker wins", info, "v9.9.9", "usermock v9.9.9 (revision"},
		{"no build info", nil, "", "usermock (unknown) go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readBuildVersion(tt.info, tt.info != nil, tt.linked).String()
			assert.True(t, strings.HasPrefix(got, tt.want), got)
		})
	}
}

// serveWith starts serve in process and returns its address, stderr and a stop function.
func serveWith(t *testing.T, args []string, env map[string]string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	errb := &syncBuffer{}
	go func() { done <- runServeEnv(ctx, args, mapEnv(env), &bytes.Buffer{}, errb, ready) }()
	select {
	case addr := <-ready:
		return addr, errb, func() { cancel(); require.NoError(t, <-done) }
	case err := <-done:
		cancel()
		t.Fatalf("serve did not start: %v\n%s", err, errb.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil, nil
}

// TestServeFromEnvironment: every serve flag has a USERMOCK_ variable; flags win.
func TestServeFromEnvironment(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the JSON log
	}{
		{"env sets the api, address and log format", nil,
			map[string]string{"USERMOCK_ADDR": "127.0.0.1:0", "USERMOCK_API": "ruangkerja", "USERMOCK_LOG_FORMAT": "json"},
			[]string{`"apis":1`, `"ids":"ruangkerja"`}},
		{"a flag wins over its variable", []string{"--api", "pulse"},
			map[string]string{"USERMOCK_ADDR": "127.0.0.1:0", "USERMOCK_API": "ruangkerja", "USERMOCK_LOG_FORMAT": "json"},
			[]string{`"apis":1`, `"ids":"pulse"`}},
		{"all five without --api", []string{"--addr", "127.0.0.1:0", "--log-format", "json"}, nil,
			[]string{`"apis":5`, `"ids":"crm,pland,pulse,ruangkerja,superfy"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errb, stop := serveWith(t, tt.args, tt.env)
			stop()
			for _, w := range tt.want {
				assert.Contains(t, errb.String(), w)
			}
		})
	}
}

func TestServeEnvironmentErrorsNameTheVariable(t *testing.T) {
	err := runServeEnv(context.Background(), nil, mapEnv(map[string]string{"USERMOCK_MAX_BODY": "lots"}), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	assert.Equal(t, 2, exitCode(err))
	assert.ErrorContains(t, err, `USERMOCK_MAX_BODY="lots" (for --max-body)`)
}

func TestCORSOriginsFromEnvAndFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string
		want []string
	}{
		{"comma list from the environment", nil, "http://a.test, http://b.test", []string{"http://a.test", "http://b.test"}},
		{"repeated flags replace the environment's", []string{"--cors-origin", "http://c.test", "--cors-origin", "http://d.test,http://e.test"}, "http://a.test",
			[]string{"http://c.test", "http://d.test", "http://e.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c listFlag
			fset := newTestFlagSet(&c)
			require.NoError(t, applyEnv(fset, mapEnv(map[string]string{"USERMOCK_CORS_ORIGIN": tt.env})))
			require.NoError(t, fset.Parse(tt.args))
			assert.Equal(t, tt.want, c.values)
		})
	}
}

// TestRequestLogsGiveMilliseconds: JSON logs carry duration_ms, a number with its unit in
// the key, not nanoseconds under "duration".
func TestRequestLogsGiveMilliseconds(t *testing.T) {
	addr, errb, stop := serveWith(t, []string{"--addr", "127.0.0.1:0", "--log-format", "json", "--api", "pulse"}, nil)
	require.NoError(t, RunEnv(context.Background(), []string{"health", "--url", "http://" + addr + "/__health"}, nil, &bytes.Buffer{}, &bytes.Buffer{}))
	resp := postJSON(t, "http://"+addr+"/users", `{"email":"log@example.com"}`, map[string]string{"Authorization": "Bearer demo-token", "x-account-id": "2311"})
	assert.Equal(t, 201, resp)
	stop()
	var found bool
	for _, line := range strings.Split(errb.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		found = true
		assert.IsType(t, float64(0), rec["duration_ms"])
		assert.NotContains(t, rec, "duration")
	}
	assert.True(t, found, errb.String())
}

func TestHealth(t *testing.T) {
	addr, _, stop := serveWith(t, []string{"--addr", "127.0.0.1:0", "--log-format", "off"}, nil)
	defer stop()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"url given", []string{"--url", "http://" + addr + "/__health"}, nil, 0},
		{"address from USERMOCK_ADDR", nil, map[string]string{"USERMOCK_ADDR": addr}, 0},
		{"nothing listening", []string{"--url", "http://127.0.0.1:1/__health", "--timeout", "1s"}, nil, 1},
		{"unknown path", []string{"--url", "http://" + addr + "/nope"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RunEnv(context.Background(), append([]string{"health"}, tt.args...), mapEnv(tt.env), &bytes.Buffer{}, &bytes.Buffer{})
			assert.Equal(t, tt.code, exitCode(err), "%v", err)
		})
	}
	assert.Equal(t, "127.0.0.1:4010", loopbackFor("0.0.0.0:4010"))
	assert.Equal(t, "127.0.0.1:4010", loopbackFor(":4010"))
	assert.Equal(t, "10.0.0.2:80", loopbackFor("10.0.0.2:80"))
}

// syncBuffer is a bytes.Buffer the server's goroutines may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestFlagSet(cors *listFlag) *flag.FlagSet {
	fset := flag.NewFlagSet("t", flag.ContinueOnError)
	fset.Var(cors, "cors-origin", "")
	return fset
}

func postJSON(t *testing.T, url, body string, headers map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
