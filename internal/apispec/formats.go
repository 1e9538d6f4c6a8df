package apispec

import (
	"errors"
	"net/mail"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Formats kin-openapi does not check by default but the documents use. They are registered
// per document, never globally, so two servers in one process cannot interfere.
func stringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"date":      openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDate),
		"date-time": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDateTime),
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
		"email": openapi3.NewCallbackValidator(func(s string) error {
			a, err := mail.ParseAddress(s)
			if err != nil || a.Address != s || a.Name != "" {
				return errors.New("must be a valid email address")
			}
			return nil
		}),
		// date-dmy is a calendar date written DD.MM.YYYY, as pland's birthDate.
		"date-dmy": openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse("02.01.2006", s); err != nil {
				return errors.New("must be a calendar date written DD.MM.YYYY")
			}
			return nil
		}),
	}
}

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
