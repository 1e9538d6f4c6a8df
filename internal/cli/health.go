package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealth asks a running usermock for /__health: exit 0 when it answers 200. It is the
// container image's HEALTHCHECK, which has no curl.
func runHealth(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("usermock health", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := "127.0.0.1:4010"
	if v, ok := lookup(env, envName("addr")); ok && v != "" {
		addr = v
	}
	url := fset.String("url", "http://"+loopbackFor(addr)+"/__health", "health URL to ask (default: from USERMOCK_ADDR, or 127.0.0.1:4010)")
	timeout := fset.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock health [flags]\n\nExit 0 when a running usermock answers GET /__health with 200, 1 otherwise.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageError("--url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("health: %w", err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return &ExitError{Code: 1, Err: fmt.Errorf("health: %s answered %d: %s", *url, resp.StatusCode, body)}
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	fmt.Fprintf(stdout, "ok %s\n", body)
	return nil
}

func lookup(env Env, name string) (string, bool) {
	if env == nil {
		return "", false
	}
	return env(name)
}

// loopbackFor turns a listen address into one to connect to: a wildcard host (0.0.0.0, ::,
// or none) is reached on 127.0.0.1.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
