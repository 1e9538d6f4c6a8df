package jsonvalue

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key returns the comparison key of a JSON value: two values have the same key exactly when
// Equal says they are equal, so keys can index a collection by value. A string is "s" and its
// text, so the string "1" differs from the number 1; null is "null"; anything else is "j" and
// its JSON text with object keys sorted and each number written in one form per value
// (json.Number("1.0"), float64(1) and int(1) are all "j1"). With fold the whole key is
// lower-cased, so strings (and, inside objects, keys) compare without case.
//
// Values are seen as encoding/json would send them: Go types other than the decoded ones are
// normalized first, and text that is not UTF-8 reads as U+FFFD. Values JSON cannot hold (NaN,
// infinities, a json.Number that is not a number) are keyed by their Go text after "?".
func Key(v any, fold bool) string {
	if v == nil {
		return "null"
	}
	var buf [64]byte
	return string(AppendKey(buf[:0], v, fold))
}

// AppendKey appends Key(v, fold) to b: a key built in a caller's buffer, e.g. to look it up
// in a map without allocating it.
func AppendKey(b []byte, v any, fold bool) []byte {
	start := len(b)
	switch t := v.(type) {
	case string:
		b = append(b, 's')
		b = append(b, validString(t)...)
	case nil:
		return append(b, "null"...)
	default:
		b = appendKey(append(b, 'j'), v, false)
		if string(b[start:]) == "jnull" {
			return append(b[:start], "null"...) // a nil map or pointer is null, as encoding/json writes it
		}
	}
	if fold {
		b = lower(b, start)
	}
	return b
}

// lower lower-cases b[start:] as strings.ToLower does, in place when it is ASCII; beyond ASCII
// it folds case as strings.EqualFold compares (foldText).

func lower(b []byte, start int) []byte {
	for i := start; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			s := foldText(string(b[start:]))
			return append(b[:start], s...)
		}
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// appendKey writes v's key text after the prefix; normalized says v has been through
// Normalize already, so a value still not in decoded form is one JSON cannot hold.
func appendKey(b []byte, v any, normalized bool) []byte {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, t)
	case string:
		return appendString(b, t)
	case map[string]any:
		if t == nil {
			return append(b, "null"...)
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendKey(b, t[k], normalized)
		}
		return append(b, '}')
	case []any:
		if t == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, e, normalized)
		}
		return append(b, ']')
	}
	if n, ok := number(v); ok {
		if c, ok := canonicalNumber(string(n)); ok {
			return append(b, c...)
		}
		return append(b, "?"+strconv.Quote(string(n))...)
	}
	if normalized || isFloat(v) {
		return append(b, "?"+fmt.Sprintf("%T(%v)", v, v)...)
	}
	return appendKey(b, Normalize(v), true)
}

func isFloat(v any) bool {
	switch v.(type) {
	case float32, float64:
		return true
	}
	return false
}

// appendString writes s quoted, escaping only what JSON must, with bytes that are not UTF-8
// read as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r) // RuneError for a byte that is not UTF-8
		i += size
	}
	return append(b, '"')
}

// Equal reports whether a and b are the same JSON value, numbers compared by value whatever
// their Go type or text, as Key compares them.
func Equal(a, b any) bool {
	return equal(a, b, false)
}

func equal(a, b any, normalized bool) bool {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return true
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y
		}
	case string:
		if y, ok := b.(string); ok {
			return x == y || validString(x) == validString(y)
		}
	case map[string]any:
		if y, ok := b.(map[string]any); ok && x != nil && y != nil {
			if len(x) != len(y) {
				return false
			}
			for k, xv := range x {
				yv, ok := y[k]
				if !ok || !equal(xv, yv, normalized) {
					return false
				}
			}
			return true
		}
	case []any:
		if y, ok := b.([]any); ok && x != nil && y != nil {
			if len(x) != len(y) {
				return false
			}
			for i := range x {
				if !equal(x[i], y[i], normalized) {
					return false
				}
			}
			return true
		}
	}
	if m, ok := number(a); ok {
		if n, ok := number(b); ok {
			cm, okm := canonicalNumber(string(m))
			cn, okn := canonicalNumber(string(n))
			if okm && okn {
				return cm == cn
			}
		}
	}
	if !normalized && !(decoded(a) && decoded(b)) {
		return equal(Normalize(a), Normalize(b), true)
	}
	// Different kinds of value, or values JSON cannot hold, compared by their Go text.
	return Key(a, false) == Key(b, false)
}

// decoded reports whether v has one of the types Normalize produces, or is a float (NaN and
// infinities stay floats), so normalizing it would change nothing Equal sees.
func decoded(v any) bool {
	switch t := v.(type) {
	case nil, bool, string, json.Number, float32, float64:
		return true
	case map[string]any:
		return t != nil
	case []any:
		return t != nil
	}
	_, ok := number(v)
	return ok
}

// foldText lower-cases s as strings.ToLower does, then maps each letter to the one lower-case
// form of its case-folding class (the classes strings.EqualFold compares by), so that strings
// EqualFold calls equal fold alike: the final sigma ς and σ (both Σ), the long s ſ and s. A
// letter whose class holds no other lower-case form (the dotless ı) stays as it is.
func foldText(s string) string {
	return strings.Map(foldRune, strings.ToLower(s))
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return r
	}
	c := unicode.ToLower(unicode.ToUpper(r))
	if c == r {
		return r
	}
	for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
		if o == c {
			return c // c is of r's class
		}
	}
	return r
}
