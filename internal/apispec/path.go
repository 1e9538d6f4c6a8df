package apispec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// Path names a value in a request's evaluation context: a root ("body", "header",
// "credential", or a name bound by a lookup rule) followed by slash-separated keys, e.g.
// "body/employeeID" or "sessionDepartment/modules". A bare root names the whole value.
type Path struct {
	Root string
	Keys []string
	raw  string
}

// ParsePath parses "root/key/key".
func ParsePath(s string) (Path, error) {
	if s == "" {
		return Path{}, fmt.Errorf("empty path")
	}
	parts := strings.Split(s, "/")
	if parts[0] == "" {
		return Path{}, fmt.Errorf("path %q: must start with a root such as body, header or credential", s)
	}
	return Path{Root: parts[0], Keys: parts[1:], raw: s}, nil
}

// IsZero reports whether the path is unset.
func (p Path) IsZero() bool { return p.Root == "" }

func (p Path) String() string { return p.raw }

// UnmarshalJSON reads a path from its string form.
func (p *Path) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("path must be a string: %w", err)
	}
	parsed, err := ParsePath(s)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

// Lookup resolves the path in ctx, a map from root names to decoded JSON values. A JSON null
// counts as missing: a rule or an echo treats an explicit null like an absent field.
func (p Path) Lookup(ctx map[string]any) (any, bool) {
	v, ok := ctx[p.Root]
	if !ok {
		return nil, false
	}
	v, ok = jsonvalue.Get(v, p.Keys)
	return v, ok && v != nil
}

// Generator names a value the mock makes up: an object id, a UUID, a sequence number, the time,
// or a string matching a regular expression.
type Generator struct {
	Name  string      // objectid, uuid, seq, now, now.unix, regex
	Arg   string      // the sequence start, or the regular expression
	Regex *fake.Regex // for regex: Arg, parsed once
}

// Source is the right-hand side of an echo entry: a context path or a generator, with an
// optional fallback after " ?? " (another source or a JSON literal) used when it is missing.
type Source struct {
	Path      Path
	Gen       *Generator
	Fallback  *Source
	Literal   any
	IsLiteral bool
	// Omit drops the response member when the source names nothing (inferred echoes of
	// optional fields the client did not send), instead of keeping the example's value.
	Omit bool
}

var generators = map[string]bool{"objectid": true, "uuid": true, "seq": true, "now": true, "now.unix": true, "regex": true}

// ParseSource parses an echo source expression.
func ParseSource(s string) (Source, error) {
	left, right, hasFallback := strings.Cut(s, " ?? ")
	var src Source
	left = strings.TrimSpace(left)
	if strings.HasPrefix(left, "$") {
		name, arg, _ := strings.Cut(left[1:], ":")
		if !generators[name] {
			return src, fmt.Errorf("unknown generator %q (known: $objectid, $uuid, $seq[:start], $now, $now.unix, $regex:RE)", "$"+name)
		}
		if name == "seq" && arg != "" {
			if _, err := strconv.Atoi(arg); err != nil {
				return src, fmt.Errorf("$seq start %q is not an integer", arg)
			}
		}
		if name == "regex" && arg == "" {
			return src, fmt.Errorf("$regex needs a regular expression, e.g. $regex:[A-Z]{8}")
		}
		src.Gen = &Generator{Name: name, Arg: arg}
		if name == "regex" {
			x, err := checkRegexGenerator(arg)
			if err != nil {
				return src, err
			}
			src.Gen.Regex = x
		}
	} else {
		p, err := ParsePath(left)
		if err != nil {
			return src, err
		}
		src.Path = p
	}
	if hasFallback {
		right = strings.TrimSpace(right)
		var lit any
		if err := json.Unmarshal([]byte(right), &lit); err == nil {
			src.Fallback = &Source{Literal: lit, IsLiteral: true}
		} else {
			fb, err := ParseSource(right)
			if err != nil {
				return src, fmt.Errorf("fallback: %w", err)
			}
			src.Fallback = &fb
		}
	}
	return src, nil
}
