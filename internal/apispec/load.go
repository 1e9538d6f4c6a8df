package apispec

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/usermock/usermock/internal/render"
)

// Problem is one thing wrong with a spec or fixture file, located to a line. A warning is
// reported but does not stop the server: a feature the engine does not support, or a fixture
// for an API that is not loaded.
type Problem struct {
	File    string
	Line    int
	Message string
	Warning bool
}

func (p Problem) String() string {
	if p.Warning {
		return fmt.Sprintf("%s:%d: warning: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// Fatal returns the problems that are not warnings.
func (ps Problems) Fatal() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when there are none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Load reads every *.yaml file at the top of fsys as one API. It returns the APIs that loaded
// and every problem found; callers that serve traffic must refuse to start on any problem.
func Load(ctx context.Context, fsys fs.FS) ([]*API, Problems) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, Problems{{File: ".", Line: 0, Message: err.Error()}}
	}
	if len(names) == 0 {
		return nil, Problems{{File: ".", Line: 0, Message: "no *.yaml spec files found"}}
	}
	sort.Strings(names)
	specs := names[:0]
	for _, n := range names {
		if !strings.HasSuffix(n, ".fixtures.yaml") && !strings.HasSuffix(n, ".recorded.yaml") { // fixtures and recordings kept next to the specs
			specs = append(specs, n)
		}
	}
	names = specs
	if len(names) == 0 {
		return nil, Problems{{File: ".", Line: 0, Message: "no *.yaml spec files found"}}
	}
	var apis []*API
	var problems Problems
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			problems = append(problems, Problem{File: name, Message: err.Error()})
			continue
		}
		api, ps := LoadAPI(ctx, name, data)
		problems = append(problems, ps...)
		if api != nil {
			apis = append(apis, api)
		}
	}
	return apis, problems
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// LoadAPI loads one spec file. A nil API means it could not be used at all.
func LoadAPI(ctx context.Context, file string, data []byte) (*API, Problems) {
	id := strings.TrimSuffix(path.Base(file), path.Ext(file))
	lines, root, err := indexLines(data)
	if err != nil {
		line := 1
		if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, Problems{{File: file, Line: line, Message: "not valid YAML: " + err.Error()}}
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, Problems{{File: file, Line: 1, Message: "not a loadable OpenAPI document: " + err.Error()}}
	}
	doc.SetStringFormatValidators(stringFormats())
	api := &API{ID: id, File: file, Doc: doc, lines: lines, root: root}
	c := &compiler{api: api}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		c.problem(kinErrorPointer(err.Error()), "invalid OpenAPI document: %v", err)
	}
	c.compile()
	if len(c.problems.Fatal()) > 0 && c.fatal {
		return nil, c.problems
	}
	return api, c.problems
}

type compiler struct {
	api      *API
	problems Problems
	fatal    bool
}

func (c *compiler) problem(pointer, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.api.File, Line: c.api.Line(pointer), Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) warn(pointer, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.api.File, Line: c.api.Line(pointer), Message: fmt.Sprintf(format, args...), Warning: true})
}

// decodeExtension re-decodes a kin-openapi extension value (already plain JSON values) into v.
func decodeExtension(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (c *compiler) compile() {
	doc := c.api.Doc
	c.api.Source, _ = doc.Extensions["x-source-document"].(string)
	var top struct {
		Errors *ErrorShape `json:"errors"`
	}
	if raw, ok := doc.Extensions["x-usermock"]; ok {
		if err := decodeExtension(raw, &top); err != nil {
			c.problem("/x-usermock", "x-usermock: %v", err)
		}
	}
	if top.Errors == nil {
		c.api.Errors = StandardErrors()
	} else {
		c.api.Errors = *top.Errors
		if c.api.Errors.Body == nil {
			c.problem("/x-usermock/errors", "x-usermock.errors.body: the error body template is required")
		}
		c.api.Errors.Order = c.api.orderAt("/x-usermock/errors/body")
		c.api.Errors.Order.Freeze()
		c.api.Errors.KindOrder = map[Kind]*render.Order{}
		for k := range c.api.Errors.Kinds {
			if !k.Valid() {
				c.unknownName("/x-usermock/errors/kinds/"+EscapePointer(string(k)), "failure kind", string(k), "x-usermock.errors.kinds", kindNames())
			}
			c.api.Errors.KindOrder[k] = c.api.orderAt("/x-usermock/errors/kinds/" + string(k) + "/body")
			c.api.Errors.KindOrder[k].Freeze()
		}
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		c.problem("/paths", "no paths")
		c.fatal = true
		return
	}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		methods := item.Operations()
		names := make([]string, 0, len(methods))
		for m := range methods {
			names = append(names, m)
		}
		sort.Strings(names)
		for _, m := range names {
			c.compileOp(p, item, m, methods[m])
		}
	}
	c.inferBehaviours()
	c.collectHeaders()
	c.unsupported()
	c.lint()
}

// StandardErrors is the error shape of a spec that declares none: RFC 9457 problem details.
func StandardErrors() ErrorShape {
	o := render.NewOrder()
	for _, k := range []string{"type", "title", "status", "detail", "errors"} {
		o.Child(k)
	}
	o.Freeze()
	return ErrorShape{
		Standard: true,
		Body: map[string]any{"type": "about:blank", "title": "${reason}", "status": "${status}",
			"detail": "${message}", "errors": "${problems}"},
		Order: o,
	}
}

func (c *compiler) compileOp(p string, item *openapi3.PathItem, method string, op *openapi3.Operation) {
	ptr := "/paths/" + EscapePointer(p) + "/" + strings.ToLower(method)
	o := &Operation{ID: op.OperationID, Path: p, Method: method, PathItem: item, Op: op, Pointer: ptr,
		MediaType: map[string]string{}, Examples: map[int][]string{}, ResponseTypes: map[int][]string{},
		orders: map[string]*render.Order{}}
	if o.ID == "" {
		o.ID = strings.ToLower(method) + operationName(p)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.RequestBody = op.RequestBody.Value
		for ct := range op.RequestBody.Value.Content {
			o.MediaType[strings.ToLower(ct)] = ct
			o.Types = append(o.Types, ct)
		}
		sort.Strings(o.Types)
	}
	c.compileResponses(o)
	c.compileSecurity(o)
	// kin-openapi validates parameters; security is the mock's own (every alternative, with
	// fixtures), so the route kin sees has none.
	routeOp := *op
	routeOp.Security = &openapi3.SecurityRequirements{}
	o.Route = &routers.Route{Spec: c.api.Doc, Path: p, PathItem: item, Method: method, Operation: &routeOp}
	c.compileExtension(o)
	c.api.Ops = append(c.api.Ops, o)
}

// operationName makes an operation id from a path when the spec gives none:
// "/widgets/{id}" -> "Widgets_id".
func operationName(p string) string {
	var b strings.Builder
	for _, part := range strings.Split(p, "/") {
		part = strings.Trim(part, "{}")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func (c *compiler) compileResponses(o *Operation) {
	if o.Op.Responses == nil {
		c.problem(o.Pointer, "no responses")
		return
	}
	for code, ref := range o.Op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil {
			continue // "default" and ranges are documented but never chosen by number
		}
		o.Statuses = append(o.Statuses, status)
		if status >= 200 && status < 300 && (o.Success == 0 || status < o.Success) {
			o.Success = status
		}
		if ref.Value == nil {
			continue
		}
		types := make([]string, 0, len(ref.Value.Content))
		for mt := range ref.Value.Content {
			types = append(types, mt)
		}
		sort.Slice(types, func(i, j int) bool {
			ji, jj := isJSON(types[i]), isJSON(types[j])
			if ji != jj {
				return ji
			}
			return types[i] < types[j]
		})
		o.ResponseTypes[status] = types
		base := o.Pointer + "/responses/" + code + "/content/"
		for _, ct := range types {
			mt := ref.Value.Content[ct]
			names := make([]string, 0, len(mt.Examples))
			for name := range mt.Examples {
				names = append(names, name)
			}
			sort.Strings(names)
			// "documented" is the document's own example: it comes first, so it is the default.
			sort.SliceStable(names, func(i, j int) bool { return names[i] == "documented" && names[j] != "documented" })
			o.Examples[status] = append(o.Examples[status], names...)
			schemaOrder := c.api.schemaOrder(base + EscapePointer(ct) + "/schema")
			if _, ok := o.orders[strconv.Itoa(status)]; !ok {
				o.orders[strconv.Itoa(status)] = schemaOrder
			}
			for _, name := range names {
				ord := c.api.orderAt(base + EscapePointer(ct) + "/examples/" + EscapePointer(name) + "/value")
				ord.Merge(schemaOrder)
				o.orders[strconv.Itoa(status)+"/"+name] = ord
			}
			if mt.Example != nil {
				ord := c.api.orderAt(base + EscapePointer(ct) + "/example")
				ord.Merge(schemaOrder)
				o.orders[strconv.Itoa(status)+"/"] = ord
			}
		}
	}
	sort.Ints(o.Statuses)
	for _, ord := range o.orders {
		ord.Freeze()
	}
	if o.Success == 0 {
		c.problem(o.Pointer+"/responses", "no 2xx response documented")
	}
}

func isJSON(mt string) bool {
	mt = strings.ToLower(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// HasExample reports whether the operation documents an example called name for status.
func (o *Operation) HasExample(status int, name string) bool {
	for _, n := range o.Examples[status] {
		if n == name {
			return true
		}
	}
	return false
}

// Documents reports whether status is documented for the operation.
func (o *Operation) Documents(status int) bool {
	i := sort.SearchInts(o.Statuses, status)
	return i < len(o.Statuses) && o.Statuses[i] == status
}

// ExampleValue returns the value of a named example of a status, and whether it exists.
func (o *Operation) ExampleValue(status int, name string) (any, bool) {
	ref := o.Op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil, false
	}
	for _, mt := range ref.Value.Content {
		if ex, ok := mt.Examples[name]; ok && ex.Value != nil {
			return ex.Value.Value, true
		}
	}
	return nil, false
}

// ResponseSchema returns the JSON schema of a documented status, if any.
func (o *Operation) ResponseSchema(status int) *openapi3.Schema {
	ref := o.Op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil
	}
	for _, mt := range ref.Value.Content {
		if mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// RequestSchema returns the schema of the JSON request body, if any.
func (o *Operation) RequestSchema() *openapi3.Schema {
	if mt := o.primaryMedia(); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// PrimaryType is the request media type the operation is best exercised with: the first JSON
// type, else the first in name order; "" without a request body.
func (o *Operation) PrimaryType() string {
	for _, t := range o.Types {
		if isJSON(t) || strings.EqualFold(t, "text/json") {
			return t
		}
	}
	if len(o.Types) > 0 {
		return o.Types[0]
	}
	return ""
}

func (o *Operation) primaryMedia() *openapi3.MediaType {
	if o.RequestBody == nil {
		return nil
	}
	return o.RequestBody.Content[o.PrimaryType()]
}

// RequestExamples returns the named request examples of the primary media type, "documented"
// first; an unnamed `example` counts as "documented" when no example has that name.
func (o *Operation) RequestExamples() ([]string, map[string]any) {
	values := map[string]any{}
	mt := o.primaryMedia()
	if mt == nil {
		return nil, values
	}
	for name, ex := range mt.Examples {
		if ex.Value != nil {
			values[name] = ex.Value.Value
		}
	}
	if _, ok := values["documented"]; !ok && mt.Example != nil {
		values["documented"] = mt.Example
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool { return names[i] == "documented" && names[j] != "documented" })
	return names, values
}

// SingleExample returns the value of a status's unnamed `example`, if any.
func (o *Operation) SingleExample(status int) (any, bool) {
	ref := o.Op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil, false
	}
	for _, ct := range o.ResponseTypes[status] {
		if mt := ref.Value.Content[ct]; mt != nil && mt.Example != nil {
			return mt.Example, true
		}
	}
	return nil, false
}
