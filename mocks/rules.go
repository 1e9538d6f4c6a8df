package mocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/store"
)

// evalContext is what rules and echo read: body, header, credential and names bound by
// lookups.
type evalContext map[string]any

// checkRules runs the rules that need no store, in order, binding lookups into ctx.
// Validation failures accumulate; any other failure ends the check.
func (o *opState) checkRules(rules []*apispec.Rule, ctx evalContext) *failure {
	var invalid *failure
	for _, r := range rules {
		var f *failure
		switch r.Check {
		case apispec.CheckEquals:
			a, _ := r.Field.Lookup(ctx)
			b, _ := r.To.Lookup(ctx)
			if !jsonvalue.Equal(a, b) {
				f = ruleFailure(r, a, 0, ctx)
			}
		case apispec.CheckLookup:
			v, ok := r.Field.Lookup(ctx)
			item := o.lookup(r, v)
			if !ok || item == nil {
				f = ruleFailure(r, v, 0, ctx)
			} else if r.As != "" {
				ctx[r.As] = item
			}
		case apispec.CheckIncludes:
			v, _ := r.Field.Lookup(ctx)
			if !includesAll(v, r.Values) {
				f = ruleFailure(r, v, 0, ctx)
			}
		}
		if f == nil {
			continue
		}
		if f.kind != apispec.KindValidation {
			if invalid != nil {
				return invalid
			}
			return f
		}
		if invalid == nil {
			invalid = f
		} else {
			invalid.problems = append(invalid.problems, f.problems...)
		}
	}
	return invalid
}

// lookup finds the collection item whose key equals v; the index is built at start-up.
func (o *opState) lookup(r *apispec.Rule, v any) any {
	var buf [64]byte
	key := jsonvalue.AppendKey(buf[:0], v, false) // looked up without making a string
	if idx, ok := o.collections[r.ID]; ok {
		return idx[string(key)]
	}
	if o.creator != nil && o.creator != o {
		return o.creator.collections[r.ID][string(key)]
	}
	return nil
}

// storeClaims computes a new record's unique keys and limits from the rules.
func (o *opState) storeClaims(rules []*apispec.Rule, ctx evalContext) ([]store.Claim, []store.Limit, []string) {
	var claims []store.Claim
	var limits []store.Limit
	var groups []string
	for _, r := range rules {
		switch r.Check {
		case apispec.CheckUnique:
			key, ok := uniqueKey(r, ctx)
			if ok {
				claims = append(claims, store.Claim{Rule: r.ID, Key: key})
			}
		case apispec.CheckLimit:
			scope, _ := r.Scope.Lookup(ctx)
			group := string(jsonvalue.AppendKey(append([]byte(r.ID), 0), scope, false))
			groups = append(groups, group)
			if m, ok := r.Max.Lookup(ctx); ok {
				if n, err := strconv.Atoi(display(m)); err == nil {
					limits = append(limits, store.Limit{Rule: r.ID, Group: group, Max: n})
				}
			}
		}
	}
	return claims, limits, groups
}

// uniqueKey is the key a unique rule claims: the scope's key and each field's, joined by NUL.
// A NUL inside a part of a key of several parts is written NUL SOH, so that parts cannot run
// into each other ({a: "x\u0000sy", b: "z"} and {a: "x", b: "y\u0000sz"} claim different
// keys); keys without a NUL, all that real data holds, are as they always were.
func uniqueKey(r *apispec.Rule, ctx evalContext) (string, bool) {
	var buf [128]byte
	b := buf[:0]
	multi := !r.Scope.IsZero() || len(r.Fields) > 1
	if !r.Scope.IsZero() {
		s, _ := r.Scope.Lookup(ctx)
		b = escapeNUL(jsonvalue.AppendKey(b, s, false), 0)
	}
	for i, f := range r.Fields {
		v, ok := f.Lookup(ctx)
		if !ok {
			return "", false // an absent value claims nothing
		}
		if i > 0 || !r.Scope.IsZero() {
			b = append(b, 0)
		}
		start := len(b)
		b = jsonvalue.AppendKey(b, v, r.Fold)
		if multi {
			b = escapeNUL(b, start)
		}
	}
	return string(b), true
}

// escapeNUL writes each NUL of b[start:] as NUL SOH.
func escapeNUL(b []byte, start int) []byte {
	if bytes.IndexByte(b[start:], 0) < 0 {
		return b
	}
	part := append([]byte(nil), b[start:]...)
	b = b[:start]
	for _, c := range part {
		b = append(b, c)
		if c == 0 {
			b = append(b, 1)
		}
	}
	return b
}

// ruleFailure is the failure a broken rule answers, its message filled with the value, the
// limit, the rule's variables and any context path (${body/username}).
func ruleFailure(r *apispec.Rule, value any, max int, ctx evalContext) *failure {
	msg := r.Error.Message
	if msg == "" {
		msg = fmt.Sprintf("breaks rule %s", r.ID)
	}
	if strings.Contains(msg, "${") {
		msg = expand(msg, func(name string) (string, bool) {
			switch name {
			case "value":
				return display(value), true
			case "max":
				return strconv.Itoa(max), true
			}
			if v, ok := r.Error.Vars[name]; ok {
				return display(v), true
			}
			if strings.Contains(name, "/") {
				if p, err := apispec.ParsePath(name); err == nil {
					v, _ := p.Lookup(ctx)
					return display(v), true
				}
			}
			return "", false
		})
	}
	return &failure{kind: r.Error.Kind, rule: r, problems: []problem{{Field: r.Error.Field, Reason: msg, Keyword: "rule", Value: value}}}
}

// expand replaces each ${name} that get knows; others are left as written.
func expand(s string, get func(string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		if v, ok := get(s[i+2 : i+j]); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// referencedHeaders keeps the headers rules read (a uniqueness scope), so seeded and replayed
// records claim the same keys.
func (o *opState) referencedHeaders(ctx evalContext) map[string]any {
	if len(o.ruleHeaders) == 0 {
		return nil
	}
	h := ctx["header"].(map[string]any)
	out := make(map[string]any, len(o.ruleHeaders))
	for _, k := range o.ruleHeaders {
		out[k] = h[k]
	}
	return out
}

// ruleHeaders lists, once, the headers the rules read: a scope, a field or fields rooted in
// the request's headers.
func ruleHeaders(rules []*apispec.Rule) []string {
	var out []string
	for _, r := range rules {
		for _, p := range append([]apispec.Path{r.Scope, r.Field}, r.Fields...) {
			if p.Root == "header" && len(p.Keys) == 1 && !slices.Contains(out, p.Keys[0]) {
				out = append(out, p.Keys[0])
			}
		}
	}
	return out
}

// storeFailure turns the store's refusal into the broken rules' failure: every unique rule
// whose key is taken, or the reached limit.
func (o *opState) storeFailure(err error, ctx evalContext) *failure {
	var ce *store.ConflictError
	var le *store.LimitError
	var kt *store.KeyTakenError
	switch {
	case errors.As(err, &ce):
		var out *failure
		for _, id := range ce.All() {
			for _, r := range o.op.Rules {
				if r.ID != id {
					continue
				}
				var v any
				if len(r.Fields) > 0 {
					v, _ = r.Fields[len(r.Fields)-1].Lookup(ctx)
				}
				f := ruleFailure(r, v, 0, ctx)
				if out == nil {
					out = f
				} else {
					out.problems = append(out.problems, f.problems...)
				}
			}
		}
		if out != nil {
			return out
		}
	case errors.As(err, &le):
		for _, r := range o.op.Rules {
			if r.ID == le.Rule {
				return ruleFailure(r, nil, le.Max, ctx)
			}
		}
	case errors.As(err, &kt):
		if r := o.keyRule(); r != nil {
			return ruleFailure(r, kt.Key, 0, ctx)
		}
		return fail(apispec.KindConflict, "", "a %s with key %q exists already", apispec.Singular(o.op.Collection), kt.Key)
	}
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	return storageFailure(err)
}

// display is a value as a message quotes it: strings as they are, the rest as JSON, at most
// maxQuoted bytes.
func display(v any) string {
	if s, ok := v.(string); ok {
		return clip(s, maxQuoted)
	}
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return clip(string(b), maxQuoted)
}

func includesAll(have any, want []any) bool {
	list, ok := have.([]any)
	if !ok {
		return false
	}
	for _, w := range want {
		if !slices.ContainsFunc(list, func(v any) bool { return jsonvalue.Equal(v, w) }) {
			return false
		}
	}
	return true
}

// keyRule is the unique rule over the request field the record's key echoes, if any: a key
// the server generated is taken as surely as one a client sent, and answered the same way.
func (o *opState) keyRule() *apispec.Rule {
	ptr := "/" + strings.Join(o.op.Key, "/")
	for _, e := range o.op.Echo {
		if e.Pointer != ptr || e.Source.Path.IsZero() {
			continue
		}
		for _, r := range o.op.Rules {
			if r.Check == apispec.CheckUnique && len(r.Fields) == 1 && r.Fields[0].String() == e.Source.Path.String() {
				return r
			}
		}
	}
	return nil
}
