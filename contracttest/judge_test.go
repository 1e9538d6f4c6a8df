package contracttest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/specs"
)

func loadAPI(t testing.TB, id string) *apispec.API {
	t.Helper()
	apis, problems := apispec.Load(context.Background(), specs.FS())
	require.Empty(t, problems)
	for _, a := range apis {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no API %s", id)
	return nil
}

// forward sends a request to the server and returns the exchange as a proxy would see it.
func forward(t *testing.T, base, method, path string, header http.Header, body string) *contracttest.Exchange {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &contracttest.Exchange{Request: &contracttest.Request{Method: method, Path: path, Header: header, Body: []byte(body)},
		Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestJudgeLiveTraffic judges exchanges with no expectation, as a proxy does: the mock's
// answers hold, including the duplicate's rule-specific error; changed answers do not.
func TestJudgeLiveTraffic(t *testing.T) {
	ts := newMock(t)
	api := loadAPI(t, "ruangkerja")
	j := contracttest.NewJudge(api)
	op := api.Ops[0]
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Authorization": {"token"}}
	valid := `{"employeeID":"LIVE42","name":"Jo","email":"jo@example.com","isActive":true}`

	x := forward(t, ts.URL+"/ruangkerja", http.MethodPost, "/ruangkerja/users", h, valid)
	assert.Equal(t, http.StatusOK, x.Status)
	assert.Empty(t, j.Check(op, x, nil))

	dup := forward(t, ts.URL+"/ruangkerja", http.MethodPost, "/ruangkerja/users", h, valid)
	assert.Equal(t, http.StatusConflict, dup.Status)
	assert.Empty(t, j.Check(op, dup, nil), "the rule's documented values are one of the 409s the API answers")

	dup.Body = []byte(`{"errorCode":10001,"message":"INVALID_PARAMETER","detail":"employee id already been taken"}`)
	got := j.Check(op, dup, nil)
	require.NotEmpty(t, got)
	assert.Equal(t, contracttest.SideResponse, got[0].Side)
	assert.Equal(t, "body/errorCode", got[0].Field)

	bad := forward(t, ts.URL+"/ruangkerja", http.MethodPost, "/ruangkerja/users", h, `{"employeeID":"bad id!","name":"Jo","email":"x@example.com","isActive":true}`)
	bad.Status, bad.Body = http.StatusOK, []byte(`{"status":"success","message":"Success","data":{"serial":"JOHNILXV3QAJJEL3"}}`)
	got = j.Check(op, bad, nil)
	require.Len(t, got, 2, "%v", got)
	assert.Equal(t, contracttest.SideRequest, got[0].Side)
	assert.Contains(t, got[0].Message, "the request breaks the spec")
	assert.Equal(t, contracttest.Violation{Side: contracttest.SideResponse, Field: "status", Message: "the server accepted a request the spec refuses"}, got[1])
}

// TestMockHonoursContractBehindProxy: the harness never relies on usermock's own headers
// (X-Usermock-Decision and the like); behind a proxy that drops them, the mock still passes.
func TestMockHonoursContractBehindProxy(t *testing.T) {
	ts := newMock(t)
	target, err := url.Parse(ts.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-usermock") {
				resp.Header.Del(k)
			}
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	for _, id := range apiIDs {
		t.Run(id, func(t *testing.T) {
			rep := contracttest.Run(t, contracttest.Config{API: id, BaseURL: front.URL + "/" + id, Seed: 9})
			all, _ := rep.Totals()
			assert.Zero(t, all.Failed)
			assert.Zero(t, all.Skipped)
		})
	}
}

// ExampleJudge judges one exchange a proxy forwarded, with no expectation: the answer must be
// one the contract allows for that request.
func ExampleJudge() {
	apis, _ := apispec.Load(context.Background(), specs.FS())
	var api *apispec.API
	for _, a := range apis {
		if a.ID == "pulse" {
			api = a
		}
	}
	j := contracttest.NewJudge(api)
	x := &contracttest.Exchange{
		Request: &contracttest.Request{Method: http.MethodPost, Path: "/users",
			Header: http.Header{"Content-Type": {"application/json"}, "X-Account-Id": {"1"}}, Body: []byte(`{"email":"a@example.com"}`)},
		Status: http.StatusUnauthorized,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   bytes.NewBufferString(`{"error":"Unauthorized","status":401,"message":"Authorization header: is missing"}`).Bytes(),
	}
	for _, v := range j.Check(api.Ops[0], x, nil) {
		fmt.Printf("%s %q: %s\n", v.Side, v.Field, v.Message)
	}
	// Output:
	// request "": the request breaks the spec: security: Authorization header is required: send "Authorization: Bearer <token>"
	// response "header WWW-Authenticate": a 401 answer must carry a WWW-Authenticate header naming how to authenticate (RFC 9110 §15.5.2)
}
