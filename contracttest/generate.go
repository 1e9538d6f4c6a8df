package contracttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
	path        string      // the operation's path with its path parameters and required query filled in
	pathValues  map[string]string
	query       url.Values // the required query parameters' valid values
	optQuery    url.Values // the optional ones
	bodyCreds   map[string]string
	scenarios   []Scenario     // callers that rules about the caller's account refuse
	maxBody     int64          // the size of the too-large case's body; negative: no such case
	example     map[string]any // the documented example body, as the document shows it
	base        map[string]any // the example with every optional field filled in
	contentType string
	cases       []*Case
	extra       http.Header           // headers the user gave, for related builders
	others      map[string]*opBuilder // builders of related operations (the create), made once
}

func newOpBuilder(api *apispec.API, op *apispec.Operation, g *values, extra http.Header) *opBuilder {
	b := &opBuilder{api: api, op: op, g: g, check: newSelfChecker(api, op), extra: extra,
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
		if s.Prefix != "" {
			v = s.Prefix + " " + v // "Bearer usermock-contract-test"; basic takes any token too
		}
		b.header.Set(credentialKey(&s), v)
	}
	b.headerParams(func(name string, s *openapi3.Schema, example any) {
		if example == nil {
			example, _ = g.valid(s)
		}
		b.header.Set(name, fmt.Sprint(example))
	})
	b.cookieParams(func(name string, s *openapi3.Schema, example any, required bool) {
		if example == nil {
			example, _ = g.valid(s)
		}
		b.header.Set(carrier("cookie", name), fmt.Sprint(example))
	})
	for k, vs := range extra {
		b.header[http.CanonicalHeaderKey(k)] = vs
	}
	b.fillParams()
	b.check.pathParams = b.pathValues
	return b
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

// build returns the operation's cases in a fixed order.
func (b *opBuilder) build() []*Case {
	names, examples := b.prepareBase()
	schema := b.op.RequestSchema()
	b.positives(names, examples)
	if schema != nil && b.base != nil {
		b.bodyNegatives(schema)
		b.anyOfNegatives(schema)
	}
	b.headerNegatives()
	b.queryNegatives()
	b.pathNegatives()
	b.itemCases()
	b.statefulCases()
	b.ruleCases()
	b.authCases()
	b.protocolCases()
	return b.cases
}

// prepareBase finds the documented example body and the base body every case starts from:
// the example with every optional field filled in, when the spec accepts that.
func (b *opBuilder) prepareBase() (names []string, examples map[string]any) {
	schema := b.op.RequestSchema()
	names, examples = b.op.RequestExamples()
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
	return names, examples
}

// add adds a case of the operation. A positive case of an operation on one record first
// creates the record it works on.
func (b *opBuilder) add(c *Case) {
	c.Operation = b.op.ID
	c.ID = b.op.ID + "/" + c.ID
	if c.Kind == Positive && b.onItem() && !c.setUp {
		b.withSetup(c)
	}
	c.unique = b.takesUnique(c)
	b.cases = append(b.cases, c)
}

// takesUnique reports whether a case sends values a uniqueness rule covers, so that it can
// be rerun only against a server that has not stored them yet.
func (b *opBuilder) takesUnique(c *Case) bool {
	hasRule := func(op *apispec.Operation) bool {
		for _, r := range op.Rules {
			if r.Check == apispec.CheckUnique {
				return true
			}
		}
		return false
	}
	if !hasRule(b.op) && (b.op.Creator == nil || !hasRule(b.op.Creator)) {
		return false
	}
	for _, s := range c.Steps {
		if s.json != nil {
			return true
		}
	}
	return false
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
	return b.rawAt(method, b.path, header, body)
}

// rawAt is raw sent to another path (with its query) of the operation.
func (b *opBuilder) rawAt(method, path string, header http.Header, body any) *Request {
	if m, ok := body.(map[string]any); ok && m == nil {
		body = nil
	}
	r := newRequest(method, path, header, body)
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
	b.completeCase(len(names) > 0)
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

// completeCase sends every optional field: the documented example filled in, or, without
// one, the valid request with every optional query parameter.
func (b *opBuilder) completeCase(documented bool) {
	complete := b.pathWith(b.pathValues, b.allQuery())
	if b.base != nil && documented {
		c := &Case{ID: "generated/complete", Kind: Positive, constraint: "generated complete",
			Description: "the documented example with every optional field filled in"}
		c.Steps = []*Request{b.request(b.base)}
		c.Steps[0].Path = complete
		b.selfCheckPositive(c)
		b.add(c)
	} else if len(b.optQuery) > 0 {
		c := &Case{ID: "request/complete", Kind: Positive, constraint: "every optional parameter",
			Description: "a valid request with every optional query parameter"}
		c.Steps = []*Request{b.rawAt(b.op.Method, complete, b.header, b.baseCopy())}
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

// negative adds a case the contract refuses with a failure of one of the kinds.
func (b *opBuilder) negative(c *Case, req *Request, kinds ...apispec.Kind) {
	c.Kind = Negative
	c.Steps = []*Request{req}
	c.kinds = kinds
	for _, k := range kinds {
		c.Expect = append(c.Expect, b.kindStatus(k)...)
	}
	c.Expect = dedupe(c.Expect)
	if err := b.check.rejects(req); err != nil {
		if isForm(mediaType(req.Header.Get("Content-Type"))) {
			// A form carries every value as text: 12345 is a valid string there.
			b.cov.add(c.constraint, "", "in a form body, "+strings.TrimPrefix(c.Description, c.constraint+" ")+" is valid")
			return
		}
		c.HarnessError = err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// fieldKinds are the failure kinds a broken body field provokes: validation, or for a
// credential carried in the body also unauthorized (a server may check credentials first).
func (b *opBuilder) fieldKinds(path []string) []apispec.Kind {
	if b.isCredential(path) {
		return []apispec.Kind{apispec.KindValidation, apispec.KindUnauthorized}
	}
	return []apispec.Kind{apispec.KindValidation}
}

// isCredential reports whether path is a credential carried in the body.
func (b *opBuilder) isCredential(path []string) bool {
	return b.op.Credentials != nil && len(path) == 1 && slices.Contains(b.op.Credentials.Fields, path[0])
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
