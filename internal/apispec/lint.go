package apispec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// lint checks what decoding the x-usermock objects cannot: keys nobody reads, template
// variables nobody defines, echo targets outside the success response, statuses the engine
// can answer but the spec does not document, and spec features the mock ignores. It runs once
// every operation is compiled and its behaviour known. The engine is strict about all of
// these at run time; lint makes them file:line problems at load instead.
func (c *compiler) lint() {
	c.lintTopKeys()
	for _, o := range c.api.Ops {
		c.lintOpKeys(o)
		c.lintEchoTargets(o)
		c.lintRuleMessages(o)
		c.checkKindExamples(o)
		c.lintProducibleStatuses(o)
	}
	c.lintErrorTemplates()
	c.lintUnsupported()
}

// The x-usermock vocabulary: every key the engine reads, by object. Keys starting with "x-"
// are annotations and allowed in every object.
var (
	topKeys         = []string{"errors"}
	errorsKeys      = []string{"fieldPrefix", "body", "kinds", "problems"}
	kindKeys        = []string{"status", "example", "vars", "body"}
	opKeys          = []string{"accept", "credentials", "rules", "echo", "behaviour", "key"}
	acceptKeys      = []string{"types"}
	credentialsKeys = []string{"in", "fields"}
	ruleKeys        = []string{"id", "check", "field", "to", "fields", "scope", "max", "collection", "key", "as", "values", "fold", "error"}
	ruleErrorKeys   = []string{"kind", "field", "message", "example", "vars"}
	// problemKeywords are the keywords errors.problems may word; "default" words the rest.
	problemKeywords = []string{"required", "type", "nullable", "maxLength", "minLength", "pattern", "enum", "format",
		"minimum", "maximum", "anyOf", "oneOf", "allOf", "minItems", "maxItems", "additionalProperties", "rule",
		"security", "default"}
)

// checkKeys reports the keys of v (when it is an object) that are not in known, and returns
// the object for the caller to descend into. Values of the wrong type are left to decoding.
func (c *compiler) checkKeys(ptr, what string, v any, known []string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, "x-") || slices.Contains(known, k) {
			continue
		}
		c.unknownName(ptr+"/"+EscapePointer(k), "key", k, what, known)
	}
	return m
}

// unknownName reports a name that is not in known, with the nearest known one if any.
func (c *compiler) unknownName(ptr, noun, name, what string, known []string) {
	if s := nearest(name, known); s != "" {
		c.problem(ptr, "unknown %s %q in %s; did you mean %q?", noun, name, what, s)
		return
	}
	c.problem(ptr, "unknown %s %q in %s (known: %s)", noun, name, what, strings.Join(known, ", "))
}

func (c *compiler) lintTopKeys() {
	raw, ok := c.api.Doc.Extensions["x-usermock"]
	if !ok {
		return
	}
	top := c.checkKeys("/x-usermock", "x-usermock", raw, topKeys)
	errs := c.checkKeys("/x-usermock/errors", "x-usermock.errors", top["errors"], errorsKeys)
	if kinds, ok := errs["kinds"].(map[string]any); ok {
		// Unknown kind names are reported where the kinds are compiled.
		for _, k := range slices.Sorted(maps.Keys(kinds)) {
			c.checkKeys("/x-usermock/errors/kinds/"+EscapePointer(k), "x-usermock.errors.kinds."+k, kinds[k], kindKeys)
		}
	}
	if problems, ok := errs["problems"].(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(problems)) {
			if !strings.HasPrefix(k, "x-") && !slices.Contains(problemKeywords, k) {
				c.unknownName("/x-usermock/errors/problems/"+EscapePointer(k), "problem keyword", k, "x-usermock.errors.problems", problemKeywords)
			}
		}
	}
}

func (c *compiler) lintOpKeys(o *Operation) {
	raw, ok := o.Op.Extensions["x-usermock"]
	if !ok {
		return
	}
	ptr := o.Pointer + "/x-usermock"
	ext := c.checkKeys(ptr, o.ID+" x-usermock", raw, opKeys)
	c.checkKeys(ptr+"/accept", o.ID+" x-usermock.accept", ext["accept"], acceptKeys)
	c.checkKeys(ptr+"/credentials", o.ID+" x-usermock.credentials", ext["credentials"], credentialsKeys)
	rules, _ := ext["rules"].([]any)
	for i, r := range rules {
		at := ptr + "/rules/" + strconv.Itoa(i)
		what := "rule " + strconv.Itoa(i) + " of " + o.ID
		if m, ok := r.(map[string]any); ok {
			if id, ok := m["id"].(string); ok && id != "" {
				what = "rule " + strconv.Quote(id)
			}
		}
		rule := c.checkKeys(at, what, r, ruleKeys)
		c.checkKeys(at+"/error", what+" error", rule["error"], ruleErrorKeys)
	}
}

// nearest returns the known name closest to name: a case-insensitive match, else the first
// within edit distance 2; "" when none is that close.
func nearest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return k
		}
		if d := levenshtein(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b (insertions, deletions, substitutions).
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// kindNames lists the failure kinds as strings, for suggestions.
func kindNames() []string {
	names := make([]string, 0, len(defaultStatus))
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return names
}

// lintEchoTargets checks that every echo pointer names a value of the success response: in
// one of its examples, or as a property path of its schema.
func (c *compiler) lintEchoTargets(o *Operation) {
	for _, e := range o.Echo {
		if e.Pointer == "" {
			continue
		}
		toks, _ := jsonvalue.ParsePointer(e.Pointer)
		if o.successExampleHas(toks) || schemaHas(o.ResponseSchema(o.Success), toks, 0) {
			continue
		}
		c.problem(o.Pointer+"/x-usermock/echo/"+EscapePointer(e.Pointer),
			"echo target %s is neither in the success example nor in its schema (status %d)", e.Pointer, o.Success)
	}
}

// successExampleHas reports whether any example of the success response holds a value at toks.
func (o *Operation) successExampleHas(toks []string) bool {
	ref := o.Op.Responses.Status(o.Success)
	if ref == nil || ref.Value == nil {
		return false
	}
	for _, mt := range ref.Value.Content {
		if mt.Example != nil && resolves(mt.Example, toks) {
			return true
		}
		for _, ex := range mt.Examples {
			if ex.Value != nil && resolves(ex.Value.Value, toks) {
				return true
			}
		}
	}
	return false
}

// resolves reports whether the JSON pointer tokens name a value inside v (null counts).
func resolves(v any, toks []string) bool {
	for _, t := range toks {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[t]; !ok {
				return false
			}
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return false
			}
			v = c[i]
		default:
			return false
		}
	}
	return true
}

// schemaHas reports whether the pointer tokens name a property path of s: properties by name,
// items by a numeric token, any key of additionalProperties, through allOf, anyOf and oneOf.
func schemaHas(s *openapi3.Schema, toks []string, depth int) bool {
	if s == nil || depth > 32 {
		return false
	}
	if len(toks) == 0 {
		return true
	}
	for _, subs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range subs {
			if sub != nil && schemaHas(sub.Value, toks, depth+1) {
				return true
			}
		}
	}
	t, rest := toks[0], toks[1:]
	if p, ok := s.Properties[t]; ok && p != nil {
		return schemaHas(p.Value, rest, depth+1)
	}
	if _, err := strconv.Atoi(t); err == nil && s.Items != nil {
		return schemaHas(s.Items.Value, rest, depth+1)
	}
	if ap := s.AdditionalProperties.Schema; ap != nil {
		return schemaHas(ap.Value, rest, depth+1)
	}
	return false
}

// checkRegexGenerator compiles a $regex echo generator (Go regexp, RE2 syntax) and makes sure
// the generator, gofakeit's algorithm, can: samples from a fixed seed must match. It produces
// nothing for \b and gives up on long outputs, answering gofakeit's own error text.
func checkRegexGenerator(expr string) (*fake.Regex, error) {
	if _, err := regexp.Compile(expr); err != nil {
		return nil, fmt.Errorf("$regex %q: %w", expr, err)
	}
	whole, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, fmt.Errorf("$regex %q: %w", expr, err)
	}
	x, err := fake.CompileRegex(expr)
	if err != nil {
		return nil, fmt.Errorf("$regex %q: %w", expr, err)
	}
	f := gofakeit.New(1)
	var buf []byte
	for i := 0; i < 8; i++ {
		if buf = x.Generate(f.Rand, buf[:0]); !whole.Match(buf) {
			return nil, fmt.Errorf("$regex %q: the generator cannot make a value that matches (it made %q); use literals, classes, groups, alternation and short repeats", expr, buf)
		}
	}
	return x, nil
}
