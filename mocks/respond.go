package mocks

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/render"
)

// responseTemplate is one documented response, compiled at start-up: its example as the
// base, its key order, and a slot for each echo entry.
type responseTemplate struct {
	status int
	name   string // the example's name; "" for a value made up from the schema
	tmpl   render.Template
	// rendered holds, by echo entry, the items of a lookup collection the entry echoes whole
	// (superfy's company), rendered once at start-up in the slot's order, by item identity.
	rendered map[int]map[uintptr]json.RawMessage
}

// compileTemplates builds a template for every named example of every 2xx status, and for
// 2xx statuses without one, a value made up once from the schema.
func (o *opState) compileTemplates() error {
	o.templates = map[templateKey]*responseTemplate{}
	for _, status := range o.op.Statuses {
		if status < 200 || status >= 300 {
			continue
		}
		names := o.op.Examples[status]
		if len(names) == 0 {
			names = []string{""}
		}
		for _, name := range names {
			var base any
			if name != "" {
				v, ok := o.op.ExampleValue(status, name)
				if !ok {
					continue
				}
				base = jsonvalue.Normalize(v)
			} else if v, ok := o.op.SingleExample(status); ok {
				base = jsonvalue.Normalize(v)
			} else if schema := o.op.ResponseSchema(status); schema != nil {
				g := o.api.srv.gen
				g.mu.Lock()
				base = jsonvalue.Normalize(fake.Value(g.faker, schema, "", fake.Response))
				g.mu.Unlock()
			}
			t := &responseTemplate{status: status, name: name, tmpl: render.NewTemplate(base, o.slotOrder(o.op.Order(status, name)))}
			o.prerender(t)
			o.templates[templateKey{status, name}] = t
		}
	}
	return nil
}

// templateKey names a template: a status and an example name ("" for the only one).
type templateKey struct {
	status int
	name   string
}

// slotOrder copies a key order and marks the echo targets in it as slots.
func (o *opState) slotOrder(ord *render.Order) *render.Order {
	c := ord.Clone()
	for i, e := range o.op.Echo {
		node := c
		if e.Pointer != "" {
			node = c.At(pointerTokens(e.Pointer))
		}
		node.Slot = i
	}
	c.Freeze()
	return c
}

// pointerTokens splits an echo pointer, checked at load, into its tokens.
func pointerTokens(p string) []string {
	toks, _ := jsonvalue.ParsePointer(p)
	return toks
}

// template returns the compiled template of a status and example name: the documented one
// ("documented", else the first) when name is "".
func (o *opState) template(status int, name string) (*responseTemplate, bool) {
	if name == "" || name == "documented" {
		for _, n := range append([]string{"documented"}, o.op.Examples[status]...) {
			if t, ok := o.templates[templateKey{status, n}]; ok {
				return t, true
			}
		}
		t, ok := o.templates[templateKey{status, ""}]
		return t, ok
	}
	t, ok := o.templates[templateKey{status, name}]
	return t, ok
}

// slots resolves the echo entries for a request. keep, when set, gives the value a
// replaced record had at a pointer: generated values (ids, serials, creation times) keep it.
func (o *opState) slots(ctx evalContext, seq int64, keep func(slot int) (any, bool)) ([]any, []bool) {
	n := len(o.op.Echo)
	if n == 0 {
		return nil, nil
	}
	values, present := make([]any, n), make([]bool, n)
	for i := range o.op.Echo {
		e := &o.op.Echo[i]
		if keep != nil && generated(e) {
			if v, ok := keep(i); ok {
				values[i], present[i] = v, true
				continue
			}
		}
		values[i], present[i] = o.api.srv.gen.resolve(&e.Source, ctx, seq)
		if !present[i] && e.Source.Omit {
			values[i], present[i] = render.Absent, true
		}
	}
	return values, present
}

// generated reports whether an echo entry makes up its value rather than reading the
// request: a replace keeps such values, except update times.
func generated(e *apispec.EchoEntry) bool {
	for s := &e.Source; s != nil; s = s.Fallback {
		if s.Gen != nil {
			if strings.HasPrefix(s.Gen.Name, "now") {
				last := strings.ToLower(e.Pointer[strings.LastIndexByte(e.Pointer, '/')+1:])
				return strings.Contains(last, "creat")
			}
			return s.Path.IsZero()
		}
	}
	return false
}

// render renders a template with the request's echo, and returns the bytes and the record's
// key (the value at the create's key pointer, as text).
func (o *opState) render(t *responseTemplate, values []any, present []bool) ([]byte, string) {
	for i, items := range t.rendered {
		if m, ok := values[i].(map[string]any); ok && present[i] {
			if b, ok := items[mapID(m)]; ok {
				values[i] = b
			}
		}
	}
	b := t.tmpl.Render(nil, values, present)
	if o.op.Key == nil {
		return b, ""
	}
	return b, keyText(o.valueAt(t, values, present, o.op.Key))
}

// prerender renders, once, the collection items an echo entry copies whole from a lookup
// rule's binding: a fixture item is the same map on every request, and rendering a large
// one in order is most of an answer's cost. Entries with other slots below them, or on the
// way to the record's key, are rendered per request.
func (o *opState) prerender(t *responseTemplate) {
	for i, e := range o.op.Echo {
		src := e.Source
		if src.Gen != nil || src.IsLiteral || src.Fallback != nil || len(src.Path.Keys) > 0 || src.Path.Root == "" {
			continue
		}
		var index map[string]any
		for _, r := range o.op.Rules {
			if r.Check == apispec.CheckLookup && r.As == src.Path.Root {
				index = o.collections[r.ID]
			}
		}
		node, alone := t.tmpl.Order.Find(i)
		if len(index) == 0 || node == nil || !alone || (o.op.Key != nil && len(o.echoTokens[i]) <= len(o.op.Key) && equalPrefix(o.echoTokens[i], o.op.Key)) {
			continue
		}
		items := map[uintptr]json.RawMessage{}
		for _, item := range index {
			if m, ok := item.(map[string]any); ok {
				items[mapID(m)] = render.Append(nil, m, node)
			}
		}
		if t.rendered == nil {
			t.rendered = map[int]map[uintptr]json.RawMessage{}
		}
		t.rendered[i] = items
	}
}

// mapID is a map's identity: the items of a lookup index live as long as the server.
func mapID(m map[string]any) uintptr { return reflect.ValueOf(m).Pointer() }

// valueAt finds the value a rendered template has at tokens, without decoding it: the
// deepest echo slot above it, else the base.
func (o *opState) valueAt(t *responseTemplate, values []any, present []bool, tokens []string) any {
	best, bestLen := -1, -1
	for i, toks := range o.echoTokens {
		if !present[i] {
			continue
		}
		if len(toks) > len(tokens) || len(toks) <= bestLen {
			continue
		}
		if equalPrefix(toks, tokens) {
			best, bestLen = i, len(toks)
		}
	}
	if best >= 0 {
		v, _ := jsonvalue.Get(values[best], tokens[bestLen:])
		return v
	}
	v, _ := jsonvalue.Get(t.tmpl.Base, tokens)
	return v
}

func equalPrefix(prefix, tokens []string) bool {
	for i := range prefix {
		if prefix[i] != tokens[i] {
			return false
		}
	}
	return true
}

// keyText is how a record's key reads in a path: strings as they are, numbers as written.
func keyText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case map[string]any, []any:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// dynamic makes up a response from the schema, seeded, with the echo applied.
func (o *opState) dynamic(status int, values []any, present []bool) ([]byte, string) {
	g := o.api.srv.gen
	g.mu.Lock()
	base := fake.Value(g.faker, o.op.ResponseSchema(status), "", fake.Response)
	g.mu.Unlock()
	t := &responseTemplate{status: status, name: "dynamic", tmpl: render.Template{Base: base, Order: o.slotOrder(o.op.Order(status, ""))}}
	return o.render(t, values, present)
}

// encodeJSON renders any decoded value as JSON bytes, keys in the given order.
func encodeJSON(v any, ord *render.Order) json.RawMessage {
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	return render.Marshal(v, ord)
}
