package record

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/apispec"
)

// Merge adds a recording's examples to a spec's text: under each operation's response for the
// status, in the recorded media type (or the status's first JSON one), as named examples with
// their summary. The rest of the file keeps its order and comments. An example whose name is
// taken is skipped; a media type's single `example` becomes the example "documented" (OpenAPI
// forbids both). It returns the new text and how many examples were added.
func Merge(spec []byte, api *apispec.API, f *File) ([]byte, int, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(spec, &root); err != nil {
		return nil, 0, fmt.Errorf("spec: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, 0, fmt.Errorf("spec: empty document")
	}
	added := 0
	for _, opID := range sorted(f.Operations) {
		op := operation(api, opID)
		if op == nil {
			return nil, 0, fmt.Errorf("no operation %q in %s", opID, api.File)
		}
		for _, code := range sorted(f.Operations[opID]) {
			status, _ := strconv.Atoi(code)
			for _, name := range sorted(f.Operations[opID][code]) {
				ex := f.Operations[opID][code][name]
				mt := ex.MediaType
				if !contains(op.ResponseTypes[status], mt) {
					if len(op.ResponseTypes[status]) == 0 {
						return nil, 0, fmt.Errorf("%s: status %s documents no content to add example %s to", opID, code, name)
					}
					mt = op.ResponseTypes[status][0]
				}
				content := path(root.Content[0], "paths", op.Path, strings.ToLower(op.Method), "responses", code, "content", mt)
				if content == nil {
					return nil, 0, fmt.Errorf("%s: no content %s for status %s in the spec's text (is the response a $ref? merge by hand)", opID, mt, code)
				}
				examples := ensureExamples(content)
				if get(examples, name) != nil {
					continue
				}
				var node yaml.Node
				if err := node.Encode(map[string]any{"summary": ex.Summary, "value": ex.Value}); err != nil {
					return nil, 0, err
				}
				ordered := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Value: "summary"}, get(&node, "summary"),
					{Kind: yaml.ScalarNode, Value: "value"}, get(&node, "value")}}
				examples.Content = append(examples.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, ordered)
				added++
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), added, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n = get(n, k); n == nil {
			return nil
		}
	}
	return n
}

// ensureExamples returns the media type's examples mapping, creating it, and turning a single
// `example` into the named example "documented".
func ensureExamples(content *yaml.Node) *yaml.Node {
	if ex := get(content, "examples"); ex != nil {
		return ex
	}
	examples := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(content.Content); i += 2 {
		if content.Content[i].Value == "example" {
			value := content.Content[i+1]
			examples.Content = append(examples.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "documented"},
				&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "value"}, value}})
			content.Content = append(content.Content[:i], content.Content[i+2:]...)
			break
		}
	}
	content.Content = append(content.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "examples"}, examples)
	return examples
}
