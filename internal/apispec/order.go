package apispec

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/render"
)

// The documented key order of examples and schemas, read from the spec's YAML (kin-openapi
// decodes into Go maps, which forget it).

// node returns the YAML node at a JSON pointer, following local $refs on the way.
func (a *API) node(pointer string) *yaml.Node {
	n := a.root
	if n == nil {
		return nil
	}
	if pointer == "" {
		return a.deref(n, 0)
	}
	for _, tok := range strings.Split(pointer[1:], "/") {
		if strings.Contains(tok, "~") {
			tok = pointerUnescaper.Replace(tok)
		}
		n = a.deref(n, 0)
		if n == nil {
			return nil
		}
		n = child(n, tok)
		if n == nil {
			return nil
		}
	}
	return a.deref(n, 0)
}

func child(n *yaml.Node, key string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if key == strconv.Itoa(i) {
				return c
			}
		}
	}
	return nil
}

// deref follows a mapping that is only a local "$ref" to what it points at.
func (a *API) deref(n *yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > 32 {
		return n
	}
	if n.Kind == yaml.AliasNode {
		return a.deref(n.Alias, depth+1)
	}
	if n.Kind != yaml.MappingNode {
		return n
	}
	ref := child(n, "$ref")
	if ref == nil || !strings.HasPrefix(ref.Value, "#") {
		return n
	}
	target := a.node(strings.TrimPrefix(ref.Value, "#"))
	if target == nil {
		return n
	}
	return a.deref(target, depth+1)
}

// orderAt returns the key order of the value at pointer, as the YAML writes it.
func (a *API) orderAt(pointer string) *render.Order {
	o := render.NewOrder()
	valueOrder(a.node(pointer), o, 0)
	return o
}

func valueOrder(n *yaml.Node, o *render.Order, depth int) {
	if n == nil || depth > 64 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			valueOrder(n.Content[i+1], o.Child(n.Content[i].Value), depth+1)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			valueOrder(c, o.Item(), depth+1)
		}
	case yaml.AliasNode:
		valueOrder(n.Alias, o, depth+1)
	}
}

// schemaOrder returns the property order of the schema at pointer: properties as written,
// through $ref, allOf, anyOf and oneOf, and array items.
func (a *API) schemaOrder(pointer string) *render.Order {
	o := render.NewOrder()
	a.schemaNodeOrder(a.node(pointer), o, 0)
	return o
}

func (a *API) schemaNodeOrder(n *yaml.Node, o *render.Order, depth int) {
	n = a.deref(n, 0)
	if n == nil || n.Kind != yaml.MappingNode || depth > 32 {
		return
	}
	for _, comb := range []string{"allOf", "anyOf", "oneOf"} {
		if list := child(n, comb); list != nil && list.Kind == yaml.SequenceNode {
			for _, s := range list.Content {
				a.schemaNodeOrder(s, o, depth+1)
			}
		}
	}
	// A YAML alias (properties: *shared) is followed like a $ref.
	if props := a.deref(child(n, "properties"), 0); props != nil && props.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(props.Content); i += 2 {
			a.schemaNodeOrder(props.Content[i+1], o.Child(props.Content[i].Value), depth+1)
		}
	}
	if items := child(n, "items"); items != nil {
		a.schemaNodeOrder(items, o.Item(), depth+1)
	}
}

// Order returns the documented key order of a status's named example (merged with its
// schema's property order), or of its schema when name is "".
func (o *Operation) Order(status int, name string) *render.Order {
	key := strconv.Itoa(status)
	if name != "" {
		if ord, ok := o.orders[key+"/"+name]; ok {
			return ord
		}
	}
	if ord, ok := o.orders[key+"/"]; ok && name != "" {
		return ord
	}
	return o.orders[key]
}

var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
