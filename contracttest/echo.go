package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// checkEcho checks a success body against the operation's echo (x-usermock.echo, or the
// echo inferred for a create): each response field filled from the request must hold the
// value the request sent. Generated values (ids, serials, times) and sources the harness
// cannot see (credential attributes, looked-up records) are not compared.
func (rc *responseChecker) checkEcho(x *Exchange) []Violation {
	if len(rc.op.Echo) == 0 || x.Request == nil || len(x.Body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(x.Body))
	dec.UseNumber()
	var resp any
	if dec.Decode(&resp) != nil {
		return nil // not JSON: the schema check says so
	}
	decodeRequest(x.Request)
	covered := map[string]bool{}
	for _, e := range rc.op.Echo {
		covered[e.Pointer] = true
	}
	skip := map[string]bool{} // writeOnly fields are never echoed
	for _, s := range secretsOf(rc.op, x.Request.json) {
		skip["/"+strings.ReplaceAll(s.field, ".", "/")] = true
	}
	mt, _, _ := mime.ParseMediaType(x.Request.Header.Get("Content-Type"))
	jsonBody := mt == "" || isJSON(mt)
	var out []Violation
	for _, e := range rc.op.Echo {
		sent, from, ok := rc.echoSource(e.Source, x.Request)
		if !ok {
			continue
		}
		tokens, err := jsonvalue.ParsePointer(e.Pointer)
		if err != nil {
			continue
		}
		got, found := jsonvalue.Get(resp, tokens)
		out = append(out, echoMismatch(e.Pointer, from, sent, got, found, covered, skip, jsonBody && strings.HasPrefix(from, "body"))...)
	}
	return out
}

// echoSource is the value the request sent where the echo source points: the first source
// of its fallback chain that names a value. ok is false for generated and literal values and
// for sources outside the request.
func (rc *responseChecker) echoSource(s apispec.Source, r *Request) (any, string, bool) {
	for src := &s; src != nil; src = src.Fallback {
		if src.IsLiteral || src.Gen != nil {
			return nil, "", false
		}
		p := src.Path
		var v any
		found := false
		switch p.Root {
		case "body":
			v, found = jsonvalue.Get(r.json, p.Keys)
		case "header":
			if len(p.Keys) == 1 && r.Header.Get(p.Keys[0]) != "" {
				v, found = r.Header.Get(p.Keys[0]), true
			}
		case "path":
			if len(p.Keys) == 1 {
				var s string
				s, found = pathParams(rc.op.Path, r.Path)[p.Keys[0]]
				v = s
			}
		case "query":
			_, raw, _ := strings.Cut(r.Path, "?")
			if q, err := url.ParseQuery(raw); err == nil && len(p.Keys) == 1 && q.Has(p.Keys[0]) {
				v, found = q.Get(p.Keys[0]), true
			}
		default:
			return nil, "", false // credential attributes, looked-up records: the server's own
		}
		if found && v != nil {
			return v, src.Path.String(), true
		}
	}
	return nil, "", false
}

// echoMismatch compares an echoed value with what the request sent. An object sent is
// compared member by member: the response may add members (defaults, generated fields), and
// members another echo entry fills, or writeOnly ones, are left to that entry.
func echoMismatch(ptr, from string, sent, got any, found bool, covered, skip map[string]bool, typed bool) []Violation {
	field := "body" + ptr
	if ptr == "" {
		field = "body"
	}
	if !found {
		return []Violation{broke(field, "the success body has no %s, which echoes %s; the request sent %s", ptrName(ptr), from, shown(sent))}
	}
	if m, ok := sent.(map[string]any); ok {
		gm, ok := got.(map[string]any)
		if !ok {
			return []Violation{broke(field, "%s echoes %s, an object, got %s", ptrName(ptr), from, shown(got))}
		}
		var out []Violation
		for _, k := range sortedKeys(m) {
			child := ptr + "/" + jsonvalue.FormatPointer([]string{k})[1:]
			if covered[child] || skip[child] || m[k] == nil {
				continue
			}
			v, ok := gm[k]
			out = append(out, echoMismatch(child, from+"/"+k, m[k], v, ok, covered, skip, typed)...)
		}
		return out
	}
	if sameEcho(sent, got, typed) {
		return nil
	}
	return []Violation{broke(field, "%s must echo %s, which the request sent as %s; got %s", ptrName(ptr), from, shown(sent), shown(got))}
}

// sameEcho compares a value sent with its echo. Text from a header, the path, the query or
// a form may come back typed ("42" as 42).
func sameEcho(sent, got any, typed bool) bool {
	if jsonvalue.Equal(sent, got) {
		return true
	}
	if s, ok := sent.(string); ok && !typed {
		switch got.(type) {
		case json.Number, float64, bool:
			return fmt.Sprint(got) == s
		}
	}
	return false
}

func ptrName(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return ptr
}
