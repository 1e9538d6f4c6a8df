package jsonvalue

import (
	"fmt"
	"strconv"
	"strings"
)

// ParsePointer splits an RFC 6901 JSON pointer into its unescaped reference tokens. "" is the
// whole value and gives no tokens; any other pointer starts with "/", and "~" is only valid as
// "~0" (a "~") or "~1" (a "/").
func ParsePointer(p string) ([]string, error) {
	if p == "" {
		return []string{}, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("json pointer %q: must be empty or start with \"/\"", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, tok := range tokens {
		if !strings.Contains(tok, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(tok); j++ {
			if tok[j] != '~' {
				b.WriteByte(tok[j])
				continue
			}
			if j+1 < len(tok) && tok[j+1] == '0' {
				b.WriteByte('~')
			} else if j+1 < len(tok) && tok[j+1] == '1' {
				b.WriteByte('/')
			} else {
				return nil, fmt.Errorf("json pointer %q: token %q: \"~\" must be followed by 0 or 1 (write ~0 for \"~\" and ~1 for \"/\")", p, tok)
			}
			j++
		}
		tokens[i] = b.String()
	}
	return tokens, nil
}

// FormatPointer is the inverse of ParsePointer: it escapes each token and joins them into a
// JSON pointer, "" for no tokens.
func FormatPointer(tokens []string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteByte('/')
		if !strings.ContainsAny(tok, "~/") {
			b.WriteString(tok)
			continue
		}
		for i := 0; i < len(tok); i++ {
			switch tok[i] {
			case '~':
				b.WriteString("~0")
			case '/':
				b.WriteString("~1")
			default:
				b.WriteByte(tok[i])
			}
		}
	}
	return b.String()
}

// index reads an array index token: decimal digits only, without a sign or leading zeros as
// RFC 6901 says, so "01", "+1" and "-1" name no element.
func index(tok string, n int) (int, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i >= n {
		return 0, false
	}
	return i, true
}

// Get returns the value the tokens lead to in v, a decoded JSON value, and whether there is
// one. A JSON null that is present is found: Get returns nil and true.
func Get(v any, tokens []string) (any, bool) {
	for _, tok := range tokens {
		switch t := v.(type) {
		case map[string]any:
			x, ok := t[tok]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, ok := index(tok, len(t))
			if !ok {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// GetPointer is Get with the location given as a JSON pointer. An invalid pointer finds
// nothing; ParsePointer tells why.
func GetPointer(v any, pointer string) (any, bool) {
	tokens, err := ParsePointer(pointer)
	if err != nil {
		return nil, false
	}
	return Get(v, tokens)
}

// Set puts value at the tokens' location in root and returns the root, which is new when root
// itself had to be replaced (no tokens, or root not a container). Missing or scalar steps on the
// way become objects, or one-element arrays when the next token is "0", so that a generated
// request can reach a field under an array; an empty array counts as missing. An array index
// past the end of an existing array cannot be set: Set then changes nothing and returns false.
func Set(root any, tokens []string, value any) (any, bool) {
	root, failed := set(root, tokens, value)
	return root, failed < 0
}

// SetPointer is Set with the location given as a JSON pointer, and an error saying which token
// could not be followed.
func SetPointer(root any, pointer string, value any) (any, error) {
	tokens, err := ParsePointer(pointer)
	if err != nil {
		return root, fmt.Errorf("set: %w", err)
	}
	root, failed := set(root, tokens, value)
	if failed >= 0 {
		return root, fmt.Errorf("set %s: %s has no element %q", pointer, describe(tokens[:failed]), tokens[failed])
	}
	return root, nil
}

func describe(tokens []string) string {
	if len(tokens) == 0 {
		return "the root array"
	}
	return "the array at " + FormatPointer(tokens)
}

// set does Set's work and returns the index of the token naming no element of an existing
// array, or -1. It changes nothing before it finds such a token: whatever it creates on the
// way is new and takes any token.
func set(root any, tokens []string, value any) (any, int) {
	if len(tokens) == 0 {
		return value, -1
	}
	fresh := func(next string) any {
		if next == "0" {
			return []any{nil}
		}
		return map[string]any{}
	}
	if !isContainer(root) {
		root = fresh(tokens[0])
	}
	cur := root
	for i, tok := range tokens {
		last := i == len(tokens)-1
		switch t := cur.(type) {
		case map[string]any:
			if last {
				t[tok] = value
				return root, -1
			}
			child, ok := t[tok]
			if !ok || !isContainer(child) {
				child = fresh(tokens[i+1])
				t[tok] = child
			}
			cur = child
		case []any:
			idx, ok := index(tok, len(t))
			if !ok {
				return root, i
			}
			if last {
				t[idx] = value
				return root, -1
			}
			if !isContainer(t[idx]) {
				t[idx] = fresh(tokens[i+1])
			}
			cur = t[idx]
		}
	}
	return root, -1 // not reached: every step is a container and the last one returns
}

// isContainer reports whether Set can step into v; an empty array cannot hold the element a
// next "0" token names, so it is replaced like a scalar, and a nil map cannot be written.
func isContainer(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return t != nil
	case []any:
		return len(t) > 0
	}
	return false
}

// Delete removes the object member the tokens name and reports whether there was one. Array
// elements are not removed (that would shift the others and need the parent's slice
// replaced), nor is the root.
func Delete(root any, tokens []string) bool {
	if len(tokens) == 0 {
		return false
	}
	parent, ok := Get(root, tokens[:len(tokens)-1])
	if !ok {
		return false
	}
	m, ok := parent.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := m[tokens[len(tokens)-1]]; !ok {
		return false
	}
	delete(m, tokens[len(tokens)-1])
	return true
}
