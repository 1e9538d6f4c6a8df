package mocks

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// corsPolicy decides which browser origins may call the mocked APIs and whether they may
// send credentials. The admin API is never covered: it answers no other origin.
type corsPolicy struct {
	any         bool            // "*": every origin
	origins     map[string]bool // exact origins, e.g. http://localhost:3000
	list        []string        // the origins as given, for messages
	credentials bool
}

// newCORSPolicy reads the allowed origins: exact origins (scheme://host[:port]) or "*";
// each entry may itself be a comma-separated list. None at all means "*".
func newCORSPolicy(entries []string, credentials bool) (corsPolicy, error) {
	p := corsPolicy{origins: map[string]bool{}, credentials: credentials}
	for _, e := range entries {
		for _, o := range strings.Split(e, ",") {
			o = strings.TrimSpace(o)
			switch {
			case o == "":
				continue
			case o == "*":
				p.any = true
			default:
				u, err := url.Parse(o)
				if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
					return corsPolicy{}, fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. http://localhost:3000, or *", o)
				}
				o = strings.ToLower(u.Scheme + "://" + u.Host)
				if !p.origins[o] {
					p.origins[o] = true
					p.list = append(p.list, o)
				}
			}
		}
	}
	if len(p.origins) == 0 {
		p.any = true
	}
	return p, nil
}

func (p corsPolicy) allows(origin string) bool {
	return p.any || p.origins[strings.ToLower(origin)]
}

// allowOrigin is the Access-Control-Allow-Origin value for an allowed origin: "*" only when
// any origin may call without credentials (browsers refuse "*" with credentials).
func (p corsPolicy) allowOrigin(origin string) string {
	if p.any && !p.credentials {
		return "*"
	}
	return origin
}

func (p corsPolicy) describe() string {
	if p.any {
		return "any origin"
	}
	return strings.Join(p.list, ", ")
}

// answerCORS lets browsers read responses and the decision header, and answers preflights:
// allowed (204) or refused (403, saying why in CORS terms), recorded in the journal like any
// request to the API they name. It reports whether it answered. It runs before the request
// is routed, on the path as sent, so that it sees the API's mount.
func (s *Server) answerCORS(w http.ResponseWriter, r *http.Request, x *exchange) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || isAdminPath(r.URL.Path) || s.isConsole(r.URL.Path) {
		// The admin API never grants other origins anything: no CORS headers, and its
		// guard refuses cross-origin requests and preflights before they act.
		return false
	}
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if !s.cors.allows(origin) {
		if preflight {
			s.refusePreflight(w, r, x, origin)
			return true
		}
		// No CORS headers: the browser keeps the answer from the page, and says so.
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", s.cors.allowOrigin(origin))
	if h.Get("Access-Control-Allow-Origin") != "*" {
		h.Add("Vary", "Origin")
	}
	if s.cors.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Expose-Headers", DecisionHeader+", Allow, Location")
	if !preflight {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
	allowed := s.corsHeaders
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		allowed += ", " + req
	}
	h.Set("Access-Control-Allow-Headers", allowed)
	h.Set("Access-Control-Max-Age", "600")
	x.api, x.valid = s.apiOf(r.URL.Path), true
	x.decision = fmt.Sprintf("204 CORS preflight allowed: origin %s, method %s", origin, r.Header.Get("Access-Control-Request-Method"))
	w.WriteHeader(http.StatusNoContent)
	return true
}

// refusePreflight answers a preflight from an origin that is not allowed: a 403 that names
// the origin and the flag that allows it, rather than the API's 405 for OPTIONS.
func (s *Server) refusePreflight(w http.ResponseWriter, r *http.Request, x *exchange, origin string) {
	detail := fmt.Sprintf("CORS preflight refused: origin %s is not allowed (allowed: %s); start usermock with --cors-origin %s",
		origin, s.cors.describe(), origin)
	x.api, x.decision = s.apiOf(r.URL.Path), "403 "+detail
	x.problems = []problem{{Field: "Origin", Reason: clip(detail, 300)}}
	w.Header().Add("Vary", "Origin")
	w.Header().Set(DecisionHeader, headerSafe(x.decision))
	writePlainJSON(w, http.StatusForbidden, map[string]any{"error": "CORS preflight refused", "detail": detail})
}

// apiOf is the id of the API a path belongs to, or "" when it is under none.
func (s *Server) apiOf(path string) string {
	if s.root {
		if len(s.order) == 1 {
			return s.order[0]
		}
		return ""
	}
	for _, id := range s.order {
		if strings.HasPrefix(path, "/"+id+"/") {
			return id
		}
	}
	return ""
}
