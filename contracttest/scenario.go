package contracttest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
)

// Scenario is a caller the server knows whose requests a rule refuses: a session of a company
// at its user limit, a user whose role lacks a module. Rules about the caller's own account
// cannot be broken from the request alone; given a scenario, the harness sends a valid
// request with the scenario's credentials and expects the refusal of each rule it breaks.
type Scenario struct {
	// Name identifies the scenario in case ids: "addUser/rule/user_limit/trial".
	Name string `yaml:"-"`
	// Breaks lists the ids of the x-usermock rules that refuse this caller.
	Breaks []string `yaml:"breaks"`
	// Header replaces the headers of the requests (credentials in headers).
	Header map[string]string `yaml:"headers"`
	// Credentials replace the credentials an API takes in the JSON body.
	Credentials map[string]string `yaml:"credentials"`
}

// checkScenarios returns an error naming a scenario that is empty or names a rule the API
// does not have.
func checkScenarios(api *apispec.API, scenarios []Scenario) error {
	rules := map[string]bool{}
	for _, op := range api.Ops {
		for _, r := range op.Rules {
			rules[r.ID] = true
		}
	}
	for _, sc := range scenarios {
		if sc.Name == "" || strings.ContainsAny(sc.Name, "/ ") {
			return fmt.Errorf("%w: scenario %q: want a name without spaces or slashes", ErrConfig, sc.Name)
		}
		if len(sc.Breaks) == 0 {
			return fmt.Errorf("%w: scenario %s: breaks names no rule; list the ids of the rules that refuse this caller", ErrConfig, sc.Name)
		}
		for _, id := range sc.Breaks {
			if !rules[id] {
				return fmt.Errorf("%w: scenario %s: %s has no rule %q (its rules: %s)", ErrConfig, sc.Name, api.ID, id, strings.Join(sortedKeys(rules), ", "))
			}
		}
	}
	return nil
}

// scenariosBreaking returns the scenarios that break rule id, by name.
func (b *opBuilder) scenariosBreaking(id string) []Scenario {
	var out []Scenario
	for _, sc := range b.scenarios {
		for _, r := range sc.Breaks {
			if r == id {
				out = append(out, sc)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// scenarioCase sends a valid request as the scenario's caller: the rule must refuse it.
func (b *opBuilder) scenarioCase(r *apispec.Rule, sc Scenario) {
	h := b.header.Clone()
	for k, v := range sc.Header {
		h.Set(k, v)
	}
	body := b.baseCopy()
	if body != nil && b.op.Credentials != nil {
		for _, f := range b.op.Credentials.Fields {
			if v, ok := sc.Credentials[f]; ok {
				body[f] = v
			}
		}
	}
	c := &Case{ID: "rule/" + r.ID + "/" + sc.Name, Kind: Negative, constraint: "rule " + r.ID, Expect: b.ruleStatus(r),
		kinds: []apispec.Kind{r.Error.Kind}, rule: r,
		Description: fmt.Sprintf("a valid request as scenario %s, a caller rule %s refuses", sc.Name, r.ID)}
	req := b.raw(b.op.Method, h, body)
	c.Steps = []*Request{req}
	if err := b.check.acceptsSchema(req); err != nil {
		c.HarnessError = "the scenario's request breaks the schema, so it would not show the rule: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}
