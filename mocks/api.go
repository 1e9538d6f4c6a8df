package mocks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gorilla/mux"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/store"
)

// apiState is one mounted API: its router and operations, built at start-up.
type apiState struct {
	srv    *Server
	api    *apispec.API
	ops    []*opState
	router *mux.Router
	static map[routeKey]*opState // the operations without a path template, checked first
	faults apiFaults             // standing faults set with /__admin/apis/{id}/faults
	// upstream, in proxy mode, is the vendor requests are forwarded to; learned holds the
	// unique keys of the records it accepted.
	upstream *upstream
	learned  *store.Memory
	judge    *contracttest.Judge
	redact   redaction // what the journal hides of this API's requests
}

func newAPIState(s *Server, api *apispec.API, set *fixture.Set) (*apiState, error) {
	a := &apiState{srv: s, api: api, router: mux.NewRouter(), redact: newRedaction(api)}
	// Match the path as sent, so that a key holding an escaped slash (a%2Fb) is one segment;
	// prepare unescapes the values.
	a.router.UseEncodedPath()
	// Unclean paths ("//users", "/./users") are answered, not redirected: gorilla's redirect
	// would drop the API's mount, sending the client to a path outside it.
	a.router.SkipClean(true)
	byOp := map[*apispec.Operation]*opState{}
	for _, op := range api.Ops {
		o, err := newOpState(a, op, set, s.auth)
		if err != nil {
			return nil, err
		}
		a.ops = append(a.ops, o)
		byOp[op] = o
		methods := []string{op.Method}
		if op.Method == http.MethodGet {
			methods = append(methods, http.MethodHead) // RFC 9110 §9.3.2: HEAD is GET without the body
		}
		a.router.Handle(op.Path, o).Methods(methods...)
	}
	for _, o := range a.ops {
		o.creator = byOp[o.op.Creator]
		if o.op.Behaviour == apispec.BehaviourCreate {
			o.creator = o
		}
	}
	for _, o := range a.ops {
		if o.op.Behaviour == apispec.BehaviourList {
			o.listItem = o.listItemPath()
		}
	}
	a.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeFrom(r.Context())
		if a.upstream != nil {
			a.forwardUndocumented(w, r, x, fmt.Sprintf("no documented operation matches %s %s", r.Method, r.URL.Path))
			return
		}
		a.writeFailure(w, r, x, fail(apispec.KindNotFound, "", "no endpoint matches %s; documented: %s", r.URL.Path, a.pathList()))
	})
	a.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeFrom(r.Context())
		if a.upstream != nil {
			a.forwardUndocumented(w, r, x, fmt.Sprintf("method %s is not documented for %s (documented: %s)", r.Method, r.URL.Path, strings.Join(a.allowed(r), ", ")))
			return
		}
		allow := a.allowed(r)
		f := fail(apispec.KindMethodNotAllowed, "", "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))
		f.allow = allow
		a.writeFailure(w, r, x, f)
	})
	a.static = a.staticRoutes()
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
		if a.router.Match(probe, &m) && m.MatchErr == nil && (len(out) == 0 || !slices.Contains(out, op.Method)) {
			out = append(out, op.Method)
			if op.Method == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	sort.Strings(out)
	return out
}

// writeFailure answers f in the API's own error shape. Every error of every API goes through
// here. The content type is the one the operation documents for the status, else
// application/problem+json for RFC 9457 problem details, else application/json.
func (a *apiState) writeFailure(w http.ResponseWriter, r *http.Request, x *exchange, f *failure) {
	out := renderFailure(a.api, f.bounded())
	if len(f.allow) > 0 {
		w.Header().Set("Allow", strings.Join(f.allow, ", "))
	}
	if out.status == http.StatusUnauthorized && x.o != nil {
		if c := challenges(x.o.op); c != "" {
			w.Header().Set("WWW-Authenticate", c) // RFC 9110 §11.6.1: a 401 names how to authenticate
		}
	}
	x.problems = f.problems
	x.cause = f.cause
	fallback := "application/json"
	if a.api.Errors.Standard {
		fallback = "application/problem+json"
	}
	mt := ""
	if x.o != nil && r != nil {
		mt = negotiate(r.Header.Get("Accept"), renderable(x.o.op.ResponseTypes[out.status]))
	}
	msgs, _ := out.vars["message"].(string)
	decision := clip(fmt.Sprintf("%d %s: %s", out.status, f.kind, msgs), maxDecision)
	x.status, x.decision = out.status, decision
	body, order := out.body, out.order
	if x.o != nil {
		if shape := x.o.errorShapes[out.status]; shape != nil {
			body, order, fallback = shape.fit(out), shape.order, "application/json"
		}
	}
	h := w.Header()
	h.Set("Content-Type", contentType(mt, fallback))
	h.Set(DecisionHeader, headerSafe(decision))
	w.WriteHeader(out.status)
	_, _ = w.Write(encodeJSON(body, order))
}

// DecisionHeader explains every response: which status and example were chosen and why, or
// which checks failed.
const DecisionHeader = "X-Usermock-Decision"

// headerSafe keeps a header value on one line and within a reasonable size.
func headerSafe(s string) string {
	safe := len(s) <= 2000
	for i := 0; safe && i < len(s); i++ {
		safe = s[i] >= 0x20 && s[i] < 0x7f
	}
	if safe {
		return s
	}
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

// challenges is the WWW-Authenticate value of an operation: one challenge per scheme it
// accepts (custom schemes name where the credential goes).
func challenges(op *apispec.Operation) string {
	var out []string
	for _, sc := range op.Schemes {
		switch {
		case sc.Prefix != "":
			out = append(out, sc.Prefix+` realm="usermock"`)
		default:
			out = append(out, fmt.Sprintf(`ApiKey realm="usermock", in="%s", name="%s"`, sc.In, sc.Header))
		}
	}
	if op.Credentials != nil {
		out = append(out, fmt.Sprintf(`Body realm="usermock", fields="%s"`, strings.Join(op.Credentials.Fields, " ")))
	}
	return strings.Join(out, ", ")
}
