package mocks

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// requestBody is a read and decoded request body, with the spec's media type it matched.
type requestBody struct {
	raw       []byte
	value     any
	mediaType string // the content key of the spec, e.g. "application/json"
	json      bool   // raw is the JSON the value was decoded from
	present   bool
}

// mediaMatch is a request Content-Type matched to the spec's content key.
type mediaMatch struct {
	contentType string // as sent
	key         string // the content key of the spec, e.g. "application/json"
	mediaType   string // the sent media type, lower case, without parameters
}

// matchMediaType finds the content key of the spec for a request's Content-Type: exact,
// then the spec's wildcards (application/*, */*), then a +json type for application/json.
// The last match is kept: clients send the same Content-Type request after request.
func (o *opState) matchMediaType(ct string) (mediaMatch, bool) {
	if m := o.lastMedia.Load(); m != nil && m.contentType == ct {
		return *m, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return mediaMatch{}, false
	}
	mt = strings.ToLower(mt)
	key, ok := o.op.MediaType[mt]
	if !ok {
		typ, _, _ := strings.Cut(mt, "/")
		if key, ok = o.op.MediaType[typ+"/*"]; !ok {
			key, ok = o.op.MediaType["*/*"]
		}
	}
	if !ok {
		return mediaMatch{}, false
	}
	m := mediaMatch{contentType: ct, key: key, mediaType: mt}
	if len(ct) <= 256 {
		o.lastMedia.Store(&m)
	}
	return m, true
}

// readBody reads the body when the operation declares one: at most the configured limit
// (more is a 413, never buffered), decoded by its media type.
func (o *opState) readBody(r *http.Request) (requestBody, *failure) {
	if o.op.RequestBody == nil {
		return requestBody{}, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && !o.op.RequestBody.Required && r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		return requestBody{}, nil // an optional body left out
	}
	match, ok := o.matchMediaType(ct)
	if !ok {
		if ct == "" {
			ct = "(none)"
		}
		return requestBody{}, fail(apispec.KindUnsupportedMediaType, "Content-Type header", "%s is not supported; use %s", ct, strings.Join(o.op.Types, " or "))
	}
	limit := o.api.srv.maxBody
	if r.ContentLength > limit {
		// Refused before reading a byte: a client waiting on "Expect: 100-continue" gets
		// the 413 instead of the go-ahead.
		return requestBody{}, fail(apispec.KindTooLarge, "", "request body of %d bytes exceeds %d bytes", r.ContentLength, limit)
	}
	b, err := readAtMost(r, limit)
	if err != nil {
		return requestBody{}, fail(apispec.KindMalformed, "", "request body could not be read: %v", err)
	}
	if int64(len(b)) > limit {
		return requestBody{}, fail(apispec.KindTooLarge, "", "request body exceeds %d bytes", limit)
	}
	body := requestBody{raw: b, mediaType: match.key, present: true}
	if isJSONType(match.mediaType) {
		if len(bytes.TrimSpace(b)) == 0 && !o.op.RequestBody.Required {
			return requestBody{}, nil
		}
		v, f := decodeJSON(b)
		if f != nil {
			return requestBody{}, f
		}
		body.value, body.json = v, true
		return body, nil
	}
	v, f := o.decodeOther(r, match.mediaType, match.key, b)
	if f != nil {
		return requestBody{}, f
	}
	body.value = v
	return body, nil
}

// readAtMost reads the body, at most limit+1 bytes: in one buffer of the declared length
// when there is one (net/http ends such a body at its length), else growing.
func readAtMost(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= limit {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

func isJSONType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// decodeOther decodes a non-JSON body with kin-openapi's decoder for its media type (form,
// multipart, plain text, YAML, CSV), guided by the schema.
func (o *opState) decodeOther(r *http.Request, mt, key string, b []byte) (any, *failure) {
	dec := openapi3filter.RegisteredBodyDecoder(mt)
	if dec == nil {
		return string(b), nil // an opaque body: validated as a string, kept as sent
	}
	mediaType := o.op.RequestBody.Content[key]
	var encFn openapi3filter.EncodingFn
	if mediaType != nil {
		encFn = func(name string) *openapi3.Encoding { return mediaType.Encoding[name] }
	}
	var schema *openapi3.SchemaRef
	if mediaType != nil {
		schema = mediaType.Schema
	}
	v, err := dec(bytes.NewReader(b), r.Header, schema, encFn)
	if err != nil {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid %s: %v", mt, oneLine(err.Error()))
	}
	if s, ok := v.(string); ok && !utf8.ValidString(s) {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid UTF-8")
	}
	return jsonvalue.Normalize(v), nil
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// decodeJSON decodes a request body strictly: one value, valid UTF-8, no duplicate keys,
// numbers kept exact.
func decodeJSON(raw []byte) (any, *failure) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fail(apispec.KindMalformed, "", "request body is empty; send a JSON object")
	}
	if !utf8.Valid(raw) {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid UTF-8")
	}
	v, err := parseStrictJSON(raw)
	if err != nil {
		return nil, fail(apispec.KindMalformed, "", "request body is not valid JSON: %v", err)
	}
	return v, nil
}

// checkAccept enforces x-usermock.accept: Accept must allow one of its types.
func (o *opState) checkAccept(r *http.Request) *failure {
	if len(o.op.Accept) == 0 {
		return nil
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return fail(apispec.KindNotAcceptable, "Accept header", "is required; send Accept: %s", o.op.Accept[0])
	}
	for _, rng := range parseAccept(accept) {
		if rng.q <= 0 {
			continue
		}
		for _, want := range o.op.Accept {
			if rng.matches(want) {
				return nil
			}
		}
	}
	return fail(apispec.KindNotAcceptable, "Accept header", "%q does not allow %s", accept, strings.Join(o.op.Accept, " or "))
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ, sub string
	q        float64
	order    int
}

func (m mediaRange) matches(mt string) bool {
	typ, sub, _ := strings.Cut(strings.ToLower(mt), "/")
	return (m.typ == "*" || m.typ == typ) && (m.sub == "*" || m.sub == sub)
}

func (m mediaRange) specificity() int {
	switch {
	case m.typ == "*":
		return 0
	case m.sub == "*":
		return 1
	}
	return 2
}

// parseAccept parses an Accept header into media ranges with their q-values (RFC 9110
// §12.5.1); malformed entries are skipped.
func parseAccept(h string) []mediaRange {
	if p := lastAccept.Load(); p != nil && p.header == h {
		return p.ranges // shared: callers only read it
	}
	out := parseAcceptUncached(h)
	if len(h) <= 256 {
		lastAccept.Store(&parsedAccept{header: h, ranges: out})
	}
	return out
}

// lastAccept is the last Accept header parsed: clients send the same one request after
// request, and both the check and the negotiation read it.
var lastAccept atomic.Pointer[parsedAccept]

type parsedAccept struct {
	header string
	ranges []mediaRange
}

func parseAcceptUncached(h string) []mediaRange {
	var out []mediaRange
	for i, part := range strings.Split(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		out = append(out, mediaRange{typ: typ, sub: sub, q: q, order: i})
	}
	return out
}

// negotiate picks the response content type among the documented ones by the request's
// Accept (q-values, then specificity); with no Accept, or none acceptable, the first
// documented (JSON first).
func negotiate(accept string, types []string) string {
	if len(types) == 0 {
		return ""
	}
	if accept == "" {
		return types[0]
	}
	ranges := parseAccept(accept)
	best, bestQ, bestSpec := "", 0.0, -1
	for _, t := range types {
		q, spec := -1.0, -1
		for _, rng := range ranges {
			if rng.matches(t) && rng.specificity() > spec {
				q, spec = rng.q, rng.specificity()
			}
		}
		if q > bestQ || (q == bestQ && q > 0 && spec > bestSpec) {
			best, bestQ, bestSpec = t, q, spec
		}
	}
	if best == "" {
		return types[0]
	}
	return best
}
