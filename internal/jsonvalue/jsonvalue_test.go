package jsonvalue

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCopyIsDeep(t *testing.T) {
	orig := map[string]any{"a": []any{map[string]any{"b": 1.0}}, "s": "x"}
	got := Copy(orig).(map[string]any)
	assert.Equal(t, orig, got)
	got["a"].([]any)[0].(map[string]any)["b"] = 2.0
	got["s"] = "y"
	assert.Equal(t, 1.0, orig["a"].([]any)[0].(map[string]any)["b"], "the original is untouched")
	assert.Equal(t, "x", orig["s"])
}
