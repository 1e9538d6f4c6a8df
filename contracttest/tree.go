package contracttest

import (
	"github.com/getkin/kin-openapi/openapi3"
)

// fill adds a generated value for every property of s that obj lacks, recursively, so that a
// request exercises every documented field.
func (g *values) fill(s *openapi3.Schema, obj map[string]any) {
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name].Value
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
		if m, isObj := cur.(map[string]any); isObj && p.Type.Is(openapi3.TypeObject) {
			g.fill(p, m)
		}
	}
}
