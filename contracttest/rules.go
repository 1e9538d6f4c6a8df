package contracttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// ruleCases breaks each x-usermock rule the harness can break from the outside: a field that
// must equal another, a field that must name an existing record, and each uniqueness rule
// (tried twice). Rules on the server's own records about the caller (its session's modules,
// its account's user limit) need a particular credential: a Scenario that breaks them, or
// they are listed as not exercised.
func (b *opBuilder) ruleCases() {
	for _, r := range b.op.Rules {
		switch {
		case b.base == nil && r.Check != apispec.CheckIncludes && r.Check != apispec.CheckLimit:
			b.cov.add("rule "+r.ID, "", "the operation has no JSON object body to build the case from")
		case r.Check == apispec.CheckEquals && r.Field.Root == "body":
			b.equalsCase(r)
		case r.Check == apispec.CheckLookup && r.Field.Root == "body":
			b.lookupCase(r)
		case r.Check == apispec.CheckUnique:
			b.uniqueCases(r)
		case len(b.scenariosBreaking(r.ID)) > 0:
			for _, sc := range b.scenariosBreaking(r.ID) {
				b.scenarioCase(r, sc)
			}
		default:
			b.cov.add("rule "+r.ID, "", fmt.Sprintf("%s on %s needs a server-side credential with that property (a --scenario that breaks it)", r.Check, ruleSubject(r)))
		}
	}
}

func ruleSubject(r *apispec.Rule) string {
	switch {
	case !r.Field.IsZero():
		return r.Field.String()
	case !r.Scope.IsZero():
		return r.Scope.String()
	}
	return r.ID
}

func (b *opBuilder) ruleStatus(r *apispec.Rule) []int {
	return b.kindStatus(r.Error.Kind)
}

func (b *opBuilder) equalsCase(r *apispec.Rule) {
	body := b.baseCopy()
	other, _ := jsonvalue.Get(body, r.To.Keys)
	changed := fmt.Sprint(other) + "-different"
	jsonvalue.Set(body, r.Field.Keys, changed)
	b.ruleCase(r, body, fmt.Sprintf("%s differs from %s (rule %s)", strings.Join(r.Field.Keys, "."), strings.Join(r.To.Keys, "."), r.ID))
}

// ruleCase adds a case whose body breaks rule r and nothing in the schema.
func (b *opBuilder) ruleCase(r *apispec.Rule, body map[string]any, description string) {
	c := &Case{ID: "rule/" + r.ID, Kind: Negative, constraint: "rule " + r.ID, Expect: b.ruleStatus(r), Description: description,
		kinds: []apispec.Kind{r.Error.Kind}, rule: r}
	req := b.raw(b.op.Method, b.header, body)
	c.Steps = []*Request{req}
	if err := b.check.acceptsSchema(req); err != nil {
		c.HarnessError = "the rule case breaks the schema too, so it would not show the rule: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

func (b *opBuilder) lookupCase(r *apispec.Rule) {
	body := b.baseCopy()
	s := fieldSchema(b.op.RequestSchema(), r.Field.Keys)
	var unknown any = "usermock-unknown-" + strings.ToLower(b.g.faker.LetterN(8))
	if s != nil && (s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber)) {
		unknown = float64(b.g.faker.Number(900_000_000, 999_999_999))
	}
	jsonvalue.Set(body, r.Field.Keys, unknown)
	b.ruleCase(r, body, fmt.Sprintf("%s names a %s entry that does not exist: %v (rule %s)", strings.Join(r.Field.Keys, "."), r.Collection, unknown, r.ID))
}

// uniqueCases creates a record, then sends another with the same values for the rule's
// fields and fresh values everywhere else; the second must be refused as the rule says. A
// rule that folds case is tried a second time with the values in upper case.
func (b *opBuilder) uniqueCases(r *apispec.Rule) {
	variants := []struct {
		suffix, how string
		change      func(any) any
	}{{"duplicate", "the same", func(v any) any { return v }}}
	if r.Fold {
		variants = append(variants, struct {
			suffix, how string
			change      func(any) any
		}{"duplicate-other-case", "the same, in upper case,", upper})
	}
	for _, vr := range variants {
		first := b.baseCopy()
		second := b.baseCopy()
		var names []string
		for _, f := range r.Fields {
			if f.Root != "body" {
				continue
			}
			v, ok := jsonvalue.Get(first, f.Keys)
			if !ok {
				continue
			}
			jsonvalue.Set(second, f.Keys, vr.change(jsonvalue.Copy(v)))
			names = append(names, strings.Join(f.Keys, "."))
		}
		c := &Case{ID: "rule/" + r.ID + "/" + vr.suffix, Kind: Stateful, constraint: "rule " + r.ID, Expect: b.ruleStatus(r),
			kinds: []apispec.Kind{r.Error.Kind}, rule: r,
			Description: fmt.Sprintf("a user created, then another with %s %s (rule %s)", vr.how, strings.Join(names, ", "), r.ID)}
		c.Steps = []*Request{b.raw(b.op.Method, b.header, first), b.raw(b.op.Method, b.header, second)}
		for _, step := range c.Steps {
			if err := b.check.accepts(step); err != nil {
				c.HarnessError = "a request of the duplicate case breaks the schema, so it would not show the rule: " + err.Error()
			}
		}
		if len(names) == 0 {
			c.HarnessError = "the base request has none of the rule's fields"
		}
		b.add(c)
		b.cov.add(c.constraint, c.ID, c.HarnessError)
	}
}

func upper(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToUpper(s)
	}
	return v
}

// freshen gives every field a uniqueness rule covers a value no earlier request used: the
// documented value with a per-run suffix where the schema allows it, else a generated one.
func (b *opBuilder) freshen(body map[string]any) {
	schema := b.op.RequestSchema()
	rules := b.op.Rules
	if c := b.op.Creator; c != nil && c != b.op {
		rules = append(append([]*apispec.Rule(nil), rules...), c.Rules...) // a change re-checks the create's rules
	}
	for _, r := range rules {
		if r.Check != apispec.CheckUnique {
			continue
		}
		for _, f := range r.Fields {
			if f.Root != "body" {
				continue
			}
			s := fieldSchema(schema, f.Keys)
			if s == nil {
				continue
			}
			old, _ := jsonvalue.Get(body, f.Keys)
			jsonvalue.Set(body, f.Keys, b.fresh(s, old))
		}
	}
}

func (b *opBuilder) fresh(s *openapi3.Schema, old any) any {
	tag := strings.ToLower(b.g.faker.LetterN(4)) + fmt.Sprint(b.g.faker.Number(1000, 9999))
	var candidates []any
	switch v := old.(type) {
	case string:
		if i := strings.IndexByte(v, '@'); i > 0 {
			candidates = append(candidates, v[:i]+tag+v[i:])
		}
		candidates = append(candidates, v+tag)
	case json.Number: // generated values and fixtures
		if f, err := v.Float64(); err == nil {
			candidates = append(candidates, jsonvalue.Normalize(f+float64(b.g.faker.Number(100_000, 900_000_000))))
		}
	case float64: // the spec's own examples
		candidates = append(candidates, v+float64(b.g.faker.Number(100_000, 900_000_000)))
	}
	for _, c := range candidates {
		if b.g.check(s, c) == nil {
			return c
		}
	}
	if v, err := b.g.valid(s); err == nil {
		return v
	}
	return old
}

// secrets are the string values sent in fields the request schema marks writeOnly: a
// response must never contain them.
func (b *opBuilder) secrets(body any) []secret {
	return secretsOf(b.op, body)
}

// secretsOf is secrets for any operation and decoded body.
func secretsOf(op *apispec.Operation, body any) []secret {
	m, ok := body.(map[string]any)
	if !ok {
		return nil
	}
	var out []secret
	schema := op.RequestSchema()
	var walk func(s *openapi3.Schema, m map[string]any, prefix string)
	walk = func(s *openapi3.Schema, m map[string]any, prefix string) {
		for _, k := range sortedKeys(m) {
			var ps *openapi3.Schema
			if props, _ := objectView(s); props[k] != nil {
				ps = props[k].Value
			}
			switch v := m[k].(type) {
			case string:
				if len(v) >= 4 && ps != nil && ps.WriteOnly {
					out = append(out, secret{field: prefix + k, value: v})
				}
			case map[string]any:
				walk(ps, v, prefix+k+".")
			}
		}
	}
	walk(schema, m, "")
	return out
}

// protocolCases break the HTTP contract rather than a field: method, content type, JSON
// syntax, Accept.
func (b *opBuilder) protocolCases() {
	if m := unusedMethod(b.op.PathItem); m != "" {
		c := &Case{ID: "method/" + m, Kind: Negative, constraint: "method", Expect: b.kindStatus(apispec.KindMethodNotAllowed), kinds: []apispec.Kind{apispec.KindMethodNotAllowed},
			Description: m + " sent to a path that documents only " + strings.Join(documentedMethods(b.op.PathItem), ", ")}
		c.Steps = []*Request{b.raw(m, b.header, nil)}
		b.add(c)
		b.cov.add(c.constraint, c.ID, "")
	}
	if unknown := b.unknownPath(); b.op.Documents(http.StatusNotFound) && unknown != "" {
		req := b.rawAt(b.op.Method, unknown, b.header, nil)
		c := &Case{ID: "path/unknown", Kind: Negative, constraint: "unknown path", Expect: b.kindStatus(apispec.KindNotFound), kinds: []apispec.Kind{apispec.KindNotFound},
			Description: b.op.Method + " " + req.Path + ", a path the API does not document"}
		c.Steps = []*Request{req}
		b.add(c)
		b.cov.add(c.constraint, c.ID, "")
	}
	b.tooLargeCase()
	if b.base == nil {
		return
	}
	h := b.header.Clone()
	h.Set("Content-Type", "text/plain")
	b.negative(&Case{ID: "content-type/text-plain", constraint: "content type",
		Description: "a valid JSON body sent as text/plain"},
		b.raw(b.op.Method, h, b.baseCopy()), apispec.KindUnsupportedMediaType)

	if !isForm(mediaType(b.contentType)) { // a cut-off form is still a form
		req := b.raw(b.op.Method, b.header, nil)
		req.Body = []byte(`{"` + firstKey(b.base) + `": `)
		b.negative(&Case{ID: "body/malformed-json", constraint: "JSON syntax",
			Description: "a body cut off in the middle of the JSON"}, req, apispec.KindMalformed)
	}

	if len(b.op.Accept) > 0 {
		h := b.header.Clone()
		h.Set("Accept", "text/html")
		c := &Case{ID: "accept/text-html", Kind: Negative, constraint: "Accept", Expect: b.kindStatus(apispec.KindNotAcceptable), kinds: []apispec.Kind{apispec.KindNotAcceptable},
			Description: "Accept: text/html; the operation answers only " + strings.Join(b.op.Accept, ", ")}
		c.Steps = []*Request{b.raw(b.op.Method, h, b.baseCopy())}
		if err := b.check.accepts(c.Steps[0]); err != nil {
			c.HarnessError = "the Accept case breaks the spec in another way: " + err.Error()
		}
		b.add(c)
		b.cov.add(c.constraint, c.ID, c.HarnessError)
	}
}

// unknownPath is a path under the API's root that no documented path template matches,
// whatever its parameters: a fresh segment, repeated until no template of that depth takes it.
func (b *opBuilder) unknownPath() string {
	const segment = "/usermock-unknown-endpoint"
	for p := segment; len(p) <= 8*len(segment); p += segment {
		matched := false
		for _, op := range b.api.Ops {
			matched = matched || templateMatches(op.Path, p)
		}
		if !matched {
			return p
		}
	}
	return ""
}

// templateMatches reports whether a path template, its parameters taking any segment, matches p.
func templateMatches(template, p string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(p, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if !strings.Contains(t, "{") && t != ps[i] {
			return false
		}
		if strings.Contains(t, "{") && !segmentMatches(t, ps[i]) {
			return false
		}
	}
	return true
}

// segmentMatches matches one segment against a template segment such as "{id}" or "{name}.json".
func segmentMatches(t, seg string) bool {
	i, j := strings.IndexByte(t, '{'), strings.LastIndexByte(t, '}')
	if j < i {
		return t == seg
	}
	prefix, suffix := t[:i], t[j+1:]
	return len(seg) > len(prefix)+len(suffix) && strings.HasPrefix(seg, prefix) && strings.HasSuffix(seg, suffix)
}

func unusedMethod(item *openapi3.PathItem) string {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodPost} {
		if item.GetOperation(m) == nil {
			return m
		}
	}
	return ""
}

func documentedMethods(item *openapi3.PathItem) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if item.GetOperation(m) != nil {
			out = append(out, m)
		}
	}
	return out
}

func firstKey(m map[string]any) string {
	keys := sortedKeys(m)
	if len(keys) == 0 {
		return "x"
	}
	return keys[0]
}

func dedupe(in []int) []int {
	var out []int
	for _, v := range sortInts(in) {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// fieldSchema returns the schema of the field at path inside s.
func fieldSchema(s *openapi3.Schema, path []string) *openapi3.Schema {
	for _, k := range path {
		s = childSchema(s, k)
		if s == nil {
			return nil
		}
	}
	return s
}
