package mocks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
)

// redacted replaces a credential in the journal.
const redacted = "[redacted]"

// redaction is what the journal hides of an API's requests: the headers and query parameters
// its security schemes read, the JSON body fields that carry credentials or are writeOnly
// (passwords), and always Authorization, Cookie and their kin.
type redaction struct {
	headers map[string]bool // canonical header names
	query   map[string]bool
	fields  map[string]bool // top-level JSON body fields
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
			for name, p := range mt.Schema.Value.Properties {
				if p != nil && p.Value != nil && p.Value.WriteOnly {
					r.fields[name] = true
				}
			}
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
			if scheme, _, ok := strings.Cut(v, " "); ok && isSchemeWord(scheme) {
				hidden[i] = scheme + " " + redacted
			}
		}
		out[k] = hidden
	}
	return out
}

func isSchemeWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
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

// bodyText returns the body as text with the credential and writeOnly fields of a JSON object
// redacted, other members kept as sent and in order. A body that is not a whole JSON object
// (other media types, or clipped) is kept as it is, unless it names a secret field: then
// it is withheld, since it cannot be redacted safely.
func (r redaction) bodyText(b []byte) string {
	if len(r.fields) == 0 || len(b) == 0 {
		return string(b)
	}
	if out, ok := redactObject(b, r.fields); ok {
		return out
	}
	for f := range r.fields {
		if bytes.Contains(b, []byte(`"`+f+`"`)) {
			return redacted + " (a body naming credential fields that is not a whole JSON object)"
		}
	}
	return string(b)
}

// redactObject rewrites a JSON object, replacing the values of the given top-level members.
func redactObject(b []byte, fields map[string]bool) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	var out strings.Builder
	out.WriteByte('{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return "", false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "", false
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		if fields[key] {
			out.WriteString(`"` + redacted + `"`)
		} else {
			out.Write(raw)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "", false
	}
	out.WriteByte('}')
	return out.String(), true
}
