package apispec

import (
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Formats kin-openapi does not check by default but the documents use. They are registered
// per document, never globally, so two servers in one process cannot interfere.
func stringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		// kin-openapi's own checks, behind loops that accept exactly what their regular
		// expressions accept: a refusal still gets kin-openapi's words.
		"date":      fastFormat{isDate, openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDate)},
		"date-time": fastFormat{isDateTime, openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDateTime)},
		"objectid": openapi3.NewCallbackValidator(func(s string) error {
			if !isObjectID(s) {
				return errors.New("must be a 24-character hexadecimal object id")
			}
			return nil
		}),
		"uuid": openapi3.NewCallbackValidator(func(s string) error {
			if !isUUID(s) {
				return errors.New("must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6")
			}
			return nil
		}),
		"email": fastFormat{isPlainEmail, openapi3.NewCallbackValidator(checkEmail)},
		// date-dmy is a calendar date written DD.MM.YYYY, as pland's birthDate.
		"date-dmy": openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse("02.01.2006", s); err != nil {
				return errors.New("must be a calendar date written DD.MM.YYYY")
			}
			return nil
		}),
	}
}

// checkEmail accepts a bare address net/mail parses back to itself.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("must be a valid email address")
	}
	return nil
}

// isPlainEmail accepts the addresses most requests carry, local@domain with both parts
// dot-separated atoms of ASCII atext (RFC 5322), which checkEmail accepts too; anything
// else (quoted parts, non-ASCII, oddities) is left to checkEmail.
func isPlainEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && dotAtoms(s[:at]) && dotAtoms(s[at+1:])
}

func dotAtoms(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// fastFormat accepts what accept accepts without asking slow, the validator it stands in
// front of; slow decides, and words, the rest.
type fastFormat struct {
	accept func(string) bool
	slow   openapi3.StringFormatValidator
}

func (f fastFormat) Validate(s string) error {
	if f.accept(s) {
		return nil
	}
	return f.slow.Validate(s)
}

// isDate is openapi3.FormatOfStringDate without a regular expression:
// ^[0-9]{4}-(0[1-9]|10|11|12)-(0[1-9]|[12][0-9]|3[01])$
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) {
		return false
	}
	m1, m2, d1, d2 := s[5], s[6], s[8], s[9]
	month := (m1 == '0' && m2 >= '1' && m2 <= '9') || (m1 == '1' && m2 >= '0' && m2 <= '2')
	day := (d1 == '0' && d2 >= '1' && d2 <= '9') || ((d1 == '1' || d1 == '2') && isDigit(d2)) || (d1 == '3' && (d2 == '0' || d2 == '1'))
	return month && day
}

// isDateTime is openapi3.FormatOfStringDateTime without a regular expression: a date, then
// T([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)[0-9]{2}:[0-9]{2})$
func isDateTime(s string) bool {
	if len(s) < 20 || !isDate(s[:10]) || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	h1, h2, m1, m2, s1, s2 := s[11], s[12], s[14], s[15], s[17], s[18]
	if !((h1 == '0' || h1 == '1') && isDigit(h2) || h1 == '2' && h2 >= '0' && h2 <= '3') {
		return false
	}
	if !(m1 >= '0' && m1 <= '5' && isDigit(m2)) || !(s1 >= '0' && s1 <= '5' && isDigit(s2) || s1 == '6' && s2 == '0') {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digits(rest[1:3]) && rest[3] == ':' && digits(rest[4:6])
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isObjectID is ^[0-9a-fA-F]{24}$ without a regular expression: formats are checked for
// every field of every request.
func isObjectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// isUUID is ^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$ without a regular expression.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// FormatNames lists the string formats usermock checks.
func FormatNames() []string {
	return []string{"date", "date-time", "date-dmy", "email", "objectid", "uuid"}
}
