package mocks

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/store"
)

// judgeUpstream judges the vendor's answer with the contract tests' own judge (one judge for
// usermock test and the proxy): documented status and content type, the schema, Allow and
// WWW-Authenticate, secrets, echo, and for a refusal the API's documented error of that
// failure. The request side is the mock's own validation (inspect), so only the judge's
// response side is kept. Then the duplicate check: unique rules learned from the vendor's own
// answers, no local store.
func (o *opState) judgeUpstream(r *http.Request, raw []byte, status int, header http.Header, body []byte) []Violation {
	var out []Violation
	x := &contracttest.Exchange{
		Request: &contracttest.Request{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: raw},
		Status:  status, Header: header, Body: body,
	}
	for _, v := range o.api.judge.Check(o.op, x, nil) {
		if v.Side == contracttest.SideResponse {
			out = append(out, Violation{Side: v.Side, Field: v.Field, Message: v.Message})
		}
	}
	return append(out, o.learnUnique(r, raw, status)...)
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

// stringVars are the route's path parameters, unescaped; nil for a static route.
func stringVars(r *http.Request) map[string]string {
	vars := exchangeFrom(r.Context()).vars
	for k, v := range vars {
		if u, err := url.PathUnescape(v); err == nil {
			vars[k] = u
		}
	}
	return vars
}
