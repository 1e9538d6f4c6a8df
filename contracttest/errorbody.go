package contracttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// checkErrorBody checks an error answer of an API that declares its error shape
// (x-usermock.errors): the body must be the template of the failure the request provokes,
// with that kind's and the broken rule's documented values (vars) as literals, ${status} the
// response's status and ${reason} its reason phrase; where the template names fields
// (${modelState}, ${problems}), the field the request broke must be among them.
func (rc *responseChecker) checkErrorBody(x *Exchange, want *Expectation) []Violation {
	var body any
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return []Violation{broke("body", "the error body is not JSON, so it is not in the API's error shape")}
	}
	kinds := rc.candidateKinds(x.Status, want)
	var best []Violation
	for _, c := range rc.candidates(kinds, want) {
		ks := rc.api.Errors.Kind(c.kind)
		problems := matchTemplate(ks.Body, body, literalVars(ks, c.rule, x.Status), "")
		if len(problems) == 0 && want.Field != "" {
			problems = rc.fieldNamed(ks.Body, body, want.Field)
		}
		if len(problems) == 0 {
			return nil
		}
		if best == nil || len(problems) < len(best) {
			best = problems
		}
	}
	what := kindNames(kinds)
	if want.Rule != nil {
		what += ", rule " + want.Rule.ID
	}
	out := make([]Violation, len(best))
	for i, p := range best {
		p.Message = "the error body is not the API's documented error for this failure (" + what + "): " + p.Message
		out[i] = p
	}
	return out
}

type candidate struct {
	kind apispec.Kind
	rule *apispec.Rule
}

// candidates pairs each kind with the broken rule when it is known. When it is not (live
// traffic), a kind may also be answered with the vars of any rule of the operation (or of the
// create whose rules it re-checks) that fails with that kind.
func (rc *responseChecker) candidates(kinds []apispec.Kind, want *Expectation) []candidate {
	var out []candidate
	for _, k := range kinds {
		if want.Rule != nil {
			if want.Rule.Error.Kind == k {
				out = append(out, candidate{k, want.Rule})
			} else {
				out = append(out, candidate{k, nil})
			}
			continue
		}
		out = append(out, candidate{k, nil})
		if len(want.Kinds) > 0 {
			continue // the harness knows no rule is broken
		}
		rules := rc.op.Rules
		if c := rc.op.Creator; c != nil && c != rc.op {
			rules = append(append([]*apispec.Rule(nil), rules...), c.Rules...)
		}
		for _, r := range rules {
			if r.Error.Kind == k && len(r.Error.Vars) > 0 {
				out = append(out, candidate{k, r})
			}
		}
	}
	return out
}

// candidateKinds are the kinds whose template the error body may follow: the expected kinds
// answered with the response's status (all of them when none is), or, when nothing is
// expected, every kind the API answers with that status.
func (rc *responseChecker) candidateKinds(status int, want *Expectation) []apispec.Kind {
	pool := want.Kinds
	if len(pool) == 0 {
		pool = apispec.Kinds()
	}
	var out []apispec.Kind
	for _, k := range pool {
		if rc.api.Errors.Kind(k).Status == status {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return pool
	}
	return out
}

func kindNames(kinds []apispec.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	if len(names) > 3 {
		return "any kind"
	}
	return "kind " + strings.Join(names, " or ")
}

// literalVars are the template variables whose values the spec documents: the response's
// status and reason phrase, the kind's vars, the rule's vars over them.
func literalVars(ks apispec.KindShape, rule *apispec.Rule, status int) map[string]any {
	vars := map[string]any{"status": float64(status), "reason": http.StatusText(status)}
	for k, v := range ks.Vars {
		vars[k] = v
	}
	if rule != nil {
		for k, v := range rule.Error.Vars {
			vars[k] = v
		}
	}
	return vars
}

// matchTemplate compares a body with an error template: every field of the template present,
// literal values and documented variables equal, the server's own words (${message},
// ${messages}, ${modelState}, ...) of the right type.
func matchTemplate(t, v any, vars map[string]any, at string) []Violation {
	where, field := at, "body"+at
	if where == "" {
		where = "the body"
	}
	switch tt := t.(type) {
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			return []Violation{broke(field, "%s must be an object", where)}
		}
		var out []Violation
		for _, k := range sortedKeys(tt) {
			if strings.HasPrefix(k, "${") {
				continue
			}
			x, ok := m[k]
			if !ok {
				out = append(out, broke(field+"/"+k, "field %q is missing", strings.TrimPrefix(at+"/"+k, "/")))
				continue
			}
			out = append(out, matchTemplate(tt[k], x, vars, at+"/"+k)...)
		}
		return out
	case string:
		return matchString(tt, v, vars, where, field)
	case []any:
		if _, ok := v.([]any); !ok {
			return []Violation{broke(field, "%s must be a list", where)}
		}
	default:
		if !jsonvalue.Equal(t, v) {
			return []Violation{broke(field, "%s must be %v, got %v", where, t, shown(v))}
		}
	}
	return nil
}

func matchString(t string, v any, vars map[string]any, where, field string) []Violation {
	if name, whole := wholeVar(t); whole {
		if lit, ok := vars[name]; ok {
			if !jsonvalue.Equal(lit, v) {
				return []Violation{broke(field, "%s must be %s (${%s}, documented for this failure), got %s", where, shown(lit), name, shown(v))}
			}
			return nil
		}
		switch name {
		case "messages", "problems":
			if _, ok := v.([]any); !ok {
				return []Violation{broke(field, "%s must be a list of messages", where)}
			}
		case "modelState":
			if _, ok := v.(map[string]any); !ok {
				return []Violation{broke(field, "%s must be an object of field errors", where)}
			}
		default:
			if v == nil {
				return []Violation{broke(field, "%s must not be null", where)}
			}
		}
		return nil
	}
	if !strings.Contains(t, "${") {
		if v != t {
			return []Violation{broke(field, "%s must be %q, got %s", where, t, shown(v))}
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return []Violation{broke(field, "%s must be a string", where)}
	}
	if !templatePattern(t, vars).MatchString(s) {
		return []Violation{broke(field, "%s must read %q with the documented values filled in, got %q", where, t, s)}
	}
	return nil
}

// wholeVar reports whether t is exactly one variable, "${name}", which takes the variable's
// own type.
func wholeVar(t string) (string, bool) {
	if strings.HasPrefix(t, "${") && strings.HasSuffix(t, "}") && strings.Count(t, "${") == 1 {
		return t[2 : len(t)-1], true
	}
	return "", false
}

var varRef = regexp.MustCompile(`\$\{[^}]*\}`)

// templatePattern matches the strings a template string renders to: documented variables as
// their values, the server's own words as anything.
func templatePattern(t string, vars map[string]any) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	last := 0
	for _, loc := range varRef.FindAllStringIndex(t, -1) {
		b.WriteString(regexp.QuoteMeta(t[last:loc[0]]))
		if lit, ok := vars[t[loc[0]+2:loc[1]-1]]; ok {
			b.WriteString(regexp.QuoteMeta(fmt.Sprint(lit)))
		} else {
			b.WriteString(".*")
		}
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(t[last:]) + "$")
	return regexp.MustCompile(b.String())
}

// fieldNamed checks that an error body whose template names fields (${modelState} keys,
// ${problems} items) names the field the request broke.
func (rc *responseChecker) fieldNamed(t, body any, field string) []Violation {
	prefix := rc.api.Errors.FieldPrefix
	names := func(key string) bool {
		key = strings.TrimPrefix(key, prefix)
		return key == field || strings.HasPrefix(key, field+".") || strings.HasPrefix(key, field+"[")
	}
	for _, name := range []string{"modelState", "problems"} {
		at, ok := findVar(t, name, nil)
		if !ok {
			continue
		}
		v, _ := jsonvalue.Get(body, at)
		var keys []string
		switch x := v.(type) {
		case map[string]any:
			keys = sortedKeys(x)
		case []any:
			for _, item := range x {
				if m, ok := item.(map[string]any); ok {
					keys = append(keys, fmt.Sprint(m["field"]))
				}
			}
		}
		found := false
		for _, k := range keys {
			found = found || names(k)
		}
		if !found {
			ptr := "/" + strings.Join(at, "/")
			return []Violation{broke("body"+ptr, "%s names no problem with %s, the field the request broke (it names: %s)", ptr, prefix+field, strings.Join(keys, ", "))}
		}
	}
	return nil
}

// findVar returns where in a template the string "${name}" stands.
func findVar(t any, name string, at []string) ([]string, bool) {
	switch tt := t.(type) {
	case string:
		if n, whole := wholeVar(tt); whole && n == name {
			return at, true
		}
	case map[string]any:
		for _, k := range sortedKeys(tt) {
			if p, ok := findVar(tt[k], name, append(append([]string(nil), at...), k)); ok {
				return p, true
			}
		}
	}
	return nil, false
}

// shown is a value as a message quotes it: strings quoted, the rest as JSON.
func shown(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
