package specs_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/specs"
)

func load(t *testing.T) []*apispec.API {
	t.Helper()
	apis, problems := apispec.Load(context.Background(), specs.FS())
	require.Empty(t, problems)
	require.Len(t, apis, 5)
	return apis
}

func TestEverySpecLoadsAndNamesItsSeed(t *testing.T) {
	seedName := regexp.MustCompile(`^00[0-4]_[0-9a-f]{16}\.txt$`)
	for _, a := range load(t) {
		assert.Regexp(t, seedName, a.Source, a.File)
		assert.Equal(t, "3.0.3", a.Doc.OpenAPI, a.File)
	}
}

// TestEveryNamedExampleValidates checks each request and response example against its schema
// with the document's formats, independently of kin-openapi's own Validate.
func TestEveryNamedExampleValidates(t *testing.T) {
	for _, a := range load(t) {
		opts := append(a.Doc.GetSchemaValidationOptions(), openapi3.MultiErrors())
		for _, op := range a.Ops {
			names, values := op.RequestExamples()
			require.Contains(t, names, "documented", "%s: the document's request example", a.File)
			for _, n := range names {
				assert.NoError(t, op.RequestSchema().VisitJSON(values[n], opts...), "%s request example %s", a.File, n)
			}
			for status, exNames := range op.Examples {
				for _, n := range exNames {
					v, ok := op.ExampleValue(status, n)
					require.True(t, ok)
					assert.NoError(t, op.ResponseSchema(status).VisitJSON(v, append(opts, openapi3.VisitAsResponse())...), "%s %d example %s", a.File, status, n)
				}
			}
			assert.True(t, op.HasExample(op.Success, "documented"), "%s: the document's response example", a.File)
		}
	}
}

// placeholderValues replaces the documents' "<string>" placeholders by valid values of the
// declared format.
var placeholderValues = map[string]string{"objectid": "65a1f0c2e4b0a1b2c3d4e5f6", "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "email": "user@example.com", "date-time": "2024-01-01T00:00:00Z"}

func replacePlaceholders(v any, s *openapi3.Schema) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s != nil && s.Properties[k] != nil {
				t[k] = replacePlaceholders(e, s.Properties[k].Value)
			}
		}
	case []any:
		for i, e := range t {
			if s != nil && s.Items != nil {
				t[i] = replacePlaceholders(e, s.Items.Value)
			}
		}
	case string:
		if strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">") && s != nil {
			if r, ok := placeholderValues[s.Format]; ok {
				return r
			}
		}
	}
	return v
}

// TestSeedExampleRequestsAccepted: the example requests exactly as the documents print them
// (testdata copied from the seeds), placeholders replaced, are accepted.
func TestSeedExampleRequestsAccepted(t *testing.T) {
	apis := load(t)
	for _, tt := range []struct{ api, file string }{{"pland", "testdata/pland_seed_request.json"}, {"superfy", "testdata/superfy_seed_request.json"}} {
		t.Run(tt.api, func(t *testing.T) {
			raw, err := os.ReadFile(tt.file)
			require.NoError(t, err)
			var v any
			require.NoError(t, json.Unmarshal(raw, &v))
			for _, a := range apis {
				if a.ID == tt.api {
					s := a.Ops[0].RequestSchema()
					v = replacePlaceholders(v, s)
					assert.NoError(t, s.VisitJSON(v, append(a.Doc.GetSchemaValidationOptions(), openapi3.MultiErrors())...))
				}
			}
		})
	}
}

// TestConstraintsAreTraceable: every property of every request schema quotes the document
// (x-source) or states an assumption (x-assumption), itself or through the schema it is in.
func TestConstraintsAreTraceable(t *testing.T) {
	for _, a := range load(t) {
		for name, ref := range a.Doc.Components.Schemas {
			s := ref.Value
			_, src := s.Extensions["x-source"]
			_, asm := s.Extensions["x-assumption"]
			if src || asm {
				continue
			}
			for prop, p := range s.Properties {
				if p.Ref != "" || p.Value == nil {
					continue
				}
				_, ps := p.Value.Extensions["x-source"]
				_, pa := p.Value.Extensions["x-assumption"]
				assert.True(t, ps || pa, "%s: %s.%s has neither x-source nor x-assumption", a.File, name, prop)
			}
		}
	}
}
