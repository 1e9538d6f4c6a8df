package mocks

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// schemaProblems turns kin-openapi's validation errors into problems that name the field and
// say, in words a developer understands, what is wrong with it. prefix names where the value
// came from ("" for the body, "x-account-id header" for a parameter).
func schemaProblems(err error, prefix string) []problem {
	var out []problem
	var walk func(error, string)
	walk = func(err error, prefix string) {
		// A RequestError wraps the MultiError of its parameter: it must be seen first, or
		// the parameter's name is lost.
		var re *openapi3filter.RequestError
		if direct, ok := err.(*openapi3filter.RequestError); ok {
			re = direct
		}
		var me openapi3.MultiError
		if re == nil && errors.As(err, &me) {
			for _, e := range me {
				walk(e, prefix)
			}
			return
		}
		if re != nil || errors.As(err, &re) {
			p := prefix
			if re.Parameter != nil {
				p = re.Parameter.Name + " " + re.Parameter.In
			}
			if re.Err == nil {
				out = append(out, problem{Field: p, Reason: plainReason(re.Reason)})
				return
			}
			walk(re.Err, p)
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			out = append(out, fromSchemaError(se, prefix))
			return
		}
		out = append(out, problem{Field: prefix, Reason: plainReason(err.Error())})
	}
	walk(err, prefix)
	return dedupe(out)
}

func fromSchemaError(se *openapi3.SchemaError, prefix string) (p problem) {
	field := strings.Join(se.JSONPointer(), ".")
	if prefix != "" {
		if field == "" {
			field = prefix
		} else {
			field = prefix + " " + field
		}
	}
	s := se.Schema
	reason := se.Reason
	defer func() {
		p.Keyword = se.SchemaField
		switch se.Value.(type) {
		case map[string]any, []any: // the journal keeps problems: never a whole body
		default:
			p.Value = se.Value
		}
	}()
	switch se.SchemaField {
	case "required":
		reason = "is required"
	case "type":
		reason = "must be " + typeName(s)
	case "nullable":
		reason = "must not be null"
	case "maxLength":
		if s.MaxLength != nil {
			reason = fmt.Sprintf("must be at most %d characters long", *s.MaxLength)
		}
	case "minLength":
		if s.MinLength == 1 {
			reason = "must not be empty"
		} else {
			reason = fmt.Sprintf("must be at least %d characters long", s.MinLength)
		}
	case "pattern":
		reason = "must match the pattern " + s.Pattern
		if s.Description != "" && strings.Contains(strings.ToLower(s.Description), "format") {
			reason = fmt.Sprintf("must match the pattern %s (%s)", s.Pattern, s.Description)
		}
	case "enum":
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprintf("%q", fmt.Sprint(v))
		}
		reason = "must be one of " + strings.Join(vals, ", ")
	case "format":
		if se.Origin != nil {
			inner := se.Origin
			for errors.Unwrap(inner) != nil {
				inner = errors.Unwrap(inner)
			}
			reason = inner.Error()
		} else {
			reason = "must be a valid " + s.Format
		}
	case "anyOf":
		if names := requiredAlternatives(s.AnyOf); names != "" {
			reason = "at least one of " + names + " must be provided and not empty"
		} else {
			reason = "does not match any of the allowed forms"
		}
	case "oneOf":
		reason = "must be " + alternativesTypes(s.OneOf)
	case "minimum", "maximum", "minItems", "maxItems", "additionalProperties", "readOnly", "writeOnly":
		reason = plainReason(se.Reason)
	}
	return problem{Field: field, Reason: reason}
}

func typeName(s *openapi3.Schema) string {
	var t string
	if s.Type != nil && len(*s.Type) > 0 {
		t = (*s.Type)[0]
	}
	article := "a "
	switch t {
	case "object", "array", "integer":
		article = "an "
	case "":
		return "of the documented type"
	}
	name := article + t
	if t == "string" && s.Format != "" {
		name = "a string (" + s.Format + ")"
	}
	if s.Nullable {
		name += " or null"
	}
	return name
}

// requiredAlternatives names the fields of anyOf branches that are each a "required" list,
// the way the specs express "email is required if phone is empty".
func requiredAlternatives(refs openapi3.SchemaRefs) string {
	var names []string
	for _, r := range refs {
		if r.Value == nil || len(r.Value.Required) == 0 {
			return ""
		}
		names = append(names, strings.Join(r.Value.Required, " and "))
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func alternativesTypes(refs openapi3.SchemaRefs) string {
	var names []string
	for _, r := range refs {
		if r.Value != nil {
			n := typeName(r.Value)
			if r.Value.Pattern == "^[0-9]+$" {
				n = "a string of digits"
			}
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}

// plainReason trims kin-openapi's wording to the reason alone.
func plainReason(s string) string {
	if s == "value is required but missing" {
		return "is required"
	}
	s = strings.TrimPrefix(s, "doesn't match schema: ")
	s = strings.TrimPrefix(s, "Error at \"")
	return s
}

func dedupe(ps []problem) []problem {
	type key struct{ field, reason string }
	seen := map[key]bool{}
	out := ps[:0]
	for _, p := range ps {
		if k := (key{p.Field, p.Reason}); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
