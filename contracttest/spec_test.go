package contracttest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A small spec with only the x-usermock the loader requires (an error body, no kinds, no
// rules, the default status of every kind the engine can answer documented) and an operation without a request body: the harness builds what applies, expects
// any documented 4xx for refusals, and does not trip over the missing body.
const plainSpec = `openapi: 3.0.3
info: {title: plain, version: "1"}
x-source-document: test
x-usermock:
  errors:
    body: {error: "${message}"}
paths:
  /users/{id}:
    get:
      operationId: getUser
      security: [{key: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
        '400': {description: bad id}
        '401':
          description: no key
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}}}
        '404': {description: no such user}
        '405': {description: wrong method}
  /users:
    post:
      operationId: createUser
      security: [{key: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 5}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
        '400':
          description: bad
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}}}
        '401':
          description: no key
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}}}
        '404': {description: no such path}
        '405': {description: wrong method}
        '413': {description: too large}
        '415': {description: not JSON}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
`

func TestSpecWithoutRulesOrRequestBody(t *testing.T) {
	fsys := fstest.MapFS{"plain.yaml": {Data: []byte(plainSpec)}}
	p, err := NewPlan(context.Background(), Config{API: "plain", Specs: fsys, Seed: 1})
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, c := range p.Cases {
		ids[c.ID] = true
	}
	assert.True(t, ids["createUser/body/name/maxLength"])
	assert.True(t, ids["createUser/auth/key/missing"])
	assert.True(t, ids["getUser/auth/key/missing"])
	assert.True(t, ids["getUser/request/valid"])
	for _, c := range p.Cases {
		assert.Empty(t, c.HarnessError, c.ID)
		if c.Operation == "getUser" && !strings.HasPrefix(c.ID, "getUser/path/") { // path/ cases break the parameter
			assert.Regexp(t, `^/users/[0-9]+$`, c.Steps[0].Path, "path parameters are filled in")
		}
	}

	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Key") == "" {
			w.Header().Set("WWW-Authenticate", `ApiKey in="header", name="X-Key"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"no key"}`))
			return
		}
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"id":"` + strings.TrimPrefix(r.URL.Path, "/users/") + `"}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"name":"x"}`))
	})
	rep, err := Execute(context.Background(), Config{API: "plain", Specs: fsys, Handler: srv, Seed: 1, BaseURL: "http://plain.test"})
	require.NoError(t, err)
	var failed []string
	for _, res := range rep.Results {
		if res.Outcome == Fail {
			failed = append(failed, res.Case.ID)
		}
	}
	// The server accepts a 6-character name: the harness must say so.
	assert.Contains(t, failed, "createUser/body/name/maxLength")
	assert.NotContains(t, failed, "createUser/auth/key/missing")
	assert.NotContains(t, failed, "getUser/auth/key/missing")
	assert.NotContains(t, failed, "getUser/request/valid")
}

func TestTemplateMatches(t *testing.T) {
	tests := []struct {
		template, path string
		want           bool
	}{
		{"/widgets/{id}", "/widgets/usermock-unknown-endpoint", true},
		{"/widgets/{id}", "/usermock-unknown-endpoint", false},
		{"/{slug}", "/usermock-unknown-endpoint", true},
		{"/files/{name}.json", "/files/a.json", true},
		{"/files/{name}.json", "/files/a.xml", false},
		{"/users/", "/users", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, templateMatches(tt.template, tt.path), "%s ~ %s", tt.template, tt.path)
	}
}

// TestUnknownPathMatchesNoTemplate: with a template that takes any first segment, the
// unknown path goes one segment deeper.
func TestUnknownPathMatchesNoTemplate(t *testing.T) {
	spec := strings.Replace(plainSpec, "  /users:\n", "  /{slug}:\n    get:\n      operationId: page\n      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}, '400': {description: bad}, '404': {description: none}, '405': {description: method}}\n  /users:\n", 1)
	p, err := NewPlan(context.Background(), Config{API: "plain", Specs: fstest.MapFS{"plain.yaml": {Data: []byte(spec)}}, Seed: 1})
	require.NoError(t, err)
	found := false
	for _, c := range p.Cases {
		if c.ID == "page/path/unknown" {
			found = true
			assert.Equal(t, "/usermock-unknown-endpoint/usermock-unknown-endpoint", c.Steps[0].Path)
		}
	}
	assert.True(t, found)
}
