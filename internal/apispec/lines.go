package apispec

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// lineIndex maps JSON pointers of a YAML document to the line their value starts on, so that
// problems can be reported as file:line.
type lineIndex map[string]int

func indexLines(data []byte) (lineIndex, *yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, err
	}
	idx := lineIndex{}
	if len(root.Content) == 0 {
		return idx, nil, nil
	}
	idx.walk(root.Content[0], "")
	return idx, root.Content[0], nil
}

func (idx lineIndex) walk(n *yaml.Node, ptr string) {
	idx[ptr] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			child := ptr + "/" + EscapePointer(k.Value)
			idx.walk(n.Content[i+1], child)
			idx[child] = k.Line
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			idx.walk(c, ptr+"/"+strconv.Itoa(i))
		}
	}
}

// line returns the line of pointer, or of its nearest ancestor the index knows.
func (idx lineIndex) line(pointer string) int {
	for {
		if l, ok := idx[pointer]; ok {
			return l
		}
		i := strings.LastIndexByte(pointer, '/')
		if i < 0 {
			return 1
		}
		pointer = pointer[:i]
	}
}

// EscapePointer escapes one JSON pointer token (RFC 6901).
func EscapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
