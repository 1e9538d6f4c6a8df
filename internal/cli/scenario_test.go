package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScenariosExerciseCallerRules runs superfy against the mock with the scenarios of its
// fixture sessions (testdata/scenarios/superfy): the rules about the caller's own account
// get a case each, sent and answered, instead of "not exercised".
func TestScenariosExerciseCallerRules(t *testing.T) {
	base := startServeArgs(t)
	dir := filepath.Join("..", "..", "testdata", "scenarios", "superfy")
	report := filepath.Join(t.TempDir(), "report.json")
	var out bytes.Buffer
	err := Run(context.Background(), []string{"test", "--api", "superfy", "--base-url", base + "/superfy", "--seed", "5",
		"--scenario", "trial=" + filepath.Join(dir, "trial.yaml"), "--scenario", "driver=" + filepath.Join(dir, "driver.yaml"),
		"--run", "rule/", "--json", report}, &out, &bytes.Buffer{})

	b, rerr := os.ReadFile(report)
	require.NoError(t, rerr, "%v\n%s", err, out.String())
	var rep struct {
		Cases []struct {
			ID       string
			Outcome  string
			Status   int
			Failures []string
		}
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	got := map[string]int{}
	for _, c := range rep.Cases {
		got[c.ID] = c.Status
		if c.ID == "addUser/rule/user_limit/trial" || c.ID == "addUser/rule/session_modules/driver" {
			assert.Equal(t, "pass", c.Outcome, "%v", c.Failures)
		}
	}
	assert.Equal(t, 400, got["addUser/rule/user_limit/trial"], "the trial company is at its user limit\n%s", out.String())
	assert.Equal(t, 401, got["addUser/rule/session_modules/driver"], "the Driver's department lacks the modules\n%s", out.String())
	assert.NotContains(t, out.String(), "not exercised: rule user_limit")
	assert.NotContains(t, out.String(), "not exercised: rule session_modules")
	assert.Equal(t, 0, exitCode(err), "%v\n%s", err, out.String())
}

// TestScenarioFlagErrors: a scenario that names no rule, a rule the API lacks, or a field
// the format does not have is a usage error that says what to write.
func TestScenarioFlagErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	tests := []struct {
		name, flag, want string
	}{
		{"no rule", "x=" + write("none.yaml", "credentials: {deviceID: A}\n"), "breaks names no rule"},
		{"unknown rule", "x=" + write("unknown.yaml", "breaks: [no_such_rule]\n"), `superfy has no rule "no_such_rule"`},
		{"unknown field", "x=" + write("field.yaml", "break: [user_limit]\n"), "field break not found"},
		{"no name", write("ok.yaml", "breaks: [user_limit]\n"), "want NAME=FILE"},
		{"no file", "x=" + filepath.Join(dir, "missing.yaml"), "scenario x:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := Run(context.Background(), []string{"test", "--api", "superfy", "--list", "--scenario", tt.flag}, &bytes.Buffer{}, &stderr)
			assert.Equal(t, 2, exitCode(err))
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
		})
	}
}
