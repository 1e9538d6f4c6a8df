package contracttest

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// objectView returns what an object schema's instances must hold: its properties and
// required names together with those of its allOf parts, which every instance meets too.
func objectView(s *openapi3.Schema) (props openapi3.Schemas, required []string) {
	props = openapi3.Schemas{}
	var add func(s *openapi3.Schema, depth int)
	add = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		for _, part := range s.AllOf {
			add(part.Value, depth+1)
		}
		for k, p := range s.Properties {
			if p != nil && p.Value != nil {
				props[k] = p
			}
		}
		for _, r := range s.Required {
			if !slices.Contains(required, r) {
				required = append(required, r)
			}
		}
	}
	add(s, 0)
	return props, required
}

// isObject reports whether a schema describes objects with known properties.
func isObject(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	props, _ := objectView(s)
	return len(props) > 0 && (s.Type.Is(openapi3.TypeObject) || s.Type == nil || len(s.Type.Slice()) == 0)
}

// flatten returns a schema the value generator can follow: allOf parts merged into one
// object, and of a oneOf or anyOf the branch pick selects (modulo their number), merged with
// the schema's own properties. The result is only a guide: values are checked against s.
func flatten(s *openapi3.Schema, pick, depth int) *openapi3.Schema {
	if s == nil || depth > 6 {
		return s
	}
	branches := s.OneOf
	if len(branches) == 0 {
		branches = s.AnyOf
	}
	if len(s.AllOf) == 0 && len(branches) == 0 && len(s.Properties) == 0 && s.Items == nil {
		return s
	}
	out := *s
	out.AllOf, out.OneOf, out.AnyOf = nil, nil, nil
	props, required := objectView(s)
	if len(branches) > 0 {
		if b := branches[pick%len(branches)].Value; b != nil {
			bp, br := objectView(b)
			if len(bp) == 0 && len(props) == 0 {
				return flatten(b, pick, depth+1)
			}
			for k, v := range bp {
				props[k] = v
			}
			required = append(required, br...)
		}
	}
	if len(props) > 0 {
		out.Properties = openapi3.Schemas{}
		for k, p := range props {
			out.Properties[k] = &openapi3.SchemaRef{Value: flatten(p.Value, pick, depth+1)}
		}
		out.Required = required
		if out.Type == nil || len(out.Type.Slice()) == 0 {
			out.Type = &openapi3.Types{openapi3.TypeObject}
		}
	}
	if s.Items != nil && s.Items.Value != nil {
		out.Items = &openapi3.SchemaRef{Value: flatten(s.Items.Value, pick, depth+1)}
	}
	return &out
}
