package mocks

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/gorilla/mux"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/store"
)

// Config configures a Server. The zero value of every optional field works.
type Config struct {
	APIs     []*apispec.API          // required: the loaded specs
	Fixtures map[string]*fixture.Set // per API id; missing means none
	Root     string                  // serve only this API, at / instead of /<id>
	Seed     int64                   // seeds generated ids, serials and dynamic data
	Auth     AuthMode                // presence (default) or strict
	// CORSOrigins are the browser origins allowed to call the mocked APIs; empty or "*"
	// allows any. The admin API never answers other origins, whatever this says.
	CORSOrigins []string
	// CORSOrigin is one more allowed origin (the single origin of earlier versions).
	CORSOrigin string
	// CORSCredentials lets pages send cookies and credentials (fetch credentials: 'include'):
	// the request's origin is echoed with Access-Control-Allow-Credentials, never "*".
	CORSCredentials bool
	MaxBody         int64 // request body limit in bytes; default 1 MiB
	// MaxHeader limits the request's header names and values, in bytes; default 64 KiB. The
	// http.Server's MaxHeaderBytes must be larger, or net/http refuses first, in plain text.
	MaxHeader   int
	JournalSize int // requests kept for /__admin/requests; default 1000
	// JournalBytes bounds the journal's memory; default 16 MiB.
	JournalBytes int
	// MaxDelay bounds injected delays and the timeout fault; default 30 s.
	MaxDelay time.Duration
	// Proxies maps API ids to the vendor's base URL (the spec's servers entry): those APIs
	// forward every request there after validating it, and judge the answers.
	Proxies map[string]string
	// ProxyErrors answers invalid requests locally, in the API's error shape, instead of
	// forwarding them (Prism's --errors).
	ProxyErrors bool
	// ProxyTimeout bounds an upstream exchange; default 30 s.
	ProxyTimeout time.Duration
	// ProxyTransport sends upstream requests; nil means http.DefaultTransport's settings.
	ProxyTransport http.RoundTripper
	// RecordDir, in proxy mode, keeps each distinct answer of the vendor as a named example
	// in RecordDir/<api-id>.recorded.yaml.
	RecordDir string
	// Specs holds the <api-id>.yaml files the APIs were loaded from: the console's contract
	// cases are built from them. nil means the specs shipped with usermock.
	Specs      fs.FS
	AdminToken string
	// AdminHosts are Host header values, besides loopback names, the admin API answers: the
	// address the server listens on when it is not loopback.
	AdminHosts []string
	Logger     *slog.Logger     // default: discard
	Now        func() time.Time // default: time.Now
	Store      store.Store      // default: in memory
}

// DefaultMaxBody is the default request body limit.
const DefaultMaxBody = 1 << 20

// DefaultJournalBytes is the default memory budget of the request journal.
const DefaultJournalBytes = 16 << 20

// DefaultMaxHeader is the default request header limit.
const DefaultMaxHeader = 64 << 10

// Server serves the mocked APIs. It is an http.Handler.
type Server struct {
	handler  http.Handler
	mounts   map[string]mount // by API id, unless one API is served at /
	rootAPI  *apiState        // the API served at / (--api ID), else nil
	apis     map[string]*apiState
	order    []string
	fixtures map[string]*fixture.Set
	store    store.Store
	journal  *journal
	gen      *generator
	log      *slog.Logger
	auth     AuthMode
	maxBody  int64
	maxHead  int
	cors     corsPolicy
	admin    string
	root     bool
	// corsHeaders are the request headers preflights allow: the standard ones and every
	// header the loaded specs read (security schemes, header parameters).
	corsHeaders string
	adminHosts  []string
	maxDelay    time.Duration
	proxyErrors bool
	recorder    *recorder
	specs       fs.FS // for the console's contract cases
	seed        int64
	stopping    chan struct{} // closed by Stop: injected delays end
	stopOnce    sync.Once
}

// New builds a Server: everything derivable from the specs is computed here, once, and the
// fixtures' records are stored.
func New(cfg Config) (*Server, error) {
	if len(cfg.APIs) == 0 {
		return nil, errors.New("no APIs to serve")
	}
	s := &Server{apis: map[string]*apiState{}, fixtures: cfg.Fixtures, store: cfg.Store, log: cfg.Logger,
		auth: cfg.Auth, maxBody: cfg.MaxBody, maxHead: cfg.MaxHeader, admin: cfg.AdminToken, root: cfg.Root != ""}
	if s.auth == "" {
		s.auth = AuthPresence
	}
	if s.auth != AuthPresence && s.auth != AuthStrict {
		return nil, fmt.Errorf("auth mode %q: want presence or strict", s.auth)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.maxHead <= 0 {
		s.maxHead = DefaultMaxHeader
	}
	s.maxDelay, s.stopping, s.proxyErrors = cfg.MaxDelay, make(chan struct{}), cfg.ProxyErrors
	if s.maxDelay <= 0 {
		s.maxDelay = DefaultMaxDelay
	}
	cors, err := newCORSPolicy(append(append([]string(nil), cfg.CORSOrigins...), cfg.CORSOrigin), cfg.CORSCredentials)
	if err != nil {
		return nil, err
	}
	s.cors = cors
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s.gen = &generator{faker: gofakeit.New(cfg.Seed), now: now}
	size := cfg.JournalSize
	if size <= 0 {
		size = 1000
	}
	budget := cfg.JournalBytes
	if budget <= 0 {
		budget = DefaultJournalBytes
	}
	s.journal = newJournal(size, budget)

	r := mux.NewRouter()
	// Paths are matched as sent: gorilla's cleaning answers "//" or "/a/../b" with a bodiless
	// 301; the mock answers them in the API's shape (a 404 when nothing matches).
	r.SkipClean(true)
	r.HandleFunc("/__health", s.health).Methods(http.MethodGet, http.MethodHead)
	s.mountAdmin(r.PathPrefix("/__admin").Subrouter())
	s.mountConsole(r) // before the mounts: with --api ID, the API takes every other path
	for _, api := range cfg.APIs {
		if cfg.Root != "" && api.ID != cfg.Root {
			continue
		}
		a, err := newAPIState(s, api, cfg.Fixtures[api.ID])
		if err != nil {
			return nil, fmt.Errorf("mount %s: %w", api.ID, err)
		}
		if raw, ok := cfg.Proxies[api.ID]; ok {
			up, err := newUpstream(raw, cfg.ProxyTimeout, cfg.ProxyTransport)
			if err != nil {
				return nil, fmt.Errorf("--proxy %s: %w", api.ID, err)
			}
			a.upstream, a.learned, a.judge = up, store.NewMemory(), contracttest.NewJudge(api)
		}
		s.apis[api.ID] = a
		s.order = append(s.order, api.ID)
		if cfg.Root == "" {
			r.PathPrefix("/" + api.ID + "/").Handler(http.StripPrefix("/"+api.ID, a))
		} else {
			r.PathPrefix("/").Handler(a)
		}
	}
	if cfg.RecordDir != "" {
		if len(cfg.Proxies) == 0 {
			return nil, errors.New("--record needs --proxy: it records the vendor's answers")
		}
		rc, err := newRecorder(cfg.RecordDir, now)
		if err != nil {
			return nil, err
		}
		s.recorder = rc
	}
	for id := range cfg.Proxies {
		if s.apis[id] == nil {
			return nil, fmt.Errorf("--proxy %s: no such API (have %s)", id, apiIDs(cfg.APIs))
		}
	}
	if cfg.Root != "" && len(s.apis) == 0 {
		return nil, fmt.Errorf("--api %q: no such API (have %s)", cfg.Root, apiIDs(cfg.APIs))
	}
	s.corsHeaders = corsHeaders(cfg.APIs)
	s.adminHosts = cfg.AdminHosts
	s.specs, s.seed = cfg.Specs, cfg.Seed
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the operational endpoints get here (each API has its own router).
		if r.URL.Path == "/__health" {
			w.Header().Set("Allow", "GET, HEAD")
		}
		writePlainJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "method not allowed",
			"detail": fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)})
	})
	// A store shared by replicas (Redis) seeds the fixtures once per database, not once per start.
	seed := func() error { return s.seedFixtures("", s.store) }
	if once, ok := s.store.(interface {
		SeedOnce(func(string, store.Tx) error) error
	}); ok {
		seed = func() error { return once.SeedOnce(s.seedFixtures) }
	}
	if err := seed(); err != nil {
		return nil, err
	}
	// Generated ids and serials continue where the stored records leave off instead of
	// repeating the seed's first values after a restart with --state.
	if wm, ok := s.store.(interface{ Watermark() int64 }); ok {
		if w := wm.Watermark(); w > 0 {
			s.gen.faker = gofakeit.New(cfg.Seed + w*1_000_003)
		}
	}
	// Replicas sharing a store would make up the same values from the same seed: each one's
	// generator gets a stream of its own (replicas trade --seed's repeatability for that).
	if sh, ok := s.store.(interface{ Shared() bool }); ok && sh.Shared() {
		var b [8]byte
		if _, err := cryptorand.Read(b[:]); err == nil {
			s.gen.faker = gofakeit.New(cfg.Seed ^ int64(binary.LittleEndian.Uint64(b[:])))
		}
	}
	s.rootAPI = s.apis[cfg.Root]
	if cfg.Root == "" {
		s.mounts = make(map[string]mount, len(s.apis))
		for id, a := range s.apis {
			if !strings.HasPrefix(id, "__") { // the router decides between an API and the admin
				s.mounts[id] = mount{prefix: "/" + id, api: a}
			}
		}
	}
	s.handler = s.observe(r)
	return s, nil
}

// mount is an API served under /<id>.
type mount struct {
	prefix string // "/<id>"
	api    *apiState
}

// route is the handler of a request and the URL it sees. A request under a mounted API's
// prefix goes straight to the API, without the operational router's walk over its routes (a
// regular expression each): the API mounts are that router's last routes, and no operational
// path starts with an API's id. The API sees the path and raw path without the prefix, as
// http.StripPrefix would give them, and StripPrefix's 404 when the raw path does not start
// with it; the URL is copied into u, so the caller's request is left as it was.
//
// With one API served at /, every path not under /__ (the operational paths) is the API's:
// it goes straight to the API too.
func (s *Server) route(router http.Handler, r *http.Request, u *url.URL) (http.Handler, *url.URL) {
	if s.rootAPI != nil {
		if !strings.HasPrefix(r.URL.Path, "/") || strings.HasPrefix(r.URL.Path, "/__") {
			return router, r.URL
		}
		return s.rootAPI, r.URL
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/")
	if !ok {
		return router, r.URL
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok {
		return router, r.URL
	}
	m, ok := s.mounts[id]
	if !ok {
		return router, r.URL
	}
	rp := strings.TrimPrefix(r.URL.RawPath, m.prefix)
	if r.URL.RawPath != "" && len(rp) == len(r.URL.RawPath) {
		return http.NotFoundHandler(), r.URL
	}
	*u = *r.URL
	u.Path, u.RawPath = r.URL.Path[len(m.prefix):], rp
	return m.api, u
}

func corsHeaders(apis []*apispec.API) string {
	out := []string{"Content-Type", "Accept", "Authorization", "Prefer"}
	seen := map[string]bool{"content-type": true, "accept": true, "authorization": true, "prefer": true}
	for _, a := range apis {
		for _, h := range a.Headers {
			if !seen[strings.ToLower(h)] {
				seen[strings.ToLower(h)] = true
				out = append(out, h)
			}
		}
	}
	return strings.Join(out, ", ")
}

func apiIDs(apis []*apispec.API) string {
	ids := make([]string, len(apis))
	for i, a := range apis {
		ids[i] = a.ID
	}
	return strings.Join(ids, ", ")
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Stop ends the injected delays in progress, so that a shutdown need not wait for them.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Close stops the delays and releases the store.
func (s *Server) Close() error {
	s.Stop()
	return s.store.Close()
}

func (a *apiState) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := exchangeFrom(r.Context())
	x.api = a.api.ID
	if n := headerSize(r.Header); n > a.srv.maxHead {
		a.writeFailure(w, r, x, fail(apispec.KindTooLarge, "", "the request headers are %d bytes; the limit is %d", n, a.srv.maxHead))
		return
	}
	// The preference is read once, here: the faults are decided before routing, the rest
	// of it by the operation.
	pref, err := parsePreference(r)
	if err != nil {
		a.writeFailure(w, r, x, fail(apispec.KindValidation, "", "%v", err))
		return
	}
	x.pref = pref
	if a.apply(w, r, x, a.plan(pref)) {
		return
	}
	a.route(w, r, x)
}

func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

// health answers 503 while the record store fails to write, so a supervisor sees what the
// 500s of creates mean.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Err(); err != nil {
		writePlainJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "failing", "reason": "record store: " + err.Error(), "apis": s.order})
		return
	}
	writePlainJSON(w, http.StatusOK, map[string]any{"status": "ok", "apis": s.order})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var mounts []string
	for _, id := range s.order {
		mounts = append(mounts, "/"+id+"/")
	}
	writePlainJSON(w, http.StatusNotFound, map[string]any{
		"error":  "not found",
		"detail": fmt.Sprintf("%s is not under a mounted API; mounted: %s", r.URL.Path, strings.Join(mounts, ", ")),
	})
}

// observe records every request in the journal and logs one line for it. It makes the one
// copy of the request the handlers see: with the exchange in its context, the body captured
// and, under a mounted API, the API's prefix taken off the path (route).
func (s *Server) observe(router http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.gen.now()
		o := &observed{}
		x, sw := &o.x, &o.sw
		sw.ResponseWriter = w
		var body *capturedBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &o.body
			body.ReadCloser = r.Body
		}
		// Recorded even when the handler aborts the connection on purpose (an injected fault).
		defer s.record(r, x, sw, body, start)
		if s.answerCORS(sw, r, x) {
			return
		}
		next, u := s.route(router, r, &o.url)
		o.ctx = exchangeContext{Context: r.Context(), x: x}
		o.req = *r.WithContext(&o.ctx) // r.WithContext's copy, kept in o
		r2 := &o.req
		r2.URL = u
		if body != nil {
			r2.Body = body // r2 is a copy: the caller's request is left as it was
		}
		next.ServeHTTP(sw, r2)
	})
}

// observed is what observe makes for one request, in one allocation rather than one each:
// the exchange, the writer and body that watch it, and the copy of the request the handlers
// see, with its URL and context. Nothing of it outlives the request: the journal keeps
// copies of what it needs.
type observed struct {
	x    exchange
	sw   statusWriter
	body capturedBody
	url  url.URL
	ctx  exchangeContext
	req  http.Request
}

// exchangeContext carries the exchange in the request's context, as context.WithValue would.
type exchangeContext struct {
	context.Context
	x *exchange
}

func (c *exchangeContext) Value(key any) any {
	if key == (exchangeKey{}) {
		return c.x
	}
	return c.Context.Value(key)
}

// record journals and logs one API request: what was sent and answered (credentials
// redacted, bodies clipped), the decision, an injected fault, the proxy's violations.
func (s *Server) record(r *http.Request, x *exchange, sw *statusWriter, body *capturedBody, start time.Time) {
	if x.api == "" {
		return // admin, health and unmounted paths are not API traffic
	}
	d := s.gen.now().Sub(start)
	ms := float64(d.Microseconds()) / 1000
	decision := x.decision
	if x.fault != "" && decision == "" {
		decision = "no answer: a fault injected on purpose (" + x.fault + ")"
	}
	e := entry{Time: start.UTC(), API: x.api, Operation: x.op, Method: r.Method, Path: r.URL.Path,
		Status: sw.status, Valid: x.valid, Problems: detachProblems(x.problems), Decision: decision, DurationMS: ms,
		Fault: x.fault, Violations: detachViolations(x.violations),
		Query: r.URL.RawQuery,
		// The headers are the request's and response's own maps, which nothing changes after
		// the exchange; they are redacted, as bodies and the query are, when the journal is
		// read (redactEntry): the work is paid by the rare listing, not by every request.
		Request:  message{Headers: r.Header},
		Response: message{Headers: sw.Header(), Body: string(sw.body), BodyBytes: sw.n, Truncated: sw.n > len(sw.body)}}
	if body != nil {
		e.Request.Body, e.Request.BodyBytes, e.Request.Truncated = string(body.head), body.n, body.n > len(body.head)
	}
	s.journal.add(e)
	h := s.log.Handler()
	if !h.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	// The record is handed to the handler directly: Logger.LogAttrs would look up the
	// caller's program counter, which a request line does not show.
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	rec.AddAttrs(slog.String("api", x.api), slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", sw.status), slog.Float64("duration_ms", ms), slog.String("decision", decision))
	if x.fault != "" {
		rec.AddAttrs(slog.String("fault", x.fault))
	}
	if x.cause != nil {
		rec.AddAttrs(slog.String("cause", x.cause.Error()))
	}
	_ = h.Handle(r.Context(), rec)
}

// detachProblems copies problems for the journal, their text cloned and their values left
// out (never listed): a field name or value decoded from a request body is a slice of the
// whole body's text, which the journal would otherwise keep alive.
func detachProblems(ps []problem) []problem {
	if len(ps) == 0 {
		return ps
	}
	out := make([]problem, len(ps))
	for i, p := range ps {
		out[i] = problem{Field: strings.Clone(p.Field), Reason: strings.Clone(p.Reason), Keyword: p.Keyword}
	}
	return out
}

// detachViolations copies violations for the journal, as detachProblems does problems.
func detachViolations(vs []Violation) []Violation {
	if len(vs) == 0 {
		return vs
	}
	out := make([]Violation, len(vs))
	for i, v := range vs {
		out[i] = Violation{Side: v.Side, Field: strings.Clone(v.Field), Message: strings.Clone(v.Message)}
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
	body   []byte // at most JournalBodyBytes
	n      int    // bytes written in all
}

// Unwrap lets http.ResponseController reach the connection (flush, hijack).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = appendHead(w.body, b)
	n, err := w.ResponseWriter.Write(b)
	w.n += n
	return n, err
}

// capturedBody passes a request body through and keeps its start, for the journal.
type capturedBody struct {
	io.ReadCloser
	head []byte // at most JournalBodyBytes
	n    int
}

func (c *capturedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.head = appendHead(c.head, p[:n])
	c.n += n
	return n, err
}

func appendHead(head, b []byte) []byte {
	if room := JournalBodyBytes - len(head); room > 0 {
		head = append(head, b[:min(room, len(b))]...)
	}
	return head
}

// isConsole reports whether the path is the console's: /__ui/, and / unless an API is mounted there.
func (s *Server) isConsole(p string) bool { return isConsolePath(p) || (p == "/" && !s.root) }

// isLoopback reports whether the request comes from this machine.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
