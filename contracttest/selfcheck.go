package contracttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// selfChecker validates the harness's own requests with kin-openapi before they are sent: a
// negative case the spec would accept, or a positive one it would refuse, is a bug in the
// harness, never the server's fault.
type selfChecker struct {
	api        *apispec.API
	op         *apispec.Operation
	opts       *openapi3filter.Options
	pathParams map[string]string
}

func newSelfChecker(api *apispec.API, op *apispec.Operation) *selfChecker {
	c := &selfChecker{api: api, op: op}
	c.opts = &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: api.Doc.GetSchemaValidationOptions(),
	}
	return c
}

func (c *selfChecker) validate(r *Request) error {
	if err := c.validateSchema(r); err != nil {
		return err
	}
	return c.checkRules(r)
}

func (c *selfChecker) validateSchema(r *Request) error {
	if r.Method != c.op.Method {
		return fmt.Errorf("method %s is not the operation's", r.Method)
	}
	if r.encodeErr != nil {
		return fmt.Errorf("the body cannot be sent as %s: %w", r.Header.Get("Content-Type"), r.encodeErr)
	}
	path := r.Path
	if r.Ref != nil { // checked with the parameter's generated value; the created key replaces it
		path = strings.Replace(path, "{"+r.Ref.Param+"}", url.PathEscape(c.pathParams[r.Ref.Param]), 1)
	}
	req := httptest.NewRequest(r.Method, path, bytes.NewReader(r.Body))
	req.Header = r.Header.Clone()
	// kin-openapi decodes only the media types it knows (JSON, +json, forms, ...); another
	// JSON type the operation accepts (crm's text/json) is checked as application/json, the
	// same bytes.
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); openapi3filter.RegisteredBodyDecoder(mt) == nil && !strings.HasSuffix(mt, "+json") && strings.HasSuffix(mt, "json") {
		if _, ok := c.op.MediaType[mt]; ok {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	// The mock's own authenticator: any present, well-formed credential meets the spec, which
	// says where credentials go, not which ones are valid.
	if auth := c.op.Authenticate(req); !auth.Met {
		var parts []string
		for _, p := range auth.Problems {
			parts = append(parts, strings.TrimSpace(p.Field+" "+p.Reason))
		}
		return fmt.Errorf("security: %s", strings.Join(parts, "; "))
	}
	in := &openapi3filter.RequestValidationInput{Request: req, Route: c.op.Route, PathParams: pathParams(c.op.Path, path), Options: c.opts}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// checkRules checks the rules the harness can evaluate alone: a field that must equal another.
func (c *selfChecker) checkRules(r *Request) error {
	for _, rule := range c.op.Rules {
		if rule.Check != apispec.CheckEquals || rule.Field.Root != "body" || rule.To.Root != "body" {
			continue
		}
		a, _ := jsonvalue.Get(r.json, rule.Field.Keys)
		b, _ := jsonvalue.Get(r.json, rule.To.Keys)
		if !jsonvalue.Equal(a, b) {
			return fmt.Errorf("rule %s: %s differs from %s", rule.ID, strings.Join(rule.Field.Keys, "."), strings.Join(rule.To.Keys, "."))
		}
	}
	return nil
}

// accepts returns why the spec refuses r, or nil when it accepts it.
func (c *selfChecker) accepts(r *Request) error {
	if err := c.validate(r); err != nil {
		return errors.New(oneLine(err.Error()))
	}
	return nil
}

// acceptsSchema is accepts without the rules, for cases that break a rule on purpose.
func (c *selfChecker) acceptsSchema(r *Request) error {
	if err := c.validateSchema(r); err != nil {
		return errors.New(oneLine(err.Error()))
	}
	return nil
}

// rejects returns an error when the spec accepts r.
func (c *selfChecker) rejects(r *Request) error {
	if c.validate(r) == nil {
		return errors.New("the spec accepts this negative request, so the case would prove nothing")
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
