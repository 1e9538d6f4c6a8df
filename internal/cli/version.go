package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// linkedVersion is set by release builds that know their tag better than the build info
// does (a tarball without .git): -ldflags "-X github.com/usermock/usermock/internal/cli.linkedVersion=v1.2.3".
// Only the linker writes it.
var linkedVersion string

// buildVersion is what the binary knows of where it comes from.
type buildVersion struct {
	Version  string // module version: a tag for go install …@v1.2.3, a pseudo-version or "(devel)" otherwise
	Revision string // VCS commit
	Time     string // VCS commit time
	Dirty    bool   // built from a work tree with uncommitted changes
	Go       string
}

func readBuildVersion(info *debug.BuildInfo, ok bool, linked string) buildVersion {
	v := buildVersion{Version: "(unknown)", Go: runtime.Version()}
	if ok && info != nil {
		if info.Main.Version != "" {
			v.Version = info.Main.Version
		}
		v.Go = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Dirty = s.Value == "true"
			}
		}
	}
	if linked != "" {
		v.Version = linked
	}
	return v
}

func (v buildVersion) String() string {
	s := "usermock " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (revision " + rev
		if v.Time != "" {
			s += ", " + v.Time
		}
		if v.Dirty {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + v.Go + " " + runtime.GOOS + "/" + runtime.GOARCH
}

func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 && !isHelp(args[0]) {
		return usageError("version takes no arguments")
	}
	if len(args) > 0 {
		fmt.Fprintln(stdout, "Usage: usermock version (or usermock --version)\n\nPrints the module version, VCS revision and time, and whether the work tree was modified.")
		return nil
	}
	info, ok := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, readBuildVersion(info, ok, linkedVersion))
	return nil
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }
