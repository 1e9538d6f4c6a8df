package contracttest

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
)

// Credentials and parameters that go in the query string or a cookie are kept, while a case
// is built, as pseudo-headers (so that the header-based case builders can leave them out or
// replace them); newRequest moves them to where they belong.
const (
	queryCarrier  = "Usermock-Query-"
	cookieCarrier = "Usermock-Cookie-"
)

// carrier is the header key that carries a credential or parameter named name sent in in.
// The name is hex-encoded, as header keys lose their case.
func carrier(in, name string) string {
	switch in {
	case "query":
		return queryCarrier + hex.EncodeToString([]byte(name))
	case "cookie":
		return cookieCarrier + hex.EncodeToString([]byte(name))
	}
	return name
}

// credentialKey is where a security scheme's credential is kept while a case is built.
func credentialKey(s *apispec.SecurityScheme) string { return carrier(s.In, s.Header) }

// materialize moves the carried query parameters into the path and the carried cookies into
// a Cookie header.
func materialize(path string, h http.Header) string {
	var query url.Values
	var cookies []string
	for k, vs := range h {
		var in string
		switch {
		case strings.HasPrefix(k, queryCarrier):
			in = "query"
		case strings.HasPrefix(k, cookieCarrier):
			in = "cookie"
		default:
			continue
		}
		enc := strings.ToLower(k[len(queryCarrier):])
		if in == "cookie" {
			enc = strings.ToLower(k[len(cookieCarrier):])
		}
		name, err := hex.DecodeString(enc)
		delete(h, k)
		if err != nil || len(vs) == 0 {
			continue
		}
		if in == "query" {
			if query == nil {
				query = url.Values{}
			}
			query.Set(string(name), vs[0])
		} else {
			cookies = append(cookies, (&http.Cookie{Name: string(name), Value: vs[0]}).String())
		}
	}
	if len(cookies) > 0 {
		sort.Strings(cookies) // one order for every run: the header map's is random
		h.Add("Cookie", strings.Join(cookies, "; "))
	}
	if query == nil {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + query.Encode()
}

// cookieParams calls fn for each cookie parameter of the operation.
func (b *opBuilder) cookieParams(fn func(name string, s *openapi3.Schema, example any, required bool)) {
	for _, list := range []openapi3.Parameters{b.op.PathItem.Parameters, b.op.Op.Parameters} {
		for _, ref := range list {
			if p := ref.Value; p != nil && p.In == openapi3.ParameterInCookie && p.Schema != nil {
				example := p.Example
				if example == nil {
					example = p.Schema.Value.Example
				}
				fn(p.Name, p.Schema.Value, example, p.Required)
			}
		}
	}
}
