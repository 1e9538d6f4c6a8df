package contracttest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Run runs the contract cases as subtests of t, one per case, named by case id. A failed case
// reports its checks, the request as a curl command and the response; a case the harness
// found wrong is skipped with the reason.
func Run(t *testing.T, cfg Config) *Report {
	t.Helper()
	ctx := context.Background()
	e, rep, err := start(ctx, cfg)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	defer func() { rep.Duration = time.Since(rep.Started) }()
	for _, c := range e.plan.Cases {
		t.Run(c.ID, func(t *testing.T) {
			res := e.run(ctx, c)
			rep.Results = append(rep.Results, res)
			switch res.Outcome {
			case Skip:
				t.Skipf("harness: %s", c.HarnessError)
			case Fail:
				var b strings.Builder
				rep.writeFailure(&b, res)
				t.Error(b.String())
			}
		})
	}
	return rep
}
