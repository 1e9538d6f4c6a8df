package mocks

import (
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
}

// journal is a fixed-size ring of the latest requests, so a CI job can ask whether its
// frontend sent anything invalid without the mock's memory growing.
type journal struct {
	mu      sync.Mutex
	entries []entry
	next    int
	full    bool
}

func newJournal(size int) *journal { return &journal{entries: make([]entry, size)} }

func (j *journal) add(e entry) {
	j.mu.Lock()
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	if j.next == 0 {
		j.full = true
	}
	j.mu.Unlock()
}

// list returns up to limit entries, newest first, optionally of one API or only invalid ones.
func (j *journal) list(api string, invalidOnly bool, limit int) []entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	out := []entry{}
	for i := 0; i < n && len(out) < limit; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if (api != "" && e.API != api) || (invalidOnly && e.Valid) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.next, j.full = 0, false
}
