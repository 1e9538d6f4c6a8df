package contracttest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// bodyNegatives walks the request schema and breaks each constraint of each field.
func (b *opBuilder) bodyNegatives(schema *openapi3.Schema) {
	b.walk(schema, nil, "")
}

func (b *opBuilder) walk(s *openapi3.Schema, path []string, shown string) {
	props, required := objectView(s)
	for _, name := range sortedKeys(props) {
		p := props[name].Value
		if p == nil || p.ReadOnly {
			continue
		}
		fp := append(append([]string(nil), path...), name)
		fshown := strings.TrimPrefix(shown+"."+name, ".")
		if slices.Contains(required, name) {
			body := b.baseCopy()
			jsonvalue.Delete(body, fp)
			b.negative(&Case{ID: "body/" + strings.Join(fp, "/") + "/required", constraint: fshown + " required", field: fp[0],
				Description: fshown + " left out; it is required"}, b.raw(b.op.Method, b.header, body), b.fieldKinds(fp)...)
		}
		b.fieldNegatives(p, fp, fshown)
		if len(p.OneOf)+len(p.AnyOf) > 0 {
			b.branchNegatives(p, fp, fshown)
		}
		switch {
		case isObject(p):
			b.walk(p, fp, fshown)
		case p.Type.Is(openapi3.TypeArray) && p.Items != nil && p.Items.Value != nil:
			item := p.Items.Value
			ip := append(append([]string(nil), fp...), "0")
			if isObject(item) {
				b.walk(item, ip, fshown+"[0]")
			} else if !item.Type.Is(openapi3.TypeObject) {
				b.fieldNegatives(item, ip, fshown+"[0]")
			}
		}
	}
}

func (b *opBuilder) fieldNegatives(s *openapi3.Schema, path []string, shown string) {
	current, ok := jsonvalue.Get(b.base, path)
	if !ok || current == nil || b.g.check(s, current) != nil {
		current, _ = b.g.valid(s)
	}
	found, missed := b.g.violations(s, current)
	id := "body/" + strings.Join(path, "/") + "/"
	form := isForm(mediaType(b.contentType))
	for _, v := range found {
		if form && v.keyword == "type" && s.Type.Is(openapi3.TypeString) {
			b.cov.add(shown+" type", "", "a form carries every value as text; no value breaks a string's type")
			continue
		}
		body := b.baseCopy()
		b.ensureParents(body, path)
		jsonvalue.Set(body, path, v.value)
		b.negative(&Case{ID: id + v.keyword, constraint: shown + " " + v.keyword, field: path[0],
			Description: fmt.Sprintf("%s breaks %s: sent %s", shown, v.what, compact(v.value))},
			b.raw(b.op.Method, b.header, body), b.fieldKinds(path)...)
	}
	for _, v := range missed {
		b.cov.add(shown+" "+v.keyword, "", "no value breaks "+v.what+" alone")
	}
}

// baseCopy is a copy of the base request body with fresh unique values, for a case to change.
func (b *opBuilder) baseCopy() map[string]any {
	if b.base == nil {
		return nil // an operation without a JSON object body
	}
	body := jsonvalue.Copy(b.base).(map[string]any)
	b.freshen(body)
	return body
}

// ensureParents makes sure the objects and arrays above path exist, creating valid ones from
// the schema where the base request has none.
func (b *opBuilder) ensureParents(body map[string]any, path []string) {
	s := b.op.RequestSchema()
	for i := 0; i < len(path)-1; i++ {
		s = childSchema(s, path[i])
		if s == nil {
			return
		}
		if v, ok := jsonvalue.Get(body, path[:i+1]); ok && v != nil {
			if arr, isArr := v.([]any); !isArr || len(arr) > 0 {
				continue
			}
		}
		v, err := b.g.valid(s)
		if err != nil {
			return
		}
		if arr, isArr := v.([]any); isArr && len(arr) == 0 {
			v = []any{nil}
		}
		jsonvalue.Set(body, path[:i+1], v)
	}
}

func childSchema(s *openapi3.Schema, key string) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if s.Type.Is(openapi3.TypeArray) {
		if s.Items == nil {
			return nil
		}
		return s.Items.Value
	}
	props, _ := objectView(s)
	if p := props[key]; p != nil {
		return p.Value
	}
	return nil
}

// anyOfNegatives leaves out every field a top-level "anyOf of required" names, so that no
// branch holds.
func (b *opBuilder) anyOfNegatives(schema *openapi3.Schema) {
	var fields []string
	for _, ref := range schema.AnyOf {
		if ref.Value != nil {
			fields = append(fields, ref.Value.Required...)
		}
	}
	if len(fields) == 0 {
		return
	}
	body := b.baseCopy()
	for _, f := range fields {
		delete(body, f)
	}
	joined := strings.Join(fields, "-or-")
	b.negative(&Case{ID: "body/" + joined + "/missing", constraint: "anyOf " + strings.Join(fields, " | "),
		Description: "none of " + strings.Join(fields, ", ") + " sent; at least one is required"},
		b.raw(b.op.Method, b.header, body), apispec.KindValidation)
}
