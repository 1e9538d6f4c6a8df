package contracttest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// onItem reports whether the operation works on one record that its collection's create
// makes, found by the key in the create's response.
func (b *opBuilder) onItem() bool {
	return b.op.ItemParam != "" && b.op.Creator != nil && b.op.Creator.Key != nil
}

// related returns a builder of another operation of the API, made once, with this
// operation's path parameter values where the two share names (the same parent records).
func (b *opBuilder) related(op *apispec.Operation) *opBuilder {
	if rb := b.others[op.ID]; rb != nil {
		return rb
	}
	rb := newOpBuilder(b.api, op, b.g, b.extra)
	rb.bodyCreds = b.bodyCreds
	rb.scenarios = b.scenarios
	rb.maxBody = b.maxBody
	rb.prepareBase()
	for k := range rb.pathValues {
		if v, ok := b.pathValues[k]; ok {
			rb.pathValues[k] = v
		}
	}
	rb.path = rb.pathWith(rb.pathValues, rb.query)
	if b.others == nil {
		b.others = map[string]*opBuilder{}
	}
	b.others[op.ID] = rb
	return rb
}

// setupStep is a valid create of a new record, with fresh unique values: a positive request
// of the collection's create operation.
func (b *opBuilder) setupStep() (*Request, error) {
	cb := b.related(b.op.Creator)
	r := cb.request(cb.base)
	r.Operation = cb.op.ID
	return r, cb.check.accepts(r)
}

// keyed points a request of op at the record created by step: the record's path parameter
// is left as its template, filled from that step's response when the case runs.
func (b *opBuilder) keyed(r *Request, step int, op *apispec.Operation) {
	values := map[string]string{}
	for k, v := range b.pathValues {
		if k != op.ItemParam {
			values[k] = v
		}
	}
	_, query, _ := strings.Cut(r.Path, "?")
	r.Path = fillTemplate(op.Path, values, nil)
	if query != "" {
		r.Path += "?" + query
	}
	r.Ref = &KeyRef{Step: step, Pointer: b.op.Creator.Key, Param: op.ItemParam}
}

// withSetup makes a positive case of an item operation first create its record; a delete is
// followed by a read of the same key, which must find nothing.
func (b *opBuilder) withSetup(c *Case) {
	setup, err := b.setupStep()
	if err != nil && c.HarnessError == "" {
		c.HarnessError = "the create that makes the record is refused by the spec: " + err.Error()
	}
	for _, s := range c.Steps {
		b.keyed(s, 0, b.op)
	}
	c.Steps = append([]*Request{setup}, c.Steps...)
	c.Description = "a record created, then " + c.Description
	if b.op.Behaviour != apispec.BehaviourDelete {
		return
	}
	if read := b.readOp(); read != nil {
		rb := b.related(read)
		gone := rb.raw(http.MethodGet, rb.header, nil)
		b.keyed(gone, 0, read)
		gone.Operation, gone.Refused = read.ID, true
		gone.Expect = []int{b.api.Errors.Kind(apispec.KindNotFound).Status}
		gone.kinds = []apispec.Kind{apispec.KindNotFound}
		c.Steps = append(c.Steps, gone)
		c.Description += "; then read back, it must be gone (" + ints(gone.Expect) + ")"
	}
}

// readOp is the operation that reads one record of the same collection.
func (b *opBuilder) readOp() *apispec.Operation {
	for _, op := range b.api.Ops {
		if op.Behaviour == apispec.BehaviourRead && op.Creator == b.op.Creator && op.Path == b.op.Path {
			return op
		}
	}
	return nil
}

// itemCases are the cases only an operation on one record has: a key no record has, a change
// that takes another record's unique values, and a delete that frees them.
func (b *opBuilder) itemCases() {
	if b.op.ItemParam != "" {
		b.unknownKeyCase()
	}
	if !b.onItem() {
		return
	}
	for _, r := range b.related(b.op.Creator).op.Rules {
		if r.Check != apispec.CheckUnique {
			continue
		}
		switch b.op.Behaviour {
		case apispec.BehaviourReplace, apispec.BehaviourUpdate:
			b.uniqueChangeCase(r)
		case apispec.BehaviourDelete:
			b.freedCase(r)
		}
	}
}

// unknownKeyCase sends a valid request naming a record that does not exist.
func (b *opBuilder) unknownKeyCase() {
	param := b.op.ItemParam
	var schema *openapi3.Schema
	for _, p := range b.params(openapi3.ParameterInPath) {
		if p.Name == param {
			schema = p.Schema.Value
		}
	}
	key, ok := b.unknownKey(schema)
	if !ok {
		b.cov.add(param+" unknown", "", "no value valid for the parameter was found")
		return
	}
	values := map[string]string{}
	for k, v := range b.pathValues {
		values[k] = v
	}
	values[param] = key
	req := b.rawAt(b.op.Method, b.pathWith(values, b.query), b.header, b.baseCopy())
	c := &Case{ID: "path/" + param + "/unknown", Kind: Negative, constraint: param + " unknown",
		Expect: []int{b.api.Errors.Kind(apispec.KindNotFound).Status}, kinds: []apispec.Kind{apispec.KindNotFound},
		Description: fmt.Sprintf("a valid request for %s %q, which no record has", param, key)}
	c.Steps = []*Request{req}
	if err := b.check.accepts(req); err != nil {
		c.HarnessError = "the unknown-key request breaks the spec in another way: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// unknownKey is a fresh value valid for the key's schema that no record is likely to have.
func (b *opBuilder) unknownKey(s *openapi3.Schema) (string, bool) {
	if s == nil {
		return "", false
	}
	candidates := []any{"usermock-unknown-" + strings.ToLower(b.g.faker.LetterN(10)),
		float64(b.g.faker.Number(900_000_000, 999_999_999))}
	if v, err := b.g.valid(s); err == nil {
		candidates = append(candidates, v)
	}
	for _, c := range candidates {
		if b.g.check(s, c) == nil {
			if text, ok := textValue(c); ok && text != "" {
				return text, true
			}
		}
	}
	return "", false
}

// uniqueChangeCase creates two records, then changes the second to take the first's values
// of a uniqueness rule: the change must be refused as the create would be.
func (b *opBuilder) uniqueChangeCase(r *apispec.Rule) {
	first, err1 := b.setupStep()
	second, err2 := b.setupStep()
	body := b.baseCopy()
	var names []string
	for _, f := range append(append([]apispec.Path(nil), r.Fields...), r.Scope) {
		if f.Root != "body" || fieldSchema(b.op.RequestSchema(), f.Keys) == nil {
			continue
		}
		if v, ok := jsonvalue.Get(first.json, f.Keys); ok && body != nil {
			jsonvalue.Set(body, f.Keys, jsonvalue.Copy(v))
			names = append(names, strings.Join(f.Keys, "."))
		}
	}
	if len(names) == 0 {
		b.cov.add("rule "+r.ID, "", "the operation's body has none of the rule's fields")
		return
	}
	last := b.raw(b.op.Method, b.header, body)
	b.keyed(last, 1, b.op)
	c := &Case{ID: "rule/" + r.ID + "/duplicate", Kind: Stateful, constraint: "rule " + r.ID, setUp: true,
		Expect: b.related(b.op.Creator).ruleStatus(r), kinds: []apispec.Kind{r.Error.Kind}, rule: r,
		Description: fmt.Sprintf("two records created, then the second %sd with the first's %s (rule %s)", b.op.Behaviour, strings.Join(names, ", "), r.ID)}
	c.Steps = []*Request{first, second, last}
	for _, err := range []error{err1, err2, b.check.acceptsSchema(last)} {
		if err != nil && c.HarnessError == "" {
			c.HarnessError = "a request of the case breaks the schema, so it would not show the rule: " + err.Error()
		}
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// freedCase creates a record, deletes it, and creates it again with the same unique values:
// a delete frees the record's unique keys.
func (b *opBuilder) freedCase(r *apispec.Rule) {
	first, err := b.setupStep()
	del := b.raw(b.op.Method, b.header, nil)
	b.keyed(del, 0, b.op)
	cb := b.related(b.op.Creator)
	again := cb.raw(cb.op.Method, cb.header, jsonvalue.Copy(first.json))
	again.Operation = cb.op.ID
	c := &Case{ID: "rule/" + r.ID + "/freed", Kind: Positive, constraint: "rule " + r.ID + " freed", setUp: true,
		Description: fmt.Sprintf("a record created, deleted, and created again with the same values (rule %s)", r.ID)}
	c.Steps = []*Request{first, del, again}
	if err != nil {
		c.HarnessError = "the create is refused by the spec: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// fillTemplate fills a path template's parameters with the values given and appends the
// query; a parameter without a value keeps its "{name}".
func fillTemplate(template string, values map[string]string, query url.Values) string {
	out := template
	for name, v := range values {
		out = strings.ReplaceAll(out, "{"+name+"}", url.PathEscape(v))
	}
	if len(query) > 0 {
		out += "?" + query.Encode()
	}
	return out
}
