package mocks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
)

// mustLoad loads one inline spec as API "t".
func mustLoad(t testing.TB, spec string) *apispec.API {
	t.Helper()
	api, problems := apispec.LoadAPI(context.Background(), "t.yaml", []byte(spec))
	require.Empty(t, problems.Fatal(), "%v", problems)
	return api
}

func apisOf(a ...*apispec.API) []*apispec.API { return a }

// serveSpec serves one inline spec (id "t") on a real listening server.
func serveSpec(t *testing.T, spec string, mutate ...func(*Config)) *httptest.Server {
	t.Helper()
	api := mustLoad(t, spec)
	cfg := Config{APIs: []*apispec.API{api}, Seed: 1, Now: func() time.Time { return testNow }}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

type engineCase struct {
	name        string
	call        call
	status      int
	contentType string // prefix of the Content-Type, when checked
	contains    []string
}

func runEngineCases(t *testing.T, ts *httptest.Server, cases []engineCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, ts.URL+"/t", tc.call)
			assert.Equal(t, tc.status, got.status, "%s", got.body)
			if tc.contentType != "" {
				assert.True(t, strings.HasPrefix(got.header.Get("Content-Type"), tc.contentType), "Content-Type %q", got.header.Get("Content-Type"))
			}
			for _, s := range tc.contains {
				assert.Contains(t, string(got.body), s)
			}
		})
	}
}

const securitySpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /either:
    get:
      security: [{key: []}, {bearer: []}]
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /optional:
    get:
      security: [{key: []}, {}]
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /both:
    get:
      security: [{key: [], bearer: []}]
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /open:
    get:
      security: []
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    bearer: {type: http, scheme: bearer}
`

func TestSecurityAlternatives(t *testing.T) {
	ts := serveSpec(t, securitySpec)
	get := func(path string, h map[string]string) call {
		return call{method: http.MethodGet, path: path, headers: h}
	}
	key := map[string]string{"X-API-Key": "k"}
	bearer := map[string]string{"Authorization": "Bearer t"}
	runEngineCases(t, ts, []engineCase{
		{name: "either/key", call: get("/either", key), status: 200},
		{name: "either/bearer", call: get("/either", bearer), status: 200},
		{name: "either/none", call: get("/either", nil), status: 401,
			contains: []string{"credentials are required: send the X-API-Key header, or Authorization: Bearer \\u003ctoken\\u003e"}},
		{name: "either/not bearer", call: get("/either", map[string]string{"Authorization": "Basic x"}), status: 401,
			contains: []string{`must be \"Bearer \u003ctoken\u003e\"`}},
		{name: "optional/none", call: get("/optional", nil), status: 200},
		{name: "optional/key", call: get("/optional", key), status: 200},
		{name: "both/one only", call: get("/both", key), status: 401, contains: []string{"Authorization header: is required"}},
		{name: "both/both", call: get("/both", map[string]string{"X-API-Key": "k", "Authorization": "Bearer t"}), status: 200},
		{name: "operation overrides top level", call: get("/open", nil), status: 200},
	})
}

const mediaSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
          application/x-www-form-urlencoded:
            schema: {type: object, required: [title], properties: {title: {type: string}, count: {type: integer}}}
          text/plain:
            schema: {type: string, maxLength: 5}
      responses:
        "201":
          description: created
          content:
            application/json: {example: {id: 1}}
            application/vnd.notes+json: {example: {id: 1}}
            text/html: {example: "<p>1</p>"}
        "400":
          description: invalid
          content: {application/problem+json: {schema: {type: object}}}
`

func TestMediaTypes(t *testing.T) {
	ts := serveSpec(t, mediaSpec)
	post := func(ct, body string, extra ...string) call {
		h := map[string]string{"Content-Type": ct}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return call{path: "/notes", headers: h, body: body}
	}
	runEngineCases(t, ts, []engineCase{
		{name: "json body, json schema", call: post("application/json", `{"name":"a"}`), status: 201, contentType: "application/json"},
		{name: "json body judged by the json schema only", call: post("application/json", `{"title":"a"}`), status: 400,
			contentType: "application/problem+json", contains: []string{"name: is required"}},
		{name: "form body, form schema", call: post("application/x-www-form-urlencoded", `title=a&count=3`), status: 201},
		{name: "form body judged by the form schema", call: post("application/x-www-form-urlencoded", `name=a`), status: 400,
			contains: []string{"title: is required"}},
		{name: "form value of the wrong type", call: post("application/x-www-form-urlencoded", `title=a&count=many`), status: 400,
			contains: []string{"count"}},
		{name: "plain text", call: post("text/plain", `hello`), status: 201},
		{name: "plain text too long", call: post("text/plain", `hello world`), status: 400, contains: []string{"at most 5"}},
		{name: "media type parameters ignored", call: post("application/json; charset=utf-8", `{"name":"a"}`), status: 201},
		{name: "undocumented media type", call: post("application/xml", `<a/>`), status: 415,
			contains: []string{"application/json or application/x-www-form-urlencoded or text/plain"}},
		{name: "accept picks the vendor type", call: post("application/json", `{"name":"a"}`, "Accept", "application/vnd.notes+json"),
			status: 201, contentType: "application/vnd.notes+json"},
		{name: "accept q-values", call: post("application/json", `{"name":"a"}`, "Accept", "application/json;q=0.4, application/vnd.notes+json;q=0.9"),
			status: 201, contentType: "application/vnd.notes+json"},
		{name: "accept wildcard", call: post("application/json", `{"name":"a"}`, "Accept", "*/*"), status: 201, contentType: "application/json"},
		{name: "html is never claimed for a JSON body", call: post("application/json", `{"name":"a"}`, "Accept", "text/html"),
			status: 201, contentType: "application/json"},
	})
}

// TestSameRequestSameSchema: the request schema is chosen by the request's media type, never
// by map order; the same request gets the same answer on every start.
func TestSameRequestSameSchema(t *testing.T) {
	for i := 0; i < 8; i++ {
		ts := serveSpec(t, mediaSpec)
		got := do(t, ts.URL+"/t", call{path: "/notes", headers: map[string]string{"Content-Type": "application/json"}, body: `{"name":"a"}`})
		require.Equal(t, 201, got.status, "start %d: %s", i, got.body)
	}
}

const crudSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
x-usermock:
  errors:
    body: {code: "${code}", error: "${first}", all: "${messages}"}
    problems: {required: "Missing required field: ${field}"}
    kinds:
      validation: {status: 400, vars: {code: INVALID}}
      conflict: {status: 409, vars: {code: TAKEN}}
      notFound: {status: 404, vars: {code: NOT_FOUND}}
      unauthorized: {status: 401, vars: {code: AUTH}}
      methodNotAllowed: {status: 405, vars: {code: METHOD}}
      malformed: {status: 400, vars: {code: INVALID}}
      tooLarge: {status: 413, vars: {code: LARGE}}
      unsupportedMediaType: {status: 415, vars: {code: MEDIA}}
paths:
  /accounts:
    post:
      x-usermock:
        rules:
          - {id: email_unique, check: unique, fields: [body/email], fold: true,
             error: {kind: conflict, field: email, message: "email ${value} is taken by another account (${body/name})"}}
          - {id: handle_unique, check: unique, fields: [body/handle],
             error: {kind: conflict, field: handle, message: "handle ${value} is taken"}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Input'}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
        "400": {$ref: '#/components/responses/Err'}
        "409": {$ref: '#/components/responses/Err'}
        "404": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
        "413": {$ref: '#/components/responses/Err'}
        "415": {$ref: '#/components/responses/Err'}
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
      responses:
        "200":
          description: accounts
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Account'}}
        "400": {$ref: '#/components/responses/Err'}
        "404": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
  /accounts/{accountId}:
    parameters: [{name: accountId, in: path, required: true, schema: {type: integer}}]
    get:
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
        "404": {$ref: '#/components/responses/Err'}
        "400": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
    put:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Input'}}}
      responses:
        "200": {description: replaced, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
        "400": {$ref: '#/components/responses/Err'}
        "404": {$ref: '#/components/responses/Err'}
        "409": {$ref: '#/components/responses/Err'}
        "413": {$ref: '#/components/responses/Err'}
        "415": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
    patch:
      requestBody:
        required: true
        content: {application/merge-patch+json: {schema: {type: object, properties: {name: {type: string, minLength: 1}, handle: {type: string}}}}}
      responses:
        "200": {description: updated, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
        "400": {$ref: '#/components/responses/Err'}
        "404": {$ref: '#/components/responses/Err'}
        "409": {$ref: '#/components/responses/Err'}
        "413": {$ref: '#/components/responses/Err'}
        "415": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
    delete:
      responses:
        "204": {description: deleted}
        "404": {$ref: '#/components/responses/Err'}
        "400": {$ref: '#/components/responses/Err'}
        "405": {$ref: '#/components/responses/Err'}
components:
  responses:
    Err: {description: an error, content: {application/json: {schema: {type: object}}}}
  schemas:
    Input:
      type: object
      required: [name, email]
      properties:
        name: {type: string}
        email: {type: string, format: email}
        handle: {type: string}
    Account:
      type: object
      required: [accountId, name, email, createdAt]
      properties:
        accountId: {type: integer}
        name: {type: string}
        email: {type: string}
        handle: {type: string}
        createdAt: {type: string, format: date-time}
`

func TestCRUDLifecycle(t *testing.T) {
	ts := serveSpec(t, crudSpec)
	json := map[string]string{"Content-Type": "application/json"}
	patch := map[string]string{"Content-Type": "application/merge-patch+json"}
	runEngineCases(t, ts, []engineCase{
		{name: "create 1", call: call{path: "/accounts", headers: json, body: `{"name":"Ada","email":"ada@example.com","handle":"ada"}`},
			status: 201, contains: []string{`{"accountId":1,"name":"Ada","email":"ada@example.com","handle":"ada","createdAt":"2024-05-01T12:00:00Z"}`}},
		{name: "create 2", call: call{path: "/accounts", headers: json, body: `{"name":"Bob","email":"bob@example.com","handle":"bob"}`},
			status: 201, contains: []string{`"accountId":2`}},
		{name: "duplicate reports every taken key", call: call{path: "/accounts", headers: json, body: `{"name":"Eve","email":"ADA@example.com","handle":"bob"}`},
			status: 409, contains: []string{`"code":"TAKEN"`, `email ADA@example.com is taken by another account (Eve)`, `handle bob is taken`}},
		{name: "vendor wording per problem", call: call{path: "/accounts", headers: json, body: `{"handle":"x"}`},
			status: 400, contains: []string{`"error":"Missing required field: email"`, `"Missing required field: name"`}},
		{name: "read", call: call{method: http.MethodGet, path: "/accounts/1"}, status: 200, contains: []string{`"name":"Ada"`}},
		{name: "read unknown", call: call{method: http.MethodGet, path: "/accounts/99"}, status: 404,
			contains: []string{`"code":"NOT_FOUND"`, `no account with accountId \"99\" exists`}},
		{name: "read with a badly typed id", call: call{method: http.MethodGet, path: "/accounts/abc"}, status: 400, contains: []string{"accountId"}},
		{name: "list", call: call{method: http.MethodGet, path: "/accounts"}, status: 200, contains: []string{`[{"accountId":1,`, `{"accountId":2,`}},
		{name: "list page", call: call{method: http.MethodGet, path: "/accounts?limit=1&offset=1"}, status: 200, contains: []string{`[{"accountId":2,`}},
		{name: "list bad limit", call: call{method: http.MethodGet, path: "/accounts?limit=0"}, status: 400, contains: []string{"limit"}},
		{name: "replace may not take another's unique key", call: call{method: http.MethodPut, path: "/accounts/1", headers: json, body: `{"name":"Ada","email":"bob@example.com"}`},
			status: 409, contains: []string{"email bob@example.com is taken"}},
		{name: "replace keeps the id and creation time", call: call{method: http.MethodPut, path: "/accounts/1", headers: json, body: `{"name":"Ada L","email":"ada@example.com"}`},
			status: 200, contains: []string{`{"accountId":1,"name":"Ada L","email":"ada@example.com","createdAt":"2024-05-01T12:00:00Z"}`}},
		{name: "replace again", call: call{method: http.MethodPut, path: "/accounts/1", headers: json, body: `{"name":"Ada L","email":"ada@example.com","handle":"ada"}`},
			status: 200, contains: []string{`"handle":"ada"`}},
		{name: "replace unknown", call: call{method: http.MethodPut, path: "/accounts/7", headers: json, body: `{"name":"X","email":"x@example.com"}`}, status: 404},
		{name: "patch merges", call: call{method: http.MethodPatch, path: "/accounts/2", headers: patch, body: `{"name":"Robert"}`},
			status: 200, contains: []string{`"name":"Robert","email":"bob@example.com","handle":"bob"`}},
		{name: "patch removes with null", call: call{method: http.MethodPatch, path: "/accounts/2", headers: patch, body: `{"handle":null}`},
			status: 200, contains: []string{`"email":"bob@example.com","createdAt"`}},
		{name: "patch may not take another's unique key", call: call{method: http.MethodPatch, path: "/accounts/2", headers: patch, body: `{"handle":"ada"}`}, status: 409},
		{name: "patch invalid", call: call{method: http.MethodPatch, path: "/accounts/2", headers: patch, body: `{"name":""}`}, status: 400},
		{name: "delete", call: call{method: http.MethodDelete, path: "/accounts/1"}, status: 204},
		{name: "deleted is gone", call: call{method: http.MethodGet, path: "/accounts/1"}, status: 404},
		{name: "delete again", call: call{method: http.MethodDelete, path: "/accounts/1"}, status: 404},
		{name: "the deleted record's keys are free", call: call{path: "/accounts", headers: json, body: `{"name":"Ada","email":"ada@example.com","handle":"ada"}`},
			status: 201, contains: []string{`"accountId":3`}},
		{name: "405 lists the methods", call: call{method: http.MethodPost, path: "/accounts/2", headers: json, body: `{}`}, status: 405,
			contains: []string{"allowed: DELETE, GET, HEAD, PATCH, PUT"}},
	})
}

func TestCRUDInferred(t *testing.T) {
	api, problems := apispec.LoadAPI(context.Background(), "t.yaml", []byte(crudSpec))
	require.Empty(t, problems)
	want := map[string]apispec.Behaviour{"POST /accounts": apispec.BehaviourCreate, "GET /accounts": apispec.BehaviourList,
		"GET /accounts/{accountId}": apispec.BehaviourRead, "PUT /accounts/{accountId}": apispec.BehaviourReplace,
		"PATCH /accounts/{accountId}": apispec.BehaviourUpdate, "DELETE /accounts/{accountId}": apispec.BehaviourDelete}
	for _, op := range api.Ops {
		assert.Equal(t, want[op.Method+" "+op.Path], op.Behaviour, op.Method+" "+op.Path)
		if op.Behaviour == apispec.BehaviourCreate {
			assert.Equal(t, []string{"accountId"}, op.Key)
		}
	}
}

// serveHandler serves h on a real listening server until the test ends.
func serveHandler(t *testing.T, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

const readOnlySpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id, name]
              properties:
                id: {type: integer, readOnly: true}
                name: {type: string}
                pet:
                  oneOf:
                    - {type: object, required: [kind], properties: {kind: {type: string, enum: [cat]}, tag: {type: string, readOnly: true}}}
                    - {type: object, required: [kind], properties: {kind: {type: string, enum: [dog]}}}
      responses: {"201": {description: ok, content: {application/json: {example: {id: 1, name: a}}}}}
`

// A readOnly property is refused in a request, and not required there, nested ones too:
// requests are visited as requests when, and only when, a body schema declares one.
func TestReadOnlyInRequests(t *testing.T) {
	ts := serveSpec(t, readOnlySpec)
	post := func(body string) call {
		return call{path: "/users", headers: map[string]string{"Content-Type": "application/json"}, body: body}
	}
	runEngineCases(t, ts, []engineCase{
		{name: "readOnly id left out: not required", call: post(`{"name":"a"}`), status: 201},
		{name: "readOnly id sent: refused", call: post(`{"id":5,"name":"a"}`), status: 400, contains: []string{"readOnly"}},
		{name: "readOnly inside a oneOf branch: refused", call: post(`{"name":"a","pet":{"kind":"cat","tag":"x"}}`), status: 400,
			contains: []string{"pet"}},
		{name: "the other branch", call: post(`{"name":"a","pet":{"kind":"dog"}}`), status: 201},
	})
}
