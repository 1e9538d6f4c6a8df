package contracttest

import (
	"context"
	"fmt"
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
	answered := false
	for _, c := range e.plan.Cases {
		var unreachable error
		t.Run(c.ID, func(t *testing.T) {
			res := e.run(ctx, c)
			if cause := noAnswer(res); cause != nil && !answered {
				unreachable = cause
				t.SkipNow()
			}
			answered = answered || len(res.Exchanges) > 0
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
		if unreachable != nil {
			rep.Err = fmt.Errorf("cannot reach %s: %w (%v)", e.baseURL, ErrUnreachable, unreachable)
			t.Fatalf("contracttest: %v", rep.Err)
		}
	}
	return rep
}
