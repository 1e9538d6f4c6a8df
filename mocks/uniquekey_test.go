package mocks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
)

// TestUniqueKeyPartsDoNotRunTogether: a NUL inside one value of a key of several parts cannot
// make two different pairs of values claim one key; keys without NUL are as before.
func TestUniqueKeyPartsDoNotRunTogether(t *testing.T) {
	a, err := apispec.ParsePath("body/a")
	require.NoError(t, err)
	b, err := apispec.ParsePath("body/b")
	require.NoError(t, err)
	scope, err := apispec.ParsePath("header/x-account-id")
	require.NoError(t, err)
	key := func(r *apispec.Rule, body map[string]any) string {
		k, ok := uniqueKey(r, evalContext{"body": body, "header": map[string]any{"x-account-id": "1\x00s2"}})
		require.True(t, ok)
		return k
	}
	pair := &apispec.Rule{Fields: []apispec.Path{a, b}}
	assert.NotEqual(t,
		key(pair, map[string]any{"a": "x\x00sy", "b": "z"}),
		key(pair, map[string]any{"a": "x", "b": "y\x00sz"}))
	assert.Equal(t, "sx\x00sz", key(pair, map[string]any{"a": "x", "b": "z"}), "no NUL: the key as it always was")

	scoped := &apispec.Rule{Scope: scope, Fields: []apispec.Path{a}}
	assert.NotEqual(t, key(scoped, map[string]any{"a": "s3"}), key(&apispec.Rule{Scope: scope, Fields: []apispec.Path{a}},
		map[string]any{"a": "s2\x00s3"}))
	one := &apispec.Rule{Fields: []apispec.Path{a}}
	assert.Equal(t, "sx\x00y", key(one, map[string]any{"a": "x\x00y"}), "one part: nothing to run into")
}
