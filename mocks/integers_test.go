package mocks

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The integer range walk, pruned to the schemas holding an integer, still finds integers
// nested in objects, arrays and allOf, and in a recursive schema.
func TestIntegerProblemsPruned(t *testing.T) {
	var s openapi3.Schema
	require.NoError(t, json.Unmarshal([]byte(`{"type":"object","properties":{
		"name":{"type":"string"},
		"tags":{"type":"array","items":{"type":"string"}},
		"meta":{"type":"object","properties":{"note":{"type":"string"}}},
		"stats":{"type":"object","properties":{"counts":{"type":"array","items":{"type":"integer"}}}},
		"extra":{"allOf":[{"type":"object","properties":{"n":{"type":"integer"}}}]}}}`), &s))
	self := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{"id": {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}}}}}
	self.Properties["child"] = &openapi3.SchemaRef{Value: self}
	s.Properties["tree"] = &openapi3.SchemaRef{Value: self}

	walk := integerSchemas(&s)
	assert.False(t, walk[s.Properties["meta"].Value], "no integer under meta: not walked")
	assert.False(t, walk[s.Properties["tags"].Value])
	assert.True(t, walk[s.Properties["stats"].Value])

	body, err := parseStrictJSON([]byte(`{"name":"1e99","meta":{"note":"x"},"stats":{"counts":[1,2e19]},
		"extra":{"n":1e20},"tree":{"id":1,"child":{"id":3e30}}}`))
	require.NoError(t, err)
	var fields []string
	for _, p := range integerProblems(&s, body, nil, 0, walk) {
		fields = append(fields, p.Field)
	}
	assert.ElementsMatch(t, []string{"stats.counts.1", "extra.n", "tree.child.id"}, fields)
	assert.Equal(t, len(fields), len(integerProblems(&s, body, nil, 0, nil)), "the same problems as the full walk")
}
