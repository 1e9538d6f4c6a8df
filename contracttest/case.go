package contracttest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
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
}

// Request is one HTTP request of a case. Path is relative to the base URL.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte

	json    any      // the decoded body, when it is JSON
	secrets []secret // values the response must never echo
}

type secret struct {
	field string
	value string
}

func newRequest(method, path string, header http.Header, body any) *Request {
	r := &Request{Method: method, Path: path, Header: header.Clone()}
	if body != nil {
		b, _ := json.Marshal(body) // values are decoded JSON; they always encode
		r.Body = b
		r.json = body
	}
	return r
}

// curl returns the request as a command line a user can paste into a shell.
func (r *Request) curl(baseURL string) string {
	var b strings.Builder
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
	if r.Body != nil {
		b.WriteString(" --data-raw " + shellQuote(string(r.Body)))
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
