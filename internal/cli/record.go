package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/record"
)

// runRecord is `usermock record merge DIR --spec FILE`: the examples recorded for the spec's
// API are added to the spec file in place, the rest of it kept as written.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "merge" {
		fmt.Fprintln(stderr, "Usage: usermock record merge DIR --spec FILE")
		return usageError("want: usermock record merge DIR --spec FILE")
	}
	fset := flag.NewFlagSet("usermock record merge", flag.ContinueOnError)
	fset.SetOutput(stderr)
	spec := fset.String("spec", "", "the spec file to merge the recorded examples into (rewritten in place)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock record merge DIR --spec FILE\n\nAdds the examples of DIR/<id>.recorded.yaml (id: FILE's name) to FILE.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	rest := args[1:]
	var dir string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		dir, rest = rest[0], rest[1:]
	}
	if err := fset.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError("%v", err)
	}
	if dir == "" && fset.NArg() > 0 {
		dir = fset.Arg(0)
	}
	if dir == "" || *spec == "" {
		fset.Usage()
		return usageError("want: usermock record merge DIR --spec FILE")
	}
	data, err := os.ReadFile(*spec)
	if err != nil {
		return usageError("--spec: %v", err)
	}
	api, problems := apispec.LoadAPI(ctx, filepath.Base(*spec), data)
	if fatal := problems.Fatal(); api == nil || len(fatal) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("the spec does not load: %w", fatal)}
	}
	recFile := filepath.Join(dir, api.ID+record.Suffix)
	recData, err := os.ReadFile(recFile)
	if err != nil {
		return usageError("no recording for %s: %v", api.ID, err)
	}
	if ps := record.Check(api, recFile, recData); len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintln(stdout, p)
		}
		return &ExitError{Code: 1, Err: fmt.Errorf("%d recorded example(s) do not fit the spec; fix or delete them first", len(ps))}
	}
	rec, err := record.Parse(recData)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s: %w", recFile, err)}
	}
	merged, n, err := record.Merge(data, api, rec)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if _, ps := apispec.LoadAPI(ctx, filepath.Base(*spec), merged); len(ps.Fatal()) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("the merged spec would not load, nothing written: %w", ps.Fatal())}
	}
	if err := writeFileAtomic(*spec, merged); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(stdout, "merged %d example(s) from %s into %s\n", n, recFile, *spec)
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".usermock-merge-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
