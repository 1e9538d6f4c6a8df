package contracttest

import (
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Decoded JSON trees (maps, slices, scalars) addressed by key paths; "0" indexes an array.

func getAt(v any, path []string) (any, bool) {
	for _, k := range path {
		switch t := v.(type) {
		case map[string]any:
			x, ok := t[k]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// setAt sets the value at path, creating objects (or one-element arrays for "0") on the way.
func setAt(root map[string]any, path []string, value any) {
	if len(path) == 0 {
		return
	}
	var cur any = root
	for i, k := range path {
		last := i == len(path)-1
		next := func() any {
			if path[i+1] == "0" {
				return []any{nil}
			}
			return map[string]any{}
		}
		switch t := cur.(type) {
		case map[string]any:
			if last {
				t[k] = value
				return
			}
			child, ok := t[k]
			if !ok || !isContainer(child) {
				child = next()
				t[k] = child
			}
			cur = child
		case []any:
			idx, err := strconv.Atoi(k)
			if err != nil || idx < 0 || idx >= len(t) {
				return
			}
			if last {
				t[idx] = value
				return
			}
			if !isContainer(t[idx]) {
				t[idx] = next()
			}
			cur = t[idx]
		default:
			return
		}
	}
}

func isContainer(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return true
	case []any:
		return len(t) > 0
	}
	return false
}

func deleteAt(root map[string]any, path []string) {
	if len(path) == 0 {
		return
	}
	parent, ok := getAt(root, path[:len(path)-1])
	if !ok {
		return
	}
	if m, ok := parent.(map[string]any); ok {
		delete(m, path[len(path)-1])
	}
}

// fill adds a generated value for every property of s that obj lacks, recursively, so that a
// request exercises every documented field.
func (g *values) fill(s *openapi3.Schema, obj map[string]any) {
	props, _ := objectView(s)
	for _, name := range sortedKeys(props) {
		p := props[name].Value
		if p == nil || p.ReadOnly {
			continue
		}
		cur, ok := obj[name]
		if !ok {
			if v, err := g.valid(p); err == nil {
				obj[name] = v
			}
			continue
		}
		if m, isObj := cur.(map[string]any); isObj && isObject(p) {
			g.fill(p, m)
		}
	}
}
