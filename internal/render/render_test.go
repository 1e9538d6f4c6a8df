package render

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func order(keys ...string) *Order {
	o := NewOrder()
	for _, k := range keys {
		o.Child(k)
	}
	return o
}

func TestMarshalOrder(t *testing.T) {
	nested := order("z", "a")
	nested.Child("z").Child("y")
	nested.Child("z").Child("x")
	nested.Freeze()
	tests := []struct {
		name string
		v    any
		o    *Order
		want string
	}{
		{"documented keys first, the rest sorted", map[string]any{"b": 1, "c": 2, "z": 3, "a": 4}, order("z", "c"), `{"z":3,"c":2,"a":4,"b":1}`},
		{"no order sorts", map[string]any{"b": 1, "a": 2}, nil, `{"a":2,"b":1}`},
		{"missing documented keys are skipped", map[string]any{"a": 1}, order("x", "a"), `{"a":1}`},
		{"nested", map[string]any{"a": 1, "z": map[string]any{"x": 1, "y": 2, "w": 3}}, nested, `{"z":{"y":2,"x":1,"w":3},"a":1}`},
		{"numbers as written", []any{json.Number("1.50"), 2.5, 3, int64(-4), 1e21, 0.000001}, nil, `[1.50,2.5,3,-4,1e+21,0.000001]`},
		{"escapes like encoding/json", "<a href=\"x\">&\u2028\x01\xff", nil, `"\u003ca href=\"x\"\u003e\u0026\u2028\u0001\ufffd"`},
		{"raw JSON kept", []any{json.RawMessage(`{"b":1,"a":2}`)}, nil, `[{"b":1,"a":2}]`},
		{"null, bools, empty", map[string]any{"n": nil, "t": true, "e": map[string]any{}, "l": []any{}}, nil, `{"e":{},"l":[],"n":null,"t":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(Marshal(tt.v, tt.o)))
		})
	}
}

func TestTemplateSlots(t *testing.T) {
	o := order("id", "name", "tags")
	o.At([]string{"tags", "0"}).Slot = 2
	o.Child("id").Slot = 0
	o.Child("name").Slot = 1
	o.Child("extra").Slot = 3
	o.Freeze()
	tmpl := Template{Base: map[string]any{"id": 1, "name": "Jane", "tags": []any{"a", "b"}}, Order: o}
	got := tmpl.Render(nil, []any{7, nil, "first", Absent}, []bool{true, false, true, true})
	assert.Equal(t, `{"id":7,"name":"Jane","tags":["first","b"]}`, string(got), "slot 1 unset keeps the base; slot 3 absent leaves the key out")
	got = tmpl.Render(nil, []any{7, "Ada", nil, "x"}, []bool{true, true, false, true})
	assert.Equal(t, `{"id":7,"name":"Ada","tags":["a","b"],"extra":"x"}`, string(got), "a slot may add a key the base lacks")
	assert.Equal(t, map[string]any{"id": 1, "name": "Jane", "tags": []any{"a", "b"}}, tmpl.Base, "rendering never changes the base")
}

// FuzzMarshal: any JSON decoded with UseNumber renders to JSON that decodes to the same value.
func FuzzMarshal(f *testing.F) {
	f.Add(`{"a":[1,2.5,{"b":null}],"c":"\u003c\u2028"}`)
	f.Add(`[true,false,"x\ud83d\ude00",-0,1e400]`)
	f.Fuzz(func(t *testing.T, in string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		out := Marshal(v, nil)
		dec = json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		var back any
		require.NoError(t, dec.Decode(&back), "%s", out)
		want, _ := json.Marshal(v)
		got, _ := json.Marshal(back)
		require.Equal(t, string(want), string(got))
	})
}
