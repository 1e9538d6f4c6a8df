package contracttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/specs"
)

// Config says which API to check and where the server is. Its zero value is not enough:
// API and one of BaseURL or Handler are required.
type Config struct {
	// API is the id of the API to check: the spec's file name without ".yaml" ("ruangkerja").
	API string
	// Specs holds the spec files; nil means the specs built into usermock.
	Specs fs.FS
	// BaseURL is where the operation paths are appended: for the mock, including its mount
	// prefix ("http://127.0.0.1:4010/ruangkerja").
	BaseURL string
	// Handler, when set, receives the requests in process instead of BaseURL.
	Handler http.Handler
	// Client sends the requests; nil means a client with a 10 s timeout.
	Client *http.Client
	// Header is sent with every request and replaces generated values, e.g. real credentials.
	Header http.Header
	// BodyCredentials replace the documented example's credentials where an API takes them
	// in the JSON body (superfy's deviceID and token).
	BodyCredentials map[string]string
	// Seed makes the generated values, and so every request, reproducible. Unique fields get
	// values derived from it: rerunning a seed against the same server repeats them.
	Seed int64
	// Run, when set, keeps only the cases whose id it matches.
	Run *regexp.Regexp
	// Progress, when set, receives one line per case as it completes.
	Progress io.Writer
	// Wait, when set, is how long to wait for the server to answer at all (any HTTP answer to
	// GET BaseURL) before the first case: for a server that is still starting.
	Wait time.Duration
	// MaxBody is the size in bytes of the body the too-large case sends: just over the
	// server's limit. 0 means DefaultMaxBody; a negative value sends no such case (for a
	// server whose limit is not known).
	MaxBody int64
	// Scenarios are callers the server knows that rules about the caller's own account
	// refuse (a company at its user limit, a role without a module): each rule a scenario
	// breaks gets a case sent with the scenario's credentials.
	Scenarios []Scenario
}

// DefaultMaxBody is one byte over usermock serve's default --max-body (1 MiB).
const DefaultMaxBody = 1<<20 + 1

// ErrConfig marks errors in the configuration or the specs, as opposed to contract failures.
var ErrConfig = errors.New("contracttest: configuration")

// Plan is the cases of one API, built from its spec.
type Plan struct {
	API      string
	File     string
	Cases    []*Case
	Coverage []*OperationCoverage

	api *apispec.API
}

// NewPlan loads the spec and builds its cases. The same spec and seed give the same cases,
// with the same ids and the same requests.
func NewPlan(ctx context.Context, cfg Config) (*Plan, error) {
	fsys := cfg.Specs
	if fsys == nil {
		fsys = specs.FS()
	}
	if cfg.API == "" {
		return nil, fmt.Errorf("%w: no API given", ErrConfig)
	}
	data, err := fs.ReadFile(fsys, cfg.API+".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: API %q: %v", ErrConfig, cfg.API, err)
	}
	api, problems := apispec.LoadAPI(ctx, cfg.API+".yaml", data)
	if fatal := problems.Fatal(); len(fatal) > 0 { // warnings name what the mock ignores
		return nil, fmt.Errorf("%w: %v", ErrConfig, fatal.Err())
	}
	if err := checkScenarios(api, cfg.Scenarios); err != nil {
		return nil, err
	}
	g := newValues(cfg.Seed, api.Doc)
	p := &Plan{API: api.ID, File: api.File, api: api}
	for _, op := range api.Ops {
		b := newOpBuilder(api, op, g, cfg.Header)
		b.bodyCreds = cfg.BodyCredentials
		b.scenarios = cfg.Scenarios
		b.maxBody = cfg.MaxBody
		if b.maxBody == 0 {
			b.maxBody = DefaultMaxBody
		}
		kept := map[string]bool{}
		for _, c := range b.build() {
			if cfg.Run == nil || cfg.Run.MatchString(c.ID) {
				p.Cases = append(p.Cases, c)
				kept[c.ID] = true
			}
		}
		b.cov.notSelected(kept, "its case is not selected by --run")
		p.Coverage = append(p.Coverage, b.cov)
	}
	if cfg.Run != nil && len(p.Cases) == 0 {
		return nil, fmt.Errorf("%w: --run %q matches no case of %s (--list shows them)", ErrConfig, cfg.Run, api.ID)
	}
	return p, nil
}

// Outcomes of a case.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skip" // the harness found the case itself wrong; it was not sent
)

// Result is what one case did.
type Result struct {
	Case      *Case
	Outcome   string
	Status    int      // the status of the last response
	Failures  []string // the checks that failed, in plain words
	Exchanges []*Exchange
	Duration  time.Duration
}

// Exchange is one request and the server's answer.
type Exchange struct {
	Request *Request
	Status  int
	Header  http.Header
	Body    []byte
	Err     error
}

// Report is the outcome of a run.
type Report struct {
	API      string
	File     string
	BaseURL  string
	Seed     int64
	Started  time.Time
	Duration time.Duration
	Results  []*Result
	Coverage []*OperationCoverage
	// Err is why the run stopped before its end: the server could not be reached (at the
	// start, after Config.Wait, or because it stopped answering). The results hold the cases
	// run before.
	Err error
}

// ErrUnreachable marks a Report.Err: the server did not answer at all.
var ErrUnreachable = errors.New("server unreachable")

// Failed reports whether any case failed or the run could not finish.
func (r *Report) Failed() bool {
	if r.Err != nil {
		return true
	}
	for _, res := range r.Results {
		if res.Outcome == Fail {
			return true
		}
	}
	return false
}

// Unreachable reports whether the run stopped because the server could not be reached.
func (r *Report) Unreachable() bool {
	return errors.Is(r.Err, ErrUnreachable)
}

// Execute builds the plan and runs every case against the server, in order. A server that
// cannot be reached stops the run with one error in Report.Err, not a failure per case.
func Execute(ctx context.Context, cfg Config) (*Report, error) {
	e, rep, err := start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return rep, e.execute(ctx, cfg, rep)
}

func (e *engine) execute(ctx context.Context, cfg Config, rep *Report) error {
	defer func() { rep.Duration = time.Since(rep.Started) }()
	if cfg.Wait > 0 {
		if err := e.waitReady(ctx, cfg.Wait); err != nil {
			rep.Err = err
			return ctx.Err()
		}
	}
	answered := false
	for _, c := range e.plan.Cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := e.run(ctx, c)
		if cause := noAnswer(res); cause != nil && (!answered || refused(cause)) {
			what := "cannot reach %s: %w (%v)"
			if answered {
				what = "%s stopped answering: %w (%v)"
			}
			rep.Err = fmt.Errorf(what+"; %d case(s) not run", e.baseURL, ErrUnreachable, cause, len(e.plan.Cases)-len(rep.Results))
			return nil
		}
		answered = answered || len(res.Exchanges) > 0
		rep.Results = append(rep.Results, res)
		if cfg.Progress != nil {
			writeLine(cfg.Progress, res)
		}
	}
	return nil
}

// noAnswer returns why a case that sent requests got no answer to any of them, or nil.
func noAnswer(res *Result) error {
	var cause error
	for _, x := range res.Exchanges {
		if x.Err == nil {
			return nil
		}
		cause = x.Err
	}
	return cause
}

// refused reports whether a request failed because nothing listens (a refused connection, an
// unknown host), rather than because one answer was slow.
func refused(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}

// waitReady polls GET of the base URL until the server answers anything, or d has passed.
func (e *engine) waitReady(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		attempt, cancel := context.WithDeadline(ctx, minTime(deadline, time.Now().Add(2*time.Second)))
		x := e.send(attempt, &Request{Method: http.MethodGet, Path: "", Header: http.Header{}})
		cancel()
		if x.Err == nil {
			return nil
		}
		if ctx.Err() != nil || !time.Now().Add(250*time.Millisecond).Before(deadline) {
			return fmt.Errorf("%s did not answer within %s: %w (%v)", e.baseURL, d, ErrUnreachable, x.Err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// start builds the plan and the engine that runs it, and the report it fills.
func start(ctx context.Context, cfg Config) (*engine, *Report, error) {
	plan, err := NewPlan(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	e, err := newEngine(cfg, plan)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{API: plan.API, File: plan.File, BaseURL: e.baseURL, Seed: cfg.Seed, Started: time.Now(), Coverage: plan.Coverage}
	return e, rep, nil
}

type engine struct {
	plan    *Plan
	client  *http.Client
	baseURL string
	judge   *Judge
	ops     map[string]*apispec.Operation
	cov     map[string]*OperationCoverage
}

func newEngine(cfg Config, plan *Plan) (*engine, error) {
	e := &engine{plan: plan, client: cfg.Client, baseURL: strings.TrimRight(cfg.BaseURL, "/"), judge: NewJudge(plan.api), ops: map[string]*apispec.Operation{}, cov: map[string]*OperationCoverage{}}
	switch {
	case cfg.Handler != nil:
		e.client = &http.Client{Transport: handlerTransport{cfg.Handler}}
		if e.baseURL == "" {
			e.baseURL = "http://handler.test"
		}
	case cfg.BaseURL == "":
		return nil, fmt.Errorf("%w: no base URL given", ErrConfig)
	case !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://"):
		return nil, fmt.Errorf("%w: base URL %q must start with http:// or https://", ErrConfig, cfg.BaseURL)
	}
	if e.client == nil {
		e.client = &http.Client{Timeout: 10 * time.Second}
	}
	for _, op := range plan.api.Ops {
		e.ops[op.ID] = op
	}
	for _, c := range plan.Coverage {
		e.cov[c.Operation] = c
	}
	return e, nil
}

func (e *engine) run(ctx context.Context, c *Case) *Result {
	res := &Result{Case: c}
	if c.HarnessError != "" {
		res.Outcome = Skip
		return res
	}
	start := time.Now()
	for i, step := range c.Steps {
		last := i == len(c.Steps)-1
		req, err := step.resolve(res.Exchanges)
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("step %d of %d (%s %s) was not sent: %v", i+1, len(c.Steps), step.Method, step.Path, err))
			break
		}
		op := step.Operation
		if op == "" {
			op = c.Operation
		}
		x := e.send(ctx, req)
		res.Exchanges = append(res.Exchanges, x)
		res.Status = x.Status
		want := &Expectation{}
		switch {
		case last && c.Kind != Positive:
			want = &Expectation{Refused: true, Statuses: c.Expect, Kinds: c.kinds, Rule: c.rule, Field: c.field}
		case step.Refused:
			want = &Expectation{Refused: true, Statuses: step.Expect, Kinds: step.kinds}
		}
		failures := messages(e.judge.Check(e.ops[op], x, want))
		if x.Err == nil {
			e.cov[op].saw(x.Status)
		}
		if !last && len(failures) > 0 {
			res.Failures = append(res.Failures, stepFailed(c, i, step, failures)...)
			break
		}
		res.Failures = append(res.Failures, failures...)
	}
	if len(res.Failures) == 0 && len(res.Exchanges) == len(c.Steps) {
		for _, rl := range c.relations { // the first that fails says it; the next would repeat it
			if res.Failures = rl.check(res.Exchanges); len(res.Failures) > 0 {
				break
			}
		}
	}
	res.Duration = time.Since(start)
	if n := len(res.Exchanges); n == len(c.Steps) && res.Exchanges[n-1].Err == nil {
		e.cov[c.Operation].ran(c.ID) // the step that exercises the constraint was answered
	}
	res.Outcome = Pass
	if len(res.Failures) > 0 {
		res.Outcome = Fail
	}
	return res
}

func messages(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Message
	}
	return out
}

// stepFailed words the failures of a step before the last: the case stops there.
func stepFailed(c *Case, i int, step *Request, failures []string) []string {
	prefix, then := fmt.Sprintf("step %d (%s %s): ", i+1, step.Method, step.Path), "the step did not answer as the contract says, so the case stopped there"
	if c.Kind == Stateful && step.Operation == "" && i == 0 {
		prefix, then = "first create: ", "the first create did not succeed, so the duplicate was not tried"
	}
	out := make([]string, 0, len(failures)+1)
	for _, f := range failures {
		out = append(out, prefix+f)
	}
	return append(out, then)
}

func (e *engine) send(ctx context.Context, r *Request) *Exchange {
	x := &Exchange{Request: r}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, e.baseURL+r.Path, body)
	if err != nil {
		x.Err = err
		return x
	}
	req.Header = r.Header.Clone()
	resp, err := e.client.Do(req)
	if err != nil {
		x.Err = err
		return x
	}
	defer resp.Body.Close()
	x.Status, x.Header = resp.StatusCode, resp.Header
	x.Body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		x.Err = fmt.Errorf("read response: %w", err)
	}
	return x
}

// handlerTransport sends requests to an http.Handler in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	if r.Body == nil { // a server's request always has a body
		r = r.Clone(r.Context())
		r.Body = http.NoBody
	}
	t.h.ServeHTTP(w, r)
	return w.Result(), nil
}
