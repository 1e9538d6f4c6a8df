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
)

// Problem is one thing wrong with a spec or fixture file, located to a line.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

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
	lines, err := indexLines(data)
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
	api := &API{ID: id, File: file, Doc: doc, lines: lines}
	c := &compiler{api: api}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		c.problem("", "invalid OpenAPI document: %v", err)
	}
	c.compile()
	if len(c.problems) > 0 && c.fatal {
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
	src, _ := doc.Extensions["x-source-document"].(string)
	if src == "" {
		c.problem("", "missing x-source-document: name the seed document this spec is derived from")
	}
	c.api.Source = src
	var top struct {
		Errors ErrorShape `json:"errors"`
	}
	raw, ok := doc.Extensions["x-usermock"]
	if !ok {
		c.problem("", "missing x-usermock: the error shape (x-usermock.errors) is required")
	} else if err := decodeExtension(raw, &top); err != nil {
		c.problem("/x-usermock", "x-usermock: %v", err)
	}
	c.api.Errors = top.Errors
	if top.Errors.Body == nil {
		c.problem("/x-usermock", "x-usermock.errors.body: the error body template is required")
	}
	for k := range top.Errors.Kinds {
		if !k.Valid() {
			c.problem("/x-usermock/errors/kinds/"+string(k), "unknown failure kind %q (known: %v)", k, Kinds())
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
}

func (c *compiler) compileOp(p string, item *openapi3.PathItem, method string, op *openapi3.Operation) {
	ptr := "/paths/" + EscapePointer(p) + "/" + strings.ToLower(method)
	o := &Operation{ID: op.OperationID, Path: p, Method: method, PathItem: item, Op: op, Pointer: ptr,
		MediaType: map[string]string{}, Examples: map[int][]string{}}
	o.Route = &routers.Route{Spec: c.api.Doc, Path: p, PathItem: item, Method: method, Operation: op}
	if o.ID == "" {
		c.problem(ptr, "operation %s %s has no operationId", method, p)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.RequestBody = op.RequestBody.Value
		for ct := range op.RequestBody.Value.Content {
			o.MediaType[strings.ToLower(ct)] = ct
		}
	}
	c.compileResponses(o)
	c.compileSecurity(o)
	c.compileExtension(o)
	c.api.Ops = append(c.api.Ops, o)
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
		for _, mt := range ref.Value.Content {
			names := make([]string, 0, len(mt.Examples))
			for name := range mt.Examples {
				names = append(names, name)
			}
			sort.Strings(names)
			// "documented" is the document's own example: it comes first, so it is the default.
			sort.SliceStable(names, func(i, j int) bool { return names[i] == "documented" && names[j] != "documented" })
			o.Examples[status] = append(o.Examples[status], names...)
		}
	}
	sort.Ints(o.Statuses)
	if o.Success == 0 {
		c.problem(o.Pointer+"/responses", "no 2xx response documented")
	}
}

func (c *compiler) compileSecurity(o *Operation) {
	reqs := c.api.Doc.Security
	if o.Op.Security != nil {
		reqs = *o.Op.Security
	}
	if len(reqs) == 0 {
		return
	}
	var names []string
	for name := range reqs[0] {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var ref *openapi3.SecuritySchemeRef
		if c.api.Doc.Components != nil {
			ref = c.api.Doc.Components.SecuritySchemes[name]
		}
		if ref == nil || ref.Value == nil {
			c.problem(o.Pointer+"/security", "security scheme %q is not defined in components.securitySchemes", name)
			continue
		}
		s := ref.Value
		switch {
		case s.Type == "apiKey" && s.In == "header":
			o.Schemes = append(o.Schemes, SecurityScheme{Name: name, Header: s.Name})
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
			o.Schemes = append(o.Schemes, SecurityScheme{Name: name, Header: "Authorization", Bearer: true})
		default:
			c.problem("/components/securitySchemes/"+EscapePointer(name), "security scheme %q: only apiKey in header and http bearer are supported", name)
		}
	}
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
	if o.RequestBody == nil {
		return nil
	}
	for _, mt := range o.RequestBody.Content {
		if mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// RequestExamples returns the named request examples, "documented" first.
func (o *Operation) RequestExamples() ([]string, map[string]any) {
	values := map[string]any{}
	if o.RequestBody == nil {
		return nil, values
	}
	for _, mt := range o.RequestBody.Content {
		for name, ex := range mt.Examples {
			if ex.Value != nil {
				values[name] = ex.Value.Value
			}
		}
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool { return names[i] == "documented" && names[j] != "documented" })
	return names, values
}
