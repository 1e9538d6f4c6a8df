package contracttest

import (
	"net/http"
	"testing"

	"github.com/usermock/usermock/internal/apispec"
)

// FuzzResponseChecks feeds the checks arbitrary answers, as a broken or hostile server would
// send them: never a panic, and an answer that is not JSON is never reported as passing the
// error-shape check.
func FuzzResponseChecks(f *testing.F) {
	f.Add(400, "application/json", []byte(`{"errorCode":10001,"message":"INVALID_PARAMETER","detail":"x"}`))
	f.Add(200, "application/json; charset=utf-8", []byte(`{"status":"success","message":"Success","data":{"serial":"A"}}`))
	f.Add(409, "text/plain", []byte(`conflict`))
	f.Add(201, "", []byte(`[[[[`))
	f.Add(999, "application/json", []byte(`{"data":{"serial":null}}`))
	p, err := NewPlan(f.Context(), Config{API: "ruangkerja", Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	rc := newResponseChecker(p.api, p.api.Ops[0])
	req := p.Cases[0].Steps[0]
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		x := &Exchange{Request: req, Status: status, Header: http.Header{"Content-Type": {contentType}}, Body: body}
		_ = rc.checkSuccess(x)
		failures := rc.checkRefusal(x, &Expectation{Refused: true, Statuses: []int{400}, Kinds: []apispec.Kind{apispec.KindValidation}})
		if status >= 400 && status < 500 && len(failures) == 0 && len(body) > 0 && body[0] != '{' {
			t.Fatalf("a non-object body %q passed every refusal check", body)
		}
	})
}
