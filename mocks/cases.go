package mocks

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gorilla/mux"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/specs"
)

// The console's catalogue: GET /__admin/apis/{id}/cases lists, per operation, the documented
// request examples and every contract-test case with the request it sends, so that a person
// can send each one from a browser and see why the mock answers as it does.

type casesInfo struct {
	API        string          `json:"api"`
	Mount      string          `json:"mount"`
	Seed       int64           `json:"seed"`
	Operations []caseOperation `json:"operations"`
	// Credentials are the fixture credentials, each with what it provokes.
	Credentials []caseCredential `json:"credentials"`
}

type caseCredential struct {
	Scheme      string `json:"scheme"`
	In          string `json:"in,omitempty"`     // header, query, cookie; "" for body credentials
	Header      string `json:"header,omitempty"` // where the value goes
	Prefix      string `json:"prefix,omitempty"` // "Bearer": the value is sent as "Bearer <value>"
	Value       any    `json:"value"`
	Description string `json:"description,omitempty"`
	Reject      string `json:"reject,omitempty"` // why the mock refuses it; "" when accepted
}

type caseOperation struct {
	ID       string        `json:"operationId"`
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Summary  string        `json:"summary,omitempty"`
	Source   string        `json:"source,omitempty"`
	Examples []caseExample `json:"examples"`
	Cases    []caseInfo    `json:"cases"`
}

type caseExample struct {
	Name    string `json:"name"`
	Summary string `json:"summary,omitempty"`
	Source  string `json:"source,omitempty"`
	Value   any    `json:"value"`
}

type caseInfo struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Description  string     `json:"description"`
	Constraint   string     `json:"constraint,omitempty"`
	Source       string     `json:"source,omitempty"` // the x-source quote of the constraint
	Expect       []int      `json:"expect"`
	HarnessError string     `json:"harnessError,omitempty"`
	Steps        []caseStep `json:"steps"`
}

type caseStep struct {
	Method    string              `json:"method"`
	Path      string              `json:"path"` // relative to the API's mount
	Headers   map[string][]string `json:"headers"`
	Body      *string             `json:"body"`
	Ref       *caseRef            `json:"ref,omitempty"`
	Operation string              `json:"operation,omitempty"`
	Refused   bool                `json:"refused,omitempty"`
	Expect    []int               `json:"expect,omitempty"`
}

// caseRef fills {Param} in the step's path from an earlier step's response body.
type caseRef struct {
	Step    int      `json:"step"`
	Pointer []string `json:"pointer"`
	Param   string   `json:"param"`
}

// adminCases answers the catalogue of one API. ?seed=N builds the cases with another seed
// (fresh unique values, so a stateful case can be sent again); ?case=ID keeps one case.
func (s *Server) adminCases(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	a := s.apis[id]
	if a == nil {
		writePlainJSON(w, http.StatusNotFound, adminError("no API %q; mounted: %s", id, strings.Join(s.order, ", ")))
		return
	}
	q := r.URL.Query()
	seed := s.seed
	if v := q.Get("seed"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writePlainJSON(w, http.StatusBadRequest, adminError("seed=%q: want an integer", v))
			return
		}
		seed = n
	}
	cfg := contracttest.Config{API: id, Specs: s.specs, Seed: seed}
	if cfg.Specs == nil {
		cfg.Specs = specs.FS()
	}
	if c := q.Get("case"); c != "" {
		cfg.Run = regexp.MustCompile("^" + regexp.QuoteMeta(c) + "$")
	}
	plan, err := contracttest.NewPlan(r.Context(), cfg)
	if err != nil {
		writePlainJSON(w, http.StatusInternalServerError, adminError("build the contract cases of %s: %v", id, err))
		return
	}
	out := casesInfo{API: id, Mount: "/" + id, Seed: seed, Operations: []caseOperation{}}
	if s.root {
		out.Mount = ""
	}
	out.Credentials = s.credentials(a)
	byOp := map[string]int{}
	for _, o := range a.ops {
		op := o.op
		co := caseOperation{ID: op.ID, Method: op.Method, Path: op.Path, Summary: op.Op.Summary,
			Source: xSource(op.Op.Extensions), Examples: requestExamples(op), Cases: []caseInfo{}}
		byOp[op.ID] = len(out.Operations)
		out.Operations = append(out.Operations, co)
	}
	for _, c := range plan.Cases {
		i, ok := byOp[c.Operation]
		if !ok {
			continue
		}
		ci := caseInfo{ID: c.ID, Kind: c.Kind, Description: c.Description, Constraint: c.Constraint(),
			Expect: c.Expect, HarnessError: c.HarnessError, Steps: make([]caseStep, 0, len(c.Steps))}
		if c.Kind != contracttest.Positive {
			ci.Source = caseSource(a.api, a.ops[i].op, c.ID)
		}
		for _, st := range c.Steps {
			cs := caseStep{Method: st.Method, Path: st.Path, Headers: st.Header, Operation: st.Operation,
				Refused: st.Refused, Expect: st.Expect}
			if cs.Headers == nil {
				cs.Headers = map[string][]string{}
			}
			if st.Body != nil {
				b := string(st.Body)
				cs.Body = &b
			}
			if st.Ref != nil {
				cs.Ref = &caseRef{Step: st.Ref.Step, Pointer: st.Ref.Pointer, Param: st.Ref.Param}
			}
			ci.Steps = append(ci.Steps, cs)
		}
		out.Operations[i].Cases = append(out.Operations[i].Cases, ci)
	}
	writePlainJSON(w, http.StatusOK, out)
}

// credentials lists the API's fixture credentials with where each one is sent.
func (s *Server) credentials(a *apiState) []caseCredential {
	out := []caseCredential{}
	set := s.fixtures[a.api.ID]
	if set == nil {
		return out
	}
	for _, c := range set.Credentials {
		cc := caseCredential{Scheme: c.Scheme, Value: fixture.JSON(c.Value), Description: c.Description, Reject: c.Reject}
	find:
		for _, o := range a.ops {
			for _, sc := range o.op.Schemes {
				if sc.Name == c.Scheme {
					cc.In, cc.Header, cc.Prefix = sc.In, sc.Header, sc.Prefix
					break find
				}
			}
		}
		out = append(out, cc)
	}
	return out
}

// requestExamples lists the named request examples of the operation's request body.
func requestExamples(op *apispec.Operation) []caseExample {
	out := []caseExample{}
	if op.RequestBody == nil {
		return out
	}
	for _, t := range op.Types {
		mt := op.RequestBody.Content[t]
		if mt == nil {
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(mt.Examples)) {
			ex := mt.Examples[name]
			if ex == nil || ex.Value == nil {
				continue
			}
			out = append(out, caseExample{Name: name, Summary: ex.Value.Summary,
				Source: xSource(ex.Value.Extensions), Value: ex.Value.Value})
		}
	}
	return out
}

// caseSource finds the vendor document's words for the constraint a case breaks: the x-source
// of the body field, rule, security scheme or accept list, else of the operation.
func caseSource(api *apispec.API, op *apispec.Operation, caseID string) string {
	parts := strings.Split(strings.TrimPrefix(caseID, op.ID+"/"), "/")
	var quote string
	switch parts[0] {
	case "body":
		quote = bodySource(op, parts[1:])
	case "rule":
		if len(parts) > 1 {
			quote = ruleSource(op, parts[1])
		}
	case "auth":
		if len(parts) > 1 && api.Doc != nil && api.Doc.Components != nil {
			if ref := api.Doc.Components.SecuritySchemes[parts[1]]; ref != nil && ref.Value != nil {
				quote = xSource(ref.Value.Extensions)
			}
		}
	case "accept":
		if m, ok := usermockExt(op)["accept"].(map[string]any); ok {
			quote, _ = m["x-source"].(string)
		}
	}
	if quote == "" {
		quote = xSource(op.Op.Extensions)
	}
	return quote
}

// bodySource walks the request schema along the case's field path and keeps the deepest
// x-source on the way.
func bodySource(op *apispec.Operation, path []string) string {
	if op.RequestBody == nil || len(path) < 2 {
		return "" // a malformed body breaks no field: the operation's quote
	}
	var schema *openapi3.Schema
	for _, t := range op.Types {
		if mt := op.RequestBody.Content[t]; mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
			break
		}
	}
	quote := ""
	for i, seg := range path {
		if schema == nil {
			break
		}
		if q := xSource(schema.Extensions); q != "" {
			quote = q
		}
		if i == len(path)-1 {
			break // the keyword: "required", "pattern", "missing"
		}
		next := childSchemaOf(schema, seg)
		if next == nil && i == len(path)-2 {
			// An anyOf of required fields ("email-or-phone/missing"): the schema's own quote.
			break
		}
		schema = next
	}
	return quote
}

func childSchemaOf(s *openapi3.Schema, seg string) *openapi3.Schema {
	if p := s.Properties[seg]; p != nil {
		return p.Value
	}
	if _, err := strconv.Atoi(seg); err == nil && s.Items != nil {
		return s.Items.Value
	}
	for _, alt := range append(append(openapi3.SchemaRefs{}, s.AllOf...), s.AnyOf...) {
		if alt.Value != nil && alt.Value.Properties[seg] != nil {
			return alt.Value.Properties[seg].Value
		}
	}
	return nil
}

func ruleSource(op *apispec.Operation, id string) string {
	rules, _ := usermockExt(op)["rules"].([]any)
	for _, raw := range rules {
		if m, ok := raw.(map[string]any); ok && m["id"] == id {
			q, _ := m["x-source"].(string)
			return q
		}
	}
	return ""
}

func xSource(ext map[string]any) string {
	q, _ := ext["x-source"].(string)
	return q
}

// usermockExt is the operation's raw x-usermock object, which keeps the x-source quotes.
func usermockExt(op *apispec.Operation) map[string]any {
	m, _ := op.Op.Extensions["x-usermock"].(map[string]any)
	return m
}
