package mocks

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/internal/store"
)

func (s *Server) mountAdmin(r *mux.Router) {
	r.Use(s.guardAdmin)
	r.HandleFunc("/reset", s.adminReset).Methods(http.MethodPost)
	r.HandleFunc("/requests", s.adminRequests).Methods(http.MethodGet)
	r.HandleFunc("/requests", s.adminClearRequests).Methods(http.MethodDelete)
	r.HandleFunc("/apis", s.adminAPIs).Methods(http.MethodGet)
	r.HandleFunc("/apis/{id}/records", s.adminRecords).Methods(http.MethodGet)
	r.HandleFunc("/apis/{id}/records", s.adminSeedRecord).Methods(http.MethodPost)
	r.HandleFunc("/apis/{id}/cases", s.adminCases).Methods(http.MethodGet)
	r.HandleFunc("/apis/{id}/faults", s.adminFaults).Methods(http.MethodGet, http.MethodPut, http.MethodDelete)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writePlainJSON(w, http.StatusNotFound, adminError("no admin endpoint %s %s; see README", r.Method, r.URL.Path))
	})
}

// guardAdmin keeps the admin API to the machine's own tools: never a page of another origin
// (the browser is a loopback client too), never a DNS-rebound Host, and only loopback clients
// or, with --admin-token, that token. It refuses before anything acts.
func (s *Server) guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := crossOrigin(r); why != "" {
			writePlainJSON(w, http.StatusForbidden, adminError("admin endpoints never answer other origins (%s); use curl or a script", why))
			return
		}
		if s.admin != "" {
			tok, _ := cutPrefixFold(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.admin)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="usermock admin"`)
				writePlainJSON(w, http.StatusUnauthorized, adminError("admin endpoints need the admin token: Authorization: Bearer <token>"))
				return
			}
		} else {
			if !isLoopback(r) {
				writePlainJSON(w, http.StatusForbidden, adminError("admin endpoints answer only loopback clients; start with --admin-token to allow others"))
				return
			}
			if !s.trustedHost(r) {
				writePlainJSON(w, http.StatusForbidden, adminError("admin endpoints answer only Host 127.0.0.1, [::1] or localhost (got %q); start with --admin-token to allow others", r.Host))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func adminError(format string, args ...any) map[string]string {
	return map[string]string{"error": fmt.Sprintf(format, args...)}
}

func writePlainJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("api")
	if id != "" && s.apis[id] == nil {
		writePlainJSON(w, http.StatusNotFound, adminError("no API %q; mounted: %s", id, strings.Join(s.order, ", ")))
		return
	}
	// The fixtures are stored inside the reset, so no create can take their keys or places.
	if err := s.store.Reset(id, s.seedFixtures); err != nil {
		writePlainJSON(w, http.StatusInternalServerError, adminError("reset: %v", err))
		return
	}
	reset := s.order
	if id != "" {
		reset = []string{id}
	}
	writePlainJSON(w, http.StatusOK, map[string]any{"reset": reset})
}

func (s *Server) adminRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageSize(w, q.Get("limit"))
	if !ok {
		return
	}
	invalid := q.Get("invalid") == "true"
	entries := s.journal.list(q.Get("api"), invalid, limit)
	// The journal is bounded in bytes, but its JSON can be several times larger (escapes):
	// the answer is written entry by entry and stops at maxListingBytes, saying so.
	var buf bytes.Buffer
	buf.WriteString("{\n  \"requests\": [")
	shown := 0
	for _, e := range entries {
		e = s.redactEntry(e)
		var one bytes.Buffer
		enc := json.NewEncoder(&one)
		enc.SetEscapeHTML(false)
		enc.SetIndent("    ", "  ")
		if err := enc.Encode(e); err != nil {
			continue
		}
		if shown > 0 && buf.Len()+one.Len() > maxListingBytes {
			break
		}
		if shown > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n    ")
		buf.Write(bytes.TrimRight(one.Bytes(), "\n"))
		shown++
	}
	fmt.Fprintf(&buf, "\n  ],\n  \"truncated\": %t\n}\n", shown < len(entries))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// maxListingBytes bounds one journal listing's answer; ask for fewer entries to see the rest.
const maxListingBytes = 8 << 20

func (s *Server) adminClearRequests(w http.ResponseWriter, r *http.Request) {
	s.journal.clear()
	w.WriteHeader(http.StatusNoContent)
}

type apiInfo struct {
	ID         string       `json:"id"`
	Mount      string       `json:"mount"`
	Source     string       `json:"sourceDocument"`
	Faults     *FaultConfig `json:"faults,omitempty"`
	Operations []opInfo     `json:"operations"`
}

type opInfo struct {
	ID       string              `json:"operationId"`
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Success  int                 `json:"success"`
	Statuses []int               `json:"statuses"`
	Examples map[string][]string `json:"examples"`
	Rules    []string            `json:"rules,omitempty"`
}

func (s *Server) adminAPIs(w http.ResponseWriter, r *http.Request) {
	out := []apiInfo{}
	for _, id := range s.order {
		a := s.apis[id]
		info := apiInfo{ID: id, Mount: "/" + id, Source: a.api.Source, Faults: a.faults.Load()}
		if len(s.order) == 1 && s.rootMounted() {
			info.Mount = "/"
		}
		for _, o := range a.ops {
			oi := opInfo{ID: o.op.ID, Method: o.op.Method, Path: o.op.Path, Success: o.op.Success, Statuses: o.op.Statuses, Examples: map[string][]string{}}
			for st, names := range o.op.Examples {
				oi.Examples[strconv.Itoa(st)] = names
			}
			for _, rule := range o.op.Rules {
				oi.Rules = append(oi.Rules, rule.ID+" ("+rule.Check+")")
			}
			info.Operations = append(info.Operations, oi)
		}
		out = append(out, info)
	}
	writePlainJSON(w, http.StatusOK, map[string]any{"apis": out})
}

func (s *Server) rootMounted() bool { return s.root }

func (s *Server) adminRecords(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if s.apis[id] == nil {
		writePlainJSON(w, http.StatusNotFound, adminError("no API %q; mounted: %s", id, strings.Join(s.order, ", ")))
		return
	}
	q := r.URL.Query()
	limit, ok := pageSize(w, q.Get("limit"))
	if !ok {
		return
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writePlainJSON(w, http.StatusBadRequest, adminError("offset=%q: want a non-negative integer", v))
			return
		}
		offset = n
	}
	// A shared store can fail to answer: that is a 503, not an empty listing.
	all, dropped, err := s.store.Snapshot(id)
	if err != nil {
		writePlainJSON(w, http.StatusServiceUnavailable, adminError("record store: %v", err))
		return
	}
	page := []store.Record{}
	if offset < len(all) {
		page = all[offset:min(len(all), offset+limit)]
	}
	// Records beyond --keep-records keep their unique keys but not their payload: dropped.
	out := map[string]any{"records": page, "total": len(all), "offset": offset, "limit": limit, "dropped": dropped}
	writePlainJSON(w, http.StatusOK, out)
}

// adminSeedRecord stores a record at run time, as if created before: {"body": {...},
// "header": {...}, "credential": {...}, "operation": "..."}.
func (s *Server) adminSeedRecord(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	a := s.apis[id]
	if a == nil {
		writePlainJSON(w, http.StatusNotFound, adminError("no API %q; mounted: %s", id, strings.Join(s.order, ", ")))
		return
	}
	var rec fixture.Record
	dec := json.NewDecoder(io.LimitReader(r.Body, s.maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		writePlainJSON(w, http.StatusBadRequest, adminError(`want {"body": {...}, "header": {...}, "credential": {...}}: %v`, err))
		return
	}
	if rec.Body == nil {
		writePlainJSON(w, http.StatusBadRequest, adminError(`"body" is required`))
		return
	}
	stored, err := a.seed(s.store, rec, true, false)
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		writePlainJSON(w, http.StatusConflict, adminError("%v", err))
	case errors.Is(err, store.ErrWrite):
		writePlainJSON(w, http.StatusInternalServerError, adminError("%v", err))
	case err != nil:
		writePlainJSON(w, http.StatusBadRequest, adminError("%v", err))
	default:
		writePlainJSON(w, http.StatusCreated, stored)
	}
}

// seedFixtures stores the fixture records of one API, or of all when id is "", through tx: the
// store itself at start, the reset's transaction at a reset.
func (s *Server) seedFixtures(id string, tx store.Tx) error {
	ids := s.order
	if id != "" {
		ids = []string{id}
	}
	for _, aid := range ids {
		set := s.fixtures[aid]
		if set == nil {
			continue
		}
		for _, rec := range set.Records {
			if _, err := s.apis[aid].seed(tx, rec, false, true); err != nil {
				return fmt.Errorf("fixture record at %s: %w", rec.Pos, err)
			}
		}
	}
	return nil
}

// seed stores a record that did not come through the API: its body is validated against the
// request schema when validate is set, lookups bind what they find, and unique claims apply.
func (a *apiState) seed(tx store.Tx, rec fixture.Record, validate, fromFixtures bool) (store.Record, error) {
	var o *opState
	for _, op := range a.ops {
		if (rec.Operation == "" && op.op.Behaviour == apispec.BehaviourCreate) || op.op.ID == rec.Operation {
			o = op
			break
		}
	}
	if o == nil {
		return store.Record{}, fmt.Errorf("no operation %q", rec.Operation)
	}
	body, _ := fixture.JSON(rec.Body).(map[string]any)
	header := map[string]any{}
	for k, v := range rec.Header {
		header[strings.ToLower(k)] = fmt.Sprint(v)
	}
	cred, _ := fixture.JSON(rec.Credential).(map[string]any)
	if cred == nil {
		cred = map[string]any{}
	}
	ctx := evalContext{"body": body, "header": header, "credential": cred, "path": map[string]any{}, "query": map[string]any{}}
	if validate {
		if check := o.recordCheck(); check != nil {
			if ps := check.problems(body, o.schemaOpts); len(ps) > 0 {
				f := &failure{problems: ps}
				return store.Record{}, fmt.Errorf("body does not match the request schema: %s", f.message())
			}
			check.applyDefaults(body)
		}
	}
	for _, r := range o.op.Rules {
		if v, ok := r.Field.Lookup(ctx); ok && r.As != "" {
			if item := o.lookup(r, v); item != nil {
				ctx[r.As] = item
			}
		}
	}
	claims, _, groups := o.storeClaims(o.op.Rules, ctx)
	t, ok := o.template(o.op.Success, "")
	if !ok {
		return store.Record{}, fmt.Errorf("operation %s documents no success response", o.op.ID)
	}
	return tx.Create(store.Record{API: a.api.ID, Operation: o.op.ID, CreatedAt: a.srv.gen.now().UTC(),
		Body: body, Header: header, Credential: cred, Claims: claims, Groups: groups, Seeded: true, Fixture: fromFixtures,
		Collection: apispec.TrimPath(o.op.Path)}, nil,
		func(seq int64) (any, string, error) {
			values, present := o.slots(ctx, seq, nil)
			b, key := o.render(t, values, present)
			return json.RawMessage(b), key, nil
		})
}

// Admin listings are pages: at most maxPage entries per request, 100 unless asked.
const maxPage = 1000

func pageSize(w http.ResponseWriter, v string) (int, bool) {
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		writePlainJSON(w, http.StatusBadRequest, adminError("limit=%q: want an integer from 1 to %d", v, maxPage))
		return 0, false
	}
	return n, true
}

// adminFaults shows (GET), sets (PUT) or clears (DELETE) an API's standing faults.
func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	a := s.apis[id]
	if a == nil {
		writePlainJSON(w, http.StatusNotFound, adminError("no API %q; mounted: %s", id, strings.Join(s.order, ", ")))
		return
	}
	switch r.Method {
	case http.MethodGet:
		cfg := a.faults.Load()
		if cfg == nil {
			cfg = &FaultConfig{}
		}
		writePlainJSON(w, http.StatusOK, cfg)
	case http.MethodPut:
		cfg, err := decodeFaults(r, 64<<10, s.maxDelay)
		if err != nil {
			writePlainJSON(w, http.StatusBadRequest, adminError("%v", err))
			return
		}
		a.faults.Store(cfg)
		writePlainJSON(w, http.StatusOK, cfg)
	case http.MethodDelete:
		a.faults.Store(nil)
		w.WriteHeader(http.StatusNoContent)
	}
}

// redactEntry hides the credentials of a journalled exchange, as the API's redaction says:
// in the query, the headers and the bodies' secret members.
func (s *Server) redactEntry(e entry) entry {
	red := s.redactionFor(e.API)
	e.Query = red.rawQuery(e.Query)
	e.Request.Headers = red.headerValues(e.Request.Headers)
	e.Response.Headers = red.headerValues(e.Response.Headers)
	e.Request.Body = red.bodyText([]byte(e.Request.Body))
	e.Response.Body = red.bodyText([]byte(e.Response.Body))
	return e
}
