package mocks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBadInput: every kind of bad body gets a 4xx in the API's shape, and the server still
// answers the next valid request.
func TestBadInput(t *testing.T) {
	apis, _ := loadAll(t)
	bad := []struct {
		name, body, contentType string
	}{
		{"malformed", `{"a":`, "application/json"},
		{"truncated", `{"email":"x@y.z"`, "application/json"},
		{"deep nesting", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "application/json"},
		{"invalid utf-8", "{\"email\":\"\xff\xfe\"}", "application/json"},
		{"nul bytes", "{\"email\":\"a\x00b\"}", "application/json"},
		{"duplicate keys", `{"email":"a@b.co","email":"c@d.co"}`, "application/json"},
		{"huge number", `{"number":1e999999}`, "application/json"},
		{"beyond int64", `{"number":99999999999999999999999,"departmentID":99999999999999999999999}`, "application/json"},
		{"wrong content type", `{}`, "text/plain"},
		{"missing content type", `{}`, ""},
		{"empty body", ``, "application/json"},
		{"array body", `[]`, "application/json"},
		{"too large", `{"x":"` + strings.Repeat("a", 2<<20) + `"}`, "application/json"},
	}
	_, ts := newTestServer(t)
	for _, c := range apiCases {
		api := apiByID(t, apis, c.id)
		for _, b := range bad {
			t.Run(c.id+"/"+b.name, func(t *testing.T) {
				got := do(t, ts.URL, call{path: c.path, headers: with(c.headers, "Content-Type", b.contentType), body: b.body})
				assert.GreaterOrEqual(t, got.status, 400, string(got.body))
				assert.Less(t, got.status, 500, string(got.body))
				validateResponse(t, api, api.Ops[0], got)
				ok := do(t, ts.URL, call{path: c.path, headers: c.headers, body: documentedRequest(t, api.Ops[0])})
				assert.Less(t, ok.status, 500)
			})
		}
	}
}
