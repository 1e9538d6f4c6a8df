package jsonvalue

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePointer(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "", want: []string{}},
		{in: "/", want: []string{""}},
		{in: "/a", want: []string{"a"}},
		{in: "/a/0/b", want: []string{"a", "0", "b"}},
		{in: "//", want: []string{"", ""}},
		{in: "/a~1b", want: []string{"a/b"}},
		{in: "/m~0n", want: []string{"m~n"}},
		{in: "/~01", want: []string{"~1"}, wantErr: ""}, // ~0 then a plain 1, not ~1
		{in: "/~10", want: []string{"/0"}},
		{in: "/ ", want: []string{" "}},
		{in: "a", wantErr: `must be empty or start with "/"`},
		{in: "#/a", wantErr: `must be empty or start with "/"`},
		{in: "/a~2", wantErr: `token "a~2": "~" must be followed by 0 or 1`},
		{in: "/a~", wantErr: `"~" must be followed by 0 or 1`},
		{in: "/~/a", wantErr: `token "~"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePointer(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "json pointer")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, FormatPointer(got), "round trip")
		})
	}
}

func TestFormatPointer(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{in: nil, want: ""},
		{in: []string{}, want: ""},
		{in: []string{""}, want: "/"},
		{in: []string{"a", "0"}, want: "/a/0"},
		{in: []string{"a/b", "m~n", "~1"}, want: "/a~1b/m~0n/~01"},
		{in: []string{"é"}, want: "/é"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := FormatPointer(tt.in)
			assert.Equal(t, tt.want, got)
			back, err := ParsePointer(got)
			require.NoError(t, err)
			assert.Equal(t, len(tt.in), len(back))
		})
	}
}

// doc returns a fresh document for each case, as Set and Delete change it in place.
func doc() map[string]any {
	return map[string]any{
		"a":     map[string]any{"b": "c", "null": nil},
		"list":  []any{"x", map[string]any{"y": true}},
		"empty": []any{},
		"n":     1.5,
		"a/b":   "slash",
		"m~n":   "tilde",
		"":      "empty key",
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		name   string
		tokens []string
		want   any
		wantOK bool
	}{
		{"root", nil, doc(), true},
		{"member", []string{"a", "b"}, "c", true},
		{"null is found", []string{"a", "null"}, nil, true},
		{"missing member", []string{"a", "z"}, nil, false},
		{"element", []string{"list", "0"}, "x", true},
		{"in element", []string{"list", "1", "y"}, true, true},
		{"past the end", []string{"list", "2"}, nil, false},
		{"negative", []string{"list", "-1"}, nil, false},
		{"plus sign", []string{"list", "+1"}, nil, false},
		{"leading zero", []string{"list", "01"}, nil, false},
		{"not a number", []string{"list", "x"}, nil, false},
		{"append token", []string{"list", "-"}, nil, false},
		{"huge index", []string{"list", "99999999999999999999999"}, nil, false},
		{"into a scalar", []string{"n", "x"}, nil, false},
		{"into a string", []string{"a", "b", "0"}, nil, false},
		{"escaped key names", []string{"a/b"}, "slash", true},
		{"empty key", []string{""}, "empty key", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Get(doc(), tt.tokens)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGetPointer(t *testing.T) {
	tests := []struct {
		pointer string
		want    any
		wantOK  bool
	}{
		{"/a/b", "c", true},
		{"/a~1b", "slash", true},
		{"/m~0n", "tilde", true},
		{"/", "empty key", true},
		{"/list/1/y", true, true},
		{"/nope", nil, false},
		{"a/b", nil, false},
		{"/a~2", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			got, ok := GetPointer(doc(), tt.pointer)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name   string
		root   any
		tokens []string
		want   any
		wantOK bool
	}{
		{"replace the root", map[string]any{"a": 1}, nil, "v", true},
		{"new member", map[string]any{}, []string{"a"}, map[string]any{"a": "v"}, true},
		{"replace a member", map[string]any{"a": 1}, []string{"a"}, map[string]any{"a": "v"}, true},
		{"objects on the way", map[string]any{}, []string{"a", "b", "c"},
			map[string]any{"a": map[string]any{"b": map[string]any{"c": "v"}}}, true},
		{"one-element array for 0", map[string]any{}, []string{"a", "0", "b"},
			map[string]any{"a": []any{map[string]any{"b": "v"}}}, true},
		{"array element", map[string]any{"a": []any{1, 2}}, []string{"a", "1"},
			map[string]any{"a": []any{1, "v"}}, true},
		{"scalar on the way is replaced", map[string]any{"a": 1}, []string{"a", "b"},
			map[string]any{"a": map[string]any{"b": "v"}}, true},
		{"null on the way is replaced", map[string]any{"a": nil}, []string{"a", "0"},
			map[string]any{"a": []any{"v"}}, true},
		{"empty array on the way is replaced", map[string]any{"a": []any{}}, []string{"a", "0"},
			map[string]any{"a": []any{"v"}}, true},
		{"empty array by a non-0 token becomes an object", map[string]any{"a": []any{}}, []string{"a", "x"},
			map[string]any{"a": map[string]any{"x": "v"}}, true},
		{"scalar element replaced", map[string]any{"a": []any{1}}, []string{"a", "0", "b"},
			map[string]any{"a": []any{map[string]any{"b": "v"}}}, true},
		{"nil root", nil, []string{"a"}, map[string]any{"a": "v"}, true},
		{"nil root, array", nil, []string{"0", "a"}, []any{map[string]any{"a": "v"}}, true},
		{"nil map root", map[string]any(nil), []string{"a"}, map[string]any{"a": "v"}, true},
		{"scalar root", "x", []string{"a"}, map[string]any{"a": "v"}, true},
		{"past the end", map[string]any{"a": []any{1}}, []string{"a", "1"},
			map[string]any{"a": []any{1}}, false},
		{"past the end, deeper", map[string]any{"a": []any{1}}, []string{"a", "3", "b"},
			map[string]any{"a": []any{1}}, false},
		{"not an index", map[string]any{"a": []any{1}}, []string{"a", "x"},
			map[string]any{"a": []any{1}}, false},
		{"negative index", []any{1}, []string{"-1"}, []any{1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Set(tt.root, tt.tokens, "v")
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSetChangesTheRootInPlace(t *testing.T) {
	root := map[string]any{"a": map[string]any{}}
	got, ok := Set(root, []string{"a", "b"}, 1)
	require.True(t, ok)
	assert.Equal(t, map[string]any{"a": map[string]any{"b": 1}}, root)
	assert.Equal(t, root, got)
}

func TestSetPointer(t *testing.T) {
	tests := []struct {
		pointer string
		want    any
		wantErr string
	}{
		{"/a~1b/0", map[string]any{"list": []any{1}, "a/b": []any{"v"}}, ""},
		{"/list/0", map[string]any{"list": []any{"v"}}, ""},
		{"", "v", ""},
		{"/list/1", map[string]any{"list": []any{1}}, `set /list/1: the array at /list has no element "1"`},
		{"list", map[string]any{"list": []any{1}}, `set: json pointer "list"`},
		{"/~2", map[string]any{"list": []any{1}}, `set: json pointer "/~2"`},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			got, err := SetPointer(map[string]any{"list": []any{1}}, tt.pointer, "v")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := SetPointer([]any{}, "/3", "v")
	require.NoError(t, err, "an empty root array is replaced, as any missing container")
	_, err = SetPointer([]any{1}, "/3", "v")
	assert.EqualError(t, err, `set /3: the root array has no element "3"`)
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name   string
		tokens []string
		want   func(map[string]any)
		wantOK bool
	}{
		{"member", []string{"n"}, func(m map[string]any) { delete(m, "n") }, true},
		{"nested member", []string{"a", "b"}, func(m map[string]any) { delete(m["a"].(map[string]any), "b") }, true},
		{"null member", []string{"a", "null"}, func(m map[string]any) { delete(m["a"].(map[string]any), "null") }, true},
		{"member in an element", []string{"list", "1", "y"},
			func(m map[string]any) { delete(m["list"].([]any)[1].(map[string]any), "y") }, true},
		{"missing member", []string{"a", "z"}, func(map[string]any) {}, false},
		{"missing parent", []string{"z", "a"}, func(map[string]any) {}, false},
		{"array element is kept", []string{"list", "0"}, func(map[string]any) {}, false},
		{"root is kept", nil, func(map[string]any) {}, false},
		{"under a scalar", []string{"n", "x"}, func(map[string]any) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := doc()
			want := doc()
			tt.want(want)
			ok := Delete(got, tt.tokens)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, want, got)
		})
	}
}

func FuzzPointer(f *testing.F) {
	for _, s := range []string{"", "/", "//", "/a/b", "/a~1b/m~0n", "/~01", "/~", "/~2", "a", "/0/-/01", "/é/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tokens, err := ParsePointer(p)
		if err != nil {
			bad := p[0] != '/' || strings.Contains(strings.NewReplacer("~0", "", "~1", "").Replace(p), "~")
			if !bad {
				t.Fatalf("ParsePointer(%q) refused a valid pointer: %v", p, err)
			}
			return
		}
		if got := FormatPointer(tokens); got != p {
			t.Fatalf("FormatPointer(ParsePointer(%q)) = %q", p, got)
		}
		back, err := ParsePointer(FormatPointer(tokens))
		if err != nil || len(back) != len(tokens) {
			t.Fatalf("tokens %q do not round trip: %q, %v", tokens, back, err)
		}
		for i := range back {
			if back[i] != tokens[i] {
				t.Fatalf("tokens %q do not round trip: %q", tokens, back)
			}
		}
	})
}
