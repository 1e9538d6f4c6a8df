package apispec

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// alwaysDefined are the variables every error body template may use, whatever the kind.
var alwaysDefined = []string{"status", "reason", "message", "messages", "modelState", "first", "problems"}

// problemVars are the variables a problem template (errors.problems) may use.
var problemVars = []string{"field", "reason", "keyword", "value"}

// templateVar is one ${name} in a template, and the pointer of the string that holds it.
type templateVar struct {
	pointer, name string
}

// templateVars lists the ${name} uses in the strings of a JSON template, in document order
// (object keys sorted); keys are not templates. It reads them as the engine fills them: from
// "${" to the next "}".
func templateVars(v any, ptr string) []templateVar {
	var out []templateVar
	switch t := v.(type) {
	case string:
		for _, name := range varNames(t) {
			out = append(out, templateVar{ptr, name})
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			out = append(out, templateVars(t[k], ptr+"/"+EscapePointer(k))...)
		}
	case []any:
		for i, e := range t {
			out = append(out, templateVars(e, ptr+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// varNames returns the names of the ${name} uses in s.
func varNames(s string) []string {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, s[i+2:i+j])
		s = s[i+j+1:]
	}
}

// lintErrorTemplates checks that every variable of an error body is defined for every kind
// that renders the body, and that problem templates use only the problem variables. A
// variable nobody defines is answered literally, "${title}".
func (c *compiler) lintErrorTemplates() {
	shape := c.api.Errors
	if shape.Standard {
		return
	}
	rendered := map[Kind]bool{}
	for k := range shape.Kinds {
		rendered[k] = true
	}
	for _, o := range c.api.Ops {
		for k := range o.producibleKinds() {
			rendered[k] = true
		}
	}
	// Undefined (template pointer, variable) -> the kinds that render it, in Kinds() order.
	var order []templateVar
	missing := map[templateVar][]string{}
	for _, k := range Kinds() {
		if !rendered[k] {
			continue
		}
		ks := shape.Kinds[k]
		body, ptr := shape.Body, "/x-usermock/errors/body"
		if ks.Body != nil {
			body, ptr = ks.Body, "/x-usermock/errors/kinds/"+EscapePointer(string(k))+"/body"
		}
		for _, tv := range templateVars(body, ptr) {
			if slices.Contains(alwaysDefined, tv.name) || ks.Vars[tv.name] != nil {
				continue
			}
			if _, seen := missing[tv]; !seen {
				order = append(order, tv)
			}
			missing[tv] = append(missing[tv], string(k))
		}
	}
	for _, tv := range order {
		n := len(missing[tv])
		c.problem(tv.pointer, "error template uses ${%s}, which is not defined for %s %s: add it to the vars of %s (always defined: %s)",
			tv.name, plural(n, "kind", "kinds"), strings.Join(missing[tv], ", "), plural(n, "that kind", "those kinds"), strings.Join(alwaysDefined, ", "))
	}
	for _, kw := range slices.Sorted(maps.Keys(shape.Problems)) {
		ptr := "/x-usermock/errors/problems/" + EscapePointer(kw)
		for _, name := range varNames(shape.Problems[kw]) {
			if !slices.Contains(problemVars, name) {
				c.problem(ptr, "problem template %q uses ${%s}; a problem template may use only %s", kw, name, "${"+strings.Join(problemVars, "}, ${")+"}")
			}
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// lintRuleMessages checks the variables of each rule's error message: ${value}, ${max}, the
// rule's and its kind's vars, and context paths (${body/username}) whose root is bound.
func (c *compiler) lintRuleMessages(o *Operation) {
	roots := map[string]bool{"body": true, "header": true, "credential": true}
	for _, r := range o.Rules {
		defined := map[string]bool{"value": true, "max": true}
		for k := range r.Error.Vars {
			defined[k] = true
		}
		for k := range c.api.Errors.Kinds[r.Error.Kind].Vars {
			defined[k] = true
		}
		for _, name := range varNames(r.Error.Message) {
			root, _, isPath := strings.Cut(name, "/")
			switch {
			case isPath && !roots[root]:
				c.problem(r.Pointer+"/error/message", "rule %q: message uses ${%s}, whose root %q is neither body, header, credential nor a name bound by an earlier lookup", r.ID, name, root)
			case !isPath && !defined[name]:
				names := make([]string, 0, len(defined))
				for k := range defined {
					names = append(names, k)
				}
				sort.Strings(names)
				c.problem(r.Pointer+"/error/message", "rule %q: message uses ${%s}, which is not defined (defined: %s; or a context path such as ${body/field})", r.ID, name, strings.Join(names, ", "))
			}
		}
		if r.Check == CheckLookup && r.As != "" {
			roots[r.As] = true
		}
	}
}
