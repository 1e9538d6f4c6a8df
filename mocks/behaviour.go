package mocks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/render"
	"github.com/usermock/usermock/internal/store"
)

// The behaviours: what a valid request does to the API's records. See apispec.Behaviour.

// create stores a record: unique claims and limits are decided by the store, atomically with
// the insert; the response is rendered once, for the store and the client alike.
func (o *opState) create(req *request, pref preference) (result, *failure) {
	status, name := o.op.Success, ""
	if pref.Code != 0 {
		status = pref.Code
	}
	if pref.Example != "" {
		name = pref.Example
	}
	t, ok := o.template(status, name)
	if !ok && !pref.Dynamic {
		return result{}, o.unknownExample(status, name)
	}
	claims, limits, groups := o.storeClaims(o.op.Rules, req.ctx)
	rec := store.Record{API: o.api.api.ID, Operation: o.op.ID, CreatedAt: o.api.srv.gen.now().UTC(),
		Body: req.body.stored(), Header: o.referencedHeaders(req.ctx), Credential: req.ctx["credential"].(map[string]any),
		Claims: claims, Groups: groups, Collection: apispec.TrimPath(req.r.URL.Path)}
	finish := func(seq int64) (any, string, error) {
		values, present := o.slots(req.ctx, seq, nil)
		var b []byte
		var key string
		if pref.Dynamic {
			b, key = o.dynamic(status, values, present)
		} else {
			b, key = o.render(t, values, present)
		}
		return json.RawMessage(b), key, nil
	}
	stored, err := o.api.srv.store.Create(rec, limits, finish)
	// A key the server made up that names a record already (ids from a seed that ran before,
	// records loaded from --state) is made up again; a key the client sent is a conflict.
	var kt *store.KeyTakenError
	for attempt := 0; attempt < 8 && errors.As(err, &kt) && !o.keyFromRequest(req.ctx); attempt++ {
		stored, err = o.api.srv.store.Create(rec, limits, finish)
	}
	if err != nil {
		return result{}, o.storeFailure(err, req.ctx)
	}
	what := "example=documented"
	switch {
	case pref.Dynamic:
		what = "example=dynamic"
	case t.name != "":
		what = "example=" + t.name
	}
	return result{status: status, body: stored.Response.(json.RawMessage), what: what}, nil
}

// stored is the body as the store keeps it: the JSON as sent, or the decoded form.
func (b requestBody) stored() any {
	if b.json {
		return json.RawMessage(b.raw)
	}
	return b.value
}

// itemKey is the collection and key an item request names.
func (o *opState) itemKey(req *request) (collection, key string) {
	p := apispec.TrimPath(req.r.URL.EscapedPath()) // the key may hold an escaped slash
	collection = p[:strings.LastIndexByte(p, '/')]
	if u, err := url.PathUnescape(collection); err == nil {
		collection = u
	}
	if collection == "" {
		collection = "/"
	}
	return collection, req.vars[o.op.ItemParam]
}

func (o *opState) notFound(key string) *failure {
	return fail(apispec.KindNotFound, o.op.ItemParam+" path", "no %s with %s %q exists", apispec.Singular(o.op.Collection), o.op.ItemParam, key)
}

// read answers the stored record's response.
func (o *opState) read(req *request) (result, *failure) {
	coll, key := o.itemKey(req)
	rec, err := o.api.srv.store.Get(o.api.api.ID, coll, key)
	if err != nil {
		return result{}, o.lookupFailure(err, key)
	}
	return result{body: responseBytes(rec), what: fmt.Sprintf("the stored %s %s", apispec.Singular(o.op.Collection), key)}, nil
}

func (o *opState) lookupFailure(err error, key string) *failure {
	if errors.Is(err, store.ErrNotFound) {
		return o.notFound(key)
	}
	return storageFailure(err)
}

func storageFailure(err error) *failure {
	if errors.Is(err, store.ErrOutcomeUnknown) {
		return &failure{kind: apispec.KindUnavailable, problems: []problem{{Reason: "the record store did not answer: the change may have been applied; read it back before retrying"}}, cause: err}
	}
	if errors.Is(err, store.ErrBusy) {
		return &failure{kind: apispec.KindUnavailable, problems: []problem{{Reason: "the record kept being changed by other requests during this one, which was not applied; retry"}}, cause: err}
	}
	if errors.Is(err, store.ErrUnavailable) {
		return &failure{kind: apispec.KindUnavailable, problems: []problem{{Reason: "the record store is unavailable; retry later"}}, cause: err}
	}
	return &failure{kind: apispec.KindInternal, problems: []problem{{Reason: "the record store failed"}}, cause: err}
}

func responseBytes(rec store.Record) []byte {
	switch r := rec.Response.(type) {
	case json.RawMessage:
		return r
	case nil:
		return nil
	default:
		return render.Marshal(r, nil)
	}
}

// list answers the collection's records in the shape of the list operation's schema: an
// array, or an object with one array property and an optional total.
func (o *opState) list(req *request) (result, *failure) {
	offset, limit := o.paging.window(req.r)
	recs, total, err := o.api.srv.store.List(o.api.api.ID, apispec.TrimPath(req.r.URL.Path), offset, limit)
	if err != nil {
		return result{}, storageFailure(err)
	}
	items := make([]any, len(recs))
	for i, rec := range recs {
		items[i] = json.RawMessage(responseBytes(rec))
		if len(o.listItem) > 0 {
			// The create answers an envelope ({"data": {...}}); the list holds what is in it.
			if v, ok := jsonvalue.Get(decodedBody(items[i]), o.listItem); ok {
				items[i] = v
			}
		}
	}
	var body any = items
	if o.paging.itemsField != "" {
		var wrapper map[string]any
		if t, ok := o.template(o.op.Success, ""); ok {
			wrapper, _ = jsonvalue.Copy(t.tmpl.Base).(map[string]any)
		}
		if wrapper == nil {
			wrapper = map[string]any{}
		}
		wrapper[o.paging.itemsField] = items
		if len(o.paging.totalPath) > 0 {
			if w, ok := jsonvalue.Set(wrapper, o.paging.totalPath, total); ok {
				wrapper, _ = w.(map[string]any)
			}
		}
		body = wrapper
	}
	return result{body: render.Marshal(body, o.op.Order(o.op.Success, "")),
		what: fmt.Sprintf("%d of %d stored records from %d", len(recs), total, offset)}, nil
}

// change replaces (PUT) or merges into (PATCH) a stored record: validated, unique rules
// re-checked ignoring the record itself, generated fields (id, creation time) kept.
func (o *opState) change(req *request) (result, *failure) {
	coll, key := o.itemKey(req)
	c := o.creator
	if c == nil {
		c = o
	}
	var ruleFail *failure
	rec, err := o.api.srv.store.Update(o.api.api.ID, coll, key, func(old store.Record) (store.Record, error) {
		ctx := req.ctx
		body := req.body.stored()
		if o.op.Behaviour == apispec.BehaviourUpdate {
			merged := mergePatch(decodedBody(old.Body), req.body.value)
			if check := c.recordCheck(); check != nil {
				if ps := check.problems(merged, c.schemaOpts); len(ps) > 0 {
					ruleFail = &failure{kind: apispec.KindValidation, problems: ps}
					return store.Record{}, ruleFail
				}
				check.applyDefaults(merged) // a member the patch removed takes its default again, as at create
			}
			ctx = copyContext(req.ctx)
			ctx["body"] = merged
			if f := c.checkRules(c.op.Rules, ctx); f != nil {
				ruleFail = f
				return store.Record{}, f
			}
			body = merged
		}
		claims, _, groups := c.storeClaims(c.op.Rules, ctx)
		oldResp := decodedBody(old.Response)
		keep := func(slot int) (any, bool) { return jsonvalue.Get(oldResp, c.echoTokens[slot]) }
		t, ok := c.template(c.op.Success, "")
		if !ok {
			return store.Record{}, errors.New("no success response to render")
		}
		values, present := c.slots(ctx, old.Seq, keep)
		for i := range c.op.Echo {
			if c.op.Key != nil && slices.Equal(c.echoTokens[i], c.op.Key) {
				// A record's key names it for good: a body that sends another keeps the old.
				values[i], present[i] = keep(i)
			}
		}
		b, _ := c.render(t, values, present)
		return store.Record{Operation: old.Operation, Body: body, Header: old.Header, Credential: old.Credential,
			Claims: claims, Groups: groups, Response: json.RawMessage(b)}, nil
	})
	if ruleFail != nil {
		return result{}, ruleFail
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return result{}, o.notFound(key)
		}
		return result{}, c.storeFailure(err, req.ctx)
	}
	return result{body: o.itemBody(rec), what: fmt.Sprintf("%s %s %s", o.op.Behaviour, apispec.Singular(o.op.Collection), key)}, nil
}

// itemBody is what an operation on one record answers: the record, when the success status
// documents a body.
func (o *opState) itemBody(rec store.Record) []byte {
	if len(o.op.ResponseTypes[o.op.Success]) == 0 {
		return nil
	}
	return responseBytes(rec)
}

// remove deletes a stored record and frees its unique keys.
func (o *opState) remove(req *request) (result, *failure) {
	coll, key := o.itemKey(req)
	rec, err := o.api.srv.store.Delete(o.api.api.ID, coll, key)
	if err != nil {
		return result{}, o.lookupFailure(err, key)
	}
	return result{body: o.itemBody(rec), what: fmt.Sprintf("deleted %s %s", apispec.Singular(o.op.Collection), key)}, nil
}

// respond answers the documented example, echo applied, and keeps nothing.
func (o *opState) respond(req *request, pref preference) (result, *failure) {
	status, name := o.op.Success, pref.Example
	if pref.Code != 0 {
		status = pref.Code
	}
	values, present := o.slots(req.ctx, 0, nil)
	if pref.Dynamic {
		b, _ := o.dynamic(status, values, present)
		return result{status: status, body: b, what: "example=dynamic"}, nil
	}
	t, ok := o.template(status, name)
	if !ok {
		if len(o.op.ResponseTypes[status]) == 0 {
			return result{status: status, what: "no content"}, nil
		}
		return result{}, o.unknownExample(status, name)
	}
	if t.tmpl.Base == nil && len(o.op.Echo) == 0 {
		return result{status: status, what: "no documented body"}, nil
	}
	b, _ := o.render(t, values, present)
	what := "example=" + t.name
	if t.name == "" {
		what = "a value made from the schema"
	}
	return result{status: status, body: b, what: what}, nil
}

func decodedBody(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		var out any
		if parsed, err := parseStrictJSON(raw); err == nil {
			out = parsed
		}
		return out
	}
	return jsonvalue.Copy(v)
}

func copyContext(ctx evalContext) evalContext {
	out := make(evalContext, len(ctx))
	for k, v := range ctx {
		out[k] = v
	}
	return out
}

// mergePatch applies an RFC 7386 JSON merge patch.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return jsonvalue.Copy(patch)
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// recordCheck is how a whole record's body is checked: the create's JSON schema.
func (o *opState) recordCheck() *bodyCheck {
	for _, t := range o.op.Types {
		if isJSONType(strings.ToLower(t)) {
			return o.bodies[t]
		}
	}
	if len(o.op.Types) > 0 {
		return o.bodies[o.op.Types[0]]
	}
	return nil
}

// keyFromRequest reports whether the request carries the created record's key (the echo at
// the key names a request value that is present), rather than the server making it up.
func (o *opState) keyFromRequest(ctx evalContext) bool {
	ptr := "/" + strings.Join(o.op.Key, "/")
	for _, e := range o.op.Echo {
		if e.Pointer == ptr && !e.Source.Path.IsZero() {
			_, ok := e.Source.Path.Lookup(ctx)
			return ok
		}
	}
	return false
}
