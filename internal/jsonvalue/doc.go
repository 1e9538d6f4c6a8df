// Package jsonvalue is the one model of a JSON value the mocks and the contract tests share:
// map[string]any, []any, string, bool, nil and json.Number, as encoding/json decodes with
// UseNumber.
//
// Normalize brings any Go value (YAML fixtures, generated data) to that form; Key and Equal
// compare values, numbers by value whatever their Go type or text; Get, Set and Delete address
// a value by the reference tokens of a JSON pointer (ParsePointer, FormatPointer); Copy copies
// one deeply.
package jsonvalue
