package mocks

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// integerProblems finds integers a vendor's 64-bit field could not hold, however they are
// spelled: kin-openapi accepts 1e20 as a "type: integer" value because it is integral. path
// is a stack the walk appends to and reuses: a problem copies it (strings.Join).
// Only schemas in walk are visited (see integerSchemas); a nil walk visits all.
func integerProblems(s *openapi3.Schema, v any, path []string, depth int, walk map[*openapi3.Schema]bool) []problem {
	if s == nil || depth > 32 || (walk != nil && !walk[s]) {
		return nil
	}
	var out []problem
	for _, sub := range s.AllOf {
		out = append(out, integerProblems(sub.Value, v, path, depth+1, walk)...)
	}
	switch t := v.(type) {
	case json.Number:
		if s.Type.Is(openapi3.TypeInteger) && strings.ContainsAny(string(t), ".eE") && !fitsInt64(string(t)) {
			out = append(out, problem{Field: strings.Join(path, "."), Reason: "must be an integer within the 64-bit range", Keyword: "type", Value: t})
		}
	case map[string]any:
		for name, p := range s.Properties {
			if e, ok := t[name]; ok && p.Value != nil && mayHoldNumbers(e) {
				out = append(out, integerProblems(p.Value, e, append(path, name), depth+1, walk)...)
			}
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for i, e := range t {
				if i >= maxProblems {
					break
				}
				if mayHoldNumbers(e) {
					out = append(out, integerProblems(s.Items.Value, e, append(path, strconv.Itoa(i)), depth+1, walk)...)
				}
			}
		}
	}
	return out
}

// fitsInt64 reports whether a JSON number is an integer in the int64 range, whatever its
// spelling (1, 1.0, 1e3, 10e-1).
func fitsInt64(n string) bool {
	if !strings.ContainsAny(n, ".eE") {
		return len(n) <= 20 // the decoder refused plain integers beyond int64 already
	}
	f, ok := new(big.Float).SetPrec(200).SetString(n)
	if !ok || !f.IsInt() {
		return true // not integral: the schema's type check speaks
	}
	_, acc := f.Int64()
	return acc == big.Exact
}

// mayHoldNumbers reports whether a value is or may contain a number written with a fraction
// or an exponent: plain strings, booleans, nulls and plain integers need no walk.
func mayHoldNumbers(v any) bool {
	switch t := v.(type) {
	case json.Number:
		return strings.ContainsAny(string(t), ".eE")
	case map[string]any, []any:
		return true
	}
	return false
}

// integerSchemas returns the schemas at or under s (through allOf, properties and items)
// that are or hold a "type: integer" schema: the only ones integerProblems needs to visit.
// A schema met again on its own path (a recursive schema) is kept, to be safe.
func integerSchemas(s *openapi3.Schema) map[*openapi3.Schema]bool {
	out := map[*openapi3.Schema]bool{}
	visiting := map[*openapi3.Schema]bool{}
	var visit func(s *openapi3.Schema) bool
	visit = func(s *openapi3.Schema) bool {
		if s == nil {
			return false
		}
		if done, ok := out[s]; ok {
			return done
		}
		if visiting[s] {
			return true
		}
		visiting[s] = true
		found := s.Type.Is(openapi3.TypeInteger)
		for _, sub := range s.AllOf {
			found = visit(sub.Value) || found
		}
		for _, p := range s.Properties {
			found = visit(p.Value) || found
		}
		if s.Items != nil {
			found = visit(s.Items.Value) || found
		}
		delete(visiting, s)
		out[s] = found
		return found
	}
	visit(s)
	return out
}
