package jsonvalue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Normalize returns v as encoding/json decodes it with UseNumber, after encoding it: objects as
// map[string]any, arrays as []any, numbers as json.Number with the text encoding/json writes,
// and string, bool or nil, so that YAML fixtures, generated values and request bodies compare,
// validate and copy alike. The result shares no map or slice with v.
//
// Values already in that form, and the common shapes YAML decodes to (map[any]any, other
// integer and float types), are walked rather than encoded. map[any]any keys become their
// JSON text ("1", "true", "null"); when two keys give the same text, the string key wins,
// otherwise the first by Go type name. Other types (structs, named types, time.Time, …) are
// encoded with encoding/json and decoded back, and are returned unchanged when encoding fails,
// as do NaN and infinities, and a json.Number that is not a number.
func Normalize(v any) any {
	switch t := v.(type) {
	case nil, bool:
		return t
	case string:
		return validString(t)
	case map[string]any:
		if t == nil {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if !utf8.ValidString(k) {
				return roundTrip(v) // keys may collide once repaired; let encoding/json decide
			}
			out[k] = Normalize(e)
		}
		return out
	case []any:
		if t == nil {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Normalize(e)
		}
		return out
	case map[any]any:
		if t == nil {
			return nil
		}
		return normalizeAnyMap(t)
	case []map[string]any:
		if t == nil {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Normalize(e)
		}
		return out
	case []string:
		if t == nil {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = validString(e)
		}
		return out
	case map[string]string:
		if t == nil {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if !utf8.ValidString(k) {
				return roundTrip(v)
			}
			out[k] = validString(e)
		}
		return out
	}
	if n, ok := number(v); ok {
		return n
	}
	return roundTrip(v)
}

// number returns the json.Number encoding/json writes for a Go number, and false for other
// values and for NaN and infinities, which JSON cannot hold.
func number(v any) (json.Number, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		if t == "" {
			return "0", true
		}
		return t, true
	case float64:
		return formatFloat(t, 64)
	case float32:
		return formatFloat(float64(t), 32)
	case int:
		s = strconv.FormatInt(int64(t), 10)
	case int8:
		s = strconv.FormatInt(int64(t), 10)
	case int16:
		s = strconv.FormatInt(int64(t), 10)
	case int32:
		s = strconv.FormatInt(int64(t), 10)
	case int64:
		s = strconv.FormatInt(t, 10)
	case uint:
		s = strconv.FormatUint(uint64(t), 10)
	case uint8:
		s = strconv.FormatUint(uint64(t), 10)
	case uint16:
		s = strconv.FormatUint(uint64(t), 10)
	case uint32:
		s = strconv.FormatUint(uint64(t), 10)
	case uint64:
		s = strconv.FormatUint(t, 10)
	case uintptr:
		s = strconv.FormatUint(uint64(t), 10)
	default:
		return "", false
	}
	return json.Number(s), true
}

// formatFloat writes f as encoding/json does (its floatEncoder): shortest round-trip digits,
// plain between 1e-6 and 1e21, otherwise an exponent without leading zeros.
func formatFloat(f float64, bits int) (json.Number, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(make([]byte, 0, 24), f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return json.Number(b), true
}

// validString replaces each byte of s that is not UTF-8 with U+FFFD, as encoding/json does
// when it writes a string.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// normalizeAnyMap turns a YAML map with keys of any type into a JSON object.
func normalizeAnyMap(m map[any]any) any {
	type entry struct {
		key      string
		isString bool
		typ      string
		value    any
	}
	entries := make([]entry, 0, len(m))
	for k, e := range m {
		ks, isString := k.(string)
		if isString {
			ks = validString(ks)
		} else {
			ks = keyText(k)
		}
		entries = append(entries, entry{key: ks, isString: isString, typ: fmt.Sprintf("%T", k), value: e})
	}
	// Later entries win below: put the preferred one of equal keys last.
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.key != b.key {
			return a.key < b.key
		}
		if a.isString != b.isString {
			return b.isString
		}
		return a.typ > b.typ
	})
	out := make(map[string]any, len(entries))
	for _, e := range entries {
		out[e.key] = Normalize(e.value)
	}
	return out
}

// keyText is the object key a non-string YAML key becomes: its JSON text when it is a scalar,
// else how fmt prints it.
func keyText(k any) string {
	switch t := k.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	}
	if n, ok := number(k); ok {
		return string(n)
	}
	return fmt.Sprint(k)
}

// roundTrip encodes v with encoding/json and decodes it with UseNumber; v comes back unchanged
// when it cannot be encoded.
func roundTrip(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return v
	}
	return out
}
