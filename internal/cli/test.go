package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/specs"
)

// credentialFlags collects repeated --credential field=value flags.
type credentialFlags map[string]string

func (c credentialFlags) String() string { return "" }

func (c credentialFlags) Set(s string) error {
	field, value, ok := strings.Cut(s, "=")
	if !ok || field == "" {
		return fmt.Errorf("credential %q: want field=value", s)
	}
	c[field] = value
	return nil
}

// scenarioFlags collects repeated --scenario NAME=FILE flags, each a YAML file of the
// rules a caller breaks and its credentials and headers.
type scenarioFlags []contracttest.Scenario

func (s *scenarioFlags) String() string { return "" }

func (s *scenarioFlags) Set(v string) error {
	name, file, ok := strings.Cut(v, "=")
	if !ok || name == "" || file == "" {
		return fmt.Errorf("scenario %q: want NAME=FILE, e.g. trial=scenarios/trial.yaml", v)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("scenario %s: %w", name, err)
	}
	var sc contracttest.Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return fmt.Errorf("scenario %s: %s: %w (want breaks: [rule ids], credentials: {field: value}, headers: {Name: value})", name, file, err)
	}
	sc.Name = name
	*s = append(*s, sc)
	return nil
}

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags http.Header

func (h headerFlags) String() string { return "" }

func (h headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("header %q: want 'Name: value'", s)
	}
	http.Header(h).Add(name, strings.TrimSpace(value))
	return nil
}

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("usermock test", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		baseURL  = fset.String("base-url", "", "where the API's paths are appended; for usermock serve include the mount prefix, e.g. http://127.0.0.1:4010/ruangkerja")
		apiID    = fset.String("api", "", "the API to check: "+strings.Join(embeddedIDs(), ", "))
		specDir  = fset.String("specs", "", "directory of <api-id>.yaml specs (default: the embedded specs)")
		junit    = fset.String("junit", "", "write a JUnit XML report to this file")
		jsonOut  = fset.String("json", "", "write a JSON report to this file")
		seed     = fset.Int64("seed", 0, "seed of the generated values (default: a new one each run, printed in the report)")
		run      = fset.String("run", "", "run only the cases whose id matches this regular expression")
		list     = fset.Bool("list", false, "list the cases and exit without sending anything")
		timeout  = fset.Duration("timeout", 10*time.Second, "timeout of each request")
		wait     = fset.Duration("wait", 0, "wait up to this long for the server to answer (GET of --base-url) before the first case, e.g. 30s for a server still starting")
		maxBody  = byteSize(contracttest.DefaultMaxBody)
		format   = fset.String("format", "text", "report on stdout: text, or github (text plus ::error annotations for GitHub Actions)")
		headers  = headerFlags{}
		seedUsed = false
	)
	fset.Var(&maxBody, "max-body", "size of the body the too-large case sends, just over the server's limit: bytes, or with KiB/MiB, e.g. 1MiB+1 (the default, one over serve's default --max-body); 0 sends no such case")
	fset.Var(headers, "header", "'Name: value' sent with every request, e.g. real credentials (repeatable)")
	var scenarios scenarioFlags
	fset.Var(&scenarios, "scenario", "NAME=FILE: a caller the server knows that rules about the caller's account refuse, a YAML file of breaks (rule ids), credentials and headers (repeatable)")
	creds := credentialFlags{}
	fset.Var(creds, "credential", "field=value for an API that takes credentials in the JSON body, e.g. deviceID=… and token=… for superfy (repeatable)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock test --api ID --base-url URL [flags]\n\n"+
			"Checks a running server against the API's spec. Exit 0: every case holds; 1: contract failures;\n"+
			"2: usage or configuration errors.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError("%v", err)
	}
	if fset.NArg() > 0 {
		return usageError("unexpected argument %q", fset.Arg(0))
	}
	fset.Visit(func(f *flag.Flag) { seedUsed = seedUsed || f.Name == "seed" })
	if !seedUsed {
		*seed = time.Now().UnixNano() % 1_000_000_000
	}
	if *format != "text" && *format != "github" {
		return usageError("--format %q: want text or github", *format)
	}
	cfg := contracttest.Config{API: *apiID, BaseURL: *baseURL, Seed: *seed, Header: http.Header(headers), BodyCredentials: creds,
		Client: &http.Client{Timeout: *timeout}, Progress: stdout, Wait: *wait, MaxBody: int64(maxBody), Scenarios: scenarios}
	if maxBody == 0 {
		cfg.MaxBody = -1
	}
	if *specDir != "" {
		cfg.Specs = os.DirFS(*specDir)
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return usageError("--run: %v", err)
		}
		cfg.Run = re
	}
	known := embeddedIDs()
	if *specDir != "" {
		known = specIDs(os.DirFS(*specDir))
	}
	if *apiID == "" {
		return usageError("--api is required (one of %s)", strings.Join(known, ", "))
	}
	if !slices.Contains(known, *apiID) {
		from := "the embedded specs"
		if *specDir != "" {
			from = *specDir
		}
		return usageError("--api: no API %q in %s; available: %s", *apiID, from, strings.Join(known, ", "))
	}
	if *list {
		plan, err := contracttest.NewPlan(ctx, cfg)
		if err != nil {
			return usageError("%v", err)
		}
		plan.WriteList(stdout)
		return nil
	}
	if *baseURL == "" {
		return usageError("--base-url is required, e.g. http://127.0.0.1:4010/%s", *apiID)
	}
	fmt.Fprintf(stdout, "usermock test: %s against %s, seed %d\n", *apiID, *baseURL, *seed)
	rep, err := contracttest.Execute(ctx, cfg)
	if errors.Is(err, contracttest.ErrConfig) {
		return usageError("%v", err)
	}
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if err := writeReport(*junit, rep.WriteJUnit); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if err := writeReport(*jsonOut, rep.WriteJSON); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if rep.Err != nil && len(rep.Results) == 0 { // nothing ran: one error, not a report
		if *format == "github" {
			fmt.Fprintf(stdout, "::error title=usermock test %s::%s\n", *apiID, annotation(rep.Err.Error()))
		}
		return &ExitError{Code: 2, Err: rep.Err}
	}
	rep.WriteText(stdout, false)
	if *format == "github" {
		rep.WriteAnnotations(stdout)
	}
	if rep.Err != nil {
		return &ExitError{Code: 2, Err: rep.Err}
	}
	if rep.Failed() {
		all, _ := rep.Totals()
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d contract cases failed", all.Failed, all.Total)}
	}
	return nil
}

// byteSize is a flag of bytes: "1048577", "64KiB", "1MiB+1".
type byteSize int64

func (b *byteSize) String() string { return fmt.Sprint(int64(*b)) }

func (b *byteSize) Set(s string) error {
	base, plus, _ := strings.Cut(strings.TrimSpace(s), "+")
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(base, u.suffix) {
			base, mult = strings.TrimSuffix(base, u.suffix), u.n
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(base), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q: want bytes, e.g. 1048577, 64KiB or 1MiB+1", s)
	}
	extra := int64(0)
	if plus != "" {
		if extra, err = strconv.ParseInt(strings.TrimSpace(plus), 10, 64); err != nil || extra < 0 {
			return fmt.Errorf("%q: want bytes, e.g. 1MiB+1", s)
		}
	}
	*b = byteSize(n*mult + extra)
	return nil
}

// annotation escapes a message for a GitHub Actions workflow command.
func annotation(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func writeReport(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return f.Close()
}

func embeddedIDs() []string { return specIDs(specs.FS()) }

// specIDs are the API ids of a specs directory: its *.yaml files, fixtures files aside.
func specIDs(fsys fs.FS) []string {
	names, _ := fs.Glob(fsys, "*.yaml")
	names = slices.DeleteFunc(names, func(n string) bool { return strings.HasSuffix(n, ".fixtures.yaml") })
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".yaml")
	}
	return names
}
