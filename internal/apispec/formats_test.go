package apispec

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var (
	dateRe     = regexp.MustCompile(openapi3.FormatOfStringDate)
	dateTimeRe = regexp.MustCompile(openapi3.FormatOfStringDateTime)
	objectIDRe = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// The hand-written checks accept exactly what the regular expressions they replace accept.
func FuzzFormatChecks(f *testing.F) {
	for _, s := range []string{"3fa85f64-5717-4562-b3fc-2c963f66afa6", "3FA85F64-5717-4562-B3FC-2C963F66AFA6", "5f1d7a3b9c2e4a6b8d0f1e2a",
		"3fa85f64-5717-4562-b3fc-2c963f66afa6\n", "3fa85f64_5717-4562-b3fc-2c963f66afa6", "", "g" + strings.Repeat("0", 23),
		"2026-11-24", "2026-13-01", "2026-02-30", "2026-11-24T08:49:28Z", "2026-11-24T23:59:60.123+05:30",
		"2026-11-24T24:00:00Z", "2026-11-24T08:49:28.Z", "2026-11-24T08:49:28z", "2026-11-24t08:49:28Z", "2026-11-24T08:49:28+0530",
		"a@b.example", "a.b+c@d-e.example", "a..b@c", ".a@b", "a@b.", "a@", "@b", "a@b@c", "a b@c", "x{|}~@y", "ü@x.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isUUID(s), uuidRe.MatchString(s); got != want {
			t.Fatalf("isUUID(%q) = %v, the regexp says %v", s, got, want)
		}
		if isPlainEmail(s) && checkEmail(s) != nil {
			t.Fatalf("isPlainEmail(%q) accepts what net/mail refuses: %v", s, checkEmail(s))
		}
		if got, want := isDate(s), dateRe.MatchString(s); got != want {
			t.Fatalf("isDate(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := isDateTime(s), dateTimeRe.MatchString(s); got != want {
			t.Fatalf("isDateTime(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := isObjectID(s), objectIDRe.MatchString(s); got != want {
			t.Fatalf("isObjectID(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}

func TestFastFormatsTakeTheCommonCase(t *testing.T) {
	for _, s := range []string{"a@b.example", "jane.doe+tag@mail.example.com", "TEST_1@x-y.io"} {
		if !isPlainEmail(s) {
			t.Errorf("isPlainEmail(%q) = false", s)
		}
	}
	for _, s := range []string{"2026-11-24T08:49:28Z", "2026-11-24T08:49:28.123456+05:30"} {
		if !isDateTime(s) {
			t.Errorf("isDateTime(%q) = false", s)
		}
	}
}
