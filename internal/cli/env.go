package cli

import (
	"flag"
	"fmt"
	"strings"
)

// Env looks up an environment variable; Run uses os.LookupEnv, tests a map.
type Env func(string) (string, bool)

// envPrefix names the variables that configure serve: USERMOCK_<FLAG>, e.g. USERMOCK_ADDR
// for --addr and USERMOCK_MAX_BODY for --max-body.
const envPrefix = "USERMOCK_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fromEnv is a flag value that takes the command line's values in place of the
// environment's, rather than adding to them (repeatable flags).
type fromEnv interface{ setFromEnv() }

// applyEnv sets every flag of fset that has a non-empty variable in env. It runs before
// Parse, so flags given on the command line win.
func applyEnv(fset *flag.FlagSet, env Env) error {
	if env == nil {
		return nil
	}
	var err error
	fset.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v, ok := env(name)
		if !ok || v == "" || err != nil {
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = fmt.Errorf("%s=%q (for --%s): %v", name, v, f.Name, e)
			return
		}
		if fe, ok := f.Value.(fromEnv); ok {
			fe.setFromEnv()
		}
	})
	return err
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag struct {
	values []string
	env    bool // values came from the environment; the first flag replaces them
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(s string) error {
	if l.env {
		l.values, l.env = nil, false
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.values = append(l.values, v)
		}
	}
	return nil
}

func (l *listFlag) setFromEnv() { l.env = true }
