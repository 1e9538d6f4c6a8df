// Package apispec loads usermock's OpenAPI specs and compiles their x-usermock extensions
// (error shape, credentials in the body, business rules, response echo) into typed values,
// once, at start-up. The mock server, the linter and the contract-test harness all read specs
// through this package, so a rule means the same thing everywhere.
//
// The extension vocabulary is documented in specs/README.md.
package apispec
