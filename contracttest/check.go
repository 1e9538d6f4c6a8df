package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
)

// responseChecker holds what the checks of one operation's responses need, computed once.
type responseChecker struct {
	api *apispec.API
	op  *apispec.Operation
}

func newResponseChecker(api *apispec.API, op *apispec.Operation) *responseChecker {
	return &responseChecker{api: api, op: op}
}

func broke(field, format string, args ...any) Violation {
	return Violation{Side: SideResponse, Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkSuccess checks the answer to a request the contract says succeeds.
func (rc *responseChecker) checkSuccess(x *Exchange) []Violation {
	var out []Violation
	if x.Status/100 != 2 {
		out = append(out, broke("status", "expected success (2xx) for a request the spec accepts, got %d%s", x.Status, errorHint(x.Body)))
	}
	out = append(out, rc.checkDocumented(x)...)
	if x.Status/100 == 2 {
		out = append(out, rc.checkEcho(x)...)
	}
	return out
}

// checkRefusal checks the answer to a request the contract says is refused.
func (rc *responseChecker) checkRefusal(x *Exchange, want *Expectation) []Violation {
	var out []Violation
	switch {
	case x.Status/100 != 4:
		out = append(out, broke("status", "expected a 4xx refusal of a request the spec does not allow, got %d", x.Status))
	case len(want.Statuses) > 0 && !containsInt(want.Statuses, x.Status):
		out = append(out, broke("status", "expected %s, the status the spec assigns to this failure, got %d%s", ints(want.Statuses), x.Status, errorHint(x.Body)))
	}
	out = append(out, rc.checkDocumented(x)...)
	if x.Status >= 400 && !rc.api.Errors.Standard {
		out = append(out, rc.checkErrorBody(x, want)...)
	}
	return out
}

// checkDocumented checks what holds for every answer: a documented status, a documented
// content type with a valid charset, a body valid against the status's schema, the headers
// HTTP requires of the status, and no secret echoed. A spec that declares no error shape
// (api.Errors.Standard) lets errors be RFC 9457 problem details: an error status it does not
// document, or a documented one answered as application/problem+json, is then judged by the
// problem details' shape instead.
func (rc *responseChecker) checkDocumented(x *Exchange) []Violation {
	out := rc.checkSecrets(x)
	out = append(out, rc.checkHTTP(x)...)
	ref := rc.op.Op.Responses.Status(x.Status)
	if ref == nil {
		ref = rc.op.Op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		if rc.problemDetails(x) {
			return append(out, rc.standardProblem(x)...)
		}
		return append(out, broke("status", "status %d is not documented for %s %s (documented: %s)", x.Status, rc.op.Method, rc.op.Path, ints(rc.op.Statuses)))
	}
	if len(ref.Value.Content) > 0 {
		ct := x.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || ref.Value.Content.Get(mt) == nil {
			if rc.problemDetails(x) {
				return append(out, rc.standardProblem(x)...)
			}
			return append(out, broke("header Content-Type", "Content-Type %q is not documented for status %d (documented: %s)", ct, x.Status, strings.Join(sortedKeys(ref.Value.Content), ", ")))
		}
		if cs, ok := params["charset"]; ok && isJSON(mt) && !strings.EqualFold(cs, "utf-8") {
			out = append(out, broke("header Content-Type", "Content-Type %q: JSON is UTF-8 (RFC 8259), charset %q is not", ct, cs))
		}
	}
	if err := rc.validateBody(x); err != nil {
		out = append(out, broke("body", "the body does not match the schema of status %d: %s", x.Status, oneLine(err.Error())))
	}
	if rc.problemDetails(x) {
		out = append(out, rc.standardProblem(x)...)
	}
	return out
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json")
}

// checkSecrets checks that no value the request sent in a writeOnly field comes back.
func (rc *responseChecker) checkSecrets(x *Exchange) []Violation {
	if x.Request == nil {
		return nil
	}
	secrets := x.Request.secrets
	if secrets == nil {
		secrets = secretsOf(rc.op, x.Request.json)
	}
	var out []Violation
	for _, s := range secrets {
		if echoes(x.Body, s.value) {
			out = append(out, broke("body", "the response echoes the secret sent in %s", s.field))
		}
	}
	return out
}

// checkHTTP checks the headers HTTP requires of some statuses: Allow on 405 naming the
// documented methods (RFC 9110 §15.5.6), WWW-Authenticate on 401 (§15.5.2) where the
// operation authenticates over HTTP. An operation whose only credentials are fields of the
// JSON body (superfy's deviceID and token) is outside HTTP authentication: its vendor has no
// challenge to send, and its 401s are its own (superfy answers a missing module 401).
func (rc *responseChecker) checkHTTP(x *Exchange) []Violation {
	var out []Violation
	switch x.Status {
	case http.StatusMethodNotAllowed:
		allow := x.Header.Values("Allow")
		if len(allow) == 0 {
			return []Violation{broke("header Allow", "a 405 answer must carry an Allow header naming the methods the path takes (RFC 9110 §15.5.6); documented: %s", strings.Join(documentedMethods(rc.op.PathItem), ", "))}
		}
		listed := map[string]bool{}
		for _, v := range allow {
			for _, m := range strings.Split(v, ",") {
				listed[strings.ToUpper(strings.TrimSpace(m))] = true
			}
		}
		var missing []string
		for _, m := range documentedMethods(rc.op.PathItem) {
			if !listed[m] {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			out = append(out, broke("header Allow", "the Allow header %q of the 405 answer leaves out documented method(s) %s", strings.Join(allow, ", "), strings.Join(missing, ", ")))
		}
	case http.StatusUnauthorized:
		bodyOnly := len(rc.op.Schemes) == 0 && rc.op.Credentials != nil
		if x.Header.Get("WWW-Authenticate") == "" && !bodyOnly {
			out = append(out, broke("header WWW-Authenticate", "a 401 answer must carry a WWW-Authenticate header naming how to authenticate (RFC 9110 §15.5.2)"))
		}
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
func (rc *responseChecker) standardProblem(x *Exchange) []Violation {
	var body any
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return []Violation{broke("body", "the %s body is not JSON", problemJSON)}
	}
	m, ok := body.(map[string]any)
	if !ok {
		return []Violation{broke("body", "the %s body must be an object", problemJSON)}
	}
	var out []Violation
	for _, k := range []string{"type", "title", "detail", "instance"} {
		if v, ok := m[k]; ok {
			if _, isStr := v.(string); !isStr {
				out = append(out, broke("body/"+k, "problem details: %s must be a string, got %v", k, v))
			}
		}
	}
	if v, ok := m["status"]; ok {
		if n, isNum := v.(float64); !isNum || int(n) != x.Status {
			out = append(out, broke("body/status", "problem details: status must be the response status %d, got %v", x.Status, v))
		}
	}
	if m["title"] == nil && m["detail"] == nil && m["status"] == nil {
		out = append(out, broke("body", "problem details carry none of title, status, detail"))
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
