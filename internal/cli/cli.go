// Package cli implements the usermock command: serve, lint and test. main only wires
// signals and exit codes; everything here takes its I/O as arguments so tests can run it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/usermock/usermock/fixtures"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/record"
	"github.com/usermock/usermock/specs"
)

// ExitError carries the process exit code a failure should produce.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageError is exit status 2.
func usageError(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

const usage = `usermock: request-validating mocks of five vendors' "create user" APIs, and contract tests.

Usage:
  usermock serve [flags]   serve the mocks (default 127.0.0.1:4010; flags also from USERMOCK_* variables)
  usermock lint [flags]    check specs and fixtures; print file:line: problem
  usermock test [flags]    check a running server against a spec
  usermock record merge DIR --spec FILE
                           merge examples recorded with serve --proxy --record into a spec
  usermock health [flags]  exit 0 when a running usermock answers /__health (for HEALTHCHECK)
  usermock version         print the version, VCS revision and build time (also --version)

Run "usermock <command> -h" for the flags of a command.
`

// Run runs the usermock command line, configured by the process's environment too.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return RunEnv(ctx, args, os.LookupEnv, stdout, stderr)
}

// RunEnv runs the usermock command line with the environment env (nil: none).
func RunEnv(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	switch args[0] {
	case "serve":
		return runServeEnv(ctx, args[1:], env, stdout, stderr, nil)
	case "lint":
		return runLint(ctx, args[1:], stdout, stderr)
	case "test":
		return runTest(ctx, args[1:], stdout, stderr)
	case "record":
		return runRecord(ctx, args[1:], stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], env, stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", args[0])
	}
}

// sources are the spec and fixture directories a command reads: embedded unless given.
type sources struct {
	specs, fixtures string
}

func (s *sources) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.specs, "specs", "", "directory of <api-id>.yaml specs (default: the embedded specs)")
	fs.StringVar(&s.fixtures, "fixtures", "", "directory of <api-id>/*.yaml fixtures (default: the embedded fixtures)")
}

// specFS is the directory of spec files, or nil for the embedded specs.
func (s *sources) specFS() fs.FS {
	if s.specs == "" {
		return nil
	}
	return os.DirFS(s.specs)
}

func (s *sources) load(ctx context.Context) ([]*apispec.API, map[string]*fixture.Set, apispec.Problems) {
	specFS, fixFS := specs.FS(), fixtures.FS()
	specDir, fixDir := "", ""
	if s.specs != "" {
		specFS, specDir = os.DirFS(s.specs), s.specs
	}
	if s.fixtures != "" {
		fixFS, fixDir = os.DirFS(s.fixtures), s.fixtures
	}
	apis, problems := apispec.Load(ctx, specFS)
	prefix(problems, specDir, "specs")
	var sets map[string]*fixture.Set
	if len(problems.Fatal()) == 0 || len(apis) > 0 {
		var fps apispec.Problems
		sets, fps = fixture.Load(fixFS, apis)
		if s.specs != "" && s.fixtures == "" {
			// Specs from a directory bring their own fixtures, kept next to them; the
			// embedded fixtures serve only the shipped APIs the directory has none for.
			fps = fps.Fatal()
			beside, bps := fixture.LoadBeside(specFS, apis)
			prefix(bps, specDir, "specs")
			problems = append(problems, bps...)
			for id, set := range beside {
				sets[id] = set
			}
		}
		prefix(fps, fixDir, "fixtures")
		problems = append(problems, fps...)
	}
	return apis, sets, problems
}

// prefix makes problem files readable paths: the given directory, or "specs (embedded)/x".
func prefix(ps apispec.Problems, dir, embedded string) {
	for i := range ps {
		if dir != "" {
			ps[i].File = dir + string(os.PathSeparator) + ps[i].File
		} else {
			ps[i].File = embedded + "/" + ps[i].File
		}
	}
}

func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("usermock lint", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var src sources
	src.flags(fset)
	recorded := fset.String("recorded", "", "also check the examples recorded in DIR/<id>.recorded.yaml (those next to --specs are always checked)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock lint [flags]\n\nLoads every spec and fixture as serve does and prints each problem as file:line: message.\nExit 0: no errors (warnings are printed); 1: errors; 2: usage errors.\n\nFlags:\n")
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
	apis, _, problems := src.load(ctx)
	for _, dir := range []string{src.specs, *recorded} {
		if dir != "" {
			problems = append(problems, checkRecordings(dir, apis)...)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	// Warnings name what the mock ignores; only the rest make the specs unusable.
	if fatal := problems.Fatal(); len(fatal) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d problem(s), %d warning(s)", len(fatal), len(problems)-len(fatal))}
	}
	for _, a := range apis {
		from := a.Source
		if from == "" {
			from = "a plain OpenAPI document"
		}
		fmt.Fprintf(stdout, "ok  %-12s %s (%d operation(s), from %s)\n", a.ID, a.File, len(a.Ops), from)
	}
	return nil
}

// checkRecordings checks every DIR/<id>.recorded.yaml of a loaded API against its spec.
func checkRecordings(dir string, apis []*apispec.API) apispec.Problems {
	var problems apispec.Problems
	for _, a := range apis {
		file := filepath.Join(dir, a.ID+record.Suffix)
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		problems = append(problems, record.Check(a, file, data)...)
	}
	return problems
}
