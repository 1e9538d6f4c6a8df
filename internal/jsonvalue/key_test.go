package jsonvalue

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		in   any
		fold bool
		want string
	}{
		{"null", nil, false, "null"},
		{"nil map is null", map[string]any(nil), false, "null"},
		{"nil pointer is null", (*point)(nil), false, "null"},
		{"string", "Ab", false, "sAb"},
		{"string folded", "Ab", true, "sab"},
		{"string that looks like a number", "1", false, "s1"},
		{"invalid utf-8 as encoding/json sends it", "\xff", false, "s\ufffd"},
		{"true", true, false, "jtrue"},
		{"int", 1, false, "j1"},
		{"float64", 1.0, false, "j1"},
		{"json.Number", json.Number("1"), false, "j1"},
		{"json.Number with fraction zeros", json.Number("1.000"), false, "j1"},
		{"json.Number with exponent", json.Number("10e-1"), false, "j1"},
		{"json.Number 100", json.Number("1E2"), false, "j100"},
		{"negative zero", json.Number("-0.0"), false, "j0"},
		{"float64 negative zero", math.Copysign(0, -1), false, "j0"},
		{"zero with exponent", json.Number("0e999999999999999999999999"), false, "j0"},
		{"fraction", json.Number("1.2500"), false, "j1.25"},
		{"fraction as float64", 1.25, false, "j1.25"},
		{"small", json.Number("0.0000012"), false, "j0.0000012"},
		{"smaller", json.Number("0.00000012"), false, "j1.2e-7"},
		{"large", json.Number("123e18"), false, "j123000000000000000000"},
		{"larger", json.Number("1230e18"), false, "j1.23e+21"},
		{"float64 larger", 1.23e21, false, "j1.23e+21"},
		{"beyond int64 exactly", json.Number("9223372036854775808"), false, "j9223372036854775808"},
		{"beyond float64 exactly", json.Number("9007199254740993"), false, "j9007199254740993"},
		{"beyond float64 range", json.Number("1e400"), false, "j1e+400"},
		{"huge exponent", json.Number("12e99999999999999999999"), false, "j1.2e+100000000000000000000"},
		{"huge negative exponent", json.Number("-12e-99999999999999999999"), false, "j-1.2e-99999999999999999998"},
		{"uint64", uint64(math.MaxUint64), false, "j18446744073709551615"},
		{"float32", float32(0.1), false, "j0.1"},
		{"NaN", math.NaN(), false, "j?float64(NaN)"},
		{"infinity", math.Inf(-1), false, "j?float64(-Inf)"},
		{"not a number", json.Number("abc"), false, `j?"abc"`},
		{"object, keys sorted", map[string]any{"b": 1.0, "a": json.Number("2.0")}, false, `j{"a":2,"b":1}`},
		{"object folded", map[string]any{"A": "X"}, true, `j{"a":"x"}`},
		{"array", []any{"1", 1, nil, []any{}}, false, `j["1",1,null,[]]`},
		{"quoting", []any{"a\"b\\c\n<&>é"}, false, "j[\"a\\\"b\\\\c\\u000a<&>é\"]"},
		{"yaml map", map[any]any{"a": 1, 2: 3}, false, `j{"2":3,"a":1}`},
		{"struct", point{X: 1}, false, `j{"x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Key(tt.in, tt.fold))
		})
	}
}

// TestKeyAsCanon checks that keys of strings, null and float64 values are those of the
// mocks' canon, whose keys Key replaces: only numbers written differently change.
func TestKeyAsCanon(t *testing.T) {
	canon := func(v any) string {
		switch t := v.(type) {
		case string:
			return "s" + t
		case nil:
			return "null"
		}
		b, _ := json.Marshal(v)
		return "j" + string(b)
	}
	for _, v := range []any{nil, "", "x", true, false, 0.0, 1.0, -2.5, 1e-7, 1e-6, 1e20, 1e21, 123456.789e-20,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 42, json.Number("7"), json.Number("-3.25")} {
		assert.Equal(t, canon(v), Key(v, false), "%T %v", v, v)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"nulls", nil, nil, true},
		{"nil map and null", map[string]any(nil), nil, true},
		{"null and false", nil, false, false},
		{"strings", "a", "a", true},
		{"strings differ in case", "a", "A", false},
		{"string and number", "1", json.Number("1"), false},
		{"number texts", json.Number("1"), json.Number("1.0"), true},
		{"number and float64", json.Number("1e0"), 1.0, true},
		{"int and float64", 3, 3.0, true},
		{"int and uint8", 3, uint8(3), true},
		{"different numbers", json.Number("1"), json.Number("1.0000000000000000001"), false},
		{"beyond float64 precision", json.Number("9007199254740993"), json.Number("9007199254740992"), false},
		{"0.1 as float64 and text", 0.1, json.Number("0.1"), true},
		{"zero and negative zero", json.Number("0"), json.Number("-0"), true},
		{"NaN keyed by its text", math.NaN(), math.NaN(), true},
		{"invalid numbers by text", json.Number("x"), json.Number("x"), true},
		{"bools", true, true, true},
		{"bool and string", true, "true", false},
		{"objects", map[string]any{"a": 1, "b": []any{2.0}}, map[string]any{"b": []any{json.Number("2")}, "a": 1.0}, true},
		{"objects differ in a key", map[string]any{"a": 1}, map[string]any{"b": 1}, false},
		{"objects differ in size", map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		{"arrays", []any{1, "x"}, []any{1.0, "x"}, true},
		{"arrays in order", []any{1, 2}, []any{2, 1}, false},
		{"arrays differ in length", []any{1}, []any{1, 1}, false},
		{"array and object", []any{}, map[string]any{}, false},
		{"yaml map and object", map[any]any{"a": 1}, map[string]any{"a": json.Number("1")}, true},
		{"struct and object", point{X: 1}, map[string]any{"x": 1}, true},
		{"[]string and array", []string{"a"}, []any{"a"}, true},
		{"invalid utf-8 as U+FFFD", "\xff", "\ufffd", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Equal(tt.a, tt.b), "Equal(a, b)")
			assert.Equal(t, tt.want, Equal(tt.b, tt.a), "Equal(b, a)")
			assert.Equal(t, tt.want, Key(tt.a, false) == Key(tt.b, false), "keys agree")
		})
	}
}

func TestCanonicalNumberRejects(t *testing.T) {
	for _, s := range []string{"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "0x10", "1_000", " 1", "NaN", "Infinity", "--1", "1.5.2"} {
		_, ok := canonicalNumber(s)
		assert.False(t, ok, "%q is no JSON number", s)
	}
}

// A folded key is the key lower-cased (foldText), whatever the text; and AppendKey appends
// what Key returns.
func FuzzKeyFold(f *testing.F) {
	for _, s := range []string{`"ÀB"`, `{"K":"É","a":[1,"X"]}`, `"İ"`, `"\u212a"`, `null`, `"ab\ufffdC"`, `1.50`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		plain := Key(v, false)
		if got, want := Key(v, true), foldText(plain); got != want {
			t.Fatalf("Key(%q, fold) = %q, want %q", in, got, want)
		}
		if got := string(AppendKey([]byte("pre\x00"), v, true)); got != "pre\x00"+foldText(plain) {
			t.Fatalf("AppendKey(%q) = %q", in, got)
		}
	})
}

// TestFoldTextMatchesEqualFold: every letter folds like every other of its case-folding class
// (the classes strings.EqualFold compares by), for every rune; and ASCII folds as ToLower.
func TestFoldTextMatchesEqualFold(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		want := foldText(string(r))
		if lower := strings.ToLower(string(r)); strings.EqualFold(string(r), lower) && !strings.EqualFold(string(r), want) {
			// (Where strings.ToLower itself leaves the class, İ to i, folding is as it always was.)
			t.Fatalf("foldText(%q) = %q: strings.EqualFold calls them different", r, want)
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if got := foldText(string(o)); got != want {
				t.Fatalf("foldText(%q) = %q, foldText(%q) = %q: strings.EqualFold calls them equal", r, want, o, got)
			}
		}
	}
	assert.Equal(t, "saσσ", Key("AΣς", true)[:6])
	assert.Equal(t, Key("aς@x.co", true), Key("AΣ@X.CO", true))
	assert.Equal(t, "sabc-xyz", Key("ABC-xyz", true))
	assert.NotEqual(t, Key("alı@x.co", true), Key("ali@x.co", true), "the dotless ı is not i")
}
