package cli

import (
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
	"strings"
	"time"

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
		headers  = headerFlags{}
		seedUsed = false
	)
	fset.Var(headers, "header", "'Name: value' sent with every request, e.g. real credentials (repeatable)")
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
	cfg := contracttest.Config{API: *apiID, BaseURL: *baseURL, Seed: *seed, Header: http.Header(headers), BodyCredentials: creds,
		Client: &http.Client{Timeout: *timeout}, Progress: stdout}
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
	if rep.Unreachable() {
		x := rep.Results[0].Exchanges[0]
		return &ExitError{Code: 2, Err: fmt.Errorf("cannot reach %s: %v", *baseURL, x.Err)}
	}
	rep.WriteText(stdout, false)
	if err := writeReport(*junit, rep.WriteJUnit); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if err := writeReport(*jsonOut, rep.WriteJSON); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if rep.Failed() {
		all, _ := rep.Totals()
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d contract cases failed", all.Failed, all.Total)}
	}
	return nil
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
