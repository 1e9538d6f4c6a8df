package mocks

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConsoleServed(t *testing.T) {
	_, ts := newTestServer(t)
	for _, path := range []string{"/", "/__ui/", "/__ui/console.js", "/__ui/console.css"} {
		t.Run(path, func(t *testing.T) {
			r := do(t, ts.URL, call{method: http.MethodGet, path: path})
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Contains(t, r.header.Get("Content-Security-Policy"), "default-src 'none'")
			assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
			if path == "/" || path == "/__ui/" {
				assert.Contains(t, r.header.Get("Content-Type"), "text/html")
				assert.Contains(t, string(r.body), "<title>usermock console</title>")
			}
		})
	}
	r := do(t, ts.URL, call{method: http.MethodGet, path: "/__ui/nothing.js"})
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestConsoleGuarded(t *testing.T) {
	_, ts := newTestServer(t)
	tests := []struct {
		name    string
		path    string
		headers map[string]string
	}{
		{"cases from another origin", "/__admin/apis/ruangkerja/cases", map[string]string{"Origin": "http://evil.example"}},
		{"cases, cross-site fetch", "/__admin/apis/ruangkerja/cases", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"page from another origin", "/", map[string]string{"Origin": "http://evil.example"}},
		{"page on a rebound host", "/__ui/", map[string]string{"Host": "evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, ts.URL+tt.path, nil)
			require.NoError(t, err)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if h := tt.headers["Host"]; h != "" {
				req.Host = h
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestConsoleWithRootAPI(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.Root = "ruangkerja" })
	r := do(t, ts.URL, call{method: http.MethodGet, path: "/"})
	assert.NotContains(t, string(r.body), "usermock console", "with --api the API owns /")
	r = do(t, ts.URL, call{method: http.MethodGet, path: "/__ui/"})
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), "<title>usermock console</title>")
	r = do(t, ts.URL, call{method: http.MethodGet, path: "/__admin/apis/ruangkerja/cases"})
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "", r.json.(map[string]any)["mount"])
}

// The console works offline and leaks nothing: it names no other origin.
func TestConsoleNoExternalURL(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:|wss?:|ftp:)//|["'(=]\s*//[a-z0-9]`)
	err := fs.WalkDir(consoleFiles, "console", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := consoleFiles.ReadFile(path)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			assert.False(t, external.MatchString(line), "%s:%d names another origin: %s", path, i+1, line)
		}
		return nil
	})
	require.NoError(t, err)
}

func TestAdminCases(t *testing.T) {
	_, ts := newTestServer(t)
	r := do(t, ts.URL, call{method: http.MethodGet, path: "/__admin/apis/ruangkerja/cases"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var got casesInfo
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.Equal(t, "/ruangkerja", got.Mount)
	require.Len(t, got.Operations, 1)
	op := got.Operations[0]
	assert.NotEmpty(t, op.Examples)
	byID := map[string]caseInfo{}
	for _, c := range op.Cases {
		byID[c.ID] = c
	}
	dup := byID["createUser/rule/employee_id_unique/duplicate"]
	assert.Equal(t, "stateful", dup.Kind)
	assert.Equal(t, []int{409}, dup.Expect)
	assert.Len(t, dup.Steps, 2)
	assert.Contains(t, dup.Source, "USER_EMPLOYEE_ID_EXISTS")
	pattern := byID["createUser/body/employeeID/pattern"]
	assert.Equal(t, "negative", pattern.Kind)
	assert.Equal(t, "employeeID pattern", pattern.Constraint)
	assert.Contains(t, pattern.Source, "Allowed format: Alphabet")
	require.NotNil(t, pattern.Steps[0].Body)
	assert.Contains(t, *pattern.Steps[0].Body, "employeeID")
	assert.NotEmpty(t, got.Credentials)

	one := do(t, ts.URL, call{method: http.MethodGet, path: "/__admin/apis/ruangkerja/cases?seed=7&case=createUser/rule/employee_id_unique/duplicate"})
	require.Equal(t, http.StatusOK, one.status)
	var fresh casesInfo
	require.NoError(t, json.Unmarshal(one.body, &fresh))
	require.Len(t, fresh.Operations[0].Cases, 1)
	assert.NotEqual(t, *dup.Steps[0].Body, *fresh.Operations[0].Cases[0].Steps[0].Body, "another seed, other unique values")

	for _, bad := range []string{"/__admin/apis/nope/cases", "/__admin/apis/ruangkerja/cases?seed=x"} {
		r := do(t, ts.URL, call{method: http.MethodGet, path: bad})
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, r.status, bad)
	}
}
