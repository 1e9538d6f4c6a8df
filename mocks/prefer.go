package mocks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// preference is how the client asked the response to be chosen, following Prism: a header
// "Prefer: code=409, example=NAME, dynamic=true" or the query parameters __code, __example
// and __dynamic (the query wins).
type preference struct {
	Code    int
	Example string
	Dynamic bool
	// Delay and Fault inject failures on purpose (faults.go); with fault=status, Code is the
	// fault's status.
	Delay time.Duration
	Fault string
}

func (p preference) String() string {
	var parts []string
	if p.Code != 0 {
		parts = append(parts, "code="+strconv.Itoa(p.Code))
	}
	if p.Example != "" {
		parts = append(parts, "example="+p.Example)
	}
	if p.Dynamic {
		parts = append(parts, "dynamic=true")
	}
	if p.Delay > 0 {
		parts = append(parts, "delay="+strconv.FormatInt(p.Delay.Milliseconds(), 10))
	}
	if p.Fault != "" {
		parts = append(parts, "fault="+p.Fault)
	}
	return strings.Join(parts, ", ")
}

// parsePreference reads the Prefer header and the __ query parameters.
func parsePreference(r *http.Request) (preference, error) {
	var p preference
	for _, h := range r.Header.Values("Prefer") {
		if err := p.parseHeader(h); err != nil {
			return p, err
		}
	}
	if r.URL.RawQuery == "" {
		return p, p.check()
	}
	q := r.URL.Query()
	for key, set := range map[string]func(string) error{"__code": p.setCode, "__example": p.setExample, "__dynamic": p.setDynamic,
		"__delay": p.setDelay, "__fault": p.setFault} {
		if v, ok := q[key]; ok && len(v) > 0 {
			if err := set(v[0]); err != nil {
				return p, fmt.Errorf("query parameter %s: %w", key, err)
			}
		}
	}
	return p, p.check()
}

// check refuses preferences that contradict each other.
func (p preference) check() error {
	if p.Fault == FaultStatus && p.Code != 0 && p.Code < 400 {
		return fmt.Errorf("fault=status code=%d: want a 4xx or 5xx status", p.Code)
	}
	return nil
}

func (p *preference) parseHeader(h string) error {
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		val = strings.Trim(strings.TrimSpace(val), `"`)
		var err error
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "code":
			err = p.setCode(val)
		case "example":
			err = p.setExample(val)
		case "dynamic":
			err = p.setDynamic(val)
		case "delay":
			err = p.setDelay(val)
		case "fault":
			err = p.setFault(val)
		default:
			continue // other preferences (return=minimal, ...) are not ours
		}
		if err != nil {
			return fmt.Errorf("Prefer header: %w", err)
		}
	}
	return nil
}

func (p *preference) setCode(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 || n > 599 {
		return fmt.Errorf("code=%q is not an HTTP status code", v)
	}
	p.Code = n
	return nil
}

func (p *preference) setExample(v string) error {
	if v == "" {
		return fmt.Errorf("example= needs an example name")
	}
	p.Example = v
	return nil
}

func (p *preference) setDynamic(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("dynamic=%q must be true or false", v)
	}
	p.Dynamic = b
	return nil
}

func (p *preference) setDelay(v string) error {
	ms, err := strconv.Atoi(v)
	if err != nil || ms < 0 {
		return fmt.Errorf("delay=%q: want milliseconds, e.g. delay=250", v)
	}
	p.Delay = time.Duration(ms) * time.Millisecond
	return nil
}

func (p *preference) setFault(v string) error {
	if !faultNames[v] {
		return fmt.Errorf("fault=%q: want reset, empty, timeout or status", v)
	}
	p.Fault = v
	return nil
}
