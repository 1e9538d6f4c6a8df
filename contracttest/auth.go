package contracttest

import (
	"net/http"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
)

// authCases sends the request without each credential, and a Bearer scheme's credential
// as Basic. Where the operation takes one of several alternatives, the request carries only
// the rest of an alternative that needs the credential, so that no other alternative is met;
// a credential whose absence some alternative always forgives (optional security) gets no
// refusal case. With alternatives, each one alone is a positive case.
func (b *opBuilder) authCases() {
	for i := range b.op.Schemes {
		s := &b.op.Schemes[i]
		if h, ok := b.withoutCredential(s, ""); ok {
			b.negative(&Case{ID: "auth/" + s.Name + "/missing", constraint: "auth " + s.Name,
				Description: "the " + where(s) + " left out; the operation requires it"},
				b.raw(b.op.Method, h, b.baseCopy()), apispec.KindUnauthorized)
		} else {
			b.cov.add("auth "+s.Name, "", "credentials are optional: a request without the "+where(s)+" meets another alternative")
		}
		if !s.Bearer {
			continue
		}
		if h, ok := b.withoutCredential(s, "Basic dXNlcm1vY2s6dGVzdA=="); ok {
			b.negative(&Case{ID: "auth/" + s.Name + "/not-bearer", constraint: "auth " + s.Name + " bearer",
				Description: "the " + s.Header + " header carries Basic credentials instead of a Bearer token"},
				b.raw(b.op.Method, h, b.baseCopy()), apispec.KindUnauthorized)
		}
	}
	if len(b.op.Security) > 1 {
		b.alternativeCases()
	}
	if cr := b.op.Credentials; cr != nil && b.base != nil {
		body := b.baseCopy()
		for _, f := range cr.Fields {
			delete(body, f)
		}
		b.negative(&Case{ID: "auth/body/missing", constraint: "auth body credentials",
			Description: "the body credentials " + strings.Join(cr.Fields, ", ") + " left out"},
			b.raw(b.op.Method, b.header, body), apispec.KindUnauthorized, apispec.KindValidation)
	}
}

// withoutCredential returns the headers of the first alternative that needs s, with s left
// out (or, when value is set, replaced by it), if that request meets no alternative.
func (b *opBuilder) withoutCredential(s *apispec.SecurityScheme, value string) (http.Header, bool) {
	for _, alt := range b.op.Security {
		if !hasScheme(alt, s.Name) {
			continue
		}
		h := b.onlyCredentials(alt)
		h.Del(credentialKey(s))
		if value != "" {
			h.Set(credentialKey(s), value)
		}
		if b.check.acceptsSchema(b.raw(b.op.Method, h, b.base)) != nil {
			return h, true
		}
	}
	return nil, false
}

// onlyCredentials is the valid request's headers with only the alternative's credentials.
func (b *opBuilder) onlyCredentials(alt []apispec.SecurityScheme) http.Header {
	h := b.header.Clone()
	for _, s := range b.op.Schemes {
		if !hasScheme(alt, s.Name) {
			h.Del(credentialKey(&s))
		}
	}
	return h
}

// alternativeCases sends each security alternative alone; the empty one sends none.
func (b *opBuilder) alternativeCases() {
	for _, alt := range b.op.Security {
		names := make([]string, 0, len(alt))
		for _, s := range alt {
			names = append(names, s.Name)
		}
		id, what := "auth/none", "no credentials; they are optional"
		if len(alt) > 0 {
			id, what = "auth/"+strings.Join(names, "+")+"/alone", "only the credentials of "+strings.Join(names, " and ")
		}
		c := &Case{ID: id, Kind: Positive, constraint: "auth alternative " + strings.Join(names, "+"), Description: "a valid request with " + what}
		c.Steps = []*Request{b.raw(b.op.Method, b.onlyCredentials(alt), b.baseCopy())}
		b.selfCheckPositive(c)
		b.add(c)
		b.cov.add(c.constraint, c.ID, c.HarnessError)
	}
}

func hasScheme(alt []apispec.SecurityScheme, name string) bool {
	for _, s := range alt {
		if s.Name == name {
			return true
		}
	}
	return false
}

// where names where a scheme's credential goes: "the X-Key header", "api_key query parameter".
func where(s *apispec.SecurityScheme) string {
	switch s.In {
	case "query":
		return s.Header + " query parameter"
	case "cookie":
		return s.Header + " cookie"
	}
	return s.Header + " header"
}
