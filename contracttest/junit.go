package contracttest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit XML schema CI systems read (Jenkins, GitLab, GitHub test reporters): one
// testsuite per operation, one testcase per case, passing cases included.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	all, _ := r.Totals()
	out := junitSuites{Name: "usermock test " + r.API, Tests: all.Total, Failures: all.Failed, Skipped: all.Skipped,
		Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	var suiteTime []float64
	for _, res := range r.Results {
		op := res.Case.Operation
		i, ok := index[op]
		if !ok {
			i = len(out.Suites)
			index[op] = i
			suiteTime = append(suiteTime, 0)
			out.Suites = append(out.Suites, junitSuite{Name: r.API + "." + op, Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
				Properties: []junitProperty{{"baseURL", r.BaseURL}, {"spec", r.File}, {"seed", fmt.Sprint(r.Seed)}}})
		}
		s := &out.Suites[i]
		jc := junitCase{Name: res.Case.ID, Classname: r.API + "." + op, Time: seconds(res.Duration.Seconds())}
		s.Tests++
		suiteTime[i] += res.Duration.Seconds()
		switch res.Outcome {
		case Fail:
			s.Failures++
			var text strings.Builder
			r.writeFailure(&text, res)
			jc.Failure = &junitFailure{Message: res.Failures[0], Type: "contract", Text: text.String()}
			jc.SystemOut = res.Case.Description
		case Skip:
			s.Skipped++
			jc.Skipped = &junitSkipped{Message: "harness: " + res.Case.HarnessError}
		}
		out.Suites[i].Cases = append(out.Suites[i].Cases, jc)
	}
	for i := range out.Suites {
		out.Suites[i].Time = seconds(suiteTime[i])
	}
	if r.Err != nil { // one failure for the run, not one per case
		out.Tests++
		out.Failures++
		out.Suites = append(out.Suites, junitSuite{Name: r.API, Tests: 1, Failures: 1, Time: "0.000",
			Timestamp:  r.Started.UTC().Format("2006-01-02T15:04:05"),
			Properties: []junitProperty{{"baseURL", r.BaseURL}, {"spec", r.File}, {"seed", fmt.Sprint(r.Seed)}},
			Cases: []junitCase{{Name: "server reachable", Classname: r.API, Time: "0.000",
				Failure: &junitFailure{Message: r.Err.Error(), Type: "unreachable", Text: r.Err.Error()}}}})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
