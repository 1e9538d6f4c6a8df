package mocks

import (
	"net/http"
	"sync"
	"time"
)

// entry is one API request as the journal keeps it.
type entry struct {
	Time       time.Time `json:"time"`
	API        string    `json:"api"`
	Operation  string    `json:"operation,omitempty"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Valid      bool      `json:"valid"`
	Problems   []problem `json:"problems,omitempty"`
	Decision   string    `json:"decision"`
	DurationMS float64   `json:"durationMs"`
	Fault      string    `json:"fault,omitempty"` // an injected delay or fault, e.g. "delay=250ms, fault=reset"
	// Violations, in proxy mode, are what the request and the vendor's answer broke.
	Violations []Violation `json:"violations,omitempty"`
	// Query is the raw query string, credentials carried in it redacted.
	Query string `json:"query,omitempty"`
	// Request and Response are what was sent and answered: headers (credentials redacted)
	// and the body clipped to JournalBodyBytes.
	Request  message `json:"request"`
	Response message `json:"response"`
	cost     int     // size(), counted once when the entry is added
}

// message is one side of a journalled exchange.
type message struct {
	Headers http.Header `json:"headers,omitempty"`
	Body    string      `json:"body,omitempty"`
	// BodyBytes is the body's full length; Truncated says Body holds only its start.
	BodyBytes int  `json:"bodyBytes"`
	Truncated bool `json:"truncated,omitempty"`
}

// JournalBodyBytes is how much of each request and response body the journal keeps.
const JournalBodyBytes = 4 << 10

func (m *message) size() int {
	n := 16 + len(m.Body)
	for k, vs := range m.Headers {
		n += 16 + len(k)
		for _, v := range vs {
			n += 16 + len(v)
		}
	}
	return n
}

// size is about how many bytes the entry holds: its strings, and a fixed cost for the rest.
func (e *entry) size() int {
	n := 128 + len(e.API) + len(e.Operation) + len(e.Method) + len(e.Path) + len(e.Decision) + len(e.Query) + len(e.Fault)
	n += e.Request.size() + e.Response.size()
	for _, p := range e.Problems {
		n += 48 + len(p.Field) + len(p.Reason)
	}
	for _, v := range e.Violations {
		n += 64 + len(v.Field) + len(v.Message)
	}
	return n
}

// journal keeps the latest requests, at most max of them and at most budget bytes, so a CI
// job can ask whether its frontend sent anything invalid without the mock's memory growing.
type journal struct {
	mu      sync.Mutex
	entries []entry // a ring: the oldest at head
	head    int
	count   int
	bytes   int
	budget  int
}

func newJournal(max, budget int) *journal {
	return &journal{entries: make([]entry, max), budget: budget}
}

func (j *journal) add(e entry) {
	size := e.size()
	e.cost = size
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.count > 0 && (j.count == len(j.entries) || j.bytes+size > j.budget) {
		j.dropOldest()
	}
	if size > j.budget {
		return // cannot happen with capped problems and decisions; never keep more than the budget
	}
	j.entries[(j.head+j.count)%len(j.entries)] = e
	j.count++
	j.bytes += size
}

func (j *journal) dropOldest() {
	j.bytes -= j.entries[j.head].cost
	j.entries[j.head] = entry{}
	j.head = (j.head + 1) % len(j.entries)
	j.count--
}

// list returns up to limit entries, newest first, optionally of one API or only invalid ones.
func (j *journal) list(api string, invalidOnly bool, limit int) []entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []entry{}
	for i := j.count - 1; i >= 0 && len(out) < limit; i-- {
		e := j.entries[(j.head+i)%len(j.entries)]
		if (api != "" && e.API != api) || (invalidOnly && e.Valid) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// usage returns how many entries and bytes the journal holds.
func (j *journal) usage() (int, int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count, j.bytes
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.head, j.count, j.bytes = 0, 0, 0
}
