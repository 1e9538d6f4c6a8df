package apispec

import (
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Behaviour is what an operation does with the API's stored records.
type Behaviour string

// The behaviours. Each operation has one, declared with x-usermock.behaviour or inferred from
// its method and path shape by inferBehaviours.
const (
	// BehaviourCreate validates, applies the rules and stores a record (POST with a body).
	BehaviourCreate Behaviour = "create"
	// BehaviourRead answers the stored record named by the item path's parameter, or 404.
	BehaviourRead Behaviour = "read"
	// BehaviourList answers the collection's records, paged by limit/offset-style parameters.
	BehaviourList Behaviour = "list"
	// BehaviourReplace replaces a stored record's fields with the body (PUT).
	BehaviourReplace Behaviour = "replace"
	// BehaviourUpdate merges the body into a stored record (PATCH, RFC 7386 merge patch).
	BehaviourUpdate Behaviour = "update"
	// BehaviourDelete forgets a stored record and frees its unique keys.
	BehaviourDelete Behaviour = "delete"
	// BehaviourRespond keeps no state: the documented example, after validation.
	BehaviourRespond Behaviour = "respond"
)

var behaviours = map[Behaviour]bool{BehaviourCreate: true, BehaviourRead: true, BehaviourList: true,
	BehaviourReplace: true, BehaviourUpdate: true, BehaviourDelete: true, BehaviourRespond: true}

// Valid reports whether b is a known behaviour.
func (b Behaviour) Valid() bool { return behaviours[b] }

// OnItem reports whether the behaviour acts on one record named by a path parameter.
func (b Behaviour) OnItem() bool {
	return b == BehaviourRead || b == BehaviourReplace || b == BehaviourUpdate || b == BehaviourDelete
}

// TrimPath is a path (template or request) without its trailing slash ("/v2/users/" ->
// "/v2/users").
func TrimPath(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}

// itemShape splits "/widgets/{id}" into its collection "/widgets" and parameter "id".
func itemShape(p string) (collection, param string, ok bool) {
	p = TrimPath(p)
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	last := p[i+1:]
	if len(last) < 3 || last[0] != '{' || last[len(last)-1] != '}' {
		return "", "", false
	}
	collection = p[:i]
	if collection == "" {
		collection = "/"
	}
	return collection, last[1 : len(last)-1], true
}

// inferBehaviours gives every operation without a declared behaviour one from its method and
// path shape, links operations to the create of their collection, and finds record keys.
func (c *compiler) inferBehaviours() {
	creators := map[string]*Operation{}
	for _, o := range c.api.Ops {
		if o.Behaviour == "" && o.Method == http.MethodPost && o.RequestBody != nil && c.isCollection(o.Path) {
			o.Behaviour = BehaviourCreate
		}
		if o.Behaviour == BehaviourCreate {
			o.Collection = TrimPath(o.Path)
			if creators[o.Collection] == nil {
				creators[o.Collection] = o
			}
		}
	}
	for _, o := range c.api.Ops {
		collection, param, item := itemShape(o.Path)
		if o.Behaviour == BehaviourCreate {
			c.inferKey(o, creators)
			c.inferEcho(o)
			continue
		}
		if !item {
			collection = TrimPath(o.Path)
		}
		creator := creators[collection]
		if o.Behaviour == "" {
			o.Behaviour = BehaviourRespond
			if creator != nil {
				switch {
				case o.Method == http.MethodGet && item:
					o.Behaviour = BehaviourRead
				case o.Method == http.MethodGet:
					o.Behaviour = BehaviourList
				case o.Method == http.MethodPut && item:
					o.Behaviour = BehaviourReplace
				case o.Method == http.MethodPatch && item:
					o.Behaviour = BehaviourUpdate
				case o.Method == http.MethodDelete && item:
					o.Behaviour = BehaviourDelete
				}
			}
		}
		o.Collection, o.Creator = collection, creator
		if o.Behaviour.OnItem() {
			if !item {
				c.problem(o.Pointer+"/x-usermock/behaviour", "behaviour %s needs a path ending in a parameter naming the record, e.g. /widgets/{id}; %s has none", o.Behaviour, o.Path)
				o.Behaviour = BehaviourRespond
				continue
			}
			o.ItemParam = param
		}
		if o.Behaviour != BehaviourRespond && creator == nil {
			c.warn(o.Pointer, "%s %s: behaviour %s, but no operation creates records at %s; only fixture records are found", o.Method, o.Path, o.Behaviour, collection)
		}
		if (o.Behaviour == BehaviourReplace || o.Behaviour == BehaviourUpdate) && o.RequestBody == nil {
			c.problem(o.Pointer, "%s %s: behaviour %s needs a request body", o.Method, o.Path, o.Behaviour)
		}
	}
	for _, o := range c.api.Ops {
		if o.Creator != nil && o.ItemParam != "" && o.Creator.Key == nil {
			c.warn(o.Creator.Pointer, "%s %s: no field of the success response identifies a created record (id, _id, %sId, or x-usermock.key); %s %s cannot find records", o.Creator.Method, o.Creator.Path, Singular(o.Collection), o.Method, o.Path)
		}
	}
}

// isCollection reports whether a POST to p creates: p does not end in a parameter, and either
// has none (/users) or is a nested collection the spec also reads or addresses items of
// (/users/{id}/widgets with a GET, or /users/{id}/widgets/{wid}); /users/{id}/activate is an
// action.
func (c *compiler) isCollection(p string) bool {
	if _, _, item := itemShape(p); item {
		return false
	}
	if !strings.Contains(p, "{") {
		return true
	}
	for _, other := range c.api.Ops {
		if coll, _, item := itemShape(other.Path); item && coll == TrimPath(p) {
			return true
		}
		if TrimPath(other.Path) == TrimPath(p) && other.Method == http.MethodGet {
			return true
		}
	}
	return false
}

// Singular names one record of a collection path: "/v2/users" -> "user", "/boxes" -> "box".
func Singular(collection string) string {
	name := collection[strings.LastIndexByte(collection, '/')+1:]
	switch {
	case name == "":
		return "record"
	case strings.HasSuffix(name, "ies"):
		return name[:len(name)-3] + "y"
	case strings.HasSuffix(name, "xes"), strings.HasSuffix(name, "ches"), strings.HasSuffix(name, "shes"), strings.HasSuffix(name, "sses"):
		return name[:len(name)-2]
	case strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss"):
		return name[:len(name)-1]
	}
	return name
}

// inferKey finds, unless x-usermock.key declares it, the field of a create's success
// response that identifies the record: the item path's parameter name, then id, _id and
// <resource>Id, compared case-insensitively, at the top level first, then nested.
func (c *compiler) inferKey(o *Operation, creators map[string]*Operation) {
	if o.Key != nil {
		return
	}
	var candidates []string
	for _, other := range c.api.Ops {
		if coll, param, ok := itemShape(other.Path); ok && coll == o.Collection {
			candidates = append(candidates, strings.ToLower(param))
		}
	}
	res := strings.ToLower(Singular(o.Collection))
	candidates = append(candidates, "id", "_id", res+"id", res+"_id")
	shape := o.responseShape(o.Success)
	for depth := 0; depth < 4; depth++ {
		for _, want := range candidates {
			if path := findKey(shape, want, depth); path != nil {
				o.Key = path
				return
			}
		}
	}
}

// responseShape is the success example, or an object of the schema's properties (nil values).
func (o *Operation) responseShape(status int) any {
	name := "documented"
	if !o.HasExample(status, name) && len(o.Examples[status]) > 0 {
		name = o.Examples[status][0]
	}
	if v, ok := o.ExampleValue(status, name); ok {
		return v
	}
	if v, ok := o.SingleExample(status); ok {
		return v
	}
	return schemaShape(o.ResponseSchema(status), 0)
}

// findKey returns the path of the first key named want (case-insensitively) exactly depth
// objects down.
func findKey(v any, want string, depth int) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if depth == 0 {
			if strings.ToLower(k) == want {
				if _, isObj := m[k].(map[string]any); !isObj {
					return []string{k}
				}
			}
			continue
		}
		if sub := findKey(m[k], want, depth-1); sub != nil {
			return append([]string{k}, sub...)
		}
	}
	return nil
}

// collectHeaders lists the request headers the API reads, for CORS.
func (c *compiler) collectHeaders() {
	seen := map[string]bool{}
	add := func(h string) {
		if h != "" && !seen[strings.ToLower(h)] {
			seen[strings.ToLower(h)] = true
			c.api.Headers = append(c.api.Headers, h)
		}
	}
	for _, o := range c.api.Ops {
		for _, s := range o.Schemes {
			if s.In == "header" {
				add(s.Header)
			}
		}
		for _, params := range [][]*openapi3.Parameter{Parameters(o.PathItem.Parameters), Parameters(o.Op.Parameters)} {
			for _, p := range params {
				if p.In == "header" {
					add(p.Name)
				}
			}
		}
	}
	sort.Strings(c.api.Headers)
}

// unsupported warns about what the spec declares and the mock does not do.
func (c *compiler) unsupported() {
	for _, o := range c.api.Ops {
		if len(o.Op.Callbacks) > 0 {
			c.warn(o.Pointer+"/callbacks", "%s %s: callbacks are not supported; the mock never calls back", o.Method, o.Path)
		}
	}
}

// Parameters returns the resolved parameters of a list, leaving out unresolved references.
func Parameters(ps openapi3.Parameters) []*openapi3.Parameter {
	out := make([]*openapi3.Parameter, 0, len(ps))
	for _, p := range ps {
		if p != nil && p.Value != nil {
			out = append(out, p.Value)
		}
	}
	return out
}

// schemaShape is an object of a schema's properties (nested objects as objects), for finding
// keys in a response that documents no example.
func schemaShape(schema *openapi3.Schema, depth int) any {
	if schema == nil || depth > 4 {
		return nil
	}
	out := map[string]any{}
	for _, sub := range schema.AllOf {
		if m, ok := schemaShape(sub.Value, depth+1).(map[string]any); ok {
			for k, v := range m {
				out[k] = v
			}
		}
	}
	for k, p := range schema.Properties {
		if p.Value != nil && p.Value.Type.Is("object") {
			out[k] = schemaShape(p.Value, depth+1)
		} else {
			out[k] = ""
		}
	}
	return out
}
