package fake_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/specs"
)

// TestValuesValidate generates request bodies and success responses of every shipped spec
// with several seeds; kin-openapi must accept each (anyOf aside: a generated request fills
// every property, so any "one of these fields" holds).
func TestValuesValidate(t *testing.T) {
	apis, problems := apispec.Load(context.Background(), specs.FS())
	require.Empty(t, problems)
	for _, api := range apis {
		for _, op := range api.Ops {
			for seed := int64(1); seed <= 20; seed++ {
				f := gofakeit.New(seed)
				check := func(s *openapi3.Schema, dir fake.Direction, as openapi3.SchemaValidationOption) {
					b, err := json.Marshal(fake.Value(f, s, "", dir))
					require.NoError(t, err)
					var v any
					require.NoError(t, json.Unmarshal(b, &v))
					opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), as}, api.Doc.GetSchemaValidationOptions()...)
					assert.NoError(t, s.VisitJSON(v, opts...), "%s %s seed %d: %s", api.ID, op.ID, seed, b)
				}
				check(op.RequestSchema(), fake.Request, openapi3.VisitAsRequest())
				check(op.ResponseSchema(op.Success), fake.Response, openapi3.VisitAsResponse())
			}
		}
	}
}

// A writeOnly string in a request is a 16-character secret, not a word: the contract tests
// look for it in the response, where a word may be any other field's value (superfy's
// password "monthly" was its company's default_paymentPeriod).
func TestWriteOnlySecretsAreDistinct(t *testing.T) {
	s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{
		"password": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, WriteOnly: true}},
		"pin":      {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "password", MaxLength: openapi3.Ptr(uint64(6))}},
	}}
	for seed := int64(0); seed < 50; seed++ {
		v := fake.Value(gofakeit.New(seed), s, "", fake.Request).(map[string]any)
		pw := v["password"].(string)
		require.Len(t, pw, 16)
		require.Regexp(t, `^[a-zA-Z0-9]+$`, pw)
		require.Len(t, v["pin"].(string), 6, "maxLength still holds")
	}
}
