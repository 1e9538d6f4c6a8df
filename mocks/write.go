package mocks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// write sends a success: the content type the spec documents for the status, negotiated
// against Accept; no body for 204 and 304.
func (o *opState) write(w http.ResponseWriter, r *http.Request, x *exchange, status int, body []byte, decision string) {
	x.status, x.decision = status, decision
	h := w.Header()
	h[DecisionHeader] = []string{headerSafe(decision)} // canonical already: no Set
	if status == http.StatusNoContent || status == http.StatusNotModified || (body == nil && len(o.op.ResponseTypes[status]) == 0) {
		w.WriteHeader(status)
		return
	}
	types := o.op.ResponseTypes[status]
	if json := renderable(types); len(json) > 0 || len(types) == 0 {
		h.Set("Content-Type", contentType(negotiate(r.Header.Get("Accept"), json), "application/json"))
	} else if text, ok := plainText(body); ok {
		// A status documented only as text (text/plain, text/csv): the example's text, as is.
		h.Set("Content-Type", contentType(types[0], types[0]))
		body = []byte(text)
	} else {
		h.Set("Content-Type", contentType("application/json", "application/json"))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// renderable keeps the media types the mock writes bodies in: JSON ones. A status that
// documents only other types (XML, plain text) is answered in JSON, its first JSON-free type
// being no promise the mock can keep.
func renderable(types []string) []string {
	for i, t := range types {
		if !isJSONType(strings.ToLower(t)) {
			if i == 0 {
				return nil
			}
			return types[:i]
		}
	}
	return types
}

// plainText returns the text of a JSON string body.
func plainText(body []byte) (string, bool) {
	var s string
	if len(body) == 0 || body[0] != '"' || json.Unmarshal(body, &s) != nil {
		return "", false
	}
	return s, true
}

// contentType is the Content-Type header for a media type (fallback when ""), with a
// charset for JSON and text.
func contentType(mt, fallback string) string {
	if mt == "" || strings.Contains(mt, "*") {
		mt = fallback
	}
	if ct, ok := contentTypes.Load(mt); ok {
		return ct.(string)
	}
	ct := withCharset(mt)
	contentTypes.Store(mt, ct) // documented types and fallbacks only: a handful
	return ct
}

// contentTypes caches contentType's answers, by media type.
var contentTypes sync.Map

func withCharset(mt string) string {
	lower := strings.ToLower(mt)
	if isJSONType(lower) || strings.HasPrefix(lower, "text/") {
		return mt + "; charset=utf-8"
	}
	return mt
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func queryMap(r *http.Request) map[string]any {
	if r.URL.RawQuery == "" {
		return map[string]any{}
	}
	q := r.URL.Query()
	out := make(map[string]any, len(q))
	for k, v := range q {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// withoutNulls copies an object without its null members, at every depth.
func withoutNulls(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if e != nil {
			out[k] = withoutNulls(e)
		}
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
