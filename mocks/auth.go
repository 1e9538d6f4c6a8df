package mocks

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

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
		c.fallback = fixture.JSON(set.Default).(map[string]any)
	}
	for i := range set.Credentials {
		cr := &set.Credentials[i]
		if cr.Attributes != nil {
			c.attrs[cr] = fixture.JSON(cr.Attributes).(map[string]any)
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
func (c *credentials) resolve(known *fixture.Credential, what string) (map[string]any, error) {
	switch {
	case known != nil && known.Reject != "":
		return nil, fmt.Errorf("%s", known.Reject)
	case known != nil:
		return copyMap(c.attrs[known]), nil
	case c.mode == AuthStrict:
		return nil, fmt.Errorf("%s is not a known credential (the server runs with --auth strict)", what)
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

// authResult carries the credential attributes out of kin-openapi's AuthenticationFunc.
type authResult struct {
	attributes map[string]any
	problems   []problem
}

type authKey struct{}

// authenticate is the AuthenticationFunc given to openapi3filter: it checks that each
// security scheme's header is present and well formed, then consults the fixtures.
func (o *opState) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	res, _ := ctx.Value(authKey{}).(*authResult)
	var scheme *apispec.SecurityScheme
	for i := range o.op.Schemes {
		if o.op.Schemes[i].Name == in.SecuritySchemeName {
			scheme = &o.op.Schemes[i]
		}
	}
	if scheme == nil {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	field := scheme.Header + " header"
	value := in.RequestValidationInput.Request.Header.Get(scheme.Header)
	if value == "" {
		err := fmt.Errorf("is required")
		if scheme.Bearer {
			err = fmt.Errorf("is required: send \"Authorization: Bearer <token>\"")
		}
		res.problems = append(res.problems, problem{Field: field, Reason: err.Error()})
		return err
	}
	if scheme.Bearer {
		token, ok := cutPrefixFold(value, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			err := fmt.Errorf("must be \"Bearer <token>\"")
			res.problems = append(res.problems, problem{Field: field, Reason: err.Error()})
			return err
		}
		value = strings.TrimSpace(token)
	}
	attrs, err := o.creds.resolve(o.creds.byHeader[scheme.Name][value], "this "+scheme.Header+" value")
	if err != nil {
		res.problems = append(res.problems, problem{Field: field, Reason: err.Error()})
		return err
	}
	for k, v := range attrs {
		if res.attributes == nil {
			res.attributes = map[string]any{}
		}
		res.attributes[k] = v
	}
	return nil
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
	attrs, err := o.creds.resolve(o.creds.byBody[strings.Join(vals, "\x00")], strings.Join(fields, " and "))
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
			m[strings.ToLower(k)] = v[0]
		}
	}
	return m
}
