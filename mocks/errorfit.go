package mocks

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fake"
	"github.com/usermock/usermock/internal/jsonvalue"
	"github.com/usermock/usermock/internal/render"
)

// A spec without x-usermock.errors answers RFC 9457 problem details, except where it
// documents the error status with a JSON schema of its own: then the answer takes that
// shape, its fields filled with the real cause by their names (message, code, errors, ...).

// errorShape is an error status's own documented shape, computed at start-up.
type errorShape struct {
	base   any // the documented example, or a value made once from the schema
	schema *openapi3.Schema
	order  *render.Order
}

// compileErrorShapes finds the error statuses documented with a schema that is not problem
// details.
func (o *opState) compileErrorShapes() {
	if !o.api.api.Errors.Standard {
		return
	}
	for _, status := range o.op.Statuses {
		if status < 400 {
			continue
		}
		s := o.op.ResponseSchema(status)
		if s == nil || len(renderable(o.op.ResponseTypes[status])) == 0 || problemLike(s) {
			continue
		}
		name := ""
		var base any
		if names := o.op.Examples[status]; len(names) > 0 {
			name = names[0]
			base, _ = o.op.ExampleValue(status, name)
		} else if v, ok := o.op.SingleExample(status); ok {
			base = v
		} else {
			g := o.api.srv.gen
			g.mu.Lock()
			base = fake.Value(g.faker, s, "", fake.Response)
			g.mu.Unlock()
		}
		if o.errorShapes == nil {
			o.errorShapes = map[int]*errorShape{}
		}
		o.errorShapes[status] = &errorShape{base: jsonvalue.Normalize(base), schema: s, order: o.op.Order(status, name)}
	}
}

// problemLike reports whether a schema is RFC 9457 problem details (or leaves the shape open).
func problemLike(s *openapi3.Schema) bool {
	props := apispec.AllProperties(s)
	if len(props) == 0 {
		return true
	}
	has := func(k string) bool { _, ok := props[k]; return ok }
	return has("title") || has("detail") || has("type") && has("status")
}

// fit fills an error status's documented shape with a failure's cause.
func (e *errorShape) fit(out rendered) any {
	body, ok := jsonvalue.Copy(e.base).(map[string]any)
	if !ok {
		body = map[string]any{}
	}
	for name, ps := range apispec.AllProperties(e.schema) {
		if v, ok := fillByName(name, ps, out); ok {
			body[name] = v
		}
	}
	return body
}

// fillByName is the cause's value for an error field, chosen by the field's name and type.
func fillByName(name string, s *openapi3.Schema, out rendered) (any, bool) {
	if s == nil {
		return nil, false
	}
	message, _ := out.vars["message"].(string)
	reason, _ := out.vars["reason"].(string)
	isString, isInt := s.Type.Is(openapi3.TypeString), s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber)
	switch strings.ToLower(strings.ReplaceAll(name, "_", "")) {
	case "message", "detail", "details", "description", "errordescription", "msg", "errormessage":
		if isString {
			return message, true
		}
	case "error", "title", "reason", "errortype":
		if isString {
			return reason, true
		}
	case "code", "errorcode", "status", "statuscode", "httpstatus", "httpcode":
		switch {
		case isInt:
			return out.status, true
		case isString && len(s.Enum) == 0:
			return strings.ToUpper(strings.ReplaceAll(reason, " ", "_")), true
		}
	}
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		switch strings.ToLower(name) {
		case "errors", "details", "problems", "violations", "messages", "issues":
			return fitList(s.Items.Value, out), true
		}
	}
	return nil, false
}

// fitList lists the problems as the documented items: strings, or objects whose fields are
// filled by name (field/path/name, message/reason/detail).
func fitList(item *openapi3.Schema, out rendered) []any {
	messages, _ := out.vars["messages"].([]string)
	problems, _ := out.vars["problems"].([]any)
	list := make([]any, 0, len(messages))
	for i, m := range messages {
		if !item.Type.Is(openapi3.TypeObject) && len(item.Properties) == 0 {
			list = append(list, m)
			continue
		}
		p, _ := problems[i].(map[string]any)
		obj := map[string]any{}
		for name, ps := range item.Properties {
			if ps.Value == nil || !ps.Value.Type.Is(openapi3.TypeString) {
				continue
			}
			switch strings.ToLower(name) {
			case "field", "path", "name", "property", "param", "parameter", "location", "pointer":
				if f, ok := p["field"]; ok {
					obj[name] = f
				}
			case "message", "reason", "detail", "description", "msg", "error":
				obj[name] = p["reason"]
			}
		}
		list = append(list, obj)
	}
	return list
}
