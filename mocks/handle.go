package mocks

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// opState is one operation with everything derived from the spec at start-up.
type opState struct {
	api         *apiState
	op          *apispec.Operation
	creator     *opState // the create of the collection, for the other behaviours
	creds       *credentials
	collections map[string]map[string]any // lookup rule id -> key -> item
	templates   map[templateKey]*responseTemplate
	bodies      map[string]*bodyCheck // spec media type -> how its body is checked
	schemaOpts  []openapi3.SchemaValidationOption
	filterOpts  *openapi3filter.Options
	hasParams   bool
	paging      paging
	listItem    []string   // for lists: where a stored response holds the record
	echoTokens  [][]string // each echo entry's pointer, split once
	ruleHeaders []string   // the headers the rules read, kept with each record
	// errorShapes are the error statuses a spec without x-usermock.errors documents with a
	// shape of its own.
	errorShapes map[int]*errorShape
	lastMedia   atomic.Pointer[mediaMatch] // the last Content-Type matched, for the next request
}

// bodyCheck is a request schema split in two: kin-openapi stops at a failed top-level anyOf,
// so the structure and the conditional requirements are checked separately and all problems
// kept.
type bodyCheck struct {
	structural, anyOf *openapi3.Schema
	// anyOfKeys, when set, are the only body fields the anyOf branches read: the anyOf check
	// then sees just those, since kin-openapi deep-copies the value for every branch.
	anyOfKeys []string
	defaults  []defaultValue
	integers  map[*openapi3.Schema]bool // the schemas the integer range walk visits
}

func newOpState(a *apiState, op *apispec.Operation, set *fixture.Set, mode AuthMode) (*opState, error) {
	o := &opState{api: a, op: op, collections: map[string]map[string]any{}, bodies: map[string]*bodyCheck{}}
	var bodyFields []string
	if op.Credentials != nil {
		bodyFields = op.Credentials.Fields
	}
	o.creds = newCredentials(set, mode, bodyFields)
	for _, r := range op.Rules {
		if r.Check != apispec.CheckLookup {
			continue
		}
		index := map[string]any{}
		if set != nil {
			for _, item := range set.Collections[r.Collection] {
				if v, ok := fixture.JSON(item).(map[string]any); ok {
					index[jsonvalue.Key(v[r.Key], false)] = v
				}
			}
		}
		o.collections[r.ID] = index
	}
	if op.RequestBody != nil {
		for key, mt := range op.RequestBody.Content {
			if mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			o.bodies[key] = newBodyCheck(mt.Schema.Value)
		}
	}
	o.schemaOpts = []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	if o.readOnlyInBody() {
		// Visiting as a request only changes anything where a property is readOnly (refused,
		// and not required); elsewhere it costs a sort of every object's properties and a
		// deep copy of the body for each oneOf and anyOf branch.
		o.schemaOpts = append(o.schemaOpts, openapi3.VisitAsRequest())
	}
	o.schemaOpts = append(o.schemaOpts, a.api.Doc.GetSchemaValidationOptions()...)
	o.filterOpts = &openapi3filter.Options{
		ExcludeRequestBody:      true, // the body is validated by bodyProblems, per media type
		MultiError:              true,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: a.api.Doc.GetSchemaValidationOptions(),
	}
	o.hasParams = len(op.Op.Parameters) > 0 || len(op.PathItem.Parameters) > 0
	o.echoTokens = make([][]string, len(op.Echo))
	for i, e := range op.Echo {
		o.echoTokens[i] = pointerTokens(e.Pointer)
	}
	o.paging = newPaging(op)
	o.ruleHeaders = ruleHeaders(op.Rules)
	if err := o.compileTemplates(); err != nil {
		return nil, err
	}
	o.compileErrorShapes()
	return o, nil
}

// readOnlyInBody reports whether a schema of the request body holds a readOnly schema
// anywhere it can be reached from: properties, items, compositions and the rest.
func (o *opState) readOnlyInBody() bool {
	if o.op.RequestBody == nil {
		return false
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef) bool
	walk = func(ref *openapi3.SchemaRef) bool {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return false
		}
		s := ref.Value
		seen[s] = true
		for _, sub := range []*openapi3.SchemaRef{s.Items, s.Not, s.AdditionalProperties.Schema, s.Contains,
			s.PropertyNames, s.If, s.Then, s.Else, s.ContentSchema} {
			if walk(sub) {
				return true
			}
		}
		if s.ReadOnly {
			return true
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
			for _, sub := range group {
				if walk(sub) {
					return true
				}
			}
		}
		for _, m := range []openapi3.Schemas{s.Properties, s.PatternProperties, s.DependentSchemas, s.Defs} {
			for _, sub := range m {
				if walk(sub) {
					return true
				}
			}
		}
		return false
	}
	for _, mt := range o.op.RequestBody.Content {
		if walk(mt.Schema) {
			return true
		}
	}
	return false
}

func newBodyCheck(s *openapi3.Schema) *bodyCheck {
	structural := *s
	structural.AnyOf = nil
	b := &bodyCheck{structural: &structural, defaults: collectDefaults(s, nil, 0)}
	b.integers = integerSchemas(b.structural)
	if len(s.AnyOf) > 0 {
		b.anyOf = &openapi3.Schema{AnyOf: s.AnyOf}
		b.anyOfKeys = branchKeys(s.AnyOf)
	}
	return b
}

// exchange is what one request learned, for the response header, the journal and the log.
type exchange struct {
	api, op  string
	o        *opState // the operation, once routed
	status   int
	decision string
	problems []problem
	valid    bool
	cause    error
	fault    string            // an injected delay or fault
	pref     preference        // how the client asked the answer to be chosen, or failed
	vars     map[string]string // the route's path parameters, as sent (escaped)
	// violations, in proxy mode, are what the request and the upstream's answer broke.
	violations []Violation
}

// request is a request that passed the checks, with what the behaviours read.
type request struct {
	r    *http.Request
	body requestBody
	ctx  evalContext
	vars map[string]string
}

func (o *opState) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := exchangeFrom(r.Context())
	x.op, x.o = o.op.ID, o
	if o.api.upstream != nil {
		o.proxy(w, r, x)
		return
	}
	pref := x.pref // parsed by the API, which routed the request here
	if pref.Code != 0 && !o.op.Documents(pref.Code) {
		o.api.writeFailure(w, r, x, fail(apispec.KindValidation, "", "Prefer code=%d is not documented for %s %s; documented: %s",
			pref.Code, o.op.Method, o.op.Path, joinInts(o.op.Statuses)))
		return
	}
	if forced, ok, f := o.forcedExample(pref); f != nil {
		o.api.writeFailure(w, r, x, f)
		return
	} else if ok {
		x.valid = forced.status < 400 // a forced error answers no request as valid
		var body []byte
		if forced.body != nil {
			body = encodeJSON(forced.body, o.op.Order(forced.status, forced.name))
		}
		o.write(w, r, x, forced.status, body, fmt.Sprintf("%d example=%s, forced by %s", forced.status, forced.name, pref))
		return
	}
	req, f := o.prepare(r)
	if f != nil {
		o.api.writeFailure(w, r, x, f)
		return
	}
	var res result
	switch o.op.Behaviour {
	case apispec.BehaviourCreate:
		res, f = o.create(req, pref)
	case apispec.BehaviourRead:
		res, f = o.read(req)
	case apispec.BehaviourList:
		res, f = o.list(req)
	case apispec.BehaviourReplace, apispec.BehaviourUpdate:
		res, f = o.change(req)
	case apispec.BehaviourDelete:
		res, f = o.remove(req)
	default:
		res, f = o.respond(req, pref)
	}
	if f != nil {
		o.api.writeFailure(w, r, x, f)
		return
	}
	if res.status == 0 {
		res.status = o.op.Success
	}
	why := "the documented success for a valid request"
	if p := pref.String(); p != "" {
		why = "chosen by " + p
	}
	x.valid = true
	o.write(w, r, x, res.status, res.body, strconv.Itoa(res.status)+" "+res.what+", "+why)
}

// result is what a behaviour answers.
type result struct {
	status int
	body   []byte
	what   string // for the decision: "example=documented", "read user 42", ...
}

// prepare runs every check of the request: body, Accept, credentials, parameters, body
// schema and rules; all problems found at once.
func (o *opState) prepare(r *http.Request) (*request, *failure) {
	body, f := o.readBody(r)
	if f != nil {
		return nil, f
	}
	if f := o.checkAccept(r); f != nil {
		return nil, f
	}
	vars := stringVars(r)
	ctx := evalContext{"body": body.value, "header": headerMap(r.Header), "credential": map[string]any{},
		"path": stringMap(vars), "query": queryMap(r)}
	if o.op.Credentials != nil {
		attrs, f := o.bodyCredential(body.value)
		if f != nil {
			return nil, f
		}
		ctx["credential"] = attrs
	}
	attrs, f := o.authenticate(r)
	if f != nil {
		return nil, f
	}
	if cred := ctx["credential"].(map[string]any); len(cred) == 0 && attrs != nil {
		ctx["credential"] = attrs // a fresh copy: the request may add to it
	} else {
		for k, v := range attrs {
			cred[k] = v
		}
	}
	var problems []problem
	if o.hasParams {
		problems = o.paramProblems(r, vars)
	}
	check := o.bodies[body.mediaType]
	if body.present && check != nil {
		check.emptyDefaults(body.value)
		subject := body.value
		if o.op.Behaviour == apispec.BehaviourUpdate && strings.Contains(strings.ToLower(body.mediaType), "merge-patch") {
			subject = withoutNulls(subject) // a null in a merge patch removes the member (RFC 7386)
		}
		problems = append(problems, check.problems(subject, o.schemaOpts)...)
	}
	rules := o.op.Rules
	if o.creator != nil && o.creator != o && (o.op.Behaviour == apispec.BehaviourReplace) {
		rules = append(append([]*apispec.Rule(nil), o.creator.op.Rules...), rules...)
	}
	ruleFailure := o.checkRules(rules, ctx)
	if len(problems) > 0 {
		if ruleFailure != nil && ruleFailure.kind == apispec.KindValidation {
			problems = append(problems, notAlreadyReported(ruleFailure.problems, problems)...)
		}
		return nil, &failure{kind: apispec.KindValidation, problems: problems}
	}
	if ruleFailure != nil {
		return nil, ruleFailure
	}
	if body.present && check != nil {
		check.applyDefaults(body.value)
	}
	return &request{r: r, body: body, ctx: ctx, vars: vars}, nil
}

// notAlreadyReported keeps the rule problems about fields the schema problems do not name.
func notAlreadyReported(rule, schema []problem) []problem {
	named := map[string]bool{}
	for _, p := range schema {
		named[p.Field] = true
	}
	var out []problem
	for _, p := range rule {
		if !named[p.Field] {
			out = append(out, p)
		}
	}
	return out
}

// paramProblems validates path, query, header and cookie parameters with kin-openapi.
func (o *opState) paramProblems(r *http.Request, vars map[string]string) []problem {
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: vars, Route: o.op.Route, Options: o.filterOpts}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return schemaProblems(err, "")
	}
	return nil
}

// problems validates a body against its schema, structure and conditional requirements
// separately so that every problem is reported.
func (b *bodyCheck) problems(body any, opts []openapi3.SchemaValidationOption) []problem {
	var problems []problem
	if err := b.structural.VisitJSON(body, opts...); err != nil {
		problems = append(problems, schemaProblems(err, "")...)
	}
	problems = append(problems, integerProblems(b.structural, body, make([]string, 0, 16), 0, b.integers)...)
	if b.anyOf != nil {
		subject := body
		if m, ok := body.(map[string]any); ok && b.anyOfKeys != nil {
			sub := make(map[string]any, len(b.anyOfKeys))
			for _, k := range b.anyOfKeys {
				if v, ok := m[k]; ok {
					sub[k] = v
				}
			}
			subject = sub
		}
		if err := b.anyOf.VisitJSON(subject, opts...); err != nil {
			problems = append(problems, schemaProblems(err, "")...)
		}
	}
	return problems
}

type forcedResponse struct {
	status int
	name   string
	body   any
}

// forcedExample answers a Prefer that asks for an error status or an error example: the
// documented example, sent as is, whatever the request.
func (o *opState) forcedExample(p preference) (forcedResponse, bool, *failure) {
	status := p.Code
	if status == 0 && p.Example != "" && !o.op.HasExample(o.op.Success, p.Example) {
		for _, s := range o.op.Statuses {
			if o.op.HasExample(s, p.Example) {
				status = s
			}
		}
		if status == 0 {
			return forcedResponse{}, false, o.unknownExample(o.op.Success, p.Example)
		}
	}
	if status == 0 || status < 300 {
		return forcedResponse{}, false, nil
	}
	name := p.Example
	if name == "" {
		if len(o.op.Examples[status]) == 0 {
			if v, ok := o.op.SingleExample(status); ok {
				return forcedResponse{status: status, name: "example", body: v}, true, nil
			}
			if len(o.op.ResponseTypes[status]) == 0 {
				return forcedResponse{status: status, name: "(no body)"}, true, nil
			}
			return forcedResponse{}, false, fail(apispec.KindValidation, "", "status %d has no documented example", status)
		}
		name = o.op.Examples[status][0]
	}
	v, ok := o.op.ExampleValue(status, name)
	if !ok {
		return forcedResponse{}, false, o.unknownExample(status, name)
	}
	return forcedResponse{status: status, name: name, body: v}, true, nil
}

func (o *opState) unknownExample(status int, name string) *failure {
	var avail []string
	for _, s := range o.op.Statuses {
		for _, n := range o.op.Examples[s] {
			avail = append(avail, fmt.Sprintf("%s (%d)", n, s))
		}
	}
	return fail(apispec.KindValidation, "", "example %q is not documented for status %d; available: %s", name, status, strings.Join(avail, ", "))
}

// branchKeys returns the fields anyOf branches name when every branch is only "required"
// and "properties" (the "one of these fields" pattern), or nil when a branch does more.
func branchKeys(branches openapi3.SchemaRefs) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, ref := range branches {
		b := ref.Value
		if b == nil {
			return nil
		}
		rest := *b
		rest.Required, rest.Properties, rest.Extensions = nil, nil, nil
		if !rest.IsEmpty() {
			return nil
		}
		for _, k := range b.Required {
			add(k)
		}
		for k := range b.Properties {
			add(k)
		}
	}
	sort.Strings(keys)
	return keys
}
