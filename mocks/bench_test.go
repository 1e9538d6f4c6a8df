package mocks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/usermock/usermock/internal/apispec"
)

// benchUnique gives an API's documented example the unique values of request i.
var benchUnique = map[string]func(body map[string]any, i int){
	"pland":      func(b map[string]any, i int) { b["_id"] = fmt.Sprintf("%024x", i); b["number"] = i },
	"crm":        func(b map[string]any, i int) { b["id"] = fmt.Sprintf("00000000-0000-4000-8000-%012x", i) },
	"pulse":      func(b map[string]any, i int) { b["email"] = fmt.Sprintf("b%d@example.com", i) },
	"superfy":    func(b map[string]any, i int) { b["username"] = fmt.Sprintf("b%d@test.com", i) },
	"ruangkerja": func(b map[string]any, i int) { b["employeeID"] = fmt.Sprintf("B%d", i) },
}

// uniqueBodies is the API's documented request n times, each with unique values of its own.
func uniqueBodies(t testing.TB, apis []*apispec.API, id string, n int) [][]byte {
	var example map[string]any
	if err := json.Unmarshal([]byte(documentedRequest(t, apiByID(t, apis, id).Ops[0])), &example); err != nil {
		t.Fatal(err)
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		benchUnique[id](example, i+1000)
		bodies[i], _ = json.Marshal(example)
	}
	return bodies
}

// BenchmarkCreate is the request path of a valid create, per API: every request is new, so
// it is validated, checked against the rules, stored and echoed.
func BenchmarkCreate(b *testing.B) {
	apis, _ := loadAll(b)
	for _, c := range apiCases {
		b.Run(c.id, func(b *testing.B) {
			srv, _ := newTestServer(b)
			bodies := uniqueBodies(b, apis, c.id, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%5000 == 0 { // stay under superfy's user limit
					b.StopTimer()
					reset := httptest.NewRequest(http.MethodPost, "/__admin/reset", nil)
					reset.RemoteAddr = "127.0.0.1:1"
					srv.ServeHTTP(httptest.NewRecorder(), reset)
					b.StartTimer()
				}
				if code := serve(srv, c, bodies[i]); code >= 300 {
					b.Fatalf("status %d", code)
				}
			}
		})
	}
}

// BenchmarkInvalid is the request path of a request refused by validation, per API.
func BenchmarkInvalid(b *testing.B) {
	invalid := []byte(`{"email": 12, "employeeID": "not valid!", "_id": "x", "id": "x", "username": 5, "isActive": "yes"}`)
	for _, c := range apiCases {
		b.Run(c.id, func(b *testing.B) {
			srv, _ := newTestServer(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code := serve(srv, c, invalid); code < 400 || code >= 500 {
					b.Fatalf("status %d", code)
				}
			}
		})
	}
}

func serve(h http.Handler, c apiCase, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, c.path, bytes.NewReader(body))
	for k, v := range c.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}
