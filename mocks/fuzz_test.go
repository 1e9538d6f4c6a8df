package mocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzHandler sends arbitrary bodies and headers to every API: never a 5xx, never a panic,
// and every answer documented by the spec with a body valid for its status, which for a
// failure means the API's own error shape.
func FuzzHandler(f *testing.F) {
	f.Add(0, `{"employeeID":"E1","name":"n","phone":"1","isActive":true}`, "application/json", "code=409", "Accept", "*/*")
	f.Add(1, `{"email":"a@b.co"}`, "application/json", "", "Authorization", "")
	f.Add(2, `{"a":1,"a":2}`, "text/json", "example=x", "X-Account-Id", "")
	f.Add(3, `[[[[`, "application/json; charset=utf-8", "dynamic=true", "Accept", "text/html")
	f.Add(4, `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2"}`, "application/json", "", "Content-Length", "3")
	srv, _ := newTestServer(f)
	apis, _ := loadAll(f)
	f.Fuzz(func(t *testing.T, which int, body, contentType, prefer, name, value string) {
		c := apiCases[(which%len(apiCases)+len(apiCases))%len(apiCases)]
		r := httptest.NewRequest(http.MethodPost, c.path, bytes.NewBufferString(body))
		for k, v := range c.headers {
			r.Header.Set(k, v)
		}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Prefer", prefer)
		if headerToken(name) && !strings.ContainsAny(value, "\r\n\x00") {
			r.Header.Set(name, value)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s: %d %s", c.id, w.Code, w.Body)
		}
		api := apiByID(t, apis, c.id)
		validateResponse(t, api, api.Ops[0], reply{status: w.Code, header: w.Header(), body: w.Body.Bytes()})
	})
}

// headerToken reports whether s can be a header name (letters, digits, '-').
func headerToken(s string) bool {
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// FuzzParsePreference: the Prefer parser never panics.
func FuzzParsePreference(f *testing.F) {
	f.Add("code=409, example=a, dynamic=true", "__code=200")
	f.Add(`code="1e3"`, "__dynamic=%zz")
	f.Fuzz(func(t *testing.T, header, query string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.URL.RawQuery = query
		r.Header.Set("Prefer", header)
		_, _ = parsePreference(r)
	})
}

// FuzzDecodeJSON checks the strict decoder against encoding/json: it never panics, accepts
// exactly the valid JSON that has no duplicate key, deep nesting or out-of-range number, and
// then decodes the same values.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Add([]byte(`{"s":"\u00e9\ud83d\ude00\n","n":-0.5e+3,"t":true,"f":false}`))
	f.Add([]byte(`[1e999, 99999999999999999999]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := parseStrictJSON(raw)
		if !utf8.Valid(raw) {
			return // refused before parsing; encoding/json would substitute U+FFFD
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var want any
		stdErr := dec.Decode(&want)
		if stdErr == nil && dec.More() {
			stdErr = errors.New("trailing data")
		}
		if stdErr == nil {
			var extra any
			if dec.Decode(&extra) != io.EOF {
				stdErr = errors.New("trailing data")
			}
		}
		switch {
		case stdErr != nil && err == nil:
			t.Fatalf("accepted what encoding/json refuses (%v): %q", stdErr, raw)
		case stdErr == nil && err != nil:
			msg := err.Error()
			if !strings.Contains(msg, "duplicate key") && !strings.Contains(msg, "nesting deeper") && !strings.Contains(msg, "out of") {
				t.Fatalf("refused valid JSON: %v: %q", err, raw)
			}
		case stdErr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("decoded %#v, encoding/json %#v", got, want)
		}
	})
}

// FuzzSpecHandler sends arbitrary requests to a CRUD spec with two body media types and a
// merge-patch update: never a 5xx, never a panic, every answer valid JSON in its declared
// content type, and errors carry their status in the RFC 9457 body.
func FuzzSpecHandler(f *testing.F) {
	f.Add(0, "", "application/json", `{"name":"Ada","email":"ada@example.com"}`, "")
	f.Add(1, "/1", "application/merge-patch+json", `{"handle":null}`, "application/json;q=0")
	f.Add(2, "/1?limit=-1", "", ``, "*/*")
	f.Add(3, "/x%zz", "application/json", `{"name":"Ada","email":"ada@example.com"}`, "")
	f.Add(4, "", "application/x-www-form-urlencoded", `name=a&email=b%40c.de&name=b`, "text/html;q=0.1")
	f.Add(5, "/1", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--", "")
	ts := serveFuzzSpec(f)
	methods := []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, "OPTIONS"}
	f.Fuzz(func(t *testing.T, m int, suffix, contentType, body, accept string) {
		if strings.ContainsAny(suffix, " \r\n\t#") || strings.ContainsAny(contentType+accept, "\r\n\x00") {
			return
		}
		method := methods[(m%len(methods)+len(methods))%len(methods)]
		r := httptest.NewRequest(method, "/t/accounts", bytes.NewBufferString(body))
		if u, err := r.URL.Parse("/t/accounts" + suffix); err == nil {
			r.URL = u
		}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { defer close(done); ts.ServeHTTP(w, r) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s %s %q %q: no answer in 5s", method, suffix, contentType, body)
		}
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, suffix, w.Code, w.Body)
		}
		if w.Code == http.StatusNoContent || w.Body.Len() == 0 {
			return
		}
		var v any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %d body is not JSON: %q", method, suffix, w.Code, w.Body)
		}
	})
}

func serveFuzzSpec(f *testing.F) http.Handler {
	api := mustLoad(f, crudSpec)
	srv, err := New(Config{APIs: apisOf(api), Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	return srv
}

// FuzzNegotiate: any Accept header picks one of the offered types, or the first.
func FuzzNegotiate(f *testing.F) {
	f.Add("application/json;q=0.5, application/vnd.a+json")
	f.Add("*/*;q=abc, text/*")
	f.Add(";;;,,,/")
	types := []string{"application/json", "application/vnd.a+json", "application/problem+json"}
	f.Fuzz(func(t *testing.T, accept string) {
		got := negotiate(accept, types)
		for _, typ := range types {
			if got == typ {
				return
			}
		}
		t.Fatalf("negotiate(%q) = %q, not an offered type", accept, got)
	})
}
