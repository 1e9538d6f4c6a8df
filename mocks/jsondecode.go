package mocks

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting: deeper bodies are refused before they cost anything.
const maxDepth = 64

// strictJSON decodes a request body in one pass into the values encoding/json produces with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil), and refuses what
// encoding/json would silently accept or choke on later: a key twice in one object, nesting
// deeper than maxDepth, numbers beyond float64 and integers beyond int64. Its syntax error
// messages follow encoding/json's wording.
type strictJSON struct {
	data  []byte
	text  string // data as one string: strings without escapes and numbers are slices of it
	pos   int
	depth int
}

type jsonSyntaxError struct{ msg string }

func (e *jsonSyntaxError) Error() string { return e.msg }

func parseStrictJSON(data []byte) (any, error) {
	p := &strictJSON{data: data, text: string(data)}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, &jsonSyntaxError{"unexpected data after the top-level value"}
	}
	return v, nil
}

func (p *strictJSON) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *strictJSON) eof() error { return &jsonSyntaxError{"unexpected end of JSON input"} }

func (p *strictJSON) invalid(context string) error {
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return &jsonSyntaxError{fmt.Sprintf("invalid character %s %s", quoteChar(r), context)}
}

func quoteChar(r rune) string {
	switch {
	case r == '\'':
		return `'\''`
	case r == '"':
		return `'"'`
	case r < ' ':
		return strconv.Quote(string(r))
	}
	return "'" + string(r) + "'"
}

func (p *strictJSON) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.eof()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.invalid("looking for beginning of value")
}

func (p *strictJSON) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.data) {
			return p.eof()
		}
		if p.data[p.pos] != word[i] {
			return p.invalid("in literal " + word + " (expecting '" + word[i:i+1] + "')")
		}
		p.pos++
	}
	return nil
}

func (p *strictJSON) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &jsonSyntaxError{fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	return nil
}

func (p *strictJSON) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // {
	obj := map[string]any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return obj, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if p.data[p.pos] != '"' {
			return nil, p.invalid("looking for beginning of object key string")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := obj[key]; dup {
			return nil, &jsonSyntaxError{fmt.Sprintf("duplicate key %q", key)}
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if p.data[p.pos] != ':' {
			return nil, p.invalid("after object key")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		obj[key] = v
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return obj, nil
		default:
			return nil, p.invalid("after object key:value pair")
		}
	}
}

func (p *strictJSON) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // [
	arr := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return arr, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return arr, nil
		default:
			return nil, p.invalid("after array element")
		}
	}
}

// str reads a string starting at the opening quote. The body is known to be valid UTF-8.
func (p *strictJSON) str() (string, error) {
	p.pos++ // "
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.text[start:p.pos]
			p.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < ' ' {
			return "", p.invalid("in string literal")
		}
		p.pos++
	}
	var b strings.Builder
	b.Write(p.data[start:p.pos])
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < ' ':
			return "", p.invalid("in string literal")
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.data) {
			return "", p.eof()
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, err = p.hex4(); err != nil {
						return "", err
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						continue
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			p.pos--
			return "", p.invalid("in string escape code")
		}
	}
	return "", p.eof()
}

func (p *strictJSON) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		p.pos = len(p.data)
		return 0, p.eof()
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := p.data[p.pos]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, p.invalid("in \\u hexadecimal character escape")
		}
		r = r*16 + rune(c)
		p.pos++
	}
	return r, nil
}

// number reads a JSON number and checks that a vendor's JSON library could hold it.
func (p *strictJSON) number() (any, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(p.data) {
		return nil, p.eof()
	}
	switch c := p.data[p.pos]; {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return nil, p.invalid("in numeric literal")
	}
	isFloat := false
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		isFloat = true
		p.pos++
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if !isDigit(p.data[p.pos]) {
			return nil, p.invalid("after decimal point in numeric literal")
		}
		p.digits()
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		isFloat = true
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if !isDigit(p.data[p.pos]) {
			return nil, p.invalid("in exponent of numeric literal")
		}
		p.digits()
	}
	s := p.text[start:p.pos]
	if isFloat {
		if f, err := strconv.ParseFloat(s, 64); err != nil || math.IsInf(f, 0) {
			return nil, &jsonSyntaxError{fmt.Sprintf("number %s is out of range", abbreviate(s))}
		}
	} else if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return nil, &jsonSyntaxError{fmt.Sprintf("integer %s is out of the 64-bit range", abbreviate(s))}
	}
	return json.Number(s), nil
}

func (p *strictJSON) digits() {
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		p.pos++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:20] + "..."
	}
	return s
}
