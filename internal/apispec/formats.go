package apispec

import (
	"errors"
	"net/mail"
	"regexp"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Formats kin-openapi does not check by default but the documents use. They are registered
// per document, never globally, so two servers in one process cannot interfere.
var (
	objectIDRe = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func stringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"date":      openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDate),
		"date-time": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringDateTime),
		"objectid": openapi3.NewCallbackValidator(func(s string) error {
			if !objectIDRe.MatchString(s) {
				return errors.New("must be a 24-character hexadecimal object id")
			}
			return nil
		}),
		"uuid": openapi3.NewCallbackValidator(func(s string) error {
			if !uuidRe.MatchString(s) {
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

// FormatNames lists the string formats usermock checks.
func FormatNames() []string {
	return []string{"date", "date-time", "date-dmy", "email", "objectid", "uuid"}
}
