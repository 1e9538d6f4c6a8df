package apispec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/specs"
)

// lintBase is a small clean spec. Each lint case edits it (old -> new) and marks the line the
// problem must be reported on with "# <-".
const lintBase = `openapi: 3.0.3
info: {title: lint, version: "1"}
x-usermock:
  x-note: annotations are allowed anywhere inside x-usermock
  errors:
    body: {code: "${code}", detail: "${message}", status: "${status}"}
    problems: {required: "${field} is missing", default: "${field}: ${reason}"}
    kinds:
      validation: {status: 400, vars: {code: 1}, x-note: fine}
      malformed: {status: 400, vars: {code: 2}}
      notFound: {status: 404, vars: {code: 3}}
      methodNotAllowed: {status: 405, vars: {code: 4}}
      conflict: {status: 409, vars: {code: 5}}
      tooLarge: {status: 413, vars: {code: 6}}
      unsupportedMediaType: {status: 415, vars: {code: 7}}
paths:
  /users:
    post:
      operationId: createUser
      x-usermock:
        rules:
          - id: email_unique
            check: unique
            fields: [body/email]
            fold: true
            x-note: fine
            error: {kind: conflict, field: email, message: 'email ${value} is taken by ${body/username}', vars: {code: 9}}
        echo:
          "": body
          /id: $regex:[a-f0-9]{8}
          /tags/0/name: body/username
          /meta/a: body/username
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  tags: {type: array, items: {type: object, properties: {name: {type: string}}}}
              example: {id: "1", tags: [], meta: {a: 1}}
        '400': {description: bad}
        '404': {description: not found}
        '405': {description: not allowed}
        '409': {description: conflict}
        '413': {description: too large}
        '415': {description: unsupported}
components:
  schemas:
    User:
      type: object
      properties:
        email: {type: string}
        username: {type: string}
`

func loadLint(t *testing.T, spec string) apispec.Problems {
	t.Helper()
	_, problems := apispec.LoadAPI(context.Background(), "lint.yaml", []byte(spec))
	return problems
}

func TestLintBaseIsClean(t *testing.T) {
	assert.Empty(t, loadLint(t, lintBase))
}

func TestLint(t *testing.T) {
	tests := []struct {
		name    string
		edits   []string // old, new, old, new...
		want    string
		warning bool
	}{
		// 1. unknown keys, with the nearest valid name
		{"rule key typo", []string{"            fold: true", "            flod: true # <-"},
			`unknown key "flod" in rule "email_unique"; did you mean "fold"?`, false},
		{"rule instead of check", []string{"            check: unique", "            rule: unique # <-"},
			`unknown key "rule" in rule "email_unique" (known: id, check,`, false},
		{"rule error key", []string{"field: email, message:", "field: email, mesage:"},
			`unknown key "mesage" in rule "email_unique" error; did you mean "message"?`, false},
		{"top-level key", []string{"  x-note: annotations", "  eror: {} # <-\n  x-note: annotations"},
			`unknown key "eror" in x-usermock; did you mean "errors"?`, false},
		{"errors key, case-insensitive", []string{"    problems:", "    fieldprefix: user. # <-\n    problems:"},
			`unknown key "fieldprefix" in x-usermock.errors; did you mean "fieldPrefix"?`, false},
		{"kind key", []string{"      notFound: {status: 404, vars: {code: 3}}", "      notFound: {stauts: 404, vars: {code: 3}} # <-"},
			`unknown key "stauts" in x-usermock.errors.kinds.notFound; did you mean "status"?`, false},
		{"kind name", []string{"      notFound: {status: 404, vars: {code: 3}}", "      notFund: {status: 404, vars: {code: 3}} # <-"},
			`unknown failure kind "notFund" in x-usermock.errors.kinds; did you mean "notFound"?`, false},
		{"problem keyword", []string{"{required: ", "{requird: "},
			`unknown problem keyword "requird" in x-usermock.errors.problems; did you mean "required"?`, false},
		{"operation key", []string{"        echo:\n", "        eco: {} # <-\n        echo:\n"},
			`unknown key "eco" in createUser x-usermock; did you mean "echo"?`, false},
		{"accept key", []string{"        echo:\n", "        accept: {type: [application/json]} # <-\n        echo:\n"},
			`unknown key "type" in createUser x-usermock.accept; did you mean "types"?`, false},
		{"credentials key", []string{"        echo:\n", "        credentials: {in: body, fields: [email], feilds: []} # <-\n        echo:\n"},
			`unknown key "feilds" in createUser x-usermock.credentials; did you mean "fields"?`, false},
		{"echo key not a pointer", []string{"          /meta/a: body/username", "          meta/a: body/username # <-"},
			`echo key "meta/a" must be a JSON pointer`, false},

		// 2. $regex generators compile at load
		{"invalid regex", []string{"$regex:[a-f0-9]{8}", "$regex:[a- # <-"},
			"error parsing regexp: missing closing ]", false},
		{"regex gofakeit cannot generate", []string{"$regex:[a-f0-9]{8}", `$regex:a\bb # <-`},
			"the generator cannot make a value that matches", false},

		// 3. echo targets exist in the success example or its schema
		{"echo target nowhere", []string{"          /meta/a: body/username", "          /meta/b: body/username # <-"},
			"echo target /meta/b is neither in the success example nor in its schema", false},

		// 4. template variables are defined
		{"body variable no kind defines", []string{`detail: "${message}"`, `detail: "${title}"`},
			"error template uses ${title}, which is not defined for kinds validation, malformed, notFound, methodNotAllowed, conflict, tooLarge, unsupportedMediaType", false},
		{"body variable a kind lacks", []string{"tooLarge: {status: 413, vars: {code: 6}}", "tooLarge: {status: 413}", `"${status}"}`, `"${status}"} # <-`},
			"error template uses ${code}, which is not defined for kind tooLarge", false},
		{"rule vars do not define", []string{"conflict: {status: 409, vars: {code: 5}}", "conflict: {status: 409}", `"${status}"}`, `"${status}"} # <-`},
			"error template uses ${code}, which is not defined for kind conflict", false},
		{"kind body variable", []string{"      conflict: {status: 409, vars: {code: 5}}", "      conflict: {status: 409, body: {e: '${name}'}} # <-"},
			"error template uses ${name}, which is not defined for kind conflict", false},
		{"problem template variable", []string{`default: "${field}: ${reason}"`, `default: "${field}: ${why}"`},
			`problem template "default" uses ${why}; a problem template may use only ${field}, ${reason}, ${keyword}, ${value}`, false},
		{"rule message variable", []string{"is taken by ${body/username}'", "is taken, ${limit}'"},
			`rule "email_unique": message uses ${limit}, which is not defined (defined: code, max, value;`, false},
		{"rule message path root", []string{"is taken by ${body/username}'", "is taken by ${session/name}'"},
			`rule "email_unique": message uses ${session/name}, whose root "session" is neither body, header, credential`, false},

		// 5. every status the engine can answer is documented
		{"415 undocumented", []string{"      unsupportedMediaType: {status: 415, vars: {code: 7}}\n", "", "        '415': {description: unsupported}\n", "",
			"      responses:", "      responses: # <-"},
			"operation createUser can answer 415 (unsupportedMediaType) but does not document it; document it or declare the kind with a documented status", false},
		{"401 for security", []string{"      x-usermock:\n        rules:", "      security: [{bearer: []}]\n      x-usermock:\n        rules:",
			"      responses:", "      responses: # <-",
			"components:\n", "components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n"},
			"operation createUser can answer 401 (unauthorized)", false},
		{"406 for accept", []string{"        echo:\n", "        accept: {types: [application/json]}\n        echo:\n", "      responses:", "      responses: # <-"},
			"operation createUser can answer 406 (notAcceptable)", false},
		{"403 for a rule's kind", []string{"error: {kind: conflict,", "error: {kind: forbidden,", "      responses:", "      responses: # <-"},
			"operation createUser can answer 403 (forbidden)", false},

		// 6. unsupported features are warnings
		{"links", []string{"        '400': {description: bad}", "        '400': {description: bad, links: {self: {operationId: createUser}}} # <-"},
			"response 400: links are not supported", true},
		{"request type without decoder", []string{"            schema: {$ref: '#/components/schemas/User'}\n",
			"            schema: {$ref: '#/components/schemas/User'}\n          application/xml: # <-\n            schema: {$ref: '#/components/schemas/User'}\n"},
			"request body type application/xml is not supported", true},
		{"discriminator", []string{"    User:\n      type: object\n", "    User:\n      type: object\n      discriminator: {propertyName: email} # <-\n"},
			"discriminator is not supported", true},
		{"XML-only response", []string{"        '404': {description: not found}", "        '404': {description: not found, content: {application/xml: {schema: {type: object}}}} # <-"},
			"response 404 is documented only as XML", true},
		{"callbacks", []string{"      requestBody:\n", "      callbacks: # <-\n        done: {'{$request.body#/url}': {post: {responses: {'200': {description: ok}}}}}\n      requestBody:\n"},
			"callbacks are not supported", true},
		{"security scheme type", []string{"      x-usermock:\n        rules:", "      security: [{digest: []}]\n      x-usermock:\n        rules:",
			"components:\n", "components:\n  securitySchemes:\n    digest: {type: http, scheme: digest} # <-\n"},
			`security scheme "digest": type "http" (scheme "digest") is not supported`, true},
		{"webhooks", []string{"openapi: 3.0.3", "openapi: 3.1.0", "components:\n", "webhooks: # <-\n  userCreated: {post: {responses: {'200': {description: ok}}}}\ncomponents:\n"},
			"webhooks are not supported", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := lintBase
			for i := 0; i+1 < len(tt.edits); i += 2 {
				require.Contains(t, spec, tt.edits[i], "edit %d no longer applies to lintBase", i/2)
				spec = strings.Replace(spec, tt.edits[i], tt.edits[i+1], 1)
			}
			wantLine := markedLine(t, spec)
			problems := loadLint(t, spec)
			var got *apispec.Problem
			for i, p := range problems {
				if strings.Contains(p.Message, tt.want) {
					got = &problems[i]
					break
				}
			}
			require.NotNil(t, got, "no problem contains %q; got:\n%v", tt.want, problems)
			assert.Equal(t, wantLine, got.Line, "line of %s", got)
			assert.Equal(t, tt.warning, got.Warning, "warning: %s", got)
			if tt.warning {
				assert.Empty(t, problems.Fatal(), "a warning case must load cleanly")
			}
		})
	}
}

// markedLine returns the line of spec marked "# <-", or the only line that changed from
// lintBase when the mark cannot be written there (inside a flow mapping).
func markedLine(t *testing.T, spec string) int {
	t.Helper()
	lines := strings.Split(spec, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "# <-") {
			return i + 1
		}
	}
	base := strings.Split(lintBase, "\n")
	for i := range lines {
		if i >= len(base) || lines[i] != base[i] {
			return i + 1
		}
	}
	t.Fatal("the case marks no line")
	return 0
}

func TestLintStandardErrorsNeedNoStatuses(t *testing.T) {
	spec := lintBase
	start := strings.Index(spec, "  errors:")
	end := strings.Index(spec, "paths:")
	spec = spec[:start] + spec[end:]
	spec = strings.Replace(spec, ", vars: {code: 9}", "", 1)
	for _, code := range []string{"404", "405", "409", "413", "415"} {
		i := strings.Index(spec, "        '"+code+"'")
		j := i + strings.IndexByte(spec[i:], '\n') + 1
		spec = spec[:i] + spec[j:]
	}
	assert.Empty(t, loadLint(t, spec))
}

func TestShippedSpecsLintClean(t *testing.T) {
	apis, problems := apispec.Load(context.Background(), specs.FS())
	assert.Empty(t, problems)
	assert.Len(t, apis, 5)
}

func TestNearestSuggestsOnlyCloseNames(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"      notFound: {status: 404, vars: {code: 3}}", `unknown key "zzzzzz" in x-usermock.errors.kinds.notFound (known: status, example, vars, body)`},
	}
	for _, tt := range tests {
		spec := strings.Replace(lintBase, tt.spec, "      notFound: {status: 404, vars: {code: 3}, zzzzzz: 1}", 1)
		problems := loadLint(t, spec)
		require.Len(t, problems, 1)
		assert.Contains(t, problems[0].Message, tt.want)
	}
}
