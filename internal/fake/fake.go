// Package fake makes up JSON values from OpenAPI schemas with gofakeit: the mock's dynamic
// responses and the contract tests' generated requests. Values respect type, enum, format
// (including usermock's objectid and date-dmy), pattern, lengths, bounds and item counts;
// callers that must be sure validate the result, as kin-openapi may know more.
package fake

import (
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"
)

// Direction says which side of an exchange a value is for: requests leave out readOnly
// properties, responses writeOnly ones.
type Direction int

// The directions.
const (
	Response Direction = iota
	Request
)

const maxDepth = 8

// Value returns a value for s. name is the property's name, used to pick realistic strings
// (first names, phones).
func Value(f *gofakeit.Faker, s *openapi3.Schema, name string, dir Direction) any {
	return value(f, s, name, dir, 0)
}

func value(f *gofakeit.Faker, s *openapi3.Schema, name string, dir Direction, depth int) any {
	if s == nil || depth > maxDepth {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[f.IntRange(0, len(s.Enum)-1)]
	}
	if len(s.AllOf) > 0 {
		return allOf(f, s, name, dir, depth)
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(alts) > 0 && alts[0].Value != nil && (s.Type == nil || len(s.Type.Slice()) == 0) {
			return value(f, alts[0].Value, name, dir, depth+1)
		}
	}
	switch {
	case s.Type.Is(openapi3.TypeObject), s.Type == nil || len(s.Type.Slice()) == 0:
		return object(f, s, dir, depth)
	case s.Type.Is(openapi3.TypeArray):
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
				out[i] = value(f, s.Items.Value, name, dir, depth+1)
			}
		}
		return out
	case s.Type.Is(openapi3.TypeInteger):
		lo, hi := bounds(s, 1, 100000)
		return f.IntRange(int(math.Ceil(lo)), int(math.Floor(hi)))
	case s.Type.Is(openapi3.TypeNumber):
		lo, hi := bounds(s, 0, 1000)
		return math.Round(f.Float64Range(lo, hi)*100) / 100
	case s.Type.Is(openapi3.TypeBoolean):
		return f.Bool()
	}
	return str(f, s, name)
}

// allOf makes a value that meets every part: objects are merged, property by property; for
// other types the first part that gives a value wins.
func allOf(f *gofakeit.Faker, s *openapi3.Schema, name string, dir Direction, depth int) any {
	rest := *s
	rest.AllOf = nil
	var merged map[string]any
	var other any
	parts := append([]*openapi3.Schema{&rest}, nil)[:1]
	for _, ref := range s.AllOf {
		if ref.Value != nil {
			parts = append(parts, ref.Value)
		}
	}
	for i, p := range parts {
		if i == 0 && len(p.Properties) == 0 && (p.Type == nil || len(p.Type.Slice()) == 0) {
			continue
		}
		switch v := value(f, p, name, dir, depth+1).(type) {
		case map[string]any:
			if merged == nil {
				merged = map[string]any{}
			}
			for k, e := range v {
				merged[k] = e
			}
		default:
			if other == nil {
				other = v
			}
		}
	}
	if merged != nil {
		return merged
	}
	return other
}

func object(f *gofakeit.Faker, s *openapi3.Schema, dir Direction, depth int) map[string]any {
	out := map[string]any{}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := s.Properties[n].Value
		if p == nil || dir == Response && p.WriteOnly || dir == Request && p.ReadOnly {
			continue
		}
		out[n] = value(f, p, n, dir, depth+1)
	}
	return out
}

// bounds narrows [lo, hi] to the schema's minimum and maximum, exclusive ones included.
func bounds(s *openapi3.Schema, lo, hi float64) (float64, float64) {
	if s.Min != nil {
		lo = *s.Min
		if s.ExclusiveMin.IsSet() {
			lo++
		}
	}
	if s.Max != nil {
		hi = *s.Max
		if s.ExclusiveMax.IsSet() {
			hi--
		}
	}
	switch {
	case s.Min != nil && s.Max == nil:
		hi = max(hi, lo+1000)
	case s.Max != nil && s.Min == nil:
		lo = min(lo, hi-1000)
	}
	return lo, hi
}

func str(f *gofakeit.Faker, s *openapi3.Schema, name string) string {
	var v string
	switch s.Format {
	case "email":
		v = f.Email()
	case "uuid":
		v = f.UUID()
	case "date-time":
		v = f.DateRange(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).UTC().Format(time.RFC3339)
	case "date":
		v = f.Date().Format("2006-01-02")
	case "date-dmy":
		v = f.Date().Format("02.01.2006")
	case "objectid":
		v = f.Regex("[0-9a-f]{24}")
	default:
		switch {
		case s.Pattern != "":
			v = f.Regex(s.Pattern)
		case s.WriteOnly || s.Format == "password":
			// A secret nothing else holds: a response must never contain it, and a common
			// word may be any other field's value ("monthly").
			v = f.Password(true, true, true, false, false, 16)
		case name == "name" || strings.EqualFold(name, "firstName"):
			v = f.FirstName()
		case strings.EqualFold(name, "lastName"):
			v = f.LastName()
		case name == "phone" || name == "mobile":
			v = f.Phone()
		default:
			v = f.Word()
		}
	}
	if s.MaxLength != nil && uint64(utf8.RuneCountInString(v)) > *s.MaxLength {
		v = string([]rune(v)[:*s.MaxLength])
	}
	for uint64(utf8.RuneCountInString(v)) < s.MinLength {
		v += "x"
	}
	return v
}
