package mocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/store"
)

// opState is one operation with everything derived from the spec at start-up.
type opState struct {
	api         *apiState
	op          *apispec.Operation
	creds       *credentials
	collections map[string]map[string]any // lookup rule id -> key -> item
	success     any                       // the default success example, decoded once as from JSON
	schemaOpts  []openapi3.SchemaValidationOption
	filterOpts  *openapi3filter.Options
	// The request schema split in two: kin-openapi stops at a failed top-level anyOf, so the
	// structure and the conditional requirements are checked separately and all problems kept.
	bodySchema, anyOfSchema *openapi3.Schema
	// anyOfKeys, when set, are the only body fields the anyOf branches read: the anyOf check
	// then sees just those, since kin-openapi deep-copies the value for every branch.
	anyOfKeys []string
}

func newOpState(a *apiState, op *apispec.Operation, set *fixture.Set, mode AuthMode) (*opState, error) {
	o := &opState{api: a, op: op, collections: map[string]map[string]any{}}
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
				v := fixture.JSON(item).(map[string]any)
				index[canon(v[r.Key], false)] = v
			}
		}
		o.collections[r.ID] = index
	}
	name := "documented"
	if !op.HasExample(op.Success, name) && len(op.Examples[op.Success]) > 0 {
		name = op.Examples[op.Success][0]
	}
	if v, ok := op.ExampleValue(op.Success, name); ok {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode success example of %s: %w", op.ID, err)
		}
		if err := json.Unmarshal(b, &o.success); err != nil {
			return nil, fmt.Errorf("decode success example of %s: %w", op.ID, err)
		}
	}
	if s := op.RequestSchema(); s != nil {
		structural := *s
		structural.AnyOf = nil
		o.bodySchema = &structural
		if len(s.AnyOf) > 0 {
			o.anyOfSchema = &openapi3.Schema{AnyOf: s.AnyOf}
			o.anyOfKeys = branchKeys(s.AnyOf)
		}
	}
	o.schemaOpts = append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsRequest()},
		a.api.Doc.GetSchemaValidationOptions()...)
	o.filterOpts = &openapi3filter.Options{
		ExcludeRequestBody:      true, // the body is validated by validateBody, with defaults applied to our copy
		MultiError:              true,
		AuthenticationFunc:      o.authenticate,
		SchemaValidationOptions: a.api.Doc.GetSchemaValidationOptions(),
	}
	return o, nil
}

// exchange is what one request learned, for the response header, the journal and the log.
type exchange struct {
	api, op  string
	status   int
	decision string
	problems []problem
	valid    bool
	cause    error
}

func (o *opState) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := exchangeFrom(r.Context())
	x.op = o.op.ID
	pref, err := parsePreference(r)
	if err != nil {
		o.api.writeFailure(w, x, fail(apispec.KindValidation, "", "%v", err))
		return
	}
	if pref.Code != 0 && !o.op.Documents(pref.Code) {
		o.api.writeFailure(w, x, fail(apispec.KindValidation, "", "Prefer code=%d is not documented for %s %s; documented: %s",
			pref.Code, o.op.Method, o.op.Path, joinInts(o.op.Statuses)))
		return
	}
	if forced, ok, f := o.forcedExample(pref); f != nil {
		o.api.writeFailure(w, x, f)
		return
	} else if ok {
		x.valid = true
		o.api.writeJSON(w, x, forced.status, forced.body, fmt.Sprintf("%d example=%s, forced by %s", forced.status, forced.name, pref))
		return
	}
	status, body, decision, f := o.create(r, pref)
	if f != nil {
		o.api.writeFailure(w, x, f)
		return
	}
	x.valid = true
	o.api.writeJSON(w, x, status, body, decision)
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

// create validates the request, applies the rules, stores the record and builds the answer.
func (o *opState) create(r *http.Request, pref preference) (int, any, string, *failure) {
	raw, f := o.readBody(r)
	if f != nil {
		return 0, nil, "", f
	}
	if f := o.checkAccept(r); f != nil {
		return 0, nil, "", f
	}
	body, f := decodeJSON(raw)
	if f != nil {
		return 0, nil, "", f
	}
	ctx := evalContext{"body": body, "header": headerMap(r.Header), "credential": map[string]any{}}
	if o.op.Credentials != nil {
		attrs, f := o.bodyCredential(body)
		if f != nil {
			return 0, nil, "", f
		}
		ctx["credential"] = attrs
	}
	if f := o.validate(r, ctx); f != nil {
		return 0, nil, "", f
	}
	if f := o.checkRules(ctx); f != nil {
		return 0, nil, "", f
	}
	status, exampleName := o.op.Success, "documented"
	if pref.Code != 0 {
		status = pref.Code
	}
	if pref.Example != "" {
		exampleName = pref.Example
	}
	rec, err := o.store(ctx, raw, status, exampleName, pref.Dynamic)
	if err != nil {
		return 0, nil, "", o.storeFailure(err, ctx)
	}
	why := "the documented success for a valid request"
	if p := pref.String(); p != "" {
		why = "chosen by " + p
	}
	if pref.Dynamic {
		exampleName = "dynamic"
	}
	return status, rec.Response, fmt.Sprintf("%d example=%s, %s", status, exampleName, why), nil
}

// readBody reads at most the configured limit; more is a 413, never buffered.
func (o *opState) readBody(r *http.Request) ([]byte, *failure) {
	if o.op.RequestBody == nil {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if _, ok := o.op.MediaType[strings.ToLower(mt)]; err != nil || !ok {
		accepted := make([]string, 0, len(o.op.MediaType))
		for _, v := range o.op.MediaType {
			accepted = append(accepted, v)
		}
		sort.Strings(accepted)
		if ct == "" {
			ct = "(none)"
		}
		return nil, fail(apispec.KindUnsupportedMediaType, "Content-Type header", "%s is not supported; use %s", ct, strings.Join(accepted, " or "))
	}
	limit := o.api.srv.maxBody
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fail(apispec.KindMalformed, "", "request body could not be read: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, fail(apispec.KindTooLarge, "", "request body exceeds %d bytes", limit)
	}
	return b, nil
}

func (o *opState) checkAccept(r *http.Request) *failure {
	if len(o.op.Accept) == 0 {
		return nil
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return fail(apispec.KindNotAcceptable, "Accept header", "is required; send Accept: %s", o.op.Accept[0])
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		for _, want := range o.op.Accept {
			typ, _, _ := strings.Cut(want, "/")
			if mt == "*/*" || mt == want || mt == typ+"/*" {
				return nil
			}
		}
	}
	return fail(apispec.KindNotAcceptable, "Accept header", "%q does not allow %s", accept, strings.Join(o.op.Accept, " or "))
}

// decodeJSON decodes a request body strictly: one value, valid UTF-8, no duplicate keys,
// numbers kept exact.
func decodeJSON(raw []byte) (any, *failure) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fail(apispec.KindMalformed, "", "request body is empty; send a JSON object")
	}
	if !utf8.Valid(raw) {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid UTF-8")
	}
	v, err := parseStrictJSON(raw)
	if err != nil {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid JSON: %v", err)
	}
	return v, nil
}

// validate checks parameters and security with openapi3filter, and the body against its
// schema, all at once; defaults are written into ctx's copy of the body.
func (o *opState) validate(r *http.Request, ctx evalContext) *failure {
	res := &authResult{}
	in := &openapi3filter.RequestValidationInput{Request: r, Route: o.op.Route, Options: o.filterOpts}
	err := openapi3filter.ValidateRequest(context.WithValue(r.Context(), authKey{}, res), in)
	if len(res.problems) > 0 {
		return &failure{kind: apispec.KindUnauthorized, problems: res.problems, cause: err}
	}
	var problems []problem
	if err != nil {
		var sec *openapi3filter.SecurityRequirementsError
		if errors.As(err, &sec) {
			return &failure{kind: apispec.KindUnauthorized, problems: []problem{{Reason: "credentials are required"}}, cause: err}
		}
		problems = append(problems, schemaProblems(err, "")...)
	}
	for k, v := range res.attributes {
		ctx["credential"].(map[string]any)[k] = v
	}
	problems = append(problems, o.bodyProblems(ctx["body"], true)...)
	if len(problems) > 0 {
		return &failure{kind: apispec.KindValidation, problems: problems, cause: err}
	}
	return nil
}

// bodyProblems validates a body against the request schema, structure and conditional
// requirements separately so that every problem is reported; with setDefaults, the schema's
// defaults are written into body.
func (o *opState) bodyProblems(body any, setDefaults bool) []problem {
	if o.bodySchema == nil {
		return nil
	}
	var problems []problem
	opts := o.schemaOpts
	if setDefaults {
		opts = append(opts[:len(opts):len(opts)], openapi3.DefaultsSet(func() {}))
	}
	if err := o.bodySchema.VisitJSON(body, opts...); err != nil {
		problems = append(problems, schemaProblems(err, "")...)
	}
	if o.anyOfSchema != nil {
		subject := body
		if m, ok := body.(map[string]any); ok && o.anyOfKeys != nil {
			sub := make(map[string]any, len(o.anyOfKeys))
			for _, k := range o.anyOfKeys {
				if v, ok := m[k]; ok {
					sub[k] = v
				}
			}
			subject = sub
		}
		if err := o.anyOfSchema.VisitJSON(subject, o.schemaOpts...); err != nil {
			problems = append(problems, schemaProblems(err, "")...)
		}
	}
	return problems
}

// store builds the response and creates the record atomically with its unique claims.
// store creates the record: the request as sent and the response, both kept as JSON bytes
// (the response is encoded once, for the store and the client alike).
func (o *opState) store(ctx evalContext, raw []byte, status int, exampleName string, dynamic bool) (store.Record, error) {
	claims, limits, groups := o.storeClaims(ctx)
	rec := store.Record{API: o.api.api.ID, Operation: o.op.ID, CreatedAt: o.api.srv.gen.now().UTC(),
		Body: json.RawMessage(raw), Header: o.referencedHeaders(ctx), Credential: ctx["credential"].(map[string]any), Claims: claims, Groups: groups}
	base, err := o.baseResponse(status, exampleName, dynamic)
	if err != nil {
		return store.Record{}, err
	}
	return o.api.srv.store.Create(rec, limits, func(seq int64) (any, string, error) {
		b, err := json.Marshal(o.api.srv.gen.applyEcho(base, o.op.Echo, ctx, seq))
		if err != nil {
			return nil, "", fmt.Errorf("encode response: %w", err)
		}
		return json.RawMessage(b), "", nil
	})
}

// referencedHeaders keeps the headers rules read (a uniqueness scope), so seeded and replayed
// records claim the same keys.
func (o *opState) referencedHeaders(ctx evalContext) map[string]any {
	var out map[string]any
	h := ctx["header"].(map[string]any)
	for _, r := range o.op.Rules {
		for _, p := range append([]apispec.Path{r.Scope, r.Field}, r.Fields...) {
			if p.Root == "header" && len(p.Keys) == 1 {
				if out == nil {
					out = map[string]any{}
				}
				out[p.Keys[0]] = h[p.Keys[0]]
			}
		}
	}
	return out
}

type errUnknownExample struct{ f *failure }

func (e errUnknownExample) Error() string { return e.f.message() }

func (o *opState) baseResponse(status int, name string, dynamic bool) (any, error) {
	if dynamic {
		schema := o.op.ResponseSchema(status)
		g := o.api.srv.gen
		g.mu.Lock()
		defer g.mu.Unlock()
		return fake.Value(g.faker, schema, "", fake.Response), nil
	}
	if status == o.op.Success && name == "documented" && o.success != nil {
		return jsonvalue.Copy(o.success), nil
	}
	v, ok := o.op.ExampleValue(status, name)
	if !ok {
		return nil, errUnknownExample{o.unknownExample(status, name)}
	}
	return jsonvalue.Copy(v), nil
}

func (o *opState) storeFailure(err error, ctx evalContext) *failure {
	var ce *store.ConflictError
	var le *store.LimitError
	var ue errUnknownExample
	for _, r := range o.op.Rules {
		switch {
		case errors.As(err, &ce) && ce.Rule == r.ID:
			var v any
			if len(r.Fields) > 0 {
				v, _ = r.Fields[len(r.Fields)-1].Lookup(ctx)
			}
			return ruleFailure(r, v, 0)
		case errors.As(err, &le) && le.Rule == r.ID:
			return ruleFailure(r, nil, le.Max)
		}
	}
	if errors.As(err, &ue) {
		return ue.f
	}
	return &failure{kind: apispec.KindValidation, problems: []problem{{Reason: "the record could not be stored"}}, cause: err}
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
