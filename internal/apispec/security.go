package apispec

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Credential is one credential found in a request for a security scheme.
type Credential struct {
	Scheme *SecurityScheme
	Value  string // the token, without the scheme's prefix
}

// CredentialProblem is why a request's credentials do not meet a security alternative.
type CredentialProblem struct {
	Field  string // "Authorization header", "api_key query parameter"
	Reason string
}

// Authentication is what Authenticate found: the alternative met (its credentials), or the
// problems of the alternative the request came closest to meeting.
type Authentication struct {
	// Met is true when an alternative is met; Credentials are then its credentials (none for
	// an empty, optional alternative).
	Met         bool
	Credentials []Credential
	Problems    []CredentialProblem
}

// Authenticate checks a request's credentials against the operation's security alternatives:
// present and well formed ("Bearer <token>" for bearer schemes). It is the one authenticator
// of the mock and of the contract tests' self-check; whether a token is known is the fixtures'
// business, decided by the mock afterwards.
func (o *Operation) Authenticate(r *http.Request) Authentication {
	if len(o.Security) == 0 {
		return Authentication{Met: true}
	}
	var best Authentication
	bestPresent, optional := -1, false
	for _, alt := range o.Security {
		if len(alt) == 0 {
			optional = true
			continue
		}
		var creds []Credential
		var problems []CredentialProblem
		present := 0
		for i := range alt {
			s := &alt[i]
			value, field := s.read(r)
			if value == "" {
				reason := "is required"
				if s.Prefix != "" {
					reason = fmt.Sprintf("is required: send \"%s: %s <token>\"", s.Header, s.Prefix)
				}
				problems = append(problems, CredentialProblem{Field: field, Reason: reason})
				continue
			}
			present++
			if s.Prefix != "" {
				token, ok := cutPrefixFold(value, s.Prefix+" ")
				if !ok || strings.TrimSpace(token) == "" {
					problems = append(problems, CredentialProblem{Field: field, Reason: fmt.Sprintf("must be \"%s <token>\"", s.Prefix)})
					continue
				}
				value = strings.TrimSpace(token)
				if s.Prefix == "Basic" && !validBasic(value) {
					problems = append(problems, CredentialProblem{Field: field, Reason: "must be \"Basic <base64 of user:password>\""})
					continue
				}
			}
			creds = append(creds, Credential{Scheme: s, Value: value})
		}
		if len(problems) == 0 {
			return Authentication{Met: true, Credentials: creds}
		}
		if present > bestPresent {
			bestPresent = present
			best = Authentication{Problems: problems}
		}
	}
	if optional && bestPresent <= 0 {
		return Authentication{Met: true}
	}
	if bestPresent == 0 && len(o.Security) > 1 {
		var alts []string
		for _, alt := range o.Security {
			var parts []string
			for _, s := range alt {
				parts = append(parts, s.describe())
			}
			if len(parts) > 0 {
				alts = append(alts, strings.Join(parts, " and "))
			}
		}
		return Authentication{Problems: []CredentialProblem{{Reason: "credentials are required: send " + strings.Join(alts, ", or ")}}}
	}
	return best
}

// read returns the scheme's raw value in the request and how to name where it goes.
func (s *SecurityScheme) read(r *http.Request) (value, field string) {
	switch s.In {
	case "query":
		return r.URL.Query().Get(s.Header), s.Header + " query parameter"
	case "cookie":
		if c, err := r.Cookie(s.Header); err == nil {
			return c.Value, s.Header + " cookie"
		}
		return "", s.Header + " cookie"
	}
	return r.Header.Get(s.Header), s.Header + " header"
}

func (s *SecurityScheme) describe() string {
	switch {
	case s.Prefix != "":
		return fmt.Sprintf("%s: %s <token>", s.Header, s.Prefix)
	case s.In == "query":
		return "the " + s.Header + " query parameter"
	case s.In == "cookie":
		return "the " + s.Header + " cookie"
	}
	return "the " + s.Header + " header"
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// validBasic reports whether a Basic credential is base64 of "user:password" (RFC 7617).
func validBasic(token string) bool {
	b, err := base64.StdEncoding.DecodeString(token)
	return err == nil && strings.Contains(string(b), ":")
}

func (c *compiler) compileSecurity(o *Operation) {
	reqs := c.api.Doc.Security
	ptr := "/security"
	if o.Op.Security != nil {
		reqs = *o.Op.Security
		ptr = o.Pointer + "/security"
	}
	seen := map[string]bool{}
	for i, req := range reqs {
		names := make([]string, 0, len(req))
		for name := range req {
			names = append(names, name)
		}
		sort.Strings(names)
		alt := []SecurityScheme{}
		usable := true
		for _, name := range names {
			s, ok := c.scheme(ptr+"/"+strconv.Itoa(i), name)
			if !ok {
				usable = false
				continue
			}
			alt = append(alt, s)
			if !seen[name] {
				seen[name] = true
				o.Schemes = append(o.Schemes, s)
			}
		}
		if usable {
			o.Security = append(o.Security, alt)
		}
	}
	if len(reqs) > 0 && len(o.Security) == 0 {
		// Every alternative uses a scheme the mock cannot check: let requests through rather
		// than refuse every one (the warning says why).
		o.Security = [][]SecurityScheme{{}}
	}
}

// scheme compiles one security scheme; ok is false for schemes the mock cannot check.
func (c *compiler) scheme(at, name string) (SecurityScheme, bool) {
	var ref *openapi3.SecuritySchemeRef
	if c.api.Doc.Components != nil {
		ref = c.api.Doc.Components.SecuritySchemes[name]
	}
	if ref == nil || ref.Value == nil {
		c.problem(at, "security scheme %q is not defined in components.securitySchemes", name)
		return SecurityScheme{}, false
	}
	s := ref.Value
	where := "/components/securitySchemes/" + EscapePointer(name)
	switch {
	case s.Type == "apiKey" && (s.In == "header" || s.In == "query" || s.In == "cookie"):
		return SecurityScheme{Name: name, In: s.In, Header: s.Name}, true
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		return SecurityScheme{Name: name, In: "header", Header: "Authorization", Prefix: "Bearer", Bearer: true}, true
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		return SecurityScheme{Name: name, In: "header", Header: "Authorization", Prefix: "Basic"}, true
	case s.Type == "oauth2" || s.Type == "openIdConnect":
		// A token obtained by the flow arrives as a bearer token.
		c.warn(where, "security scheme %q (%s): the flows are not run; any bearer token is checked as for http bearer", name, s.Type)
		return SecurityScheme{Name: name, In: "header", Header: "Authorization", Prefix: "Bearer", Bearer: true}, true
	default:
		c.warn(where, "security scheme %q: type %q (scheme %q) is not supported; requests are not checked for it", name, s.Type, s.Scheme)
		return SecurityScheme{}, false
	}
}
