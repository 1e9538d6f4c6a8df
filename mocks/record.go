package mocks

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/usermock/usermock/internal/jsonvalue"
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
			value = string(body) // a text answer is kept as text
		} else {
			value = v
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

// redactedRequest is the request as the recording keeps it: credentials (security scheme
// headers and query parameters, body credentials, writeOnly fields) replaced by REDACTED.
func (o *opState) redactedRequest(r *http.Request, raw []byte) record.Request {
	secret := map[string]bool{"authorization": true, "cookie": true, "proxy-authorization": true}
	for _, s := range o.op.Schemes {
		if s.In == "header" {
			secret[strings.ToLower(s.Header)] = true
		}
	}
	rr := record.Request{Method: r.Method, Path: r.URL.Path, Header: map[string]string{}}
	if q := r.URL.Query(); len(q) > 0 {
		for _, s := range o.op.Schemes {
			if s.In == "query" && q.Has(s.Header) {
				q.Set(s.Header, Redacted)
			}
		}
		rr.Path += "?" + q.Encode()
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := r.Header.Get(k)
		if secret[strings.ToLower(k)] {
			v = Redacted
		}
		rr.Header[k] = v
	}
	if len(raw) > 0 {
		if v, err := parseStrictJSON(raw); err == nil {
			v = jsonvalue.Copy(v)
			if m, ok := v.(map[string]any); ok {
				if o.op.Credentials != nil {
					for _, f := range o.op.Credentials.Fields {
						if _, ok := m[f]; ok {
							m[f] = Redacted
						}
					}
				}
				if s := o.op.RequestSchema(); s != nil {
					for name, p := range s.Properties {
						if _, ok := m[name]; ok && p.Value != nil && p.Value.WriteOnly {
							m[name] = Redacted
						}
					}
				}
			}
			rr.Body = yamlValue(v)
		} else {
			rr.Body = string(raw)
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
