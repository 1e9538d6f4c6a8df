// Package mocks serves request-validating mocks of the APIs described by usermock's specs.
//
// Every API is mounted at /<id> followed by its documented paths. A request goes through the
// same steps for every API, each driven by the spec: size limit, content type, Accept, JSON
// decoding, credentials (headers or body), parameter and body validation with kin-openapi,
// the spec's x-usermock rules, and an atomic create in the store. The answer is the
// documented success example with fields echoed from the request, or an error rendered from
// the spec's error template with the real cause. Each response carries X-Usermock-Decision,
// which says why it was chosen.
package mocks
