package mocks

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"
)

// routeKey is a request's method and path as sent (escaped), the key of the static routes.
type routeKey struct{ method, path string }

// staticRoutes lists the operations whose path has no template, by the method and path the
// router would send to them: a request for one of those skips the router's walk over its
// routes (a regular expression each). Each entry is the router's own answer, asked once here,
// so an earlier route that takes the path keeps it; HEAD is listed where GET's route takes it.
func (a *apiState) staticRoutes() map[routeKey]*opState {
	out := map[routeKey]*opState{}
	for _, o := range a.ops {
		p := o.op.Path
		u := &url.URL{Path: p}
		if strings.Contains(p, "{") || u.EscapedPath() != p {
			continue // a template, or a path the router sees escaped: left to the router
		}
		for _, method := range []string{o.op.Method, http.MethodHead} {
			var m mux.RouteMatch
			probe := &http.Request{Method: method, URL: u, Header: http.Header{}}
			if a.router.Match(probe, &m) && m.MatchErr == nil && m.Handler == http.Handler(o) {
				out[routeKey{method, p}] = o
			}
		}
	}
	return out
}

// route sends a request to its operation, or to the API's 404 or 405: a static route when
// one matches, else the router. The router is asked to match rather than to serve, which
// would copy the request twice to put the path parameters and the route in its context;
// the parameters go in the exchange instead, where stringVars reads them.
func (a *apiState) route(w http.ResponseWriter, r *http.Request, x *exchange) {
	if o := a.static[routeKey{r.Method, r.URL.EscapedPath()}]; o != nil {
		o.ServeHTTP(w, r)
		return
	}
	var m mux.RouteMatch
	if !a.router.Match(r, &m) || m.Handler == nil {
		a.router.ServeHTTP(w, r) // not reached: the router has a 404 and a 405 handler
		return
	}
	x.vars = m.Vars
	m.Handler.ServeHTTP(w, r)
}
