package apispec

import (
	"maps"
	"mime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"gopkg.in/yaml.v3"
)

// lintUnsupported warns about what the spec declares and the mock ignores, so that nothing
// documented is silently left out. Callbacks and security schemes are warned about where
// they are compiled.
func (c *compiler) lintUnsupported() {
	if len(c.api.Doc.Webhooks) > 0 {
		c.warn("/webhooks", "webhooks are not supported; the mock never calls them")
	}
	for _, o := range c.api.Ops {
		c.lintRequestTypes(o)
		codes := make([]string, 0, len(o.Op.Responses.Map()))
		for code := range o.Op.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			ref := o.Op.Responses.Value(code)
			if ref == nil || ref.Value == nil {
				continue
			}
			ptr := o.Pointer + "/responses/" + EscapePointer(code)
			if len(ref.Value.Links) > 0 {
				c.warn(ptr+"/links", "%s %s: response %s: links are not supported; the mock does not follow them", o.Method, o.Path, code)
			}
			if xmlOnly(slices.Sorted(maps.Keys(ref.Value.Content))) {
				c.warn(ptr+"/content", "%s %s: response %s is documented only as XML, which the mock does not render", o.Method, o.Path, code)
			}
		}
	}
	if c.api.root != nil {
		c.lintDiscriminators(c.api.root, "")
	}
}

// lintRequestTypes warns about request media types that are neither JSON nor decoded by
// kin-openapi: their bodies cannot be validated.
func (c *compiler) lintRequestTypes(o *Operation) {
	for _, ct := range o.Types {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			mt = strings.ToLower(strings.TrimSpace(ct))
		}
		// The mock reads JSON bodies itself, so every JSON type is fine (crm's text/json).
		if mt == "*/*" || mt == "application/*" || strings.HasSuffix(mt, "/json") || strings.HasSuffix(mt, "+json") ||
			openapi3filter.RegisteredBodyDecoder(mt) != nil {
			continue
		}
		c.warn(o.Pointer+"/requestBody/content/"+EscapePointer(ct), "%s %s: request body type %s is not supported: the mock has no decoder for it and cannot validate such bodies", o.Method, o.Path, ct)
	}
}

// xmlOnly reports whether a response's media types include XML and nothing JSON.
func xmlOnly(types []string) bool {
	hasXML := false
	for _, t := range types {
		if isJSON(t) {
			return false
		}
		mt := strings.ToLower(t)
		if strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") {
			hasXML = true
		}
	}
	return hasXML
}

// lintDiscriminators warns about every schema discriminator: the mock neither generates by it
// nor reads its mapping. It walks the YAML, so that each is found once with its line, skipping
// examples and extensions, where a "discriminator" key is data.
func (c *compiler) lintDiscriminators(n *yaml.Node, ptr string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			child := ptr + "/" + EscapePointer(k)
			named := strings.HasSuffix(ptr, "/properties") // keys are property names, not keywords
			if !named && (k == "example" || k == "examples" || strings.HasPrefix(k, "x-")) {
				continue
			}
			if !named && k == "discriminator" && v.Kind == yaml.MappingNode {
				c.warn(child, "discriminator is not supported: requests are validated with it, but the mock ignores it and its mapping when it generates values")
				continue
			}
			c.lintDiscriminators(v, child)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			c.lintDiscriminators(e, ptr+"/"+strconv.Itoa(i))
		}
	}
}
