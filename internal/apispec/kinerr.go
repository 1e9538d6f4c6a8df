package apispec

import (
	"regexp"
	"strings"
)

var (
	kinOperationRe = regexp.MustCompile(`operation (GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) (/\S*)`)
	kinPathOpRe    = regexp.MustCompile(`invalid path (/\S*?): invalid operation (GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE)\b`)
	kinPathRe      = regexp.MustCompile(`invalid paths: (?:invalid path )?(/\S*?):? `)
	kinComponentRe = regexp.MustCompile(`(schema|security scheme|response|parameter|example|request body|header) "([^"]+)"`)
	kinComponents  = map[string]string{"schema": "schemas", "security scheme": "securitySchemes", "response": "responses",
		"parameter": "parameters", "example": "examples", "request body": "requestBodies", "header": "headers"}
)

// kinErrorPointer finds, in a kin-openapi validation error, what it is about (an operation,
// a path, a named component), so the problem points at its line rather than the top.
func kinErrorPointer(msg string) string {
	if m := kinOperationRe.FindStringSubmatch(msg); m != nil {
		return "/paths/" + EscapePointer(m[2]) + "/" + strings.ToLower(m[1])
	}
	if m := kinPathOpRe.FindStringSubmatch(msg); m != nil {
		return "/paths/" + EscapePointer(m[1]) + "/" + strings.ToLower(m[2])
	}
	if strings.HasPrefix(msg, "invalid components") {
		if m := kinComponentRe.FindStringSubmatch(msg); m != nil {
			return "/components/" + kinComponents[m[1]] + "/" + EscapePointer(m[2])
		}
	}
	if m := kinPathRe.FindStringSubmatch(msg); m != nil {
		return "/paths/" + EscapePointer(m[1])
	}
	return ""
}
