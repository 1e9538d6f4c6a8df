package mocks

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/record"
)

// Recording (WireMock's and Mockoon's record): each distinct exchange the proxy sees becomes a
// named example in DIR/<api-id>.recorded.yaml, with the request that produced it, credentials
// redacted. `usermock lint` checks the file against the spec; `usermock record merge` puts
// the examples into the spec.

// maxRecordedPerStatus bounds the examples kept per operation and status.
const maxRecordedPerStatus = 20

// Redacted replaces credentials in recordings.
const Redacted = "REDACTED"

type recorder struct {
	dir  string
	now  func() time.Time
	mu   sync.Mutex
	file map[string]*record.File    // api id -> recorded examples
	seen map[string]map[string]bool // api id -> exchange digests
}

func newRecorder(dir string, now func() time.Time) (*recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record dir: %w", err)
	}
	return &recorder{dir: dir, now: now, file: map[string]*record.File{}, seen: map[string]map[string]bool{}}, nil
}

// record keeps one exchange as an example when it is new, and rewrites the API's file.
func (rc *recorder) record(o *opState, r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	var value any
	if len(body) > 0 {
		v, err := parseStrictJSON(body)
		if err != nil {
			value = o.api.redact.bodyText(body) // a text answer is kept as text, secrets hidden
		} else {
			value = redactValue(v, o.api.redact.fields, 0) // a vendor that echoes a secret: not in the example
		}
	}
	sum := sha256.Sum256(append([]byte(fmt.Sprintf("%s %d %s\x00", o.op.ID, status, mt)), body...))
	digest := fmt.Sprintf("%x", sum[:8])
	id := o.api.api.ID
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen[id] == nil {
		rc.seen[id] = map[string]bool{}
		rc.file[id] = &record.File{API: id, Operations: map[string]map[string]map[string]record.Example{}}
	}
	if rc.seen[id][digest] {
		return nil
	}
	f := rc.file[id]
	code := strconv.Itoa(status)
	if f.Operations[o.op.ID] == nil {
		f.Operations[o.op.ID] = map[string]map[string]record.Example{}
	}
	byStatus := f.Operations[o.op.ID]
	if byStatus[code] == nil {
		byStatus[code] = map[string]record.Example{}
	}
	if len(byStatus[code]) >= maxRecordedPerStatus {
		return nil
	}
	rc.seen[id][digest] = true
	name := fmt.Sprintf("recorded_%d_%d", status, len(byStatus[code])+1)
	byStatus[code][name] = record.Example{
		Summary:   fmt.Sprintf("recorded %s from %s %s", rc.now().UTC().Format(time.RFC3339), r.Method, r.URL.Path),
		MediaType: mt,
		Request:   o.redactedRequest(r, reqBody),
		Value:     yamlValue(value),
	}
	return rc.write(id)
}

// write replaces the API's file atomically.
func (rc *recorder) write(id string) error {
	b, err := yaml.Marshal(rc.file[id])
	if err != nil {
		return fmt.Errorf("encode recording: %w", err)
	}
	b = append([]byte("# Examples recorded by usermock serve --record from the vendor's answers.\n# Merge them into the spec with: usermock record merge DIR --spec SPEC.yaml\n"), b...)
	path := filepath.Join(rc.dir, id+record.Suffix)
	tmp, err := os.CreateTemp(rc.dir, ".recording-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// redactedRequest is the request as the recording keeps it, hidden as the journal hides it
// (credential headers and query parameters, secret members at any depth, bodies that cannot
// be redacted withheld); headers of the connection are left out.
func (o *opState) redactedRequest(r *http.Request, raw []byte) record.Request {
	red := o.api.redact
	rr := record.Request{Method: r.Method, Path: r.URL.Path, Header: map[string]string{}}
	if q := red.rawQuery(r.URL.RawQuery); q != "" {
		rr.Path += "?" + q
	}
	h := http.Header{}
	copyEndToEnd(h, r.Header)
	for k, vs := range red.headerValues(h) {
		rr.Header[k] = strings.Join(vs, ", ")
	}
	if len(raw) > 0 {
		text := red.bodyText(raw)
		if v, err := parseStrictJSON([]byte(text)); err == nil {
			rr.Body = yamlValue(v)
		} else {
			rr.Body = text
		}
	}
	return rr
}

// yamlValue turns decoded JSON into what YAML writes as the same JSON: numbers as numbers.
func yamlValue(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return string(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = yamlValue(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = yamlValue(e)
		}
		return out
	}
	return v
}
