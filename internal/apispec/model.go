package apispec

import (
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/render"
)

// API is one loaded and compiled spec: one vendor's API, mounted at /<ID>.
type API struct {
	ID     string // file name without extension, e.g. "ruangkerja"
	File   string // file name inside the specs directory
	Source string // x-source-document: the seed the spec is derived from; "" for a plain spec
	Doc    *openapi3.T
	Errors ErrorShape
	Ops    []*Operation
	// Headers lists the request headers the API reads (security schemes and header
	// parameters), for CORS preflights.
	Headers []string

	lines lineIndex
	root  *yaml.Node
}

// Line returns the line of the spec file that holds the value at the JSON pointer, or the
// nearest enclosing value that has one.
func (a *API) Line(pointer string) int { return a.lines.line(pointer) }

// ErrorShape is the API's error body, from x-usermock.errors.
type ErrorShape struct {
	// FieldPrefix is put before field names in ${modelState} keys ("user." for ASP.NET).
	FieldPrefix string `json:"fieldPrefix"`
	// Body is the JSON template of every error body; see Render.
	Body any `json:"body"`
	// Kinds maps each failure kind to its status, example and variables.
	Kinds map[Kind]KindShape `json:"kinds"`
	// Problems words one problem, by the keyword that failed ("required", "pattern", "rule",
	// ...; "default" for the rest), with ${field}, ${reason}, ${keyword} and ${value}.
	Problems map[string]string `json:"problems"`
	// Standard is set when the spec declares no error shape: errors are RFC 9457 problem
	// details, application/problem+json.
	Standard bool `json:"-"`
	// Order is the documented key order of Body; KindOrder that of each kind's own body.
	Order     *render.Order          `json:"-"`
	KindOrder map[Kind]*render.Order `json:"-"`
}

// ProblemTemplate returns how one problem with the keyword is worded.
func (e ErrorShape) ProblemTemplate(keyword string) string {
	if t, ok := e.Problems[keyword]; ok {
		return t
	}
	if t, ok := e.Problems["default"]; ok {
		return t
	}
	return ""
}

// KindShape is how one failure kind is answered.
type KindShape struct {
	Status  int            `json:"status"`
	Example string         `json:"example"`
	Vars    map[string]any `json:"vars"`
	Body    any            `json:"body"` // replaces ErrorShape.Body for this kind when set
	Order   *render.Order  `json:"-"`    // the key order of Body
}

// Kind returns how the API answers a failure of kind k, falling back to the default status.
func (e ErrorShape) Kind(k Kind) KindShape {
	ks := e.Kinds[k]
	if ks.Status == 0 {
		ks.Status = defaultStatus[k]
	}
	ks.Order = e.KindOrder[k]
	if ks.Body == nil {
		ks.Body = e.Body
		ks.Order = e.Order
	}
	return ks
}

// Operation is one documented operation with everything the mock needs, computed at load.
type Operation struct {
	ID        string // operationId
	Path      string // documented path, e.g. "/ruangkerja/users"
	Method    string
	PathItem  *openapi3.PathItem
	Op        *openapi3.Operation
	Pointer   string            // JSON pointer of the operation in the spec
	MediaType map[string]string // accepted request content type -> content key in the spec

	Accept      []string         // acceptable response types, from x-usermock.accept
	Credentials *BodyCredentials // credentials carried in the JSON body
	Rules       []*Rule          // business rules, in order
	Echo        []EchoEntry      // response fields filled from the request
	// EchoDeclared is set when the spec declares the echo; otherwise a create's echo is
	// inferred from the field names its request and response share.
	EchoDeclared bool
	Success      int              // the documented success status
	Statuses     []int            // every documented status, ascending
	Examples     map[int][]string // named examples per status, in spec order
	// Security lists the alternatives of the operation's security requirement: one of them
	// must be met, each by all of its schemes. An empty alternative makes credentials optional.
	Security [][]SecurityScheme
	Schemes  []SecurityScheme // every scheme of every alternative, once
	// Types lists the request body's media types as the spec writes them, sorted.
	Types []string
	// ResponseTypes lists each documented status's content types, sorted, JSON first.
	ResponseTypes map[int][]string

	// Behaviour is what the operation does with the API's records; see behaviour.go.
	Behaviour Behaviour
	// Collection is the path template of the collection the operation's records belong to.
	Collection string
	// ItemParam is the path parameter naming the record, for operations on one record.
	ItemParam string
	// Key is where a created record's key is, in the create operation's success response,
	// as JSON pointer tokens; nil when records have no key (they cannot be read back).
	Key []string
	// Creator is the create operation of the collection, for the other behaviours.
	Creator *Operation

	orders      map[string]*render.Order // "status/example" -> key order; "status" -> schema order
	Extensions  map[string]any           // the raw x-usermock object, for lint
	RequestBody *openapi3.RequestBody
	// Route is the operation as kin-openapi's openapi3filter validates it, built once.
	Route *routers.Route
}

// SecurityScheme is a credential an operation may require.
type SecurityScheme struct {
	Name   string // the scheme's name in components.securitySchemes
	In     string // header, query or cookie
	Header string // the header, query parameter or cookie it is read from
	Prefix string // the value must be "<Prefix> <token>" (Bearer, Basic); "" takes it as is
	Bearer bool   // Prefix is "Bearer"
}

// BodyCredentials declares credentials sent as JSON body fields (superfy's deviceID + token).
type BodyCredentials struct {
	In     string   `json:"in"`
	Fields []string `json:"fields"`
}

// Rule is one documented business rule that plain OpenAPI cannot express.
type Rule struct {
	ID         string    `json:"id"`
	Check      string    `json:"check"` // unique, equals, lookup, includes, limit
	Field      Path      `json:"field"`
	To         Path      `json:"to"`
	Fields     []Path    `json:"fields"`
	Scope      Path      `json:"scope"`
	Max        Path      `json:"max"`
	Collection string    `json:"collection"`
	Key        string    `json:"key"`
	As         string    `json:"as"`
	Values     []any     `json:"values"`
	Fold       bool      `json:"fold"`
	Error      RuleError `json:"error"`
	Pointer    string    `json:"-"`
}

// The rule checks.
const (
	CheckUnique   = "unique"
	CheckEquals   = "equals"
	CheckLookup   = "lookup"
	CheckIncludes = "includes"
	CheckLimit    = "limit"
)

// RuleError is what a broken rule answers.
type RuleError struct {
	Kind    Kind           `json:"kind"`
	Field   string         `json:"field"`
	Message string         `json:"message"` // may use ${value} and ${max}
	Example string         `json:"example"`
	Vars    map[string]any `json:"vars"`
}

// EchoEntry fills the response value at Pointer from Source.
type EchoEntry struct {
	Pointer string
	Source  Source
}
