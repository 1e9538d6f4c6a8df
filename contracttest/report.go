package contracttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

const maxShownBody = 2000

// writeLine writes the one-line result of a case: outcome, id, status, time.
func writeLine(w io.Writer, r *Result) {
	status := "-"
	if r.Status != 0 {
		status = fmt.Sprint(r.Status)
	}
	switch r.Outcome {
	case Skip:
		fmt.Fprintf(w, "SKIP  %s  (harness: %s)\n", r.Case.ID, r.Case.HarnessError)
	default:
		fmt.Fprintf(w, "%s  %s  %s  %s\n", strings.ToUpper(r.Outcome), r.Case.ID, status, r.Duration.Round(time.Microsecond*100))
	}
}

// WriteText writes the human report: a line per case, then each failure with the request as
// a curl command, the response and the failed checks, then a summary and the coverage.
func (r *Report) WriteText(w io.Writer, lines bool) {
	if lines {
		for _, res := range r.Results {
			writeLine(w, res)
		}
	}
	r.writeFailures(w)
	if r.Err != nil {
		fmt.Fprintf(w, "\nERROR: %v\n", r.Err)
	}
	fmt.Fprintln(w)
	r.writeSummary(w)
	fmt.Fprintln(w, "\nCoverage")
	for _, c := range r.Coverage {
		c.write(w)
	}
	fmt.Fprintf(w, "\n%s: %s against %s, seed %d (rerun with --seed %d)\n", verdict(r), r.API, r.BaseURL, r.Seed, r.Seed)
}

func verdict(r *Report) string {
	if r.Failed() {
		return "FAIL"
	}
	return "PASS"
}

// writeFailures writes each failure in full once per root cause: a case that failed the
// same checks as an earlier one is listed under it.
func (r *Report) writeFailures(w io.Writer) {
	first := map[string]*Result{}
	var order []string
	same := map[string][]string{}
	for _, res := range r.Results {
		if res.Outcome != Fail {
			continue
		}
		key := strings.Join(res.Failures, "\n")
		if _, ok := first[key]; !ok {
			first[key] = res
			order = append(order, key)
			continue
		}
		same[key] = append(same[key], res.Case.ID)
	}
	for _, key := range order {
		r.writeFailure(w, first[key])
		if ids := same[key]; len(ids) > 0 {
			fmt.Fprintf(w, "  the same check(s) failed in %d more case(s): %s\n", len(ids), strings.Join(ids, ", "))
		}
	}
}

func (r *Report) writeFailure(w io.Writer, res *Result) {
	fmt.Fprintf(w, "\n--- FAIL: %s\n", res.Case.ID)
	fmt.Fprintf(w, "  sent: %s\n", res.Case.Description)
	fmt.Fprintln(w, "  failed checks:")
	for _, f := range res.Failures {
		fmt.Fprintf(w, "    - %s\n", f)
	}
	for i, x := range res.Exchanges {
		if len(res.Exchanges) > 1 {
			fmt.Fprintf(w, "  step %d of %d\n", i+1, len(res.Exchanges))
		}
		fmt.Fprintf(w, "  request:\n    %s\n", x.Request.curl(r.BaseURL))
		fmt.Fprintf(w, "  response:\n%s", indent(responseText(x), "    "))
	}
	if res.Case.unique {
		fmt.Fprintf(w, "  to rerun: the requests carry values a uniqueness rule covers, which the server now holds;\n"+
			"  against usermock, reset it first: curl -X POST %s/__admin/reset (or rerun with another --seed)\n", root(r.BaseURL))
	}
}

// root is the scheme and host of a URL: where usermock's own endpoints are.
func root(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return strings.TrimRight(base, "/")
	}
	return u.Scheme + "://" + u.Host
}

func responseText(x *Exchange) string {
	if x.Err != nil {
		return "no response: " + x.Err.Error() + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d %s\n", x.Status, http.StatusText(x.Status))
	if ct := x.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(&b, "Content-Type: %s\n", ct)
	}
	body := string(x.Body)
	if len(body) > maxShownBody {
		body = body[:maxShownBody] + fmt.Sprintf("… (%d bytes in all)", len(x.Body))
	}
	if body != "" {
		b.WriteString(body + "\n")
	}
	return b.String()
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// Counts are the number of cases by outcome.
type Counts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (c *Counts) add(outcome string) {
	c.Total++
	switch outcome {
	case Pass:
		c.Passed++
	case Fail:
		c.Failed++
	case Skip:
		c.Skipped++
	}
}

// Totals counts the cases of the run, overall and by operation.
func (r *Report) Totals() (Counts, map[string]Counts) {
	var all Counts
	byOp := map[string]Counts{}
	for _, res := range r.Results {
		all.add(res.Outcome)
		c := byOp[res.Case.Operation]
		c.add(res.Outcome)
		byOp[res.Case.Operation] = c
	}
	return all, byOp
}

func (r *Report) writeSummary(w io.Writer) {
	all, byOp := r.Totals()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tcases\tpassed\tfailed\tskipped\t")
	for _, op := range sortedKeys(byOp) {
		c := byOp[op]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", op, c.Total, c.Passed, c.Failed, c.Skipped)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t\n", all.Total, all.Passed, all.Failed, all.Skipped)
	tw.Flush()
}

// jsonReport is the machine-readable report.
type jsonReport struct {
	API      string               `json:"api"`
	Spec     string               `json:"spec"`
	BaseURL  string               `json:"baseURL"`
	Seed     int64                `json:"seed"`
	Started  time.Time            `json:"started"`
	Seconds  float64              `json:"seconds"`
	Passed   bool                 `json:"passed"`
	Error    string               `json:"error,omitempty"` // why the run stopped early
	Summary  Counts               `json:"summary"`
	Cases    []jsonCase           `json:"cases"`
	Coverage []*OperationCoverage `json:"coverage"`
}

type jsonCase struct {
	ID          string         `json:"id"`
	Operation   string         `json:"operation"`
	Kind        string         `json:"kind"`
	Description string         `json:"description"`
	Outcome     string         `json:"outcome"`
	Status      int            `json:"status,omitempty"`
	Expect      []int          `json:"expect,omitempty"`
	Failures    []string       `json:"failures,omitempty"`
	Harness     string         `json:"harnessError,omitempty"`
	Exchanges   []jsonExchange `json:"exchanges,omitempty"`
}

type jsonExchange struct {
	Curl     string `json:"curl"`
	Status   int    `json:"status,omitempty"`
	Response string `json:"response,omitempty"`
	Error    string `json:"error,omitempty"`
}

// WriteJSON writes the report as JSON. Exchanges are included for failed cases only.
func (r *Report) WriteJSON(w io.Writer) error {
	all, _ := r.Totals()
	out := jsonReport{API: r.API, Spec: r.File, BaseURL: r.BaseURL, Seed: r.Seed, Started: r.Started.UTC(),
		Seconds: r.Duration.Seconds(), Passed: !r.Failed(), Summary: all, Coverage: r.Coverage}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	for _, res := range r.Results {
		c := jsonCase{ID: res.Case.ID, Operation: res.Case.Operation, Kind: res.Case.Kind, Description: res.Case.Description,
			Outcome: res.Outcome, Status: res.Status, Expect: res.Case.Expect, Failures: res.Failures, Harness: res.Case.HarnessError}
		if res.Outcome == Fail {
			for _, x := range res.Exchanges {
				je := jsonExchange{Curl: x.Request.curl(r.BaseURL), Status: x.Status, Response: string(x.Body)}
				if x.Err != nil {
					je.Error = x.Err.Error()
				}
				c.Exchanges = append(c.Exchanges, je)
			}
		}
		out.Cases = append(out.Cases, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteList writes the plan's cases, one per line: id, kind, what is sent.
func (p *Plan) WriteList(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range p.Cases {
		note := c.Description
		if c.HarnessError != "" {
			note += " [skipped: " + c.HarnessError + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, c.Kind, note)
	}
	tw.Flush()
}

// WriteAnnotations writes one GitHub Actions error annotation per failed case (and one for a
// run that stopped early), so that failures show in the workflow's summary.
func (r *Report) WriteAnnotations(w io.Writer) {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	title := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	for _, res := range r.Results {
		if res.Outcome == Fail {
			fmt.Fprintf(w, "::error title=%s::%s\n", title.Replace(r.API+" "+res.Case.ID), esc.Replace(strings.Join(res.Failures, "\n")))
		}
	}
	if r.Err != nil {
		fmt.Fprintf(w, "::error title=%s::%s\n", title.Replace("usermock test "+r.API), esc.Replace(r.Err.Error()))
	}
}
