package mocks

import (
	"sort"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"
)

// dynamicValue generates schema-valid data for dynamic=true responses. Callers hold the
// generator's lock; properties are visited in sorted order so a seed gives the same bytes.
func dynamicValue(f *gofakeit.Faker, s *openapi3.Schema, name string, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[f.IntRange(0, len(s.Enum)-1)]
	}
	if len(s.OneOf) > 0 && s.OneOf[0].Value != nil {
		return dynamicValue(f, s.OneOf[0].Value, name, depth+1)
	}
	if len(s.AnyOf) > 0 && s.Type == nil && s.AnyOf[0].Value != nil {
		return dynamicValue(f, s.AnyOf[0].Value, name, depth+1)
	}
	var typ string
	if s.Type != nil && len(*s.Type) > 0 {
		typ = (*s.Type)[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ref := s.Properties[n]; ref.Value != nil && !ref.Value.WriteOnly {
				out[n] = dynamicValue(f, ref.Value, n, depth+1)
			}
		}
		return out
	case "array":
		n := f.IntRange(1, 3)
		if s.MinItems > uint64(n) {
			n = int(s.MinItems)
		}
		if s.MaxItems != nil && uint64(n) > *s.MaxItems {
			n = int(*s.MaxItems)
		}
		out := make([]any, n)
		for i := range out {
			if s.Items != nil {
				out[i] = dynamicValue(f, s.Items.Value, name, depth+1)
			}
		}
		return out
	case "integer":
		lo, hi := 1, 100000
		if s.Min != nil {
			lo = int(*s.Min)
		}
		if s.Max != nil {
			hi = int(*s.Max)
		}
		return f.IntRange(lo, hi)
	case "number":
		lo, hi := 0.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		return f.Float64Range(lo, hi)
	case "boolean":
		return f.Bool()
	}
	return dynamicString(f, s, name)
}

func dynamicString(f *gofakeit.Faker, s *openapi3.Schema, name string) string {
	switch s.Format {
	case "email":
		return f.Email()
	case "uuid":
		return f.UUID()
	case "date-time":
		return f.DateRange(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).UTC().Format(time.RFC3339)
	case "date":
		return f.Date().Format("2006-01-02")
	case "date-dmy":
		return f.Date().Format("02.01.2006")
	case "objectid":
		return f.Regex("[0-9a-f]{24}")
	}
	if s.Pattern != "" {
		return f.Regex(s.Pattern)
	}
	var v string
	switch name {
	case "name", "firstName", "firstname":
		v = f.FirstName()
	case "lastName", "lastname":
		v = f.LastName()
	case "phone", "mobile":
		v = f.Phone()
	default:
		v = f.Word()
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	for uint64(len(v)) < s.MinLength {
		v += "x"
	}
	return v
}
