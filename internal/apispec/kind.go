package apispec

import "net/http"

// Kind names a class of failure. Every error the mock sends has exactly one kind; the spec's
// x-usermock.errors.kinds maps each kind to a status, an example name and template variables.
type Kind string

// The failure kinds. Their default statuses live in one table, defaultStatus.
const (
	KindValidation           Kind = "validation"
	KindMalformed            Kind = "malformed"
	KindUnauthorized         Kind = "unauthorized"
	KindForbidden            Kind = "forbidden"
	KindNotFound             Kind = "notFound"
	KindMethodNotAllowed     Kind = "methodNotAllowed"
	KindNotAcceptable        Kind = "notAcceptable"
	KindConflict             Kind = "conflict"
	KindLimitExceeded        Kind = "limitExceeded"
	KindTooLarge             Kind = "tooLarge"
	KindUnsupportedMediaType Kind = "unsupportedMediaType"
	KindUnavailable          Kind = "unavailable"
	KindInternal             Kind = "internal"
)

// defaultStatus is the one place that maps a failure kind to an HTTP status when a spec does
// not say otherwise.
var defaultStatus = map[Kind]int{
	KindValidation:           http.StatusBadRequest,
	KindMalformed:            http.StatusBadRequest,
	KindUnauthorized:         http.StatusUnauthorized,
	KindForbidden:            http.StatusForbidden,
	KindNotFound:             http.StatusNotFound,
	KindMethodNotAllowed:     http.StatusMethodNotAllowed,
	KindNotAcceptable:        http.StatusNotAcceptable,
	KindConflict:             http.StatusConflict,
	KindLimitExceeded:        http.StatusForbidden,
	KindTooLarge:             http.StatusRequestEntityTooLarge,
	KindUnsupportedMediaType: http.StatusUnsupportedMediaType,
	KindUnavailable:          http.StatusServiceUnavailable,
	KindInternal:             http.StatusInternalServerError,
}

// Kinds lists every failure kind, in a stable order.
func Kinds() []Kind {
	return []Kind{KindValidation, KindMalformed, KindUnauthorized, KindForbidden, KindNotFound,
		KindMethodNotAllowed, KindNotAcceptable, KindConflict, KindLimitExceeded, KindTooLarge,
		KindUnsupportedMediaType, KindUnavailable, KindInternal}
}

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	_, ok := defaultStatus[k]
	return ok
}
