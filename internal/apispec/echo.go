package apispec

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

var timeField = regexp.MustCompile(`(?i)^(created|updated|modified)(_?at|_?date|_?on|_?time)?$`)

// inferEcho gives a create without a declared echo one: response fields named like request
// fields echo them, the record's key is generated (unless the client sends it), and
// creation and update times are the clock's.
func (c *compiler) inferEcho(o *Operation) {
	if o.EchoDeclared || o.Behaviour != BehaviourCreate {
		return
	}
	resp := o.ResponseSchema(o.Success)
	req := o.RequestSchema()
	shape, _ := o.responseShape(o.Success).(map[string]any)
	if shape == nil {
		return
	}
	reqProps := map[string]bool{}
	if req != nil {
		for name, p := range AllProperties(req) {
			if p != nil && !p.WriteOnly {
				reqProps[name] = true
			}
		}
	}
	required := map[string]bool{}
	if resp != nil {
		for _, r := range allRequired(resp) {
			required[r] = true
		}
	}
	add := func(ptr []string, src string) {
		s, err := ParseSource(src)
		if err == nil {
			s.Omit = !required[ptr[len(ptr)-1]] && s.Gen == nil && s.Fallback == nil
			o.Echo = append(o.Echo, EchoEntry{Pointer: "/" + strings.Join(escapeAll(ptr), "/"), Source: s})
		}
	}
	var walk func(m map[string]any, schema *openapi3.Schema, at []string, depth int)
	walk = func(m map[string]any, schema *openapi3.Schema, at []string, depth int) {
		props := AllProperties(schema)
		for _, k := range sortedNames(m, props) {
			path := append(append([]string(nil), at...), k)
			ps := props[k]
			switch {
			case o.Key != nil && equalTokens(path, o.Key):
				gen := keyGenerator(ps, m[k])
				if depth == 0 && reqProps[k] {
					gen = "body/" + k + " ?? " + gen
				}
				add(path, gen)
			case reqProps[k] && !isWrapper(m[k], ps, reqProps):
				add(path, "body/"+k) // at the top, or inside an envelope such as {"data": {...}}
			case ps != nil && ps.Format == "date-time" && timeField.MatchString(k):
				add(path, "$now")
			default:
				if sub, ok := m[k].(map[string]any); ok && depth < 2 {
					walk(sub, ps, path, depth+1)
				}
			}
		}
	}
	walk(shape, resp, nil, 0)
}

// keyGenerator picks how a record's key is made up, from its schema or example value.
func keyGenerator(s *openapi3.Schema, example any) string {
	switch {
	case s != nil && (s.Type.Is("integer") || s.Type.Is("number")):
		return "$seq"
	case s != nil && s.Format == "uuid":
		return "$uuid"
	}
	if ex, ok := example.(string); ok {
		if regexp.MustCompile(`^[0-9a-fA-F]{24}$`).MatchString(ex) {
			return "$objectid"
		}
		if regexp.MustCompile(`^[0-9]+$`).MatchString(ex) {
			return "$regex:[1-9][0-9]{5}"
		}
	}
	if _, ok := example.(json.Number); ok {
		return "$seq"
	}
	if _, ok := example.(float64); ok {
		return "$seq"
	}
	return "$uuid"
}

// AllProperties returns a schema's properties, through allOf, and the properties any
// oneOf/anyOf branch may have.
func AllProperties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	if s == nil {
		return out
	}
	for _, subs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range subs {
			for k, v := range AllProperties(sub.Value) {
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
	}
	for k, p := range s.Properties {
		if p != nil {
			out[k] = p.Value
		}
	}
	return out
}

// isWrapper reports whether a response member named like a request field is an envelope of
// the response's own fields ({"data": {...}} when the request also has a "data" object is
// echoed as a whole only when the shapes do not hold other request fields).
func isWrapper(v any, s *openapi3.Schema, reqProps map[string]bool) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k := range m {
		if reqProps[k] {
			return true
		}
	}
	for k := range AllProperties(s) {
		if reqProps[k] {
			return true
		}
	}
	return false
}

func sortedNames(m map[string]any, props map[string]*openapi3.Schema) []string {
	seen := map[string]bool{}
	var out []string
	for k := range m {
		seen[k] = true
		out = append(out, k)
	}
	for k := range props {
		if !seen[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func equalTokens(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func escapeAll(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = EscapePointer(t)
	}
	return out
}

// allRequired returns a schema's required properties, through allOf.
func allRequired(s *openapi3.Schema) []string {
	if s == nil {
		return nil
	}
	out := append([]string(nil), s.Required...)
	for _, sub := range s.AllOf {
		out = append(out, allRequired(sub.Value)...)
	}
	return out
}
