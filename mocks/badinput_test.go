package mocks

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/contracttest"
)

// TestBadInput: every kind of bad body gets a 4xx in the API's shape, and the server still
// answers the next valid request.
func TestBadInput(t *testing.T) {
	apis, _ := loadAll(t)
	bad := []struct {
		name, body, contentType string
		header                  string // an extra header's value, sent as X-Pad
	}{
		{"malformed", `{"a":`, "application/json", ""},
		{"truncated", `{"email":"x@y.z"`, "application/json", ""},
		{"deep nesting", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "application/json", ""},
		{"invalid utf-8", "{\"email\":\"\xff\xfe\"}", "application/json", ""},
		{"nul bytes", "{\"email\":\"a\x00b\"}", "application/json", ""},
		{"duplicate keys", `{"email":"a@b.co","email":"c@d.co"}`, "application/json", ""},
		{"huge number", `{"number":1e999999}`, "application/json", ""},
		{"beyond int64", `{"number":99999999999999999999999,"departmentID":99999999999999999999999}`, "application/json", ""},
		{"wrong content type", `{}`, "text/plain", ""},
		{"missing content type", `{}`, "", ""},
		{"empty body", ``, "application/json", ""},
		{"array body", `[]`, "application/json", ""},
		{"too large", `{"x":"` + strings.Repeat("a", 2<<20) + `"}`, "application/json", ""},
		{"oversized header", `{}`, "application/json", strings.Repeat("h", 100<<10)},
		{"float beyond float64", `{"totalTargetHours":1.8e308,"isActive":1e400}`, "application/json", ""},
	}
	_, ts := newTestServer(t)
	for _, c := range apiCases {
		api := apiByID(t, apis, c.id)
		// Valid requests with fresh unique values, one per bad input, from the contract tests.
		var valid []*contracttest.Request
		for seed := int64(0); len(valid) < len(bad); seed++ {
			plan, err := contracttest.NewPlan(context.Background(), contracttest.Config{API: c.id, Seed: seed})
			require.NoError(t, err)
			for _, k := range plan.Cases {
				if k.Kind == contracttest.Positive {
					valid = append(valid, k.Steps[0])
				}
			}
		}
		for i, b := range bad {
			t.Run(c.id+"/"+b.name, func(t *testing.T) {
				headers := with(c.headers, "Content-Type", b.contentType)
				if b.header != "" {
					headers["X-Pad"] = b.header
				}
				got := do(t, ts.URL, call{path: c.path, headers: headers, body: b.body})
				assert.GreaterOrEqual(t, got.status, 400, string(got.body))
				assert.Less(t, got.status, 500, string(got.body))
				validateResponse(t, api, api.Ops[0], got)

				next := valid[i]
				h := with(c.headers)
				for k := range next.Header {
					if _, set := h[k]; !set && k != "Authorization" {
						h[k] = next.Header.Get(k)
					}
				}
				ok := do(t, ts.URL, call{path: c.path, headers: h, body: string(next.Body)})
				assert.Equal(t, api.Ops[0].Success, ok.status, "the next valid request: %s", ok.body)
			})
		}
	}
}
