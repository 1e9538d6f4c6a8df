package mocks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/gorilla/mux"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/store"
)

// judgeUpstream checks the vendor's answer against the spec: the status is documented, the
// content type is documented for it, the body matches its schema; and, for creates, that the
// vendor refuses a duplicate of a record it accepted before (unique rules learned from its
// own answers, no local store).
func (o *opState) judgeUpstream(r *http.Request, raw []byte, status int, header http.Header, body []byte) []Violation {
	var out []Violation
	add := func(field, format string, args ...any) {
		out = append(out, Violation{Side: "response", Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !o.op.Documents(status) {
		add("status", "%d is not documented for %s %s (documented: %s)", status, o.op.Method, o.op.Path, joinInts(o.op.Statuses))
	} else if types := o.op.ResponseTypes[status]; len(types) > 0 && len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
		if !typeDocumented(mt, types) {
			add("Content-Type", "%q is not documented for %d (documented: %s)", header.Get("Content-Type"), status, strings.Join(types, ", "))
		} else if err := o.validateUpstreamBody(r, status, header, body); err != nil {
			for _, p := range schemaProblems(err, "") {
				add(strings.TrimSpace("body "+p.Field), "%s", p.Reason)
			}
		}
	}
	out = append(out, o.learnUnique(r, raw, status)...)
	return out
}

func typeDocumented(mt string, types []string) bool {
	for _, t := range types {
		if strings.EqualFold(t, mt) || t == "*/*" || strings.HasSuffix(t, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(t, "*")) {
			return true
		}
	}
	return false
}

func (o *opState) validateUpstreamBody(r *http.Request, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, Route: o.op.Route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true,
			SchemaValidationOptions: o.api.api.Doc.GetSchemaValidationOptions()},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// learnUnique keeps, per API, the unique keys of the records the vendor accepted; a later
// create the vendor also accepts with a taken key is a violation of the documented rule.
func (o *opState) learnUnique(r *http.Request, raw []byte, status int) []Violation {
	if o.op.Behaviour != apispec.BehaviourCreate || status < 200 || status >= 300 || o.api.learned == nil {
		return nil
	}
	var rules []*apispec.Rule
	for _, rule := range o.op.Rules {
		if rule.Check == apispec.CheckUnique {
			rules = append(rules, rule)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	body, _ := parseStrictJSON(raw)
	ctx := evalContext{"body": body, "header": headerMap(r.Header), "credential": map[string]any{}}
	claims, _, _ := o.storeClaims(rules, ctx)
	_, err := o.api.learned.Create(store.Record{API: o.api.api.ID, Claims: claims}, nil, nil)
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		return nil
	}
	var out []Violation
	for _, id := range ce.All() {
		for _, rule := range rules {
			if rule.ID == id {
				out = append(out, Violation{Side: "response", Field: rule.Error.Field,
					Message: fmt.Sprintf("the upstream accepted a duplicate (rule %s: %s); the spec documents %d", rule.ID, rule.Error.Message, o.api.api.Errors.Kind(rule.Error.Kind).Status)})
			}
		}
	}
	return out
}

// stringVars are the route's path parameters, unescaped.
func stringVars(r *http.Request) map[string]string {
	vars := mux.Vars(r)
	for k, v := range vars {
		if u, err := url.PathUnescape(v); err == nil {
			vars[k] = u
		}
	}
	return vars
}

func sameValue(a, b any) bool { return jsonvalue.Equal(a, b) }

func asURLError(err error, target **url.Error) bool { return errors.As(err, target) }
