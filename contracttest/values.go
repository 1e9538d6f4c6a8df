package contracttest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// values generates JSON values from schemas: valid ones for positive cases, and for negative
// cases values that break exactly one constraint. Every value it returns has been checked with
// kin-openapi against the schema it was made for, in the form the server decodes a request
// body to (jsonvalue.Normalize: numbers as json.Number), so both see the same value.
type values struct {
	faker *gofakeit.Faker
	opts  []openapi3.SchemaValidationOption
}

func newValues(seed int64, doc *openapi3.T) *values {
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsRequest()},
		doc.GetSchemaValidationOptions()...)
	return &values{faker: gofakeit.New(seed), opts: opts}
}

// check validates v against s and returns the schema keywords that failed, sorted and unique.
func (g *values) check(s *openapi3.Schema, v any) []string {
	err := s.VisitJSON(v, g.opts...)
	if err == nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(error)
	walk = func(err error) {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			seen[se.SchemaField] = true
			return
		}
		seen["?"] = true
	}
	walk(err)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// valid returns a value valid for s, or an error when none was found in a few attempts.
func (g *values) valid(s *openapi3.Schema) (any, error) {
	for attempt := 0; attempt < 8; attempt++ {
		v := jsonvalue.Normalize(fake.Value(g.faker, flatten(s, attempt, 0), "", fake.Request))
		if g.check(s, v) == nil {
			return v, nil
		}
	}
	return nil, fmt.Errorf("could not generate a value valid for %s", describeSchema(s))
}

// violation is a value that breaks one constraint of a field's schema.
type violation struct {
	keyword string // the schema keyword broken: type, maxLength, pattern, …
	what    string // the constraint in plain words
	value   any
}

// violations returns, for each constraint of s, a value that breaks that constraint and no
// other (checked with kin-openapi), given a valid value of the field. A constraint for which no
// such value was found is returned with a nil value and why.
func (g *values) violations(s *openapi3.Schema, valid any) (out []violation, missed []violation) {
	try := func(keyword, what string, exact bool, candidates ...any) {
		for _, c := range candidates {
			c = jsonvalue.Normalize(c)
			got := g.check(s, c)
			if len(got) == 0 {
				continue
			}
			if exact && !(len(got) == 1 && got[0] == keyword) {
				continue
			}
			out = append(out, violation{keyword: keyword, what: what, value: c})
			return
		}
		missed = append(missed, violation{keyword: keyword, what: what})
	}
	str, _ := valid.(string)
	if s.Type != nil && len(s.Type.Slice()) > 0 || len(s.OneOf) > 0 {
		try("type", "its type ("+describeSchema(s)+")", false, wrongTypes(s)...)
	}
	if s.MaxLength != nil {
		max := int(*s.MaxLength)
		try("maxLength", fmt.Sprintf("maxLength %d", max), true, lengthen(str, max+1)...)
	}
	if s.MinLength > 0 {
		min := int(s.MinLength)
		r := []rune(str)
		if len(r) >= min {
			try("minLength", fmt.Sprintf("minLength %d", min), true, string(r[:min-1]), strings.Repeat("a", min-1))
		}
	}
	if s.Pattern != "" {
		try("pattern", "pattern "+s.Pattern, true, str+"!", "!"+str, "!", " ", "a b", "-")
	}
	if s.Format != "" && s.Type.Is(openapi3.TypeString) {
		try("format", "format "+s.Format, true, badFormats(s.Format)...)
	}
	if len(s.Enum) > 0 {
		try("enum", fmt.Sprintf("enum %v", s.Enum), true, "not-one-of-the-values", str+"x", 987654321, true)
	}
	if s.Min != nil {
		try("minimum", fmt.Sprintf("minimum %v", *s.Min), true, *s.Min-1, *s.Min-0.5, *s.Min)
	}
	if s.Max != nil {
		try("maximum", fmt.Sprintf("maximum %v", *s.Max), true, *s.Max+1, *s.Max+0.5, *s.Max)
	}
	return out, missed
}

func wrongTypes(s *openapi3.Schema) []any {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return []any{12345, true, map[string]any{}}
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return []any{"not-a-number", true, map[string]any{}}
	case s.Type.Is(openapi3.TypeBoolean):
		return []any{"yes", 1, map[string]any{}}
	case s.Type.Is(openapi3.TypeArray):
		return []any{"not-an-array", map[string]any{}, 1}
	case s.Type.Is(openapi3.TypeObject):
		return []any{"not-an-object", []any{}, 1}
	}
	return []any{true, map[string]any{"unexpected": true}, []any{}}
}

// lengthen returns strings of exactly n runes built from v, keeping its form where it can.
func lengthen(v string, n int) []any {
	pad := func(s string, at int, r string) string {
		runes := []rune(s)
		need := n - len(runes)
		if need <= 0 || at > len(runes) {
			return ""
		}
		return string(runes[:at]) + strings.Repeat(r, need) + string(runes[at:])
	}
	var out []any
	if i := strings.IndexByte(v, '@'); i > 0 {
		out = append(out, pad(v, utf8.RuneCountInString(v[:i]), "a"))
	}
	if last, _ := utf8.DecodeLastRuneInString(v); v != "" {
		out = append(out, pad(v, utf8.RuneCountInString(v), string(last)))
	}
	out = append(out, pad(v, 0, "a"), pad(v, utf8.RuneCountInString(v), "1"), strings.Repeat("a", n), strings.Repeat("1", n))
	return out
}

func badFormats(format string) []any {
	switch format {
	case "email":
		return []any{"not-an-email", "user@", "@example.com"}
	case "uuid":
		return []any{"not-a-uuid", "3fa85f64-5717-4562-b3fc-2c963f66afaZ"}
	case "objectid":
		return []any{"not-an-objectid", "5f1d7a3b9c2e4a6b8d0f1e2z"}
	case "date":
		return []any{"2020-13-45", "31.12.2020", "not-a-date"}
	case "date-time":
		return []any{"2020-12-31", "not-a-date-time"}
	case "date-dmy":
		return []any{"31.02.2020", "2020-12-31", "not-a-date"}
	}
	return []any{"not-a-" + format, "!"}
}

func describeSchema(s *openapi3.Schema) string {
	if s == nil {
		return "any value"
	}
	if len(s.OneOf) > 0 {
		parts := make([]string, 0, len(s.OneOf))
		for _, o := range s.OneOf {
			if o.Value != nil {
				parts = append(parts, describeSchema(o.Value))
			}
		}
		return "one of " + strings.Join(parts, ", ")
	}
	t := "any"
	if s.Type != nil && len(s.Type.Slice()) > 0 {
		t = strings.Join(s.Type.Slice(), " or ")
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
