package mocks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// Proxy mode (Prism's proxy, WireMock's and Mockoon's proxying): an API with a --proxy
// upstream forwards every request to the real vendor after validating it exactly as the mock
// would, judges the vendor's answer against the spec, and passes the answer back unchanged.
// Both verdicts go into the journal and an X-Usermock-Violations header.

// ViolationsHeader lists, on a proxied answer, what the request and the response broke.
const ViolationsHeader = "X-Usermock-Violations"

// DefaultProxyTimeout bounds an upstream exchange.
const DefaultProxyTimeout = 30 * time.Second

// maxUpstreamBody bounds the upstream answer the proxy buffers to judge it.
const maxUpstreamBody = 16 << 20

// Violation is one way a proxied exchange broke the spec.
type Violation struct {
	Side    string `json:"side"` // request or response
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// upstream is where an API's requests are forwarded.
type upstream struct {
	base   *url.URL
	client *http.Client
}

func newUpstream(raw string, timeout time.Duration, transport http.RoundTripper) (*upstream, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("proxy URL %q: want http(s)://host[:port][/base], the form of the spec's servers entry", raw)
	}
	if timeout <= 0 {
		timeout = DefaultProxyTimeout
	}
	client := &http.Client{Timeout: timeout, Transport: transport,
		// The app sees the vendor's redirects as the vendor sends them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &upstream{base: u, client: client}, nil
}

// target is the upstream URL of a request: the base URL, then the documented path (the mock's
// own mount dropped) and the query.
func (u *upstream) target(r *http.Request) string {
	t := *u.base
	t.Path = strings.TrimSuffix(u.base.Path, "/") + r.URL.Path
	t.RawPath = ""
	if r.URL.RawPath != "" {
		t.RawPath = strings.TrimSuffix(u.base.EscapedPath(), "/") + r.URL.RawPath
	}
	t.RawQuery = r.URL.RawQuery
	return t.String()
}

// hopByHop are the headers of one connection, never forwarded (RFC 9110 §7.6.1).
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func copyEndToEnd(dst, src http.Header) {
	drop := map[string]bool{}
	for _, h := range hopByHop {
		drop[h] = true
	}
	for _, c := range src.Values("Connection") {
		for _, name := range strings.Split(c, ",") {
			drop[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
		}
	}
	for k, vs := range src {
		if !drop[k] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// proxy validates the request, forwards it, judges and relays the answer.
func (o *opState) proxy(w http.ResponseWriter, r *http.Request, x *exchange) {
	a := o.api
	raw, f := a.readAll(r)
	if f != nil {
		a.writeFailure(w, r, x, f)
		return
	}
	in := r.Clone(r.Context())
	in.Body, in.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
	problems, kind := o.inspect(in)
	violations := make([]Violation, 0, len(problems))
	for _, p := range problems {
		violations = append(violations, Violation{Side: "request", Field: p.Field, Message: p.Reason})
	}
	if len(problems) > 0 && a.srv.proxyErrors {
		x.violations = violations
		a.writeFailure(w, r, x, &failure{kind: kind, problems: problems})
		return
	}
	resp, body, f := a.roundTrip(r, raw)
	if f != nil {
		x.violations = append(violations, Violation{Side: "response", Message: f.message()})
		a.writeFailure(w, r, x, f)
		return
	}
	violations = append(violations, o.judgeUpstream(in, raw, resp.StatusCode, resp.Header, body)...)
	if rc := a.srv.recorder; rc != nil {
		if err := rc.record(o, in, raw, resp.StatusCode, resp.Header, body); err != nil {
			a.srv.log.Warn("recording failed", "api", a.api.ID, "cause", err.Error())
		}
	}
	x.valid = len(problems) == 0
	a.relay(w, x, resp, body, violations)
}

// forwardUndocumented forwards a request no documented operation takes (an unknown path or
// method): the vendor answers, and the request is a violation of the spec.
func (a *apiState) forwardUndocumented(w http.ResponseWriter, r *http.Request, x *exchange, why string) {
	raw, f := a.readAll(r)
	if f != nil {
		a.writeFailure(w, r, x, f)
		return
	}
	violations := []Violation{{Side: "request", Message: why}}
	resp, body, f := a.roundTrip(r, raw)
	if f != nil {
		x.violations = append(violations, Violation{Side: "response", Message: f.message()})
		a.writeFailure(w, r, x, f)
		return
	}
	a.relay(w, x, resp, body, violations)
}

// readAll buffers a request body to validate and forward it, within --max-body.
func (a *apiState) readAll(r *http.Request) ([]byte, *failure) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, a.srv.maxBody+1))
	if err != nil {
		return nil, fail(apispec.KindMalformed, "", "request body could not be read: %v", err)
	}
	if int64(len(raw)) > a.srv.maxBody {
		return nil, fail(apispec.KindTooLarge, "", "request body exceeds %d bytes", a.srv.maxBody)
	}
	return raw, nil
}

// roundTrip sends the request to the upstream and reads its whole answer.
func (a *apiState) roundTrip(r *http.Request, raw []byte) (*http.Response, []byte, *failure) {
	up := a.upstream
	out, err := http.NewRequestWithContext(r.Context(), r.Method, up.target(r), bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fail(apispec.KindInternal, "", "cannot build the upstream request: %v", err)
	}
	copyEndToEnd(out.Header, r.Header)
	out.Header.Del("Host")
	stripControls(out)
	// The answer is judged and recorded as JSON and passed back byte for byte: ask for it
	// uncompressed (Go's client would otherwise decompress it and drop Content-Encoding).
	out.Header.Set("Accept-Encoding", "identity")
	out.ContentLength = int64(len(raw))
	resp, err := up.client.Do(out)
	if err != nil {
		return nil, nil, gatewayFailure(err, "the upstream %s did not answer: %s", up.base.Host, trimURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	switch {
	case err != nil:
		return nil, nil, gatewayFailure(err, "the upstream answer could not be read whole: %s", trimURLError(err))
	case len(body) > maxUpstreamBody:
		return nil, nil, gatewayFailure(nil, "the upstream answer could not be read whole: it is over the proxy's %d MiB limit", maxUpstreamBody>>20)
	}
	return resp, body, nil
}

// gatewayFailure is the unavailable kind as a gateway answers it: 504 on a timeout, else 502.
func gatewayFailure(err error, format string, args ...any) *failure {
	f := fail(apispec.KindUnavailable, "", format, args...)
	f.status = http.StatusBadGateway
	if err != nil && errorsIsTimeout(err) {
		f.status = http.StatusGatewayTimeout
	}
	return f
}

// relay passes the upstream's answer back unchanged, with usermock's verdicts.
func (a *apiState) relay(w http.ResponseWriter, x *exchange, resp *http.Response, body []byte, violations []Violation) {
	x.violations = violations
	x.status = resp.StatusCode
	x.decision = fmt.Sprintf("%d proxied to %s (%d violation(s))", resp.StatusCode, a.upstream.base.Host, len(violations))
	h := w.Header()
	copyEndToEnd(h, resp.Header)
	h.Del(ViolationsHeader) // only usermock says what was violated, never the upstream
	h.Set(DecisionHeader, headerSafe(x.decision))
	if len(violations) > 0 {
		h.Set(ViolationsHeader, headerSafe(violationsText(violations)))
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// inspect validates a request as the mock would, without anything that depends on the mock's
// own state (fixture credentials, lookups, stored records): every problem, and the kind of
// failure the first one is.
func (o *opState) inspect(r *http.Request) ([]problem, apispec.Kind) {
	var problems []problem
	kind := apispec.KindValidation
	note := func(f *failure) {
		if f == nil {
			return
		}
		if len(problems) == 0 {
			kind = f.kind
		}
		problems = append(problems, f.problems...)
	}
	body, f := o.readBody(r)
	note(f)
	note(o.checkAccept(r))
	if auth := o.op.Authenticate(r); !auth.Met {
		af := &failure{kind: apispec.KindUnauthorized}
		for _, p := range auth.Problems {
			af.problems = append(af.problems, problem{Field: p.Field, Reason: p.Reason, Keyword: "security"})
		}
		note(af)
	}
	if o.hasParams {
		if ps := o.paramProblems(r, stringVars(r)); len(ps) > 0 {
			note(&failure{kind: apispec.KindValidation, problems: ps})
		}
	}
	if check := o.bodies[body.mediaType]; body.present && check != nil {
		if ps := check.problems(body.value, o.schemaOpts); len(ps) > 0 {
			note(&failure{kind: apispec.KindValidation, problems: ps})
		}
	}
	ctx := evalContext{"body": body.value}
	for _, rule := range o.op.Rules {
		if rule.Check != apispec.CheckEquals || rule.Field.Root != "body" || rule.To.Root != "body" {
			continue // the rest is the vendor's state: its answers are judged instead
		}
		a, _ := rule.Field.Lookup(ctx)
		b, _ := rule.To.Lookup(ctx)
		if !jsonvalue.Equal(a, b) {
			note(ruleFailure(rule, a, 0, ctx))
		}
	}
	return problems, kind
}

func violationsText(vs []Violation) string {
	var req, resp []string
	for _, v := range vs {
		s := v.Message
		if v.Field != "" {
			s = v.Field + ": " + v.Message
		}
		if v.Side == "request" {
			req = append(req, s)
		} else {
			resp = append(resp, s)
		}
	}
	var parts []string
	if len(req) > 0 {
		parts = append(parts, "request: "+strings.Join(req, ", "))
	}
	if len(resp) > 0 {
		parts = append(parts, "response: "+strings.Join(resp, ", "))
	}
	return strings.Join(parts, "; ")
}

func trimURLError(err error) string {
	var ue *url.Error
	if ok := errors.As(err, &ue); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

func errorsIsTimeout(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && ue.Timeout() || err == context.DeadlineExceeded
}

// stripControls removes what only usermock reads from a forwarded request: the __delay,
// __fault, __code, __example and __dynamic query parameters and the Prefer tokens of the
// same names (other Prefer tokens are the vendor's).
func stripControls(r *http.Request) {
	if strings.Contains(r.URL.RawQuery, "__") {
		q := r.URL.Query()
		for k := range q {
			if strings.HasPrefix(k, "__") {
				q.Del(k)
			}
		}
		r.URL.RawQuery = q.Encode()
	}
	var kept []string
	for _, h := range r.Header.Values("Prefer") {
		for _, part := range strings.FieldsFunc(h, func(c rune) bool { return c == ',' }) {
			key, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch strings.ToLower(strings.TrimSpace(key)) {
			case "delay", "fault", "code", "example", "dynamic":
			default:
				kept = append(kept, strings.TrimSpace(part))
			}
		}
	}
	r.Header.Del("Prefer")
	if len(kept) > 0 {
		r.Header.Set("Prefer", strings.Join(kept, ", "))
	}
}
