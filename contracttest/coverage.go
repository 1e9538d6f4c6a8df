package contracttest

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// OperationCoverage says what a run exercised of one operation: which constraints got a
// case, which could not, and which documented statuses the server was seen to answer.
type OperationCoverage struct {
	Operation   string       `json:"operation"`
	Method      string       `json:"method"`
	Path        string       `json:"path"`
	Constraints []Constraint `json:"constraints"`
	Documented  []int        `json:"documentedStatuses"`
	Seen        []int        `json:"seenStatuses"`
}

// Constraint is one constraint of the spec and the case that exercises it, or why none did.
// Exercised is set once the case was sent and answered, never when it was only planned.
type Constraint struct {
	Name      string `json:"name"` // "employeeID pattern", "rule employee_id_unique"
	Case      string `json:"case,omitempty"`
	Exercised bool   `json:"exercised"`
	Why       string `json:"why,omitempty"`
}

func (c *OperationCoverage) add(name, caseID, harnessError string) {
	c.Constraints = append(c.Constraints, Constraint{Name: name, Case: caseID, Why: harnessError})
}

// ran marks the constraints of a case that was sent and got an answer.
func (c *OperationCoverage) ran(caseID string) {
	for i := range c.Constraints {
		if c.Constraints[i].Case == caseID {
			c.Constraints[i].Exercised = true
		}
	}
}

// notSelected notes why the constraints of cases left out of the run were not exercised.
func (c *OperationCoverage) notSelected(kept map[string]bool, why string) {
	for i, k := range c.Constraints {
		if k.Case != "" && !kept[k.Case] && k.Why == "" {
			c.Constraints[i].Why = why
		}
	}
}

func (c *OperationCoverage) saw(status int) {
	for _, s := range c.Seen {
		if s == status {
			return
		}
	}
	c.Seen = append(c.Seen, status)
	sort.Ints(c.Seen)
}

// exercised counts the exercised constraints, once per name.
func (c *OperationCoverage) exercised() (done, total int) {
	seen := map[string]bool{}
	for _, k := range c.Constraints {
		if _, ok := seen[k.Name]; !ok {
			total++
			seen[k.Name] = false
		}
		if k.Exercised && !seen[k.Name] {
			seen[k.Name] = true
			done++
		}
	}
	return done, total
}

func (c *OperationCoverage) write(w io.Writer) {
	done, total := c.exercised()
	fmt.Fprintf(w, "%s (%s %s)\n", c.Operation, c.Method, c.Path)
	fmt.Fprintf(w, "  constraints exercised: %d of %d\n", done, total)
	exercised := map[string]bool{}
	for _, k := range c.Constraints {
		if k.Exercised {
			exercised[k.Name] = true
		}
	}
	for _, k := range c.Constraints {
		if !k.Exercised && !exercised[k.Name] {
			why := k.Why
			if why == "" {
				why = "its case got no answer"
			}
			fmt.Fprintf(w, "  not exercised: %s: %s\n", k.Name, why)
			exercised[k.Name] = true
		}
	}
	var never []string
	for _, s := range c.Documented {
		if !containsInt(c.Seen, s) {
			never = append(never, fmt.Sprint(s))
		}
	}
	fmt.Fprintf(w, "  statuses documented: %s\n  statuses seen:       %s\n", ints(c.Documented), ints(c.Seen))
	if len(never) > 0 {
		fmt.Fprintf(w, "  documented, never seen: %s\n", strings.Join(never, " "))
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func ints(list []int) string {
	if len(list) == 0 {
		return "-"
	}
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ")
}
