package mocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/render"
)

// redacted replaces a credential in the journal.
const redacted = "[redacted]"

// redaction is what the journal hides of an API's requests: the headers and query parameters
// its security schemes read, the JSON body fields that carry credentials or are writeOnly
// (passwords), and always Authorization, Cookie and their kin.
type redaction struct {
	headers map[string]bool // canonical header names
	query   map[string]bool
	fields  map[string]bool // JSON body members, at any depth, and form fields
}

var alwaysSecretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key"}

func newRedaction(api *apispec.API) redaction {
	r := redaction{headers: map[string]bool{}, query: map[string]bool{}, fields: map[string]bool{}}
	for _, h := range alwaysSecretHeaders {
		r.headers[http.CanonicalHeaderKey(h)] = true
	}
	if api == nil {
		return r
	}
	for _, op := range api.Ops {
		for _, sc := range op.Schemes {
			switch sc.In {
			case "header":
				r.headers[http.CanonicalHeaderKey(sc.Header)] = true
			case "query":
				r.query[sc.Header] = true
			}
		}
		if op.Credentials != nil {
			for _, f := range op.Credentials.Fields {
				r.fields[f] = true
			}
		}
		if op.RequestBody == nil {
			continue
		}
		for _, mt := range op.RequestBody.Content {
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			writeOnlyNames(mt.Schema.Value, r.fields, 0)
		}
	}
	return r
}

// redactionFor is the redaction of an API by id.
func (s *Server) redactionFor(id string) redaction {
	if a, ok := s.apis[id]; ok {
		return a.redact
	}
	return newRedaction(nil)
}

// headerValues copies h with credential values replaced; an auth scheme word is kept ("Bearer
// [redacted]") so that "did my app send a bearer token?" stays answerable.
func (r redaction) headerValues(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if !r.headers[http.CanonicalHeaderKey(k)] {
			out[k] = append([]string(nil), vs...)
			continue
		}
		hidden := make([]string, len(vs))
		for i, v := range vs {
			hidden[i] = redacted
			if scheme, _, ok := strings.Cut(v, " "); ok && knownScheme(scheme) {
				hidden[i] = scheme + " " + redacted
			}
		}
		out[k] = hidden
	}
	return out
}

// knownScheme reports whether a header value's first word is an HTTP auth scheme (kept, so
// that "did my app send a bearer token?" stays answerable); any other first word may be the
// secret itself.
func knownScheme(s string) bool {
	switch strings.ToLower(s) {
	case "bearer", "basic", "digest", "token", "apikey", "hmac", "negotiate":
		return true
	}
	return false
}

// rawQuery returns the raw query with credential parameters redacted; other parameters keep
// their spelling.
func (r redaction) rawQuery(raw string) string {
	if raw == "" || len(r.query) == 0 {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && r.query[name] {
			parts[i] = k + "=" + url.QueryEscape(redacted)
		}
	}
	return strings.Join(parts, "&")
}

// bodyText returns the body as text with the credential and writeOnly members redacted, at
// any depth. A JSON body is rewritten (members sorted); a form body has its fields redacted;
// any other body (clipped, not JSON, another media type) is withheld whole when the API has
// secret fields, since names can hide behind escapes and cuts.
func (r redaction) bodyText(b []byte) string {
	if len(r.fields) == 0 || len(b) == 0 {
		return string(b)
	}
	if !r.mayHoldSecret(b) {
		return string(b) // the common case, kept cheap: no secret name, and no escape that could spell one
	}
	if out, ok := redactJSON(b, r.fields); ok {
		return out
	}
	if form, err := url.ParseQuery(string(b)); err == nil && len(form) > 0 && !bytes.ContainsAny(b, "{}[]\\\n") {
		for k := range form {
			if r.fields[k] {
				form[k] = []string{redacted}
			}
		}
		return form.Encode()
	}
	return fmt.Sprintf("%s (%d bytes withheld: not whole JSON, and this API has secret fields)", redacted, len(b))
}

// redactValue replaces the values of secret members, at any depth.
func redactValue(v any, fields map[string]bool, depth int) any {
	if depth > 64 {
		return redacted
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if fields[k] {
				t[k] = redacted
			} else {
				t[k] = redactValue(e, fields, depth+1)
			}
		}
	case []any:
		for i, e := range t {
			t[i] = redactValue(e, fields, depth+1)
		}
	}
	return v
}

// writeOnlyNames collects the names of writeOnly properties, at any depth.
func writeOnlyNames(s *openapi3.Schema, into map[string]bool, depth int) {
	if s == nil || depth > 16 {
		return
	}
	for name, p := range s.Properties {
		if p == nil || p.Value == nil {
			continue
		}
		if p.Value.WriteOnly {
			into[name] = true
		}
		writeOnlyNames(p.Value, into, depth+1)
	}
	for _, subs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range subs {
			writeOnlyNames(sub.Value, into, depth+1)
		}
	}
	if s.Items != nil {
		writeOnlyNames(s.Items.Value, into, depth+1)
	}
}

// redactJSON rewrites a whole JSON value token by token, members in their order, the values
// of secret members (at any depth, names compared unescaped) replaced.
func redactJSON(b []byte, fields map[string]bool) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	if err := redactNext(dec, &out, fields, 0); err != nil {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false // trailing data: not one whole JSON value
	}
	return out.String(), true
}

func redactNext(dec *json.Decoder, out *bytes.Buffer, fields map[string]bool, depth int) error {
	if depth > 64 {
		return errors.New("too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			out.WriteByte('{')
			for first := true; dec.More(); first = false {
				kt, err := dec.Token()
				key, ok := kt.(string)
				if err != nil || !ok {
					return errors.New("bad key")
				}
				if !first {
					out.WriteByte(',')
				}
				out.Write(render.AppendString(nil, key))
				out.WriteByte(':')
				if fields[key] {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return err
					}
					out.Write(render.AppendString(nil, redacted))
					continue
				}
				if err := redactNext(dec, out, fields, depth+1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for first := true; dec.More(); first = false {
				if !first {
					out.WriteByte(',')
				}
				if err := redactNext(dec, out, fields, depth+1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			out.WriteByte(']')
		default:
			return errors.New("unexpected delimiter")
		}
	default:
		out.Write(render.Append(nil, t, nil))
	}
	return nil
}

// mayHoldSecret reports whether a body could name a secret field: it spells one of the names,
// or holds a backslash (an escaped name) or a percent sign (a form-encoded one).
func (r redaction) mayHoldSecret(b []byte) bool {
	if bytes.IndexByte(b, '\\') >= 0 || bytes.IndexByte(b, '%') >= 0 {
		return true
	}
	for f := range r.fields {
		if bytes.Contains(b, []byte(f)) {
			return true
		}
	}
	return false
}
