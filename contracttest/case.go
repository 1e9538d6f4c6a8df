package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// The kinds of case.
const (
	Positive = "positive" // the contract says the request succeeds
	Negative = "negative" // the contract says the request is refused
	Stateful = "stateful" // a create that succeeds, then one the contract says is refused
)

// Case is one contract check: one request, or for a stateful rule two, and what the contract
// says the server must answer.
type Case struct {
	// ID is stable across runs and seeds: operation, where, what ("createUser/body/email/format").
	ID          string
	Operation   string
	Kind        string
	Description string // what the case sends, in plain words
	Steps       []*Request
	// Expect lists the statuses the spec assigns to the last step's answer. For a negative
	// case an empty list means any documented 4xx.
	Expect []int
	// HarnessError is set when the self-check found the case itself wrong (a negative request
	// the spec accepts, a positive one it refuses). Such a case is skipped, never sent, and
	// never counted against the server.
	HarnessError string

	constraint string // the coverage entry the case exercises
	setUp      bool   // the steps already create the record the case works on
	// What the refusal of the last step must be: one of the failure kinds, the broken
	// rule's documented values, the field named where the error body names fields.
	kinds []apispec.Kind
	rule  *apispec.Rule
	field string
	// unique is set when the case sends values a uniqueness rule covers: rerunning it needs
	// a server that has not stored them (a reset mock).
	unique bool
	// relations are checks across the answers of the steps, made once every step answered
	// as the contract says.
	relations []relation
}

// Request is one HTTP request of a case. Path is relative to the base URL. A step of a case
// that works on a record created by an earlier step has Ref set: its Path then holds the
// parameter's template ("/widgets/{id}"), filled with the created key when the case runs.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Ref, when set, fills a path parameter from an earlier step's response.
	Ref *KeyRef
	// Operation is the operation whose contract judges this step's answer; "" is the case's.
	Operation string
	// Refused marks a step before the last that the contract says is refused with Expect.
	Refused bool
	Expect  []int
	kinds   []apispec.Kind // the failure kinds of a refused step

	// bodyShell, for a body too large to print, is a shell command that writes it.
	bodyShell string
	json      any      // the decoded body
	encodeErr error    // why the body could not be encoded in its media type
	secrets   []secret // values the response must never echo
}

// KeyRef names a value in an earlier step's response: the key of the record it created.
type KeyRef struct {
	Step    int      // index of the earlier step in the case
	Pointer []string // JSON pointer tokens into that step's response body
	Param   string   // the path parameter it fills: "{Param}" in Path is replaced
}

type secret struct {
	field string
	value string
}

func newRequest(method, path string, header http.Header, body any) *Request {
	r := &Request{Method: method, Header: header.Clone()}
	r.Path = materialize(path, r.Header)
	if body != nil {
		r.json = body
		r.Body, r.encodeErr = encodeBody(r.Header, body)
	}
	return r
}

// resolve returns the request with its Ref filled from the earlier exchanges, or why not.
func (r *Request) resolve(earlier []*Exchange) (*Request, error) {
	if r.Ref == nil {
		return r, nil
	}
	if r.Ref.Step >= len(earlier) || earlier[r.Ref.Step].Err != nil {
		return nil, fmt.Errorf("step %d, which creates the record, got no answer", r.Ref.Step+1)
	}
	ptr := "/" + strings.Join(r.Ref.Pointer, "/")
	dec := json.NewDecoder(bytes.NewReader(earlier[r.Ref.Step].Body))
	dec.UseNumber()
	var body any
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("the create's response is not JSON, so the record's key (%s) cannot be read: %v", ptr, err)
	}
	v, ok := jsonvalue.Get(body, r.Ref.Pointer)
	if !ok || v == nil {
		return nil, fmt.Errorf("the create's response has no record key at %s", ptr)
	}
	if _, isObj := v.(map[string]any); isObj {
		return nil, fmt.Errorf("the record key at %s of the create's response is an object", ptr)
	}
	out := *r
	out.Ref = nil
	out.Path = strings.Replace(r.Path, "{"+r.Ref.Param+"}", url.PathEscape(fmt.Sprint(v)), 1)
	return &out, nil
}

// curl returns the request as a command line a user can paste into a shell.
func (r *Request) curl(baseURL string) string {
	var b strings.Builder
	if r.bodyShell != "" {
		b.WriteString(r.bodyShell + " | ")
	}
	b.WriteString("curl -sS -i -X ")
	b.WriteString(r.Method)
	b.WriteString(" " + shellQuote(strings.TrimRight(baseURL, "/")+r.Path))
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Header[k] {
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	switch {
	case r.bodyShell != "":
		b.WriteString(" --data-binary @-")
	case r.Body != nil:
		b.WriteString(" --data-raw " + shellQuote(string(r.Body)))
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Constraint names the spec constraint the case exercises ("employeeID pattern", "rule
// employee_id_unique"), as the coverage report does; "" when it exercises none in particular.
func (c *Case) Constraint() string { return c.constraint }
