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
	"strings"
	"time"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/store"
	"github.com/usermock/usermock/mocks"
)

type serveConfig struct {
	src        sources
	addr       string
	api        string
	seed       int64
	auth       string
	cors       listFlag
	corsCreds  bool
	maxBody    int64
	logFormat  string
	adminToken string
	journal    int
	state      string
	storeURL   string
	prefix     string
	pprof      string
	keep       int
	journalMB  int
	keepMB     int
	maxDelay   time.Duration
	proxies    proxyFlag
	proxyErrs  bool
	proxyWait  time.Duration
	recordDir  string
	timeouts   serverTimeouts
	maxConns   int
}

// serverTimeouts bound how long a connection may hold the server: a client that sends its
// request slowly, never reads the answer, or idles between requests is cut off.
type serverTimeouts struct {
	read, write, idle time.Duration
}

// runServe serves without reading the environment (tests).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	return runServeEnv(ctx, args, nil, stdout, stderr, ready)
}

// runServeEnv serves, every flag defaulting to its USERMOCK_* variable in env. ready, when
// not nil, receives the address once the server listens.
func runServeEnv(ctx context.Context, args []string, env Env, stdout, stderr io.Writer, ready chan<- string) error {
	fset := flag.NewFlagSet("usermock serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var c serveConfig
	c.src.flags(fset)
	fset.StringVar(&c.addr, "addr", "127.0.0.1:4010", "address to listen on (host:port; port 0 picks a free port)")
	fset.StringVar(&c.api, "api", "", "serve only this API, at / instead of /<id>")
	fset.Int64Var(&c.seed, "seed", 1, "seed for generated ids, serials and dynamic data")
	fset.StringVar(&c.auth, "auth", "presence", "presence: any well-formed credential passes unless fixtures reject it; strict: only fixture credentials")
	fset.Var(&c.cors, "cors-origin", "browser origin allowed to call the mocked APIs, e.g. http://localhost:3000; repeatable or comma-separated; * for any (default *)")
	fset.BoolVar(&c.corsCreds, "cors-credentials", false, "let pages send cookies and credentials (fetch credentials: 'include', axios withCredentials): the origin is echoed with Access-Control-Allow-Credentials")
	fset.Int64Var(&c.maxBody, "max-body", mocks.DefaultMaxBody, "largest request body in bytes; larger gets 413")
	fset.StringVar(&c.logFormat, "log-format", "text", "request log format: text, json (to stderr) or off")
	fset.StringVar(&c.adminToken, "admin-token", "", "token for /__admin/ from non-loopback clients (default: loopback only)")
	fset.IntVar(&c.journal, "journal-size", 1000, "requests kept for GET /__admin/requests")
	fset.StringVar(&c.state, "state", "", "file to keep records in across restarts (default: memory only)")
	fset.StringVar(&c.storeURL, "store", "memory", "where records live: memory, or redis://HOST:PORT/DB (rediss:// for TLS) to share them between replicas")
	fset.StringVar(&c.prefix, "store-prefix", store.DefaultRedisPrefix, "with --store redis://, the prefix of every key usermock writes")
	fset.IntVar(&c.keep, "keep-records", 1000, "per API, keep the body and response of this many most recent records (older ones keep their unique keys); 0 keeps all")
	fset.StringVar(&c.pprof, "pprof", "", "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (default: off)")
	fset.IntVar(&c.journalMB, "journal-mb", 16, "bytes (in MiB) the request journal may hold; the oldest entries go first")
	fset.IntVar(&c.keepMB, "keep-mb", 16, "per API, bytes (in MiB) of record payloads kept, in memory or in Redis (older ones keep their keys); 0 keeps all")
	fset.DurationVar(&c.timeouts.read, "read-timeout", 30*time.Second, "longest time to read a request, body included")
	fset.DurationVar(&c.timeouts.write, "write-timeout", 30*time.Second, "longest time to write a response")
	fset.DurationVar(&c.timeouts.idle, "idle-timeout", 60*time.Second, "longest time a keep-alive connection may wait for its next request")
	fset.Var(&c.proxies, "proxy", "ID=URL: forward API ID to the vendor at URL (the spec's servers entry), validating both directions; repeatable")
	fset.BoolVar(&c.proxyErrs, "proxy-errors", false, "with --proxy, answer invalid requests locally in the API's error shape instead of forwarding them")
	fset.StringVar(&c.recordDir, "record", "", "with --proxy, keep each distinct vendor answer as a named example in DIR/<id>.recorded.yaml")
	fset.DurationVar(&c.proxyWait, "proxy-timeout", mocks.DefaultProxyTimeout, "with --proxy, longest wait for the vendor's answer")
	fset.DurationVar(&c.maxDelay, "max-delay", mocks.DefaultMaxDelay, "longest injected delay, and how long the timeout fault holds a request")
	fset.IntVar(&c.maxConns, "max-connections", 1000, "connections served at once; more wait to be accepted (0: no limit)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: usermock serve [flags]\n\nServes every API at /<id>/<documented path>, e.g. POST /ruangkerja/ruangkerja/users.\n"+
			"Every flag may also be set in the environment as USERMOCK_<FLAG>, e.g. USERMOCK_ADDR=0.0.0.0:4010,\n"+
			"USERMOCK_MAX_BODY=2097152, USERMOCK_CORS_ORIGIN=http://localhost:3000,http://127.0.0.1:3000; flags win.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	if err := applyEnv(fset, env); err != nil {
		return usageError("%v", err)
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
	var handler slog.Handler
	logw := newLogBuffer(stderr) // written out at least every logFlushEvery, and at the end
	defer logw.Close()
	switch c.logFormat {
	case "text":
		handler = newLineHandler(logw, false) // slog's text, faster for request lines
	case "json":
		handler = newLineHandler(logw, true)
	case "off":
		handler = slog.DiscardHandler
	default:
		return usageError("--log-format %q: want text, json or off", c.logFormat)
	}
	logger := slog.New(handler)
	if err := c.check(stderr); err != nil {
		return err
	}

	apis, sets, problems := c.src.load(ctx)
	if fatal := problems.Fatal(); len(fatal) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("cannot start: %d problem(s) in specs or fixtures:\n%w", len(fatal), fatal)}
	}
	for _, w := range problems.Warnings() {
		fmt.Fprintln(stderr, w)
	}
	mem := store.NewMemoryKeeping(c.keep)
	mem.SetKeepBytes(c.keepMB << 20)
	var st store.Store = mem
	if c.storeURL != "memory" {
		rs, err := store.OpenRedis(c.storeURL, c.prefix)
		if err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("--store: %w", err)}
		}
		rs.SetKeep(c.keep, c.keepMB<<20) // the same bounds as memory, per API
		st = rs
	}
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
		CORSOrigins: c.cors.values, CORSCredentials: c.corsCreds, MaxBody: c.maxBody, JournalSize: c.journal, JournalBytes: c.journalMB << 20, AdminToken: c.adminToken,
		AdminHosts: adminHosts(c.addr), MaxDelay: c.maxDelay, Proxies: c.proxies.m, ProxyErrors: c.proxyErrs,
		ProxyTimeout: c.proxyWait, RecordDir: c.recordDir, Logger: logger, Store: st, Specs: c.src.specFS()})
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrWrite) {
			return err // the store failed (exit 1), not the specs, fixtures or flags (exit 2)
		}
		return usageError("%v", err)
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("listen on %s: %w", c.addr, err)}
	}
	if c.maxConns > 0 {
		ln = limitListener(ln, c.maxConns)
	}
	if c.timeouts.write > 0 && c.timeouts.write < c.maxDelay+5*time.Second {
		// A delayed answer must still fit in the write timeout, or the client gets nothing.
		c.timeouts.write = c.maxDelay + 5*time.Second
	}
	headerTimeout := 10 * time.Second
	if c.timeouts.read > 0 && c.timeouts.read < headerTimeout {
		headerTimeout = c.timeouts.read
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: headerTimeout, ReadTimeout: c.timeouts.read,
		WriteTimeout: c.timeouts.write, IdleTimeout: c.timeouts.idle,
		MaxHeaderBytes: 1 << 20} // headers over mocks.DefaultMaxHeader get the API's 413
	served := apiIDs(apis, c.api)
	logger.Info("usermock listening", "addr", "http://"+ln.Addr().String(), "apis", len(served), "ids", strings.Join(served, ","))
	fmt.Fprintf(stdout, "usermock serving on http://%s\n", ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	defer tuneGC()()
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
	srv.Stop() // injected delays end now instead of holding the shutdown
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		// Requests still in flight after the grace period (a slow upload) are cut off: a
		// stop asked for is a clean stop.
		logger.Warn("usermock stopped with requests in flight", "cause", err.Error())
		_ = hs.Close()
		return nil
	}
	logger.Info("usermock stopped")
	return nil
}

// check refuses flags that cannot work and warns about risky ones.
func (c *serveConfig) check(stderr io.Writer) error {
	if c.adminToken != "" && (len(strings.TrimSpace(c.adminToken)) < 16 || strings.ContainsAny(c.adminToken, " \t\r\n")) {
		return usageError("--admin-token must be at least 16 characters without spaces (it guards reset and every stored record)")
	}
	switch {
	case c.storeURL == "memory":
	case c.state != "":
		return usageError("--state and --store %s are exclusive: records live in the state file or in Redis", c.storeURL)
	case !strings.HasPrefix(c.storeURL, "redis://") && !strings.HasPrefix(c.storeURL, "rediss://"):
		return usageError("--store %q: want memory, redis://HOST:PORT/DB or rediss://HOST:PORT/DB", c.storeURL)
	}
	if c.journalMB < 1 {
		return usageError("--journal-mb must be at least 1")
	}
	if host, _, err := net.SplitHostPort(c.addr); err == nil {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			fmt.Fprintf(stderr, "warning: --addr %s listens on every network interface: other machines can reach the mock; the admin API still answers only loopback clients unless --admin-token is set\n", c.addr)
		}
	}
	return nil
}

// adminHosts are the Host values besides loopback names the admin API accepts: the listen
// address's own host, when it names one.
func adminHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return nil
	}
	return []string{host}
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

// proxyFlag collects repeated --proxy ID=URL.
type proxyFlag struct{ m map[string]string }

func (p *proxyFlag) String() string {
	var parts []string
	for id, u := range p.m {
		parts = append(parts, id+"="+u)
	}
	return strings.Join(parts, ",")
}

func (p *proxyFlag) Set(v string) error {
	id, u, ok := strings.Cut(v, "=")
	if !ok || id == "" || u == "" {
		return fmt.Errorf("want ID=URL, e.g. ruangkerja=https://api.ruangkerja.id")
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[id] = u
	return nil
}

// apiIDs are the ids of the APIs a server serves: all loaded, or the one --api names.
func apiIDs(apis []*apispec.API, only string) []string {
	var ids []string
	for _, a := range apis {
		if only == "" || a.ID == only {
			ids = append(ids, a.ID)
		}
	}
	return ids
}
