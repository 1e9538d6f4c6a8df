package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/usermock/usermock/internal/store"
	"github.com/usermock/usermock/mocks"
)

type serveConfig struct {
	src        sources
	addr       string
	api        string
	seed       int64
	auth       string
	cors       string
	maxBody    int64
	logFormat  string
	adminToken string
	journal    int
	state      string
	pprof      string
	keep       int
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fset := flag.NewFlagSet("usermock serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var c serveConfig
	c.src.flags(fset)
	fset.StringVar(&c.addr, "addr", "127.0.0.1:4010", "address to listen on (host:port; port 0 picks a free port)")
	fset.StringVar(&c.api, "api", "", "serve only this API, at / instead of /<id>")
	fset.Int64Var(&c.seed, "seed", 1, "seed for generated ids, serials and dynamic data")
	fset.StringVar(&c.auth, "auth", "presence", "presence: any well-formed credential passes unless fixtures reject it; strict: only fixture credentials")
	fset.StringVar(&c.cors, "cors-origin", "*", "browser origin allowed by CORS")
	fset.Int64Var(&c.maxBody, "max-body", mocks.DefaultMaxBody, "largest request body in bytes; larger gets 413")
	fset.StringVar(&c.logFormat, "log-format", "text", "request log format: text, json (to stderr) or off")
	fset.StringVar(&c.adminToken, "admin-token", "", "token for /__admin/ from non-loopback clients (default: loopback only)")
	fset.IntVar(&c.journal, "journal-size", 1000, "requests kept for GET /__admin/requests")
	fset.StringVar(&c.state, "state", "", "file to keep records in across restarts (default: memory only)")
	fset.IntVar(&c.keep, "keep-records", 1000, "per API, keep the body and response of this many most recent records (older ones keep their unique keys); 0 keeps all")
	fset.StringVar(&c.pprof, "pprof", "", "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (default: off)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock serve [flags]\n\nServes every API at /<id>/<documented path>, e.g. POST /ruangkerja/ruangkerja/users.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError("%v", err)
	}
	var handler slog.Handler
	switch c.logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	case "off":
		handler = slog.DiscardHandler
	default:
		return usageError("--log-format %q: want text, json or off", c.logFormat)
	}
	logger := slog.New(handler)

	apis, sets, problems := c.src.load(ctx)
	if fatal := problems.Fatal(); len(fatal) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("cannot start: %d problem(s) in specs or fixtures:\n%w", len(fatal), fatal)}
	}
	for _, w := range problems.Warnings() {
		fmt.Fprintln(stderr, w)
	}
	var st store.Store = store.NewMemoryKeeping(c.keep)
	if c.state != "" {
		fs, err := store.OpenFile(c.state)
		if err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("--state: %w", err)}
		}
		for _, note := range fs.Notes() {
			logger.Warn("state file repaired", "note", note)
		}
		st = fs
	}
	srv, err := mocks.New(mocks.Config{APIs: apis, Fixtures: sets, Root: c.api, Seed: c.seed, Auth: mocks.AuthMode(c.auth),
		CORSOrigin: c.cors, MaxBody: c.maxBody, JournalSize: c.journal, AdminToken: c.adminToken, Logger: logger, Store: st})
	if err != nil {
		st.Close()
		return usageError("%v", err)
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("listen on %s: %w", c.addr, err)}
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 1 << 20} // headers over mocks.DefaultMaxHeader get the API's 413
	logger.Info("usermock listening", "addr", "http://"+ln.Addr().String(), "apis", len(apis))
	fmt.Fprintf(stdout, "usermock serving on http://%s\n", ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if c.pprof != "" {
		pln, err := net.Listen("tcp", c.pprof)
		if err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("--pprof: %w", err)}
		}
		ps := &http.Server{Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ps.Serve(pln) }()
		defer ps.Close()
		logger.Info("pprof listening", "addr", "http://"+pln.Addr().String()+"/debug/pprof/")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("usermock stopped")
	return nil
}

// pprofMux serves net/http/pprof on its own mux, never on http.DefaultServeMux.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
