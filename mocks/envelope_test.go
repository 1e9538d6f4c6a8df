package mocks

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/store"
)

const envelopeSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /posts:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/PostInput'}}}
      responses:
        "201": {description: c, content: {application/json: {schema: {type: object, properties: {data: {$ref: '#/components/schemas/Post'}}}}}}
        "400":
          description: invalid
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [code, message]
                properties:
                  code: {type: string}
                  message: {type: string}
                  errors: {type: array, items: {type: object, properties: {field: {type: string}, message: {type: string}}}}
    get:
      parameters: [{name: page, in: query, schema: {type: integer}}, {name: per_page, in: query, schema: {type: integer, default: 10}}]
      responses:
        "200":
          description: list
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {$ref: '#/components/schemas/Post'}}
                  meta: {type: object, properties: {total: {type: integer}}}
  /posts/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200": {description: one, content: {application/json: {schema: {type: object, properties: {data: {$ref: '#/components/schemas/Post'}}}}}}
    patch:
      requestBody: {content: {application/merge-patch+json: {schema: {type: object, properties: {title: {type: string}, slug: {type: string}}}}}}
      responses:
        "200": {description: one, content: {application/json: {schema: {type: object, properties: {data: {$ref: '#/components/schemas/Post'}}}}}}
  /ping:
    get:
      responses:
        "200": {description: pong, content: {text/plain: {schema: {type: string}, example: pong}}}
        "404": {description: none}
components:
  schemas:
    PostInput:
      type: object
      required: [title]
      properties:
        title: {type: string, maxLength: 20}
        slug: {type: string}
        state: {type: string, enum: [draft, live], default: draft}
    Post:
      type: object
      additionalProperties: false
      properties:
        id: {type: string, format: uuid}
        title: {type: string}
        slug: {type: string}
        state: {type: string}
`

// TestEnvelopes: fields inside {"data": ...} echo the request, lists hold the records (not
// their envelopes) and count them where the schema says, documented error shapes are kept,
// defaults survive a patch, keys may hold slashes, text responses stay text.
func TestEnvelopes(t *testing.T) {
	ts := serveSpec(t, envelopeSpec)
	jsonH := map[string]string{"Content-Type": "application/json"}
	first := do(t, ts.URL+"/t", call{path: "/posts", headers: jsonH, body: `{"title":"Hello","slug":"a/b"}`})
	require.Equal(t, 201, first.status, "%s", first.body)
	id := first.json.(map[string]any)["data"].(map[string]any)["id"].(string)
	assert.Regexp(t, `^\{"data":\{"id":"[0-9a-f-]{36}","title":"Hello","slug":"a/b","state":"draft"\}\}$`, string(first.body))
	require.Equal(t, 201, do(t, ts.URL+"/t", call{path: "/posts", headers: jsonH, body: `{"title":"Two"}`}).status)

	list := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/posts"})
	require.Equal(t, 200, list.status)
	assert.Regexp(t, `^\{"data":\[\{"id":"`+id+`","title":"Hello","slug":"a/b","state":"draft"\},\{"id":"[^"]+","title":"Two","state":"draft"\}\],"meta":\{"total":2\}\}$`, string(list.body))
	page := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/posts?page=9223372036854775807"})
	assert.Contains(t, string(page.body), `"data":[]`, "a page past the end is empty, never the first")

	bad := do(t, ts.URL+"/t", call{path: "/posts", headers: jsonH, body: `{"title":"far too long for a title"}`})
	require.Equal(t, 400, bad.status)
	assert.Equal(t, "application/json; charset=utf-8", bad.header.Get("Content-Type"))
	assert.JSONEq(t, `{"code":"BAD_REQUEST","message":"title: must be at most 20 characters long","errors":[{"field":"title","message":"must be at most 20 characters long"}]}`, string(bad.body))

	patched := do(t, ts.URL+"/t", call{method: http.MethodPatch, path: "/posts/" + id, headers: map[string]string{"Content-Type": "application/merge-patch+json"}, body: `{"slug":null}`})
	require.Equal(t, 200, patched.status, "%s", patched.body)
	assert.Contains(t, string(patched.body), `"state":"draft"`, "a default survives a patch")
	assert.NotContains(t, string(patched.body), `"slug"`)

	slash := do(t, ts.URL+"/t", call{path: "/posts", headers: jsonH, body: `{"title":"S"}`})
	require.Equal(t, 201, slash.status)
	read := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/posts/" + id})
	assert.Equal(t, 200, read.status)
	head := do(t, ts.URL+"/t", call{method: http.MethodHead, path: "/posts/" + id})
	assert.Equal(t, 200, head.status)
	assert.Empty(t, head.body, "HEAD is GET without the body")

	ping := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/ping"})
	assert.Equal(t, "text/plain; charset=utf-8", ping.header.Get("Content-Type"))
	assert.Equal(t, "pong", string(ping.body))
	forced := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/ping", headers: map[string]string{"Prefer": "code=404"}})
	assert.Equal(t, 404, forced.status, "a documented status without a body can be asked for")
	assert.Empty(t, forced.body)
}

const slashKeySpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /files:
    post:
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [path], properties: {path: {type: string}}}}}}
      responses: {"201": {description: c, content: {application/json: {schema: {type: object, properties: {path: {type: string}}}}}}}
  /files/{path}:
    parameters: [{name: path, in: path, required: true, schema: {type: string}}]
    get:
      responses: {"200": {description: one, content: {application/json: {schema: {type: object}}}}}
`

func TestKeysWithEscapedSlashes(t *testing.T) {
	ts := serveSpec(t, slashKeySpec)
	require.Equal(t, 201, do(t, ts.URL+"/t", call{path: "/files", headers: map[string]string{"Content-Type": "application/json"}, body: `{"path":"a/b c"}`}).status)
	got := do(t, ts.URL+"/t", call{method: http.MethodGet, path: "/files/a%2Fb%20c"})
	assert.Equal(t, 200, got.status, "%s", got.body)
	assert.Contains(t, string(got.body), `"a/b c"`)
}

// TestGeneratedKeysAfterRestart: ids generated after a restart with --state never collide
// with the stored ones (the generator continues; a collision is generated again).
func TestGeneratedKeysAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	api := mustLoad(t, envelopeSpec)
	start := func() *Server {
		f, err := store.OpenFile(path)
		require.NoError(t, err)
		srv, err := New(Config{APIs: []*apispec.API{api}, Seed: 1, Store: f, Now: func() time.Time { return testNow }})
		require.NoError(t, err)
		return srv
	}
	ids := map[string]bool{}
	var before []byte
	for run := 0; run < 3; run++ {
		srv := start()
		ts := serveHandler(t, srv)
		if run > 0 {
			after := do(t, ts+"/t", call{method: http.MethodGet, path: "/posts?per_page=5"})
			assert.Equal(t, string(before), string(after.body), "a restart keeps every stored byte, keys in the documented order")
		}
		for i := 0; i < 5; i++ {
			got := do(t, ts+"/t", call{path: "/posts", headers: map[string]string{"Content-Type": "application/json"}, body: `{"title":"x"}`})
			require.Equal(t, 201, got.status, "run %d create %d: %s", run, i, got.body)
			id := got.json.(map[string]any)["data"].(map[string]any)["id"].(string)
			assert.False(t, ids[id], "id %s was generated before", id)
			ids[id] = true
		}
		before = do(t, ts+"/t", call{method: http.MethodGet, path: "/posts?per_page=5"}).body
		require.NoError(t, srv.Close())
	}
}
