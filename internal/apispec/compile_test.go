package apispec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
)

const compileBase = `
openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    q: {type: apiKey, in: query, name: api_key}
    bearer: {type: http, scheme: bearer}
    basic: {type: http, scheme: basic}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://t/token', scopes: {}}}}
    mtls: {type: http, scheme: digest}
paths:
`

func compile(t *testing.T, paths string) *apispec.API {
	t.Helper()
	api, ps := apispec.LoadAPI(context.Background(), "t.yaml", []byte(compileBase+paths))
	require.NotNil(t, api, "%v", ps)
	require.Empty(t, ps.Fatal(), "%v", ps)
	return api
}

func op(t *testing.T, api *apispec.API, method, path string) *apispec.Operation {
	t.Helper()
	for _, o := range api.Ops {
		if o.Method == method && o.Path == path {
			return o
		}
	}
	t.Fatalf("no %s %s", method, path)
	return nil
}

const ok200 = `{"200": {description: ok, content: {application/json: {schema: {type: object}}}}}`

// TestCompileRules: one row per compiler rule: behaviours, keys, echo inference, security,
// media types, names and the default error shape.
func TestCompileRules(t *testing.T) {
	tests := []struct {
		name  string
		paths string
		check func(t *testing.T, api *apispec.API)
	}{
		{"behaviours inferred from method and path shape", `
  /things:
    post:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"201": {description: c, content: {application/json: {example: {thingId: 1}}}}}
    get: {responses: ` + ok200 + `}
  /things/{thingId}:
    parameters: [{name: thingId, in: path, required: true, schema: {type: integer}}]
    get: {responses: ` + ok200 + `}
    put: {requestBody: {content: {application/json: {schema: {type: object}}}}, responses: ` + ok200 + `}
    patch: {requestBody: {content: {application/json: {schema: {type: object}}}}, responses: ` + ok200 + `}
    delete: {responses: {"204": {description: gone}}}
  /things/{thingId}/archive:
    parameters: [{name: thingId, in: path, required: true, schema: {type: integer}}]
    post: {requestBody: {content: {application/json: {schema: {type: object}}}}, responses: ` + ok200 + `}
  /status:
    get: {responses: ` + ok200 + `}
`, func(t *testing.T, api *apispec.API) {
			want := map[string]apispec.Behaviour{
				"POST /things": apispec.BehaviourCreate, "GET /things": apispec.BehaviourList,
				"GET /things/{thingId}": apispec.BehaviourRead, "PUT /things/{thingId}": apispec.BehaviourReplace,
				"PATCH /things/{thingId}": apispec.BehaviourUpdate, "DELETE /things/{thingId}": apispec.BehaviourDelete,
				"POST /things/{thingId}/archive": apispec.BehaviourRespond, "GET /status": apispec.BehaviourRespond,
			}
			for _, o := range api.Ops {
				assert.Equal(t, want[o.Method+" "+o.Path], o.Behaviour, o.Method+" "+o.Path)
			}
			create := op(t, api, "POST", "/things")
			assert.Equal(t, []string{"thingId"}, create.Key, "the item parameter's name")
			read := op(t, api, "GET", "/things/{thingId}")
			assert.Equal(t, "thingId", read.ItemParam)
			assert.Same(t, create, read.Creator)
			assert.Equal(t, "/things", read.Collection)
		}},
		{"declared behaviour and key win", `
  /jobs:
    post:
      x-usermock: {behaviour: respond}
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: ` + ok200 + `
  /users/:
    post:
      x-usermock: {key: /data/ref}
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"201": {description: c, content: {application/json: {example: {id: 1, data: {ref: x}}}}}}
`, func(t *testing.T, api *apispec.API) {
			assert.Equal(t, apispec.BehaviourRespond, op(t, api, "POST", "/jobs").Behaviour)
			users := op(t, api, "POST", "/users/")
			assert.Equal(t, []string{"data", "ref"}, users.Key)
			assert.Equal(t, "/users", users.Collection, "the trailing slash is not part of the collection")
		}},
		{"key found nested, case-insensitively, as <resource>Id", `
  /users:
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {name: {type: string}, nick: {type: string}}}}}}
      responses:
        "201":
          description: c
          content:
            application/json:
              schema:
                type: object
                required: [message]
                properties:
                  message: {type: object, properties: {profile: {type: object, properties: {userID: {type: integer}, name: {type: string}, nick: {type: string}}}}}
              example: {message: {profile: {userID: 1006, name: Jane, nick: J}}}
`, func(t *testing.T, api *apispec.API) {
			create := op(t, api, "POST", "/users")
			assert.Equal(t, []string{"message", "profile", "userID"}, create.Key)
			echo := map[string]string{}
			for _, e := range create.Echo {
				echo[e.Pointer] = sourceText(e.Source)
			}
			assert.Equal(t, map[string]string{"/message/profile/userID": "$seq", "/message/profile/name": "body/name (omit)",
				"/message/profile/nick": "body/nick (omit)"}, echo, "fields inside an envelope echo the request; the key is generated")
		}},
		{"echo inferred for a plain create", `
  /widgets:
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string}, secret: {type: string, writeOnly: true}, size: {type: integer}}}}}}
      responses:
        "201":
          description: c
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: string, format: uuid}
                  name: {type: string}
                  size: {type: integer}
                  secret: {type: string}
                  createdAt: {type: string, format: date-time}
`, func(t *testing.T, api *apispec.API) {
			create := op(t, api, "POST", "/widgets")
			echo := map[string]string{}
			for _, e := range create.Echo {
				echo[e.Pointer] = sourceText(e.Source)
			}
			assert.Equal(t, map[string]string{"/id": "$uuid", "/name": "body/name", "/size": "body/size (omit)", "/createdAt": "$now"}, echo,
				"writeOnly request fields never echo")
		}},
		{"security alternatives", `
  /a:
    get:
      security: [{key: []}, {bearer: [], q: []}, {}]
      responses: ` + ok200 + `
  /b:
    get:
      security: [{basic: []}, {oauth: []}, {mtls: []}]
      responses: ` + ok200 + `
`, func(t *testing.T, api *apispec.API) {
			a := op(t, api, "GET", "/a")
			require.Len(t, a.Security, 3)
			assert.Equal(t, "X-Key", a.Security[0][0].Header)
			assert.Equal(t, []string{"bearer", "q"}, []string{a.Security[1][0].Name, a.Security[1][1].Name})
			assert.Equal(t, "query", a.Security[1][1].In)
			assert.Empty(t, a.Security[2], "the empty alternative makes credentials optional")
			b := op(t, api, "GET", "/b")
			require.Len(t, b.Security, 2, "http digest cannot be checked: that alternative is dropped, with a warning")
			assert.Equal(t, "Basic", b.Security[0][0].Prefix)
			assert.True(t, b.Security[1][0].Bearer, "an oauth2 token arrives as a bearer token")
		}},
		{"media types and names", `
  /forms/{formId}/entries:
    parameters: [{name: formId, in: path, required: true, schema: {type: integer}}]
    post:
      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object}}, application/json: {schema: {type: object}}}}
      responses: {"201": {description: c, content: {text/html: {example: x}, application/problem+json: {example: {}}, application/json: {example: {}}}}}
`, func(t *testing.T, api *apispec.API) {
			o := api.Ops[0]
			assert.Equal(t, "postFormsFormIdEntries", o.ID, "an operation without operationId gets a stable one")
			assert.Equal(t, []string{"application/json", "application/x-www-form-urlencoded"}, o.Types)
			assert.Equal(t, []string{"application/json", "application/problem+json", "text/html"}, o.ResponseTypes[201], "JSON first")
			assert.True(t, api.Errors.Standard, "no x-usermock: RFC 9457 problem details")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, compile(t, tt.paths)) })
	}
}

func sourceText(s apispec.Source) string {
	var out string
	switch {
	case s.Gen != nil:
		out = "$" + s.Gen.Name
	default:
		out = s.Path.String()
	}
	if s.Omit {
		out += " (omit)"
	}
	return out
}

func TestWarningsDoNotStopLoading(t *testing.T) {
	api, ps := apispec.LoadAPI(context.Background(), "t.yaml", []byte(compileBase+`
  /b:
    get:
      security: [{mtls: []}]
      responses: `+ok200+`
`))
	require.NotNil(t, api)
	assert.Empty(t, ps.Fatal())
	require.Len(t, ps.Warnings(), 1)
	assert.True(t, strings.Contains(ps.Warnings()[0].String(), "warning: security scheme \"mtls\""), ps.Warnings()[0].String())
}
