package contracttest

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

var apiIDs = []string{"crm", "pland", "pulse", "ruangkerja", "superfy"}

func plan(t *testing.T, id string, seed int64) *Plan {
	t.Helper()
	p, err := NewPlan(context.Background(), Config{API: id, Seed: seed})
	require.NoError(t, err)
	return p
}

func TestPlanIsDeterministicAndIDsAreStable(t *testing.T) {
	for _, id := range apiIDs {
		t.Run(id, func(t *testing.T) {
			a, b, other := plan(t, id, 5), plan(t, id, 5), plan(t, id, 6)
			require.Equal(t, len(a.Cases), len(b.Cases))
			require.Equal(t, len(a.Cases), len(other.Cases))
			seen := map[string]bool{}
			differ := false
			for i, c := range a.Cases {
				assert.False(t, seen[c.ID], "duplicate case id %s", c.ID)
				seen[c.ID] = true
				assert.Equal(t, c.ID, other.Cases[i].ID, "ids do not depend on the seed")
				for j, s := range c.Steps {
					assert.Equal(t, string(s.Body), string(b.Cases[i].Steps[j].Body), "same seed, same request: %s", c.ID)
					differ = differ || string(s.Body) != string(other.Cases[i].Steps[j].Body)
				}
				assert.Empty(t, c.HarnessError, "%s: the spec's own cases must all be well-formed", c.ID)
			}
			assert.True(t, differ, "another seed gives other values")
		})
	}
}

// TestUniqueValuesDifferBetweenCases: every request of a plan carries its own unique values,
// so no case collides with another (nor two creates of one case), and the duplicate case's
// second step repeats the first.
func TestUniqueValuesDifferBetweenCases(t *testing.T) {
	p := plan(t, "ruangkerja", 1)
	seen := map[string]string{}
	for _, c := range p.Cases {
		if c.Kind == Negative {
			continue
		}
		for i, s := range c.Steps {
			v, _ := jsonvalue.Get(s.json, []string{"employeeID"})
			str, _ := v.(string)
			require.NotEmpty(t, str, c.ID)
			if i == 1 && c.Kind == Stateful {
				assert.Equal(t, seen[c.ID], str, "the duplicate repeats the first employeeID")
				continue
			}
			for other, prev := range seen {
				assert.NotEqual(t, prev, str, "%s reuses the employeeID of %s", c.ID, other)
			}
			seen[c.ID] = str
		}
	}
}

func TestSelfCheck(t *testing.T) {
	p := plan(t, "ruangkerja", 1)
	api := p.api
	op := api.Ops[0]
	b := newOpBuilder(api, op, newValues(1, api.Doc), nil)
	b.build()
	valid := b.request(b.base)
	assert.NoError(t, b.check.accepts(valid))
	assert.Error(t, b.check.rejects(valid), "a valid request is not a negative case")

	body := b.baseCopy()
	delete(body, "employeeID")
	invalid := b.raw(op.Method, b.header, body)
	assert.Error(t, b.check.accepts(invalid))
	assert.NoError(t, b.check.rejects(invalid))

	h := b.header.Clone()
	h.Del("Authorization")
	assert.Error(t, b.check.accepts(b.raw(op.Method, h, b.baseCopy())), "credentials are part of the contract")
}

func TestViolationsBreakExactlyOneConstraint(t *testing.T) {
	p := plan(t, "crm", 1)
	g := newValues(1, p.api.Doc)
	schema := p.api.Ops[0].RequestSchema()
	for _, name := range []string{"email", "code", "id", "birthdate"} {
		s := schema.Properties[name].Value
		valid, err := g.valid(s)
		require.NoError(t, err, name)
		found, _ := g.violations(s, valid)
		require.NotEmpty(t, found, name)
		for _, v := range found {
			got := g.check(s, v.value)
			require.NotEmpty(t, got, "%s %s: %v is accepted", name, v.keyword, v.value)
			if v.keyword != "type" {
				assert.Equal(t, []string{v.keyword}, got, "%s: %v breaks more than %s", name, v.value, v.keyword)
			}
		}
	}
}

func TestJUnitHasOneEntryPerCase(t *testing.T) {
	p := plan(t, "pulse", 1)
	rep := &Report{API: "pulse", File: "pulse.yaml", BaseURL: "http://x", Seed: 1}
	for i, c := range p.Cases {
		res := &Result{Case: c, Outcome: Pass, Status: 201}
		if i == 3 {
			res.Outcome, res.Status, res.Failures = Fail, 200, []string{"expected a 4xx refusal, got 200"}
			res.Exchanges = []*Exchange{{Request: c.Steps[0], Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{}`)}}
		}
		rep.Results = append(rep.Results, res)
	}
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJUnit(&buf))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, len(p.Cases), doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	require.Len(t, doc.Suites, 1)
	require.Len(t, doc.Suites[0].Cases, len(p.Cases))
	f := doc.Suites[0].Cases[3].Failure
	require.NotNil(t, f)
	assert.Equal(t, "expected a 4xx refusal, got 200", f.Message)
	assert.Contains(t, f.Text, "curl -sS -i -X POST 'http://x/users'")
}

func TestMatchTemplate(t *testing.T) {
	tmpl := map[string]any{"statusCode": "${status}", "message": "${messages}", "error": "${reason}", "kind": "fixed",
		"code": "${code}", "detail": "${name}: ${message}"}
	vars := literalVars(apispec.KindShape{Vars: map[string]any{"code": 10101.0, "name": "USER_EMPLOYEE_ID_EXISTS"}}, nil, 400)
	ok := func(edit func(m map[string]any)) any {
		m := map[string]any{"statusCode": 400.0, "message": []any{"x"}, "error": "Bad Request", "kind": "fixed",
			"code": 10101.0, "detail": "USER_EMPLOYEE_ID_EXISTS: employee id already been taken"}
		if edit != nil {
			edit(m)
		}
		return m
	}
	tests := []struct {
		name string
		body any
		want []string
	}{
		{"match", ok(nil), nil},
		{"missing", ok(func(m map[string]any) { delete(m, "error") }), []string{`field "error" is missing`}},
		{"wrong status", ok(func(m map[string]any) { m["statusCode"] = 409.0 }), []string{"/statusCode must be 400 (${status}, documented for this failure), got 409"}},
		{"wrong reason", ok(func(m map[string]any) { m["error"] = "Conflict" }), []string{`/error must be "Bad Request" (${reason}, documented for this failure), got "Conflict"`}},
		{"wrong code", ok(func(m map[string]any) { m["code"] = 10001.0 }), []string{"/code must be 10101 (${code}, documented for this failure), got 10001"}},
		{"wrong code inside a string", ok(func(m map[string]any) { m["detail"] = "INVALID_PARAMETER: bad" }),
			[]string{`/detail must read "${name}: ${message}" with the documented values filled in, got "INVALID_PARAMETER: bad"`}},
		{"not a list", ok(func(m map[string]any) { m["message"] = "x" }), []string{"/message must be a list of messages"}},
		{"literal", ok(func(m map[string]any) { m["kind"] = "other" }), []string{`/kind must be "fixed", got "other"`}},
		{"not an object", []any{}, []string{"the body must be an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range matchTemplate(tmpl, tt.body, vars, "") {
				got = append(got, v.Message)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestUnreachableAfterSkippedCase: a run whose first case is skipped (a harness error) and
// whose server is not there stops with one error, never a panic or a failure per case.
func TestUnreachableAfterSkippedCase(t *testing.T) {
	cfg := Config{API: "pulse", BaseURL: "http://127.0.0.1:1/pulse", Seed: 1}
	e, rep, err := start(context.Background(), cfg)
	require.NoError(t, err)
	e.plan.Cases[0].HarnessError = "made up for the test"
	require.NoError(t, e.execute(context.Background(), cfg, rep))
	require.Error(t, rep.Err)
	assert.True(t, rep.Unreachable())
	assert.True(t, rep.Failed())
	require.Len(t, rep.Results, 1)
	assert.Equal(t, Skip, rep.Results[0].Outcome)
	var text bytes.Buffer
	rep.WriteText(&text, true)
	assert.Contains(t, text.String(), "ERROR: cannot reach http://127.0.0.1:1/pulse")
	assert.NotContains(t, text.String(), "--- FAIL")
}

// TestCoverageCountsExecutedCases: a constraint counts as exercised only when its case ran
// and was answered; cases left out by Run say so.
func TestCoverageCountsExecutedCases(t *testing.T) {
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"Bad Request","status":400,"message":"x"}`))
	})
	rep, err := Execute(context.Background(), Config{API: "pulse", Handler: srv, Seed: 1, Run: regexp.MustCompile(`body/email/required$`)})
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	done, total := rep.Coverage[0].exercised()
	assert.Equal(t, 1, done)
	assert.Greater(t, total, 1)
	var text bytes.Buffer
	rep.WriteText(&text, false)
	assert.Contains(t, text.String(), "constraints exercised: 1 of ")
	assert.Contains(t, text.String(), "its case is not selected by --run")
}
