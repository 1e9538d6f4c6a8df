package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http/httptest"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// responseChecker holds what the checks of one operation's responses need, computed once.
type responseChecker struct {
	api    *apispec.API
	op     *apispec.Operation
	shapes []any // the distinct error body templates of the API
}

func newResponseChecker(api *apispec.API, op *apispec.Operation) *responseChecker {
	rc := &responseChecker{api: api, op: op}
	add := func(t any) {
		for _, s := range rc.shapes {
			if reflect.DeepEqual(s, t) {
				return
			}
		}
		rc.shapes = append(rc.shapes, t)
	}
	if len(api.Errors.Kinds) > 0 {
		for _, k := range apispec.Kinds() {
			if _, ok := api.Errors.Kinds[k]; ok {
				add(api.Errors.Kind(k).Body)
			}
		}
	}
	return rc
}

// checkSuccess checks the answer to a request the contract says succeeds.
func (rc *responseChecker) checkSuccess(x *Exchange) []string {
	if x.Err != nil {
		return []string{"the request did not get an answer: " + x.Err.Error()}
	}
	var out []string
	if x.Status/100 != 2 {
		out = append(out, fmt.Sprintf("expected success (2xx) for a request the spec accepts, got %d%s", x.Status, errorHint(x.Body)))
	}
	return append(out, rc.checkDocumented(x)...)
}

// checkRefusal checks the answer to a request the contract says is refused.
func (rc *responseChecker) checkRefusal(x *Exchange, expect []int) []string {
	if x.Err != nil {
		return []string{"the request did not get an answer: " + x.Err.Error()}
	}
	var out []string
	switch {
	case x.Status/100 != 4:
		out = append(out, fmt.Sprintf("expected a 4xx refusal of a request the spec does not allow, got %d", x.Status))
	case len(expect) > 0 && !containsInt(expect, x.Status):
		out = append(out, fmt.Sprintf("expected %s, the status the spec assigns to this failure, got %d%s", ints(expect), x.Status, errorHint(x.Body)))
	}
	out = append(out, rc.checkDocumented(x)...)
	if x.Status >= 400 && len(rc.shapes) > 0 {
		if p := rc.shapeProblem(x); p != "" {
			out = append(out, "the error body is not in the API's error shape: "+p)
		}
	}
	return out
}

// checkDocumented checks what holds for every answer: a documented status, a documented
// content type, a body valid against the status's schema, and no secret echoed. A spec that
// declares no error shape (api.Errors.Standard) lets errors be RFC 9457 problem details:
// an error status it does not document, or a documented one answered as
// application/problem+json, is then judged by the problem details' shape instead.
func (rc *responseChecker) checkDocumented(x *Exchange) []string {
	var out []string
	for _, s := range x.Request.secrets {
		if echoes(x.Body, s.value) {
			out = append(out, fmt.Sprintf("the response echoes the secret sent in %s", s.field))
		}
	}
	ref := rc.op.Op.Responses.Status(x.Status)
	if ref == nil {
		ref = rc.op.Op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		if rc.problemDetails(x) {
			return append(out, rc.standardProblem(x)...)
		}
		return append(out, fmt.Sprintf("status %d is not documented for %s %s (documented: %s)", x.Status, rc.op.Method, rc.op.Path, ints(rc.op.Statuses)))
	}
	if len(ref.Value.Content) > 0 {
		ct := x.Header.Get("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || ref.Value.Content.Get(mt) == nil {
			if rc.problemDetails(x) {
				return append(out, rc.standardProblem(x)...)
			}
			return append(out, fmt.Sprintf("Content-Type %q is not documented for status %d (documented: %s)", ct, x.Status, strings.Join(sortedKeys(ref.Value.Content), ", ")))
		}
	}
	if err := rc.validateBody(x); err != nil {
		out = append(out, fmt.Sprintf("the body does not match the schema of status %d: %s", x.Status, oneLine(err.Error())))
	}
	if rc.problemDetails(x) {
		out = append(out, rc.standardProblem(x)...)
	}
	return out
}

// problemDetails reports whether an error answer of an API without a declared error shape
// is sent as RFC 9457 problem details.
func (rc *responseChecker) problemDetails(x *Exchange) bool {
	mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	return rc.api.Errors.Standard && x.Status >= 400 && mt == problemJSON
}

const problemJSON = "application/problem+json"

// standardProblem checks an RFC 9457 problem details body: an object whose type, title and
// detail are strings, whose status is the response's, carrying at least one of them.
func (rc *responseChecker) standardProblem(x *Exchange) []string {
	var body any
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return []string{"the " + problemJSON + " body is not JSON"}
	}
	m, ok := body.(map[string]any)
	if !ok {
		return []string{"the " + problemJSON + " body must be an object"}
	}
	var out []string
	for _, k := range []string{"type", "title", "detail", "instance"} {
		if v, ok := m[k]; ok {
			if _, isStr := v.(string); !isStr {
				out = append(out, fmt.Sprintf("problem details: %s must be a string, got %v", k, v))
			}
		}
	}
	if v, ok := m["status"]; ok {
		if n, isNum := v.(float64); !isNum || int(n) != x.Status {
			out = append(out, fmt.Sprintf("problem details: status must be the response status %d, got %v", x.Status, v))
		}
	}
	if m["title"] == nil && m["detail"] == nil && m["status"] == nil {
		out = append(out, "problem details carry none of title, status, detail")
	}
	return out
}

func (rc *responseChecker) validateBody(x *Exchange) error {
	req := httptest.NewRequest(rc.op.Method, rc.op.Path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rc.op.Route},
		Status:                 x.Status, Header: x.Header, Body: io.NopCloser(bytes.NewReader(x.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: rc.api.Doc.GetSchemaValidationOptions()},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// shapeProblem returns why the body matches none of the API's error templates, naming the
// closest one's mismatches, or "" when one matches.
func (rc *responseChecker) shapeProblem(x *Exchange) string {
	var body any
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return "the body is not JSON"
	}
	var best []string
	for _, t := range rc.shapes {
		problems := shapeMismatch(t, body, x.Status, "")
		if len(problems) == 0 {
			return ""
		}
		if best == nil || len(problems) < len(best) {
			best = problems
		}
	}
	return strings.Join(best, "; ")
}

// shapeMismatch compares a body with an error template: every field of the template present,
// literal values equal, ${status} equal to the response status, ${messages} a list.
func shapeMismatch(t, v any, status int, at string) []string {
	where := at
	if where == "" {
		where = "the body"
	}
	switch tt := t.(type) {
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			return []string{where + " must be an object"}
		}
		var out []string
		for _, k := range sortedKeys(tt) {
			if strings.HasPrefix(k, "${") {
				continue
			}
			field := strings.TrimPrefix(at+"."+k, ".")
			x, ok := m[k]
			if !ok {
				out = append(out, fmt.Sprintf("field %q is missing", field))
				continue
			}
			out = append(out, shapeMismatch(tt[k], x, status, field)...)
		}
		return out
	case string:
		switch {
		case tt == "${status}":
			if n, ok := v.(float64); !ok || int(n) != status {
				return []string{fmt.Sprintf("%s must be the status %d, got %v", where, status, v)}
			}
		case tt == "${messages}":
			if _, ok := v.([]any); !ok {
				return []string{where + " must be a list of messages"}
			}
		case tt == "${modelState}":
			if _, ok := v.(map[string]any); !ok {
				return []string{where + " must be an object of field errors"}
			}
		case strings.HasPrefix(tt, "${") && strings.HasSuffix(tt, "}") && strings.Count(tt, "${") == 1:
			if v == nil {
				return []string{where + " must not be null"}
			}
		case strings.Contains(tt, "${"):
			if _, ok := v.(string); !ok {
				return []string{where + " must be a string"}
			}
		default:
			if v != tt {
				return []string{fmt.Sprintf("%s must be %q, got %v", where, tt, v)}
			}
		}
	case []any:
		if _, ok := v.([]any); !ok {
			return []string{where + " must be a list"}
		}
	default:
		if !jsonvalue.Equal(t, v) {
			return []string{fmt.Sprintf("%s must be %v, got %v", where, t, v)}
		}
	}
	return nil
}

// echoes reports whether a response body gives a secret back: as a JSON string value equal
// to it, or, for secrets long enough not to occur by chance, containing it.
func echoes(body []byte, secret string) bool {
	long := len(secret) >= 8
	var v any
	if json.Unmarshal(body, &v) != nil {
		return long && bytes.Contains(body, []byte(secret))
	}
	found := false
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			if t == secret || long && strings.Contains(t, secret) {
				found = true
			}
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return found
}

// errorHint quotes the start of an error body, so a refusal of a valid request says why.
func errorHint(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	s := oneLine(string(body))
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return ": " + s
}
