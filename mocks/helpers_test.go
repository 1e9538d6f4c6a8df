package mocks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/fixtures"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/specs"
)

var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func loadAll(t testing.TB) ([]*apispec.API, map[string]*fixture.Set) {
	t.Helper()
	apis, problems := apispec.Load(context.Background(), specs.FS())
	require.Empty(t, problems)
	sets, fps := fixture.Load(fixtures.FS(), apis)
	require.Empty(t, fps)
	return apis, sets
}

// newTestServer starts a real listening server on loopback with a fixed clock and seed.
func newTestServer(t testing.TB, mutate ...func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	apis, sets := loadAll(t)
	cfg := Config{APIs: apis, Fixtures: sets, Seed: 1, Now: func() time.Time { return testNow }}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

type call struct {
	method  string
	path    string
	headers map[string]string
	body    string
}

type reply struct {
	status int
	header http.Header
	body   []byte
	json   any
}

func do(t testing.TB, base string, c call) reply {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	require.NoError(t, err)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{status: resp.StatusCode, header: resp.Header, body: b}
	_ = json.Unmarshal(b, &r.json)
	return r
}

// validateResponse checks a response against the spec: documented status, content type and
// schema (kin-openapi with IncludeResponseStatus).
func validateResponse(t testing.TB, api *apispec.API, op *apispec.Operation, r reply) {
	t.Helper()
	req := httptest.NewRequest(op.Method, op.Path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
			Route: op.Route},
		Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: api.Doc.GetSchemaValidationOptions()},
	}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "response %d %s", r.status, r.body)
}

func apiByID(t testing.TB, apis []*apispec.API, id string) *apispec.API {
	for _, a := range apis {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no api %s", id)
	return nil
}

// documentedRequest is the spec's "documented" request example, as JSON.
func documentedRequest(t testing.TB, op *apispec.Operation) string {
	_, values := op.RequestExamples()
	b, err := json.Marshal(values["documented"])
	require.NoError(t, err)
	return string(b)
}
