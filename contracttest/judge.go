package contracttest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
)

// Judge decides whether an answer honours an API's contract. It is the one place that does:
// the harness calls it for every step of every case, and a component that sees live traffic
// (a validating proxy) can call it for each exchange it forwards. A Judge holds no state
// between calls and is safe for concurrent use.
//
// What it checks on every answer: the status is documented for the operation (or, for a spec
// without x-usermock.errors, an RFC 9457 problem); the Content-Type is documented for the
// status and its charset is UTF-8; the body validates against the status's schema; a 405
// carries Allow listing the path's documented methods; a 401 carries WWW-Authenticate where
// the operation authenticates over HTTP (not with body fields only); no
// secret the request sent (writeOnly fields) comes back. On a success: every field the
// operation's echo declares holds the value the request sent. On a refusal: the body is the
// API's documented error of the failure the request provokes, with that kind's and the
// broken rule's documented values (vars) compared as literals, and the broken field named
// where the error body names fields.
type Judge struct {
	api    *apispec.API
	checks map[*apispec.Operation]*responseChecker
}

// NewJudge returns the judge of an API's answers.
func NewJudge(api *apispec.API) *Judge {
	j := &Judge{api: api, checks: map[*apispec.Operation]*responseChecker{}}
	for _, op := range api.Ops {
		j.checks[op] = newResponseChecker(api, op)
	}
	return j
}

// Which side of an exchange a Violation is about.
const (
	SideRequest  = "request"  // the request breaks the spec (live traffic only)
	SideResponse = "response" // the answer breaks the contract
)

// Violation is one way an exchange breaks the contract.
type Violation struct {
	Side string `json:"side"`
	// Field names what is wrong: "status", "header Allow", "body", or a JSON pointer into the
	// body prefixed with body ("body/errorCode").
	Field   string `json:"field,omitempty"`
	Message string `json:"message"` // in plain words, for a person
}

func (v Violation) String() string { return v.Message }

// Expectation is what the contract says a request gets. Check with a nil Expectation judges
// live traffic: the request is checked against the spec, and the answer on its own terms.
type Expectation struct {
	// Refused is set when the contract refuses the request; otherwise it accepts it.
	Refused bool
	// Statuses the spec assigns to the answer; empty means any documented 2xx, or for a
	// refusal any 4xx.
	Statuses []int
	// Kinds are the failures the request provokes (one of them is enough); the error body
	// must be the template of one of them, with its documented values. Empty: any kind
	// answered with the response's status.
	Kinds []apispec.Kind
	// Rule is the broken rule, whose vars override its kind's.
	Rule *apispec.Rule
	// Field is the request field the request broke, as the spec names it ("email").
	Field string
}

// Check judges one exchange of the operation op: the request in x.Request and the server's
// answer. It returns nothing when the exchange honours the contract. A nil op (a request no
// documented operation takes) is a violation on the request side.
func (j *Judge) Check(op *apispec.Operation, x *Exchange, want *Expectation) []Violation {
	if op == nil {
		return []Violation{{Side: SideRequest, Message: "the request matches no documented operation"}}
	}
	rc := j.checks[op]
	if rc == nil {
		rc = newResponseChecker(j.api, op)
	}
	if x.Err != nil {
		return []Violation{{Side: SideResponse, Field: "status", Message: "the request did not get an answer: " + x.Err.Error()}}
	}
	if want != nil {
		if want.Refused {
			return rc.checkRefusal(x, want)
		}
		return rc.checkSuccess(x)
	}
	// Live traffic: what the contract says of the request decides what the answer must be.
	var out []Violation
	r := x.Request
	decodeRequest(r)
	refused := false
	if r != nil {
		if err := newSelfChecker(j.api, op).accepts(r); err != nil {
			refused = true
			out = append(out, Violation{Side: SideRequest, Message: "the request breaks the spec: " + err.Error()})
		}
	}
	switch {
	case x.Status/100 == 2 && refused:
		out = append(out, Violation{Side: SideResponse, Field: "status",
			Message: "the server accepted a request the spec refuses"})
		out = append(out, rc.checkDocumented(x)...)
	case x.Status/100 == 2:
		out = append(out, rc.checkSuccess(x)...)
	case x.Status >= 400 && x.Status < 500:
		out = append(out, rc.checkRefusal(x, &Expectation{Refused: true})...)
	default:
		out = append(out, rc.checkDocumented(x)...)
	}
	return out
}

// decodeRequest fills the decoded body and the secrets of a request the harness did not
// build (live traffic): JSON bodies, and form fields as text.
func decodeRequest(r *Request) {
	if r == nil || r.json != nil || len(r.Body) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return
		}
		m := map[string]any{}
		for k, v := range vals {
			m[k] = v[0]
		}
		r.json = m
	case mt == "" || strings.HasSuffix(mt, "json"):
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			r.json = v
		}
	}
}
