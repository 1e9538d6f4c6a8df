package contracttest

import (
	"github.com/getkin/kin-openapi/openapi3"
)

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
