package mocks

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// EmptyDefaultExtension on a property schema says the document treats an empty string like a
// missing value: it takes the default ("Default value if left empty: Y").
const EmptyDefaultExtension = "x-usermock-default-if-empty"

// defaultValue is a schema default, found once at start-up: the property at path takes value
// when it is missing (or, with ifEmpty, when it is "").
type defaultValue struct {
	path    []string
	value   any
	ifEmpty bool
}

// collectDefaults lists the defaults of an object schema's properties, nested objects and
// allOf parts included. kin-openapi sets defaults while it validates and treats an explicit
// null as missing; the mock validates first and sets defaults after, on absent keys only.
func collectDefaults(s *openapi3.Schema, at []string, depth int) []defaultValue {
	if s == nil || depth > 8 {
		return nil
	}
	var out []defaultValue
	for _, sub := range s.AllOf {
		out = append(out, collectDefaults(sub.Value, at, depth+1)...)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name].Value
		if p == nil {
			continue
		}
		path := append(append([]string(nil), at...), name)
		if p.Default != nil {
			ifEmpty, _ := p.Extensions[EmptyDefaultExtension].(bool)
			out = append(out, defaultValue{path: path, value: jsonvalue.Normalize(p.Default), ifEmpty: ifEmpty})
		}
		if p.Type.Is("object") || len(p.Properties) > 0 {
			out = append(out, collectDefaults(p, path, depth+1)...)
		}
	}
	return out
}

// emptyDefaults replaces "" by the default where the schema says empty means default; it
// runs before validation, so "" is not refused by an enum.
func (b *bodyCheck) emptyDefaults(body any) {
	for _, d := range b.defaults {
		if !d.ifEmpty {
			continue
		}
		parent, ok := jsonvalue.Get(body, d.path[:len(d.path)-1])
		m, isObj := parent.(map[string]any)
		if !ok || !isObj {
			continue
		}
		if s, ok := m[d.path[len(d.path)-1]].(string); ok && s == "" {
			m[d.path[len(d.path)-1]] = jsonvalue.Copy(d.value)
		}
	}
}

// applyDefaults sets the defaults of absent properties whose parent object is present; an
// explicit null is left for validation to judge, never replaced.
func (b *bodyCheck) applyDefaults(body any) {
	for _, d := range b.defaults {
		parent, ok := jsonvalue.Get(body, d.path[:len(d.path)-1])
		m, isObj := parent.(map[string]any)
		if !ok || !isObj {
			continue
		}
		if _, present := m[d.path[len(d.path)-1]]; !present {
			m[d.path[len(d.path)-1]] = jsonvalue.Copy(d.value)
		}
	}
}
