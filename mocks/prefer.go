package mocks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// preference is how the client asked the response to be chosen, following Prism: a header
// "Prefer: code=409, example=NAME, dynamic=true" or the query parameters __code, __example
// and __dynamic (the query wins).
type preference struct {
	Code    int
	Example string
	Dynamic bool
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
		return p, nil
	}
	q := r.URL.Query()
	for key, set := range map[string]func(string) error{"__code": p.setCode, "__example": p.setExample, "__dynamic": p.setDynamic} {
		if v, ok := q[key]; ok && len(v) > 0 {
			if err := set(v[0]); err != nil {
				return p, fmt.Errorf("query parameter %s: %w", key, err)
			}
		}
	}
	return p, nil
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
