package contracttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// placeholderCredential is sent for header credentials the user gave no value for: the mock
// accepts any well-formed credential; a real server needs --header.
const placeholderCredential = "usermock-contract-test"

// opBuilder builds the cases of one operation.
type opBuilder struct {
	api   *apispec.API
	op    *apispec.Operation
	g     *values
	check *selfChecker
	cov   *OperationCoverage

	header      http.Header // a valid request's headers: content type, accept, credentials
	path        string      // the operation's path with its path parameters filled in
	bodyCreds   map[string]string
	example     map[string]any // the documented example body, as the document shows it
	base        map[string]any // the example with every optional field filled in
	contentType string
	cases       []*Case
}

func newOpBuilder(api *apispec.API, op *apispec.Operation, g *values, extra http.Header) *opBuilder {
	b := &opBuilder{api: api, op: op, g: g, check: newSelfChecker(api, op),
		cov: &OperationCoverage{Operation: op.ID, Method: op.Method, Path: op.Path, Documented: op.Statuses}}
	b.contentType = preferredType(op.MediaType)
	b.header = http.Header{}
	if b.contentType != "" {
		b.header.Set("Content-Type", b.contentType)
	}
	accept := "application/json"
	if len(op.Accept) > 0 {
		accept = op.Accept[0]
	}
	b.header.Set("Accept", accept)
	for _, s := range op.Schemes {
		v := placeholderCredential
		if s.Bearer {
			v = "Bearer " + v
		}
		b.header.Set(s.Header, v)
	}
	b.headerParams(func(name string, s *openapi3.Schema, example any) {
		if example == nil {
			example, _ = g.valid(s)
		}
		b.header.Set(name, fmt.Sprint(example))
	})
	for k, vs := range extra {
		b.header[http.CanonicalHeaderKey(k)] = vs
	}
	b.path = b.fillPath(g)
	b.check.pathParams = pathParams(op.Path, b.path)
	return b
}

// fillPath puts into the operation's path a value for each path parameter: its example, or
// one generated from its schema.
func (b *opBuilder) fillPath(g *values) string {
	out := b.op.Path
	for _, list := range []openapi3.Parameters{b.op.PathItem.Parameters, b.op.Op.Parameters} {
		for _, ref := range list {
			p := ref.Value
			if p == nil || p.In != openapi3.ParameterInPath || p.Schema == nil {
				continue
			}
			v := p.Example
			if v == nil {
				v, _ = g.valid(p.Schema.Value)
			}
			out = strings.ReplaceAll(out, "{"+p.Name+"}", url.PathEscape(fmt.Sprint(v)))
		}
	}
	return out
}

// pathParams reads the parameter values back from a filled path, for kin-openapi.
func pathParams(template, filled string) map[string]string {
	out := map[string]string{}
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

func preferredType(types map[string]string) string {
	if _, ok := types["application/json"]; ok {
		return "application/json"
	}
	for _, t := range sortedKeys(types) {
		return t
	}
	return ""
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

// build returns the operation's cases in a fixed order.
func (b *opBuilder) build() []*Case {
	schema := b.op.RequestSchema()
	names, examples := b.op.RequestExamples()
	if len(names) > 0 {
		b.example, _ = jsonvalue.Copy(examples[names[0]]).(map[string]any)
		b.withCredentials(b.example)
	}
	if b.example == nil && schema != nil {
		v, _ := b.g.valid(schema)
		b.example, _ = v.(map[string]any)
	}
	b.base = b.example
	if schema != nil && b.example != nil {
		full := jsonvalue.Copy(b.example).(map[string]any)
		b.g.fill(schema, full)
		if b.check.accepts(b.request(full)) == nil {
			b.base = full
		}
	}
	b.positives(names, examples)
	if schema != nil && b.base != nil {
		b.bodyNegatives(schema)
		b.anyOfNegatives(schema)
	}
	b.headerNegatives()
	b.ruleCases()
	b.authCases()
	b.protocolCases()
	return b.cases
}

func (b *opBuilder) add(c *Case) {
	c.Operation = b.op.ID
	c.ID = b.op.ID + "/" + c.ID
	b.cases = append(b.cases, c)
}

// request is a request of the operation with the valid headers, the body given, and fresh
// values for every field a uniqueness rule covers, so that cases never collide with each
// other or with an earlier run.
func (b *opBuilder) request(body map[string]any) *Request {
	if body != nil {
		body = jsonvalue.Copy(body).(map[string]any)
		b.freshen(body)
	}
	return b.raw(b.op.Method, b.header, body)
}

// raw is a request of the operation with exactly the headers and body given; a nil body,
// or a nil map, sends none.
func (b *opBuilder) raw(method string, header http.Header, body any) *Request {
	if m, ok := body.(map[string]any); ok && m == nil {
		body = nil
	}
	r := newRequest(method, b.path, header, body)
	r.secrets = b.secrets(body)
	return r
}

func (b *opBuilder) kindStatus(k apispec.Kind) []int {
	if len(b.api.Errors.Kinds) == 0 {
		return nil // the spec does not say which status answers which failure
	}
	return []int{b.api.Errors.Kind(k).Status}
}

func (b *opBuilder) positives(names []string, examples map[string]any) {
	if b.op.RequestBody == nil {
		c := &Case{ID: "request/valid", Kind: Positive, constraint: "valid request",
			Description: "the request with valid parameters and credentials"}
		c.Steps = []*Request{b.raw(b.op.Method, b.header, nil)}
		b.selfCheckPositive(c)
		b.add(c)
	}
	for _, name := range names {
		body, _ := jsonvalue.Copy(examples[name]).(map[string]any)
		b.withCredentials(body)
		c := &Case{ID: "example/" + name, Kind: Positive, constraint: "example " + name,
			Description: fmt.Sprintf("the documented request example %q", name)}
		c.Steps = []*Request{b.request(body)}
		b.selfCheckPositive(c)
		b.add(c)
	}
	if b.base != nil && len(names) > 0 {
		c := &Case{ID: "generated/complete", Kind: Positive, constraint: "generated complete",
			Description: "the documented example with every optional field filled in"}
		c.Steps = []*Request{b.request(b.base)}
		b.selfCheckPositive(c)
		b.add(c)
	}
	if schema := b.op.RequestSchema(); schema != nil {
		for i := 1; i <= 2; i++ {
			c := &Case{ID: fmt.Sprintf("generated/random-%d", i), Kind: Positive, constraint: "generated random",
				Description: "a request generated from the schema"}
			v, err := b.g.valid(schema)
			body, _ := v.(map[string]any)
			if err != nil || body == nil {
				c.HarnessError = fmt.Sprintf("could not generate a valid request: %v", err)
				c.Steps = []*Request{b.request(b.base)}
			} else {
				b.keepDocumented(body)
				c.Steps = []*Request{b.request(body)}
				b.selfCheckPositive(c)
			}
			b.add(c)
		}
	}
	for _, t := range sortedKeys(b.op.MediaType) {
		if t == b.contentType || b.base == nil {
			continue
		}
		h := b.header.Clone()
		h.Set("Content-Type", t)
		c := &Case{ID: "content-type/" + slug(t), Kind: Positive, constraint: "content type " + t,
			Description: "a valid request sent as " + t}
		c.Steps = []*Request{b.raw(b.op.Method, h, b.baseCopy())}
		b.selfCheckPositive(c)
		b.add(c)
	}
}

// withCredentials puts the configured body credentials into a request body, in place of
// the documented example's.
func (b *opBuilder) withCredentials(body map[string]any) {
	if b.op.Credentials == nil || body == nil {
		return
	}
	for _, f := range b.op.Credentials.Fields {
		if v, ok := b.bodyCreds[f]; ok {
			body[f] = v
		}
	}
}

// keepDocumented copies into a generated body the values a generator cannot know: body
// credentials and fields that must name an existing record (lookups), from the documented
// example; and makes fields that must equal another field equal.
func (b *opBuilder) keepDocumented(body map[string]any) {
	var keep [][]string
	if b.op.Credentials != nil {
		for _, f := range b.op.Credentials.Fields {
			keep = append(keep, []string{f})
		}
	}
	for _, r := range b.op.Rules {
		if r.Check == apispec.CheckLookup && r.Field.Root == "body" {
			keep = append(keep, r.Field.Keys)
		}
	}
	for _, path := range keep {
		if v, ok := jsonvalue.Get(b.example, path); ok {
			jsonvalue.Set(body, path, jsonvalue.Copy(v))
		} else {
			jsonvalue.Delete(body, path)
		}
	}
	for _, r := range b.op.Rules {
		if r.Check == apispec.CheckEquals && r.Field.Root == "body" && r.To.Root == "body" {
			if v, ok := jsonvalue.Get(body, r.To.Keys); ok {
				jsonvalue.Set(body, r.Field.Keys, jsonvalue.Copy(v))
			}
		}
	}
}

func (b *opBuilder) selfCheckPositive(c *Case) {
	for _, r := range c.Steps {
		if err := b.check.accepts(r); err != nil {
			c.HarnessError = "the spec itself refuses this positive request: " + err.Error()
			return
		}
	}
}

func (b *opBuilder) negative(c *Case, req *Request, expect []int) {
	c.Kind = Negative
	c.Steps = []*Request{req}
	c.Expect = expect
	if err := b.check.rejects(req); err != nil {
		c.HarnessError = err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// bodyNegatives walks the request schema and breaks each constraint of each field.
func (b *opBuilder) bodyNegatives(schema *openapi3.Schema) {
	b.walk(schema, nil, "")
}

func (b *opBuilder) walk(s *openapi3.Schema, path []string, shown string) {
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name].Value
		if p == nil || p.ReadOnly {
			continue
		}
		fp := append(append([]string(nil), path...), name)
		fshown := strings.TrimPrefix(shown+"."+name, ".")
		if contains(s.Required, name) {
			body := b.baseCopy()
			jsonvalue.Delete(body, fp)
			expect := b.kindStatus(apispec.KindValidation)
			if b.isCredential(fp) {
				expect = dedupe(append(expect, b.kindStatus(apispec.KindUnauthorized)...))
			}
			b.negative(&Case{ID: "body/" + strings.Join(fp, "/") + "/required", constraint: fshown + " required",
				Description: fshown + " left out; it is required"}, b.raw(b.op.Method, b.header, body), expect)
		}
		b.fieldNegatives(p, fp, fshown)
		switch {
		case p.Type.Is(openapi3.TypeObject) && len(p.Properties) > 0:
			b.walk(p, fp, fshown)
		case p.Type.Is(openapi3.TypeArray) && p.Items != nil && p.Items.Value != nil:
			item := p.Items.Value
			ip := append(append([]string(nil), fp...), "0")
			if item.Type.Is(openapi3.TypeObject) && len(item.Properties) > 0 {
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
	expect := b.kindStatus(apispec.KindValidation)
	if b.isCredential(path) {
		// A server may check credentials before the body; either answer is the contract's.
		expect = dedupe(append(expect, b.kindStatus(apispec.KindUnauthorized)...))
	}
	for _, v := range found {
		body := b.baseCopy()
		b.ensureParents(body, path)
		jsonvalue.Set(body, path, v.value)
		b.negative(&Case{ID: id + v.keyword, constraint: shown + " " + v.keyword,
			Description: fmt.Sprintf("%s breaks %s: sent %s", shown, v.what, compact(v.value))},
			b.raw(b.op.Method, b.header, body), expect)
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
	if p := s.Properties[key]; p != nil {
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
		b.raw(b.op.Method, b.header, body), b.kindStatus(apispec.KindValidation))
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
				b.raw(b.op.Method, h, b.baseCopy()), b.kindStatus(apispec.KindValidation))
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
				b.raw(b.op.Method, h, b.baseCopy()), b.kindStatus(apispec.KindValidation))
		}
	})
}

// isCredential reports whether path is a credential carried in the body.
func (b *opBuilder) isCredential(path []string) bool {
	return b.op.Credentials != nil && len(path) == 1 && contains(b.op.Credentials.Fields, path[0])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func slug(s string) string {
	return strings.NewReplacer("/", "-", "+", "-", ";", "", " ", "").Replace(s)
}

func compact(v any) string {
	s := fmt.Sprintf("%#v", v)
	switch t := v.(type) {
	case string:
		s = fmt.Sprintf("%q", t)
	case json.Number:
		s = string(t) // not %#v, which would quote it like a string
	case map[string]any:
		s = "an object"
	case []any:
		s = "an array"
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// sortInts sorts and returns a copy.
func sortInts(in []int) []int {
	out := append([]int(nil), in...)
	sort.Ints(out)
	return out
}
