// Package contracttest checks that a server honours an API's documented contract: the
// OpenAPI spec and its x-usermock rules. It is the engine of "usermock test" and can run
// inside go test:
//
//	func TestVendorContract(t *testing.T) {
//		contracttest.Run(t, contracttest.Config{
//			API:     "ruangkerja",
//			BaseURL: "http://127.0.0.1:4010/ruangkerja",
//			Header:  http.Header{"Authorization": {"access_token"}},
//		})
//	}
//
// Each case has a stable id ("createUser/body/employeeID/pattern") and is one of:
//   - positive: every named request example, the documented example with every optional
//     field filled in, and requests generated from the schema;
//   - negative: each constraint of each field broken alone (required, type, maxLength+1,
//     minLength-1, pattern, format, enum, minimum, maximum), an anyOf of required fields
//     unmet, a rule broken (a field that must equal another, a field that must name an
//     existing record), credentials missing, wrong method, unknown path, wrong content type,
//     malformed JSON, an Accept the operation cannot answer;
//   - stateful: a create, then a second one the uniqueness rule must refuse (or, on one
//     record, two creates and a change that takes the first's unique values).
//
// An operation on one record (read, replace, update, delete) creates its record in a first
// step of each positive case and takes the key from that step's response (Request.Ref); a
// key no record has must answer the notFound status.
//
// Before a case is sent, the harness checks it with kin-openapi: a negative request the
// spec would accept, or a positive one it would refuse, is a harness error and the case is
// skipped, never blamed on the server. Every answer is judged by a Judge, which another
// component (a validating proxy) can use on live traffic: a documented status and content
// type, the status class (2xx for positive, 4xx for negative) and the status the spec assigns
// to that failure, a body valid against the schema of its status, Allow on 405 and
// WWW-Authenticate on 401, the documented error of the failure provoked (its kind's and its
// rule's vars), the echoed fields of a success equal to what was sent, and secrets (writeOnly
// fields) never echoed back.
//
// Some checks span the steps of a case: two creates answer different generated ids, a
// record read back is what the create answered, a change read back holds what it sent. Rules
// about the caller's own account are exercised with Config.Scenarios: callers the server
// knows that the rule refuses.
//
// A server that cannot be reached stops the run with one error (Report.Err), not a failure
// per case; Config.Wait waits for a server that is still starting.
//
// Fields under a uniqueness rule get values derived from Config.Seed, different in every
// request, so cases do not collide with each other or with earlier runs with other seeds.
package contracttest
