package mocks

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// routeSpec has a concrete path beside a template that also matches it, and a template
// whose value is echoed, for the static routes' tests.
const routeSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    get:
      operationId: listUsers
      responses:
        "200": {description: all, content: {application/json: {example: [{name: ann}]}}}
    post:
      operationId: createUser
      responses:
        "201": {description: made, content: {application/json: {example: {name: ann}}}}
  /users/me:
    get:
      operationId: me
      responses:
        "200": {description: me, content: {application/json: {example: {name: me}}}}
  /users/{name}:
    parameters: [{name: name, in: path, required: true, schema: {type: string, maxLength: 3}}]
    get:
      operationId: user
      responses:
        "200": {description: one, content: {application/json: {example: {name: one}}}}
        "400": {description: bad, content: {application/json: {schema: {type: object}}}}
    delete:
      operationId: deleteUser
      responses:
        "204": {description: gone}
`

func TestStaticRoutes(t *testing.T) {
	api := mustLoad(t, routeSpec)
	srv, err := New(Config{APIs: apisOf(api), Seed: 1, Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	require.NotEmpty(t, srv.apis["t"].static)
	for _, tc := range []struct {
		method, target string
		status         int
		op             string // the operation the journal names
		allow          string
	}{
		{"GET", "/t/users", 200, "listUsers", ""},
		{"POST", "/t/users", 201, "createUser", ""},
		{"HEAD", "/t/users", 200, "listUsers", ""},
		{"GET", "/t/users/me", 200, "me", ""}, // the concrete path wins over the template
		{"HEAD", "/t/users/me", 200, "me", ""},
		{"DELETE", "/t/users/me", 204, "deleteUser", ""}, // only the template has DELETE
		{"GET", "/t/users/ann", 200, "user", ""},
		{"GET", "/t/users/a%2Fb", 200, "user", ""},  // an escaped slash is one segment: "a/b", 3 characters
		{"GET", "/t/users/a%2Fbc", 400, "user", ""}, // "a/bc" is 4: the value was unescaped
		{"PUT", "/t/users", 405, "", "GET, HEAD, POST"},
		{"POST", "/t/users/me", 405, "", "DELETE, GET, HEAD"},
		{"GET", "/t//t/users", 404, "", ""}, // unclean: answered in the API's shape, not redirected
		{"GET", "/t/users/", 404, "", ""},
		{"GET", "/t/%75sers", 404, "", ""},         // matched as sent: %75 is not "u"
		{"GET", "/%74/users", 404, "", ""},         // the mount prefix as sent is not /t
		{"GET", "/t/users/me%2F", 200, "user", ""}, // RawPath set under the prefix
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			srv.journal.clear()
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))
			assert.Equal(t, tc.status, w.Code, "%s", w.Body)
			assert.Equal(t, tc.allow, w.Header().Get("Allow"))
			if tc.target == "/%74/users" {
				assert.Equal(t, "404 page not found\n", w.Body.String())
			}
			if tc.op != "" {
				es := srv.journal.list("", false, 1)
				require.Len(t, es, 1)
				assert.Equal(t, tc.op, es[0].Operation)
			}
		})
	}
}

// TestStaticRoutesAnswerAsTheRouter sends every operation's path of every shipped API, and
// its HEAD, other methods and unclean forms, to a server with the static routes and to one
// without: the answers are the same bytes.
func TestStaticRoutesAnswerAsTheRouter(t *testing.T) {
	fast, _ := newTestServer(t)
	slow, _ := newTestServer(t)
	for _, a := range slow.apis {
		a.static = nil
	}
	var targets []string
	for _, id := range fast.order {
		for _, op := range fast.apis[id].api.Ops {
			p := "/" + id + templateVar.ReplaceAllString(op.Path, "1")
			targets = append(targets, op.Method+" "+p, "HEAD "+p, "PATCH "+p, "TRACE "+p, op.Method+" /"+id+"/"+p,
				op.Method+" "+p+"/", strings.ToLower(op.Method)+" "+p)
		}
	}
	for _, target := range targets {
		method, path, _ := strings.Cut(target, " ")
		serve := func(s *Server) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(method, path, nil))
			return w
		}
		got, want := serve(fast), serve(slow)
		assert.Equal(t, want.Code, got.Code, target)
		assert.Equal(t, want.Header(), got.Header(), target)
		assert.Equal(t, want.Body.String(), got.Body.String(), target)
	}
}

var templateVar = regexp.MustCompile(`\{[^}]*\}`)
