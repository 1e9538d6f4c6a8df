package contracttest

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// params returns the operation's parameters in one location, by name, the operation's own
// overriding the path item's.
func (b *opBuilder) params(in string) []*openapi3.Parameter {
	byName := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{b.op.PathItem.Parameters, b.op.Op.Parameters} {
		for _, ref := range list {
			if p := ref.Value; p != nil && p.In == in && p.Schema != nil && p.Schema.Value != nil {
				byName[p.Name] = p
			}
		}
	}
	out := make([]*openapi3.Parameter, 0, len(byName))
	for _, name := range sortedKeys(byName) {
		out = append(out, byName[name])
	}
	return out
}

// paramValue is a parameter's valid value: its example, else its default, else generated.
func (b *opBuilder) paramValue(p *openapi3.Parameter) (any, error) {
	s := p.Schema.Value
	for _, v := range []any{p.Example, s.Example, s.Default} {
		if v != nil && b.g.check(s, jsonvalue.Normalize(v)) == nil {
			return jsonvalue.Normalize(v), nil
		}
	}
	return b.g.valid(s)
}

// fillParams gives every path parameter and every query parameter a valid value; optional
// query parameters are kept apart, for the positive case that sends every optional field.
func (b *opBuilder) fillParams() {
	b.pathValues = map[string]string{}
	for _, p := range b.params(openapi3.ParameterInPath) {
		v, _ := b.paramValue(p)
		b.pathValues[p.Name], _ = textValue(v)
	}
	b.query, b.optQuery = url.Values{}, url.Values{}
	for _, p := range b.params(openapi3.ParameterInQuery) {
		v, err := b.paramValue(p)
		if err != nil {
			b.cov.add(p.Name+" query parameter", "", err.Error())
			continue
		}
		vals, ok := queryText(v)
		if !ok {
			b.cov.add(p.Name+" query parameter", "", "an object in the query string has no one agreed encoding; not sent")
			continue
		}
		if p.Required {
			b.query[p.Name] = vals
		} else {
			b.optQuery[p.Name] = vals
		}
	}
	b.path = b.pathWith(b.pathValues, b.query)
}

// queryText is a query parameter's value as text: an array as repeated values (form style,
// exploded, OpenAPI's default).
func queryText(v any) ([]string, bool) {
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, item := range arr {
			s, ok := textValue(item)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := textValue(v)
	return []string{s}, ok
}

// pathWith fills the operation's path template with the values given (a parameter without
// one keeps its "{name}" template, for a value a step takes from an earlier response) and
// appends the query.
func (b *opBuilder) pathWith(values map[string]string, query url.Values) string {
	return fillTemplate(b.op.Path, values, query)
}

// allQuery is the required query with every optional parameter added.
func (b *opBuilder) allQuery() url.Values {
	q := url.Values{}
	for k, v := range b.query {
		q[k] = v
	}
	for k, v := range b.optQuery {
		q[k] = v
	}
	return q
}

// queryNegatives leaves out each required query parameter and breaks each constraint of
// each one, alone.
func (b *opBuilder) queryNegatives() {
	for _, p := range b.params(openapi3.ParameterInQuery) {
		if _, ok := b.query[p.Name]; !ok && p.Required {
			continue // no valid value was found; noted in the coverage
		}
		id, shown := "query/"+p.Name+"/", p.Name+" query parameter"
		if p.Required {
			q := b.allQuery()
			q.Del(p.Name)
			b.negative(&Case{ID: id + "required", constraint: shown + " required",
				Description: "the " + shown + " left out; it is required"},
				b.rawAt(b.op.Method, b.pathWith(b.pathValues, q), b.header, b.baseCopy()), apispec.KindValidation)
		}
		current, _ := b.paramValue(p)
		b.paramViolations(p.Schema.Value, current, id, shown, func(text string) string {
			q := b.allQuery()
			q.Set(p.Name, text)
			return b.pathWith(b.pathValues, q)
		})
	}
}

// pathNegatives breaks each constraint of each path parameter: a wrongly typed record key
// is a validation failure, not an unknown record.
func (b *opBuilder) pathNegatives() {
	for _, p := range b.params(openapi3.ParameterInPath) {
		id, shown := "path/"+p.Name+"/", p.Name+" path parameter"
		current, _ := b.paramValue(p)
		b.paramViolations(p.Schema.Value, current, id, shown, func(text string) string {
			if text == "" {
				return "" // an empty segment names another path
			}
			values := map[string]string{}
			for k, v := range b.pathValues {
				values[k] = v
			}
			values[p.Name] = text
			return b.pathWith(values, b.query)
		})
	}
}

// paramViolations adds a negative case for each constraint a value in the URL can break:
// values are text there, so a violation the spec accepts as text ("12345" for a string) is
// only noted in the coverage.
func (b *opBuilder) paramViolations(s *openapi3.Schema, current any, id, shown string, path func(string) string) {
	found, missed := b.g.violations(s, current)
	for _, v := range found {
		text, ok := textValue(v.value)
		p := ""
		if ok {
			p = path(text)
		}
		if p == "" {
			b.cov.add(shown+" "+v.keyword, "", "no value in the URL breaks "+v.what+" alone")
			continue
		}
		req := b.rawAt(b.op.Method, p, b.header, b.baseCopy())
		if b.check.rejects(req) != nil {
			b.cov.add(shown+" "+v.keyword, "", fmt.Sprintf("as text, %q meets %s", text, v.what))
			continue
		}
		b.negative(&Case{ID: id + v.keyword, constraint: shown + " " + v.keyword,
			Description: fmt.Sprintf("the %s breaks %s: sent %q", shown, v.what, text)},
			req, apispec.KindValidation)
	}
	for _, v := range missed {
		b.cov.add(shown+" "+v.keyword, "", "no value breaks "+v.what+" alone")
	}
}

// headerParams calls fn for each header parameter of the operation, in name order.
func (b *opBuilder) headerParams(fn func(name string, s *openapi3.Schema, example any)) {
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{b.op.PathItem.Parameters, b.op.Op.Parameters} {
		for _, ref := range list {
			if p := ref.Value; p != nil && p.In == openapi3.ParameterInHeader && p.Schema != nil {
				params[p.Name] = p
			}
		}
	}
	for _, name := range sortedKeys(params) {
		p := params[name]
		example := p.Example
		if example == nil && p.Schema.Value.Example != nil {
			example = p.Schema.Value.Example
		}
		fn(name, p.Schema.Value, example)
	}
}

func (b *opBuilder) headerNegatives() {
	b.headerParams(func(name string, s *openapi3.Schema, _ any) {
		required := false
		for _, list := range []openapi3.Parameters{b.op.PathItem.Parameters, b.op.Op.Parameters} {
			for _, ref := range list {
				if ref.Value != nil && ref.Value.Name == name && ref.Value.In == openapi3.ParameterInHeader {
					required = ref.Value.Required
				}
			}
		}
		id := "header/" + name + "/"
		if required {
			h := b.header.Clone()
			h.Del(name)
			b.negative(&Case{ID: id + "required", constraint: name + " header required",
				Description: "the " + name + " header left out; it is required"},
				b.raw(b.op.Method, h, b.baseCopy()), apispec.KindValidation)
		}
		found, _ := b.g.violations(s, b.header.Get(name))
		for _, v := range found {
			str, ok := v.value.(string)
			if !ok {
				continue // a header is always a string; type violations do not apply
			}
			h := b.header.Clone()
			h.Set(name, str)
			b.negative(&Case{ID: id + v.keyword, constraint: name + " header " + v.keyword,
				Description: fmt.Sprintf("the %s header breaks %s: sent %q", name, v.what, str)},
				b.raw(b.op.Method, h, b.baseCopy()), apispec.KindValidation)
		}
	})
}

// pathParams reads the parameter values back from a filled path, for kin-openapi.
func pathParams(template, filled string) map[string]string {
	out := map[string]string{}
	filled, _, _ = strings.Cut(filled, "?")
	ts, fs := strings.Split(template, "/"), strings.Split(filled, "/")
	for i := range ts {
		if i < len(fs) && strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			v, err := url.PathUnescape(fs[i])
			if err != nil {
				v = fs[i]
			}
			out[ts[i][1:len(ts[i])-1]] = v
		}
	}
	return out
}
