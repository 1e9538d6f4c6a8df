package mocks

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/render"
)

// problem is one reason a request is refused, named by field.
type problem struct {
	Field  string `json:"field,omitempty"` // "email", "general.birthDate", "x-account-id header"
	Reason string `json:"reason"`
	// Keyword is what failed: a schema keyword ("required", "pattern"), "rule" or "security";
	// a spec's errors.problems words problems by it. Value is the offending value, if any.
	Keyword string `json:"-"`
	Value   any    `json:"-"`
}

func (p problem) String() string {
	if p.Field == "" {
		return p.Reason
	}
	return p.Field + ": " + p.Reason
}

// failure is a refused request: its kind decides the status, its problems the message.
type failure struct {
	kind     apispec.Kind
	problems []problem
	rule     *apispec.Rule // the broken rule, if any
	allow    []string      // allowed methods, for 405
	status   int           // overrides the kind's status (an injected fault's code)
	cause    error         // for the log, never sent
}

func fail(kind apispec.Kind, field, format string, args ...any) *failure {
	return &failure{kind: kind, problems: []problem{{Field: field, Reason: clip(fmt.Sprintf(format, args...), maxReason)}}}
}

// What one failure may hold, so that a megabyte value or a ten-thousand-item array cannot
// make a megabyte answer, log line or journal entry.
const (
	maxProblems = 20   // problems reported; the rest are counted ("and 9980 more")
	maxReason   = 300  // bytes of one reason
	maxField    = 200  // bytes of one field name
	maxQuoted   = 80   // bytes of a value quoted in a message
	maxDecision = 2000 // bytes of the decision (header, journal, log)
)

// clip shortens s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// bounded caps a failure's problems and the size of each.
func (f *failure) bounded() *failure {
	for i := range f.problems {
		f.problems[i].Field = clip(f.problems[i].Field, maxField)
		f.problems[i].Reason = clip(f.problems[i].Reason, maxReason)
	}
	if len(f.problems) > maxProblems {
		more := len(f.problems) - maxProblems
		f.problems = append(f.problems[:maxProblems:maxProblems], problem{Reason: fmt.Sprintf("and %d more problem(s)", more)})
	}
	return f
}

func (f *failure) Error() string { return f.message() }

func (f *failure) message() string {
	parts := make([]string, len(f.problems))
	for i, p := range f.problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// rendered is an error body ready to write.
type rendered struct {
	status int
	body   any
	vars   map[string]any
	order  *render.Order
}

// wording is one problem in the API's words: the spec's errors.problems template for its
// keyword, or "field: reason".
func wording(api *apispec.API, p problem) string {
	t := api.Errors.ProblemTemplate(p.Keyword)
	if t == "" {
		return p.String()
	}
	return expand(t, func(name string) (string, bool) {
		switch name {
		case "field":
			return p.Field, true
		case "reason":
			return p.Reason, true
		case "keyword":
			return p.Keyword, true
		case "value":
			if p.Value == nil {
				return "", true
			}
			return display(p.Value), true
		}
		return "", false
	})
}

// renderFailure builds the API's error body for f from the spec's template. It is the one
// function that decides what an error looks like.
func renderFailure(api *apispec.API, f *failure) rendered {
	ks := api.Errors.Kind(f.kind)
	if f.status != 0 {
		ks.Status = f.status
	}
	messages := make([]string, len(f.problems))
	list := make([]any, len(f.problems))
	modelState := map[string]any{}
	for i, p := range f.problems {
		messages[i] = wording(api, p)
		item := map[string]any{"reason": p.Reason}
		if p.Field != "" {
			item["field"] = p.Field
		}
		list[i] = item
		key := strings.TrimSuffix(api.Errors.FieldPrefix, ".")
		if p.Field != "" {
			key = api.Errors.FieldPrefix + p.Field
		}
		list, _ := modelState[key].([]string)
		modelState[key] = append(list, p.Reason)
	}
	first := ""
	if len(messages) > 0 {
		first = messages[0]
	}
	vars := map[string]any{
		"status":     ks.Status,
		"reason":     http.StatusText(ks.Status),
		"message":    strings.Join(messages, "; "),
		"messages":   messages,
		"modelState": modelState,
		"first":      first,
		"problems":   list,
	}
	for k, v := range ks.Vars {
		vars[k] = v
	}
	if f.rule != nil {
		for k, v := range f.rule.Error.Vars {
			vars[k] = v
		}
	}
	return rendered{status: ks.Status, body: fillTemplate(ks.Body, vars), vars: vars, order: ks.Order}
}

// fillTemplate replaces ${name} in the strings of a JSON template. A string that is exactly
// "${name}" takes the variable's own type (a number stays a number, a list a list).
func fillTemplate(t any, vars map[string]any) any {
	switch v := t.(type) {
	case string:
		if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && strings.Count(v, "${") == 1 {
			if val, ok := vars[v[2:len(v)-1]]; ok {
				return val
			}
		}
		return interpolate(v, vars)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = fillTemplate(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = fillTemplate(e, vars)
		}
		return out
	default:
		return v
	}
}

func interpolate(s string, vars map[string]any) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return expand(s, func(name string) (string, bool) {
		val, ok := vars[name]
		if !ok {
			return "", false
		}
		return fmt.Sprint(val), true
	})
}
