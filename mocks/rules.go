package mocks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/store"
)

// evalContext is what rules and echo read: body, header, credential and names bound by
// lookups.
type evalContext map[string]any

// checkRules runs the operation's rules that need no store, in order, binding lookups into
// ctx. Validation failures accumulate; any other failure ends the check.
func (o *opState) checkRules(ctx evalContext) *failure {
	var invalid *failure
	for _, r := range o.op.Rules {
		var f *failure
		switch r.Check {
		case apispec.CheckEquals:
			a, _ := r.Field.Lookup(ctx)
			b, _ := r.To.Lookup(ctx)
			if canon(a, false) != canon(b, false) {
				f = ruleFailure(r, a, 0)
			}
		case apispec.CheckLookup:
			v, ok := r.Field.Lookup(ctx)
			item := o.lookup(r, v)
			if !ok || item == nil {
				f = ruleFailure(r, v, 0)
			} else if r.As != "" {
				ctx[r.As] = item
			}
		case apispec.CheckIncludes:
			v, _ := r.Field.Lookup(ctx)
			if !includesAll(v, r.Values) {
				f = ruleFailure(r, v, 0)
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
	return o.collections[r.ID][canon(v, false)]
}

// storeClaims computes a new record's unique keys and limits from the rules.
func (o *opState) storeClaims(ctx evalContext) ([]store.Claim, []store.Limit, []string) {
	var claims []store.Claim
	var limits []store.Limit
	var groups []string
	for _, r := range o.op.Rules {
		switch r.Check {
		case apispec.CheckUnique:
			key, ok := uniqueKey(r, ctx)
			if ok {
				claims = append(claims, store.Claim{Rule: r.ID, Key: key})
			}
		case apispec.CheckLimit:
			scope, _ := r.Scope.Lookup(ctx)
			group := r.ID + "\x00" + canon(scope, false)
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

func uniqueKey(r *apispec.Rule, ctx evalContext) (string, bool) {
	parts := make([]string, 0, len(r.Fields)+1)
	if !r.Scope.IsZero() {
		s, _ := r.Scope.Lookup(ctx)
		parts = append(parts, canon(s, false))
	}
	for _, f := range r.Fields {
		v, ok := f.Lookup(ctx)
		if !ok {
			return "", false // an absent value claims nothing
		}
		parts = append(parts, canon(v, r.Fold))
	}
	return strings.Join(parts, "\x00"), true
}

// ruleFailure is the failure a broken rule answers, its message filled with the value.
func ruleFailure(r *apispec.Rule, value any, max int) *failure {
	msg := r.Error.Message
	if msg == "" {
		msg = fmt.Sprintf("breaks rule %s", r.ID)
	}
	msg = strings.ReplaceAll(msg, "${value}", display(value))
	msg = strings.ReplaceAll(msg, "${max}", strconv.Itoa(max))
	return &failure{kind: r.Error.Kind, rule: r, problems: []problem{{Field: r.Error.Field, Reason: msg}}}
}

func display(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// canon is the comparison key of a JSON value: numbers compare by value whatever their Go type.
func canon(v any, fold bool) string {
	var s string
	switch t := v.(type) {
	case string:
		s = "s" + t
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(t)
		s = "j" + string(b)
	}
	if fold {
		s = strings.ToLower(s)
	}
	return s
}

func includesAll(have any, want []any) bool {
	list, ok := have.([]any)
	if !ok {
		return false
	}
	set := map[string]bool{}
	for _, v := range list {
		set[canon(v, false)] = true
	}
	for _, w := range want {
		if !set[canon(w, false)] {
			return false
		}
	}
	return true
}
