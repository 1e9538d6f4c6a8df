package mocks

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
)

// AuthMode says which credentials pass.
type AuthMode string

const (
	// AuthPresence accepts any present, well-formed credential, except those the fixtures
	// declare rejected; fixture credentials bring their attributes.
	AuthPresence AuthMode = "presence"
	// AuthStrict accepts only credentials the fixtures declare.
	AuthStrict AuthMode = "strict"
)

// credentials indexes an API's fixture credentials for lookup by value, built at start-up.
type credentials struct {
	mode     AuthMode
	byHeader map[string]map[string]*fixture.Credential // scheme -> value -> credential
	byBody   map[string]*fixture.Credential            // joined body values -> credential
	fallback map[string]any
	attrs    map[*fixture.Credential]map[string]any // attributes as JSON values, converted once
}

func newCredentials(set *fixture.Set, mode AuthMode, bodyFields []string) *credentials {
	c := &credentials{mode: mode, byHeader: map[string]map[string]*fixture.Credential{}, byBody: map[string]*fixture.Credential{},
		attrs: map[*fixture.Credential]map[string]any{}}
	if set == nil {
		return c
	}
	if set.Default != nil {
		c.fallback, _ = fixture.JSON(set.Default).(map[string]any)
	}
	for i := range set.Credentials {
		cr := &set.Credentials[i]
		if cr.Attributes != nil {
			c.attrs[cr], _ = fixture.JSON(cr.Attributes).(map[string]any)
		}
		if cr.Scheme == fixture.BodyScheme {
			m, _ := cr.Value.(map[string]any)
			vals := make([]string, len(bodyFields))
			for j, f := range bodyFields {
				vals[j] = fmt.Sprint(m[f])
			}
			c.byBody[strings.Join(vals, "\x00")] = cr
			continue
		}
		if c.byHeader[cr.Scheme] == nil {
			c.byHeader[cr.Scheme] = map[string]*fixture.Credential{}
		}
		c.byHeader[cr.Scheme][cr.Value.(string)] = cr
	}
	return c
}

// resolve decides on a presented credential. known is the fixture entry, if any. The
// attributes are a fresh top-level copy: the request adds to them, the fixtures stay as loaded.
func (c *credentials) resolve(known *fixture.Credential, what func() string) (map[string]any, error) {
	switch {
	case known != nil && known.Reject != "":
		return nil, fmt.Errorf("%s", known.Reject)
	case known != nil:
		return copyMap(c.attrs[known]), nil
	case c.mode == AuthStrict:
		return nil, fmt.Errorf("%s is not a known credential (the server runs with --auth strict)", what())
	default:
		return copyMap(c.fallback), nil
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// authenticate checks the request against the operation's security alternatives (one
// authenticator, shared with the contract tests' self-check), then asks the fixtures about
// each credential presented: a rejected one is refused with its reason; a known one brings
// its attributes.
func (o *opState) authenticate(r *http.Request) (map[string]any, *failure) {
	auth := o.op.Authenticate(r)
	if !auth.Met {
		f := &failure{kind: apispec.KindUnauthorized}
		for _, p := range auth.Problems {
			f.problems = append(f.problems, problem{Field: p.Field, Reason: p.Reason, Keyword: "security"})
		}
		return nil, f
	}
	var attrs map[string]any
	for i, c := range auth.Credentials {
		field := func() string { return c.Scheme.Header + " " + c.Scheme.In }
		a, err := o.creds.resolve(o.creds.byHeader[c.Scheme.Name][c.Value], func() string { return "this " + field() + " value" })
		if err != nil {
			return nil, &failure{kind: apispec.KindUnauthorized, problems: []problem{{Field: field(), Reason: err.Error(), Keyword: "security"}}}
		}
		if i == 0 {
			attrs = a // a fresh copy already
			continue
		}
		for k, v := range a {
			if attrs == nil {
				attrs = map[string]any{}
			}
			attrs[k] = v
		}
	}
	return attrs, nil
}

// bodyCredential checks credentials carried in the JSON body (superfy's deviceID + token).
func (o *opState) bodyCredential(body any) (map[string]any, *failure) {
	fields := o.op.Credentials.Fields
	m, _ := body.(map[string]any)
	vals := make([]string, len(fields))
	var missing []string
	for i, f := range fields {
		s, ok := m[f].(string)
		if !ok || s == "" {
			missing = append(missing, f)
		}
		vals[i] = s
	}
	if len(missing) > 0 {
		return nil, fail(apispec.KindUnauthorized, "", "%s %s required to authenticate", strings.Join(missing, " and "), plural(len(missing), "is", "are"))
	}
	attrs, err := o.creds.resolve(o.creds.byBody[strings.Join(vals, "\x00")], func() string { return strings.Join(fields, " and ") })
	if err != nil {
		return nil, fail(apispec.KindUnauthorized, "", "%v", err)
	}
	return attrs, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// headerMap gives rules and echo the request headers, lower-cased, first value each.
func headerMap(h http.Header) map[string]any {
	m := make(map[string]any, len(h))
	for k, v := range h {
		if len(v) > 0 {
			lower, ok := lowerHeaders[k]
			if !ok {
				lower = strings.ToLower(k)
			}
			m[lower] = v[0]
		}
	}
	return m
}

// lowerHeaders are the lower-case names of headers most requests carry, made once.
var lowerHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Length", "Content-Type", "Cookie", "Host", "Origin", "Prefer", "Referer",
		"User-Agent", "X-Api-Key", "X-Account-Id", "X-Request-Id", "X-Forwarded-For"} {
		m[k] = strings.ToLower(k)
	}
	return m
}()
