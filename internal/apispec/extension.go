package apispec

import (
	"sort"
	"strconv"
	"strings"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// opExtension is the operation-level x-usermock object as written in a spec.
type opExtension struct {
	Accept struct {
		Types []string `json:"types"`
	} `json:"accept"`
	Credentials *BodyCredentials `json:"credentials"`
	Rules       []*Rule          `json:"rules"`
	Echo        map[string]any   `json:"echo"`
	Behaviour   Behaviour        `json:"behaviour"`
	Key         *string          `json:"key"`
}

var ruleChecks = map[string]bool{CheckUnique: true, CheckEquals: true, CheckLookup: true, CheckIncludes: true, CheckLimit: true}

func (c *compiler) compileExtension(o *Operation) {
	raw, ok := o.Op.Extensions["x-usermock"]
	if !ok {
		return
	}
	ptr := o.Pointer + "/x-usermock"
	var ext opExtension
	if err := decodeExtension(raw, &ext); err != nil {
		c.problem(ptr, "x-usermock: %v", err)
		return
	}
	o.Accept = ext.Accept.Types
	if ext.Behaviour != "" {
		if !ext.Behaviour.Valid() {
			c.problem(ptr+"/behaviour", "unknown behaviour %q (known: create, read, list, replace, update, delete, respond)", ext.Behaviour)
		} else {
			o.Behaviour = ext.Behaviour
		}
	}
	if ext.Key != nil {
		toks, err := jsonvalue.ParsePointer(*ext.Key)
		if err != nil || len(toks) == 0 {
			c.problem(ptr+"/key", "key %q must be a JSON pointer into the success response, e.g. /id", *ext.Key)
		} else {
			o.Key = toks
		}
	}
	if cr := ext.Credentials; cr != nil {
		if cr.In != "body" {
			c.problem(ptr+"/credentials/in", "credentials.in must be \"body\" (header credentials are OpenAPI security schemes)")
		}
		if len(cr.Fields) == 0 {
			c.problem(ptr+"/credentials/fields", "credentials.fields must name at least one body field")
		}
		props := map[string]bool{}
		if s := o.RequestSchema(); s != nil {
			for name := range s.Properties {
				props[name] = true
			}
		}
		for i, f := range cr.Fields {
			if !props[f] {
				c.problem(ptr+"/credentials/fields/"+strconv.Itoa(i), "credentials field %q is not a property of the request body", f)
			}
		}
		o.Credentials = cr
	}
	roots := map[string]bool{"body": true, "header": true, "credential": true, "path": true, "query": true}
	for i, r := range ext.Rules {
		r.Pointer = ptr + "/rules/" + strconv.Itoa(i)
		c.checkRule(o, r, roots)
		if r.Check == CheckLookup && r.As != "" {
			roots[r.As] = true
		}
	}
	o.Rules = ext.Rules
	if ext.Echo != nil {
		o.EchoDeclared = true
	}
	c.compileEcho(o, ext.Echo, roots)
}

func (c *compiler) checkRule(o *Operation, r *Rule, roots map[string]bool) {
	if r.ID == "" {
		c.problem(r.Pointer, "rule has no id")
	}
	if !ruleChecks[r.Check] {
		c.problem(r.Pointer+"/check", "rule %q: unknown check %q (known: unique, equals, lookup, includes, limit)", r.ID, r.Check)
		return
	}
	checkPath := func(name string, p Path, required bool) {
		if p.IsZero() {
			if required {
				c.problem(r.Pointer, "rule %q: %s is required for check %q", r.ID, name, r.Check)
			}
			return
		}
		if !roots[p.Root] {
			c.problem(r.Pointer+"/"+name, "rule %q: %s %q starts with %q, which is neither body, header, credential nor a name bound by an earlier lookup", r.ID, name, p, p.Root)
		}
	}
	switch r.Check {
	case CheckUnique:
		if len(r.Fields) == 0 {
			c.problem(r.Pointer, "rule %q: fields is required for check unique", r.ID)
		}
		for _, f := range r.Fields {
			checkPath("fields", f, true)
		}
		checkPath("scope", r.Scope, false)
	case CheckEquals:
		checkPath("field", r.Field, true)
		checkPath("to", r.To, true)
	case CheckLookup:
		checkPath("field", r.Field, true)
		if r.Collection == "" || r.Key == "" {
			c.problem(r.Pointer, "rule %q: lookup needs collection and key", r.ID)
		}
	case CheckIncludes:
		checkPath("field", r.Field, true)
		if len(r.Values) == 0 {
			c.problem(r.Pointer, "rule %q: includes needs values", r.ID)
		}
	case CheckLimit:
		checkPath("scope", r.Scope, true)
		checkPath("max", r.Max, true)
	}
	if !r.Error.Kind.Valid() {
		c.problem(r.Pointer+"/error/kind", "rule %q: unknown error kind %q (known: %v)", r.ID, r.Error.Kind, Kinds())
		return
	}
	if r.Error.Example != "" {
		status := c.api.Errors.Kind(r.Error.Kind).Status
		if !o.HasExample(status, r.Error.Example) {
			c.problem(r.Pointer+"/error/example", "rule %q: example %q is not documented for status %d (documented: %v)", r.ID, r.Error.Example, status, o.Examples[status])
		}
	}
}

// checkKindExamples checks that each declared failure kind the operation can answer has its
// status and example documented there.
func (c *compiler) checkKindExamples(o *Operation) {
	producible := o.producibleKinds()
	kinds := make([]string, 0, len(c.api.Errors.Kinds))
	for k := range c.api.Errors.Kinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if _, ok := producible[Kind(k)]; !ok {
			continue
		}
		ks := c.api.Errors.Kind(Kind(k))
		if !o.Documents(ks.Status) {
			c.problem("/x-usermock/errors/kinds/"+k, "kind %s answers %d, which %s %s does not document", k, ks.Status, o.Method, o.Path)
			continue
		}
		if ks.Example != "" && !o.HasExample(ks.Status, ks.Example) {
			c.problem("/x-usermock/errors/kinds/"+k, "kind %s: example %q is not documented for status %d (documented: %v)", k, ks.Example, ks.Status, o.Examples[ks.Status])
		}
	}
}

func (c *compiler) compileEcho(o *Operation, echo map[string]any, roots map[string]bool) {
	ptrs := make([]string, 0, len(echo))
	for k := range echo {
		if !strings.HasPrefix(k, "x-") {
			ptrs = append(ptrs, k)
		}
	}
	sort.Strings(ptrs) // parents before children: "" sorts first
	base := o.Pointer + "/x-usermock/echo"
	for _, p := range ptrs {
		at := base + "/" + EscapePointer(p)
		s, ok := echo[p].(string)
		if !ok {
			c.problem(at, "echo %q: the source must be a string", p)
			continue
		}
		if p != "" && !strings.HasPrefix(p, "/") {
			c.problem(at, "echo key %q must be a JSON pointer into the response (\"\" or starting with /)", p)
			continue
		}
		src, err := ParseSource(s)
		if err != nil {
			c.problem(at, "echo %q: %v", p, err)
			continue
		}
		for s := &src; s != nil; s = s.Fallback {
			if !s.IsLiteral && s.Gen == nil && !roots[s.Path.Root] {
				c.problem(at, "echo %q: source %q starts with %q, which is neither body, header, credential nor a name bound by a lookup rule", p, s.Path, s.Path.Root)
			}
		}
		o.Echo = append(o.Echo, EchoEntry{Pointer: p, Source: src})
	}
}
