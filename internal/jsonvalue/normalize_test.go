package jsonvalue

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// decode is what encoding/json gives for text with UseNumber: the form Normalize returns.
func decode(t testing.TB, text string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

type point struct {
	X int     `json:"x"`
	Y float64 `json:"y,omitempty"`
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"string", "héllo", "héllo"},
		{"invalid utf-8 byte by byte", "a\xff\xfeb", "a\ufffd\ufffdb"},
		{"json.Number kept as written", json.Number("1.50"), json.Number("1.50")},
		{"json.Number exponent kept", json.Number("1E+2"), json.Number("1E+2")},
		{"empty json.Number is 0", json.Number(""), json.Number("0")},
		{"int", 42, json.Number("42")},
		{"int8", int8(-8), json.Number("-8")},
		{"int64 beyond float64", int64(math.MaxInt64), json.Number("9223372036854775807")},
		{"uint64", uint64(math.MaxUint64), json.Number("18446744073709551615")},
		{"uint8", uint8(255), json.Number("255")},
		{"float64 integral", 3.0, json.Number("3")},
		{"float64", 0.1, json.Number("0.1")},
		{"float64 negative zero", math.Copysign(0, -1), json.Number("-0")},
		{"float64 small", 1e-7, json.Number("1e-7")},
		{"float64 threshold", 1e-6, json.Number("0.000001")},
		{"float64 large", 1e21, json.Number("1e+21")},
		{"float64 below large", 1e20, json.Number("100000000000000000000")},
		{"float64 max", math.MaxFloat64, json.Number("1.7976931348623157e+308")},
		{"float32", float32(0.1), json.Number("0.1")},
		{"float32 small", float32(1e-7), json.Number("1e-7")},
		{"NaN stays", math.NaN(), nil}, // checked below: NaN != NaN
		{"object", map[string]any{"a": 1, "b": []any{2.5, "x"}},
			map[string]any{"a": json.Number("1"), "b": []any{json.Number("2.5"), "x"}}},
		{"nil object is null", map[string]any(nil), nil},
		{"nil array is null", []any(nil), nil},
		{"empty object", map[string]any{}, map[string]any{}},
		{"empty array", []any{}, []any{}},
		{"yaml map", map[any]any{"a": 1, 2: "two", true: nil, nil: 1.5, 1.5: "x"},
			map[string]any{"a": json.Number("1"), "2": "two", "true": nil, "null": json.Number("1.5"), "1.5": "x"}},
		{"yaml map key clash: string wins", map[any]any{"1": "string", 1: "int"}, map[string]any{"1": "string"}},
		{"yaml map key clash: by type name", map[any]any{1: "int", uint8(1): "uint8"}, map[string]any{"1": "int"}},
		{"[]map", []map[string]any{{"a": 1}}, []any{map[string]any{"a": json.Number("1")}}},
		{"[]string", []string{"a", "\xff"}, []any{"a", "\ufffd"}},
		{"map[string]string", map[string]string{"a": "b"}, map[string]any{"a": "b"}},
		{"map[string]int by encoding/json", map[string]int{"a": 1}, map[string]any{"a": json.Number("1")}},
		{"struct by encoding/json", point{X: 1, Y: 0.5}, map[string]any{"x": json.Number("1"), "y": json.Number("0.5")}},
		{"pointer", &point{X: 2}, map[string]any{"x": json.Number("2")}},
		{"nil pointer is null", (*point)(nil), nil},
		{"[]byte as encoding/json writes it", []byte("hi"), "aGk="},
		{"time", time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC), "2024-02-03T04:05:06Z"},
		{"deep", map[string]any{"a": []any{map[any]any{"b": []int{1, 2}}}},
			map[string]any{"a": []any{map[string]any{"b": []any{json.Number("1"), json.Number("2")}}}}},
		{"invalid utf-8 key", map[string]any{"\xff": 1}, map[string]any{"\ufffd": json.Number("1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if f, ok := tt.in.(float64); ok && math.IsNaN(f) {
				g, ok := got.(float64)
				assert.True(t, ok && math.IsNaN(g), "NaN cannot be JSON and is returned as is, got %#v", got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestNormalizeAsEncodingJSON checks the walk against the round trip through encoding/json it
// replaces, for every kind of input the walk handles itself.
func TestNormalizeAsEncodingJSON(t *testing.T) {
	inputs := []any{
		nil, true, "x<&>\u2028", 0, -1, 1.0, 0.1, 1e-6, 9.99999e-7, 1e21, 999999999999999900000.0,
		123456789.123, -1.5e-300, math.SmallestNonzeroFloat64, float32(1e-6), float32(3.4e38),
		float32(16777217), int64(math.MinInt64), uint32(7), json.Number("-0.0e-0"),
		map[string]any{"a": []any{1, "b", nil, false}}, []string{"s"}, map[string]string{"k": "v"},
		[]map[string]any{{"z": 1.25}},
	}
	for _, in := range inputs {
		b, err := json.Marshal(in)
		require.NoError(t, err)
		assert.Equal(t, decode(t, string(b)), Normalize(in), "%T %v", in, in)
	}
}

func TestNormalizeCopies(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"b": "c"}}}
	got := Normalize(in).(map[string]any)
	got["a"].([]any)[0].(map[string]any)["b"] = "changed"
	got["new"] = true
	assert.Equal(t, map[string]any{"a": []any{map[string]any{"b": "c"}}}, in)
}

func TestNormalizeYAML(t *testing.T) {
	var v any
	require.NoError(t, yaml.Unmarshal([]byte("a: 1\nb: 1.0\nc: [x, 2.50]\nd: ~\n3: three\ne: 1e3\n"), &v))
	assert.Equal(t, map[string]any{
		"a": json.Number("1"), "b": json.Number("1"), "c": []any{"x", json.Number("2.5")},
		"d": nil, "3": "three", "e": json.Number("1000"),
	}, Normalize(v))
}

func BenchmarkNormalizeDecoded(b *testing.B) {
	v := decode(b, `{"name":"Ada","age":36,"tags":["a","b"],"address":{"street":"x","no":12.5},"ok":true}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Normalize(v)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		`null`, `true`, `"x"`, `0`, `-0`, `1.0`, `1E+2`, `-1.5e-7`, `123456789012345678901234567890`,
		`1e400`, `{"a":[1,{"b":null}],"c":"\u00e9"}`, `[]`, `{}`, `[1,"1",1.0,true]`,
		`{"A":"B","a":"b"}`, `"\ud800"`, `0.000001`, `1e-7`, `1e21`, `1e99999999999999999999`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(text)))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) != nil {
			return
		}
		got := Normalize(x)
		if !assert.ObjectsAreEqual(x, got) {
			t.Fatalf("Normalize changed a decoded value:\n in: %#v\nout: %#v", x, got)
		}
		for _, fold := range []bool{false, true} {
			if k1, k2 := Key(got, fold), Key(x, fold); k1 != k2 {
				t.Fatalf("Key(Normalize(x), %v) = %q, Key(x) = %q", fold, k1, k2)
			}
		}
		if !Equal(x, got) {
			t.Fatalf("Equal(x, Normalize(x)) is false for %#v", x)
		}
		// encoding/json's float64 decoding of the same text compares equal when it is exact:
		// the float's own text is what JSON would carry.
		var asFloat any
		if json.Unmarshal([]byte(text), &asFloat) == nil {
			b, err := json.Marshal(asFloat)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if Key(asFloat, false) != Key(decode(t, string(b)), false) {
				t.Fatalf("Key of float64 decoding differs from Key of its own encoding: %s", b)
			}
		}
	})
}
