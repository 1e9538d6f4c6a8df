// Package record reads, checks and merges the examples `usermock serve --proxy --record DIR`
// recorded from a vendor's answers: DIR/<api-id>.recorded.yaml, per operation id, per status,
// named examples with the request that produced them.
package record

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/apispec"
)

// Suffix names recording files: <api-id>.recorded.yaml.
const Suffix = ".recorded.yaml"

// File is a recording: per operation id, per status, named examples.
type File struct {
	API        string                                   `yaml:"api"`
	Operations map[string]map[string]map[string]Example `yaml:"operations"`
}

// Example is one recorded answer and the request that produced it.
type Example struct {
	Summary   string  `yaml:"summary"`
	MediaType string  `yaml:"mediaType"`
	Request   Request `yaml:"x-usermock-request"`
	Value     any     `yaml:"value"`
}

// Request is the request of a recorded example, credentials redacted.
type Request struct {
	Method string            `yaml:"method"`
	Path   string            `yaml:"path"`
	Header map[string]string `yaml:"header,omitempty"`
	Body   any               `yaml:"body,omitempty"`
}

// Parse reads a recording strictly.
func Parse(data []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Check reports every recorded example that does not fit the spec: an unknown operation, an
// undocumented status, a value its status's schema refuses.
func Check(api *apispec.API, file string, data []byte) apispec.Problems {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return apispec.Problems{{File: file, Line: 1, Message: "not valid YAML: " + err.Error()}}
	}
	f, err := Parse(data)
	if err != nil {
		return apispec.Problems{{File: file, Line: 1, Message: "not a recording: " + err.Error()}}
	}
	var ps apispec.Problems
	bad := func(path []string, format string, args ...any) {
		ps = append(ps, apispec.Problem{File: file, Line: lineOf(&root, path), Message: fmt.Sprintf(format, args...)})
	}
	if f.API != api.ID {
		bad([]string{"api"}, "records API %q, checked against %s", f.API, api.File)
	}
	for _, opID := range sorted(f.Operations) {
		op := operation(api, opID)
		if op == nil {
			bad([]string{"operations", opID}, "no operation %q in %s", opID, api.File)
			continue
		}
		for _, code := range sorted(f.Operations[opID]) {
			status, err := strconv.Atoi(code)
			if err != nil || !op.Documents(status) {
				bad([]string{"operations", opID, code}, "status %s is not documented for %s (documented: %v)", code, opID, op.Statuses)
				continue
			}
			schema := op.ResponseSchema(status)
			for _, name := range sorted(f.Operations[opID][code]) {
				ex := f.Operations[opID][code][name]
				if schema == nil {
					continue
				}
				if err := schema.VisitJSON(jsonValue(ex.Value), append(api.Doc.GetSchemaValidationOptions(), openapi3.MultiErrors(), openapi3.VisitAsResponse())...); err != nil {
					bad([]string{"operations", opID, code, name, "value"}, "example %s does not match the %d schema: %s", name, status, oneLine(err.Error()))
				}
			}
		}
	}
	return ps
}

func operation(api *apispec.API, id string) *apispec.Operation {
	for _, op := range api.Ops {
		if op.ID == id {
			return op
		}
	}
	return nil
}

func sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// lineOf finds the line of a key path in a YAML document, or of its deepest ancestor found.
func lineOf(root *yaml.Node, path []string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, key := range path {
		found := false
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
		}
		if !found {
			break
		}
	}
	return line
}

// jsonValue turns YAML-decoded values into JSON ones (map keys as strings, numbers as float).
func jsonValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonValue(e)
		}
		return out
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}
