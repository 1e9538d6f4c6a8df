package mocks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gorilla/mux"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
)

// apiState is one mounted API: its router and operations, built at start-up.
type apiState struct {
	srv    *Server
	api    *apispec.API
	ops    []*opState
	router *mux.Router
}

func newAPIState(s *Server, api *apispec.API, set *fixture.Set) (*apiState, error) {
	a := &apiState{srv: s, api: api, router: mux.NewRouter()}
	for _, op := range api.Ops {
		o, err := newOpState(a, op, set, s.auth)
		if err != nil {
			return nil, err
		}
		a.ops = append(a.ops, o)
		a.router.Handle(op.Path, o).Methods(op.Method)
	}
	a.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeFrom(r.Context())
		a.writeFailure(w, x, fail(apispec.KindNotFound, "", "no endpoint matches %s; documented: %s", r.URL.Path, a.pathList()))
	})
	a.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeFrom(r.Context())
		allow := a.allowed(r)
		f := fail(apispec.KindMethodNotAllowed, "", "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))
		f.allow = allow
		a.writeFailure(w, x, f)
	})
	return a, nil
}

func (a *apiState) pathList() string {
	var ps []string
	for _, op := range a.api.Ops {
		ps = append(ps, op.Method+" "+op.Path)
	}
	return strings.Join(ps, ", ")
}

// allowed lists the methods documented for the request's path; only asked on a 405.
func (a *apiState) allowed(r *http.Request) []string {
	var out []string
	for _, op := range a.api.Ops {
		probe := r.Clone(r.Context())
		probe.Method = op.Method
		var m mux.RouteMatch
		if a.router.Match(probe, &m) && m.MatchErr == nil {
			out = append(out, op.Method)
		}
	}
	sort.Strings(out)
	return out
}

// writeFailure answers f in the API's own error shape. Every error of every API goes through
// here.
func (a *apiState) writeFailure(w http.ResponseWriter, x *exchange, f *failure) {
	out := renderFailure(a.api, f)
	if len(f.allow) > 0 {
		w.Header().Set("Allow", strings.Join(f.allow, ", "))
	}
	x.problems = f.problems
	x.cause = f.cause
	a.writeJSON(w, x, out.status, out.body, fmt.Sprintf("%d %s: %s", out.status, f.kind, f.message()))
}

func (a *apiState) writeJSON(w http.ResponseWriter, x *exchange, status int, body any, decision string) {
	b, isRaw := body.(json.RawMessage)
	var err error
	if !isRaw {
		b, err = json.Marshal(body)
	}
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{}`)
		decision = "500: response could not be encoded: " + err.Error()
	}
	x.status, x.decision = status, decision
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set(DecisionHeader, headerSafe(decision))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// DecisionHeader explains every response: which status and example were chosen and why, or
// which checks failed.
const DecisionHeader = "X-Usermock-Decision"

// headerSafe keeps a header value on one line and within a reasonable size.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return s
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	if x, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		return x
	}
	return &exchange{}
}
