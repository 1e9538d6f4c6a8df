package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/contracttest"
)

// rewrite wraps a handler and lets edit change each answer: status and decoded JSON body.
func rewrite(h http.Handler, edit func(r *http.Request, reqBody map[string]any, status int, body map[string]any) (int, map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var reqBody map[string]any
		_ = json.Unmarshal(raw, &reqBody)
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(raw))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r2)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		status, body := edit(r, reqBody, rec.Code, body)
		out, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

func successOnly(edit func(body map[string]any)) func(*http.Request, map[string]any, int, map[string]any) (int, map[string]any) {
	return func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
		if status < 300 {
			edit(body)
		}
		return status, body
	}
}

// TestBrokenServersAreFlagged runs the harness against servers broken on purpose, each
// built from the mock with one contract violation, and asserts the failure is reported on
// the right case with the right check.
func TestBrokenServersAreFlagged(t *testing.T) {
	successExample := map[string]any{"status": "success", "message": "Success", "data": map[string]any{"serial": "JOHNILXV3QAJJEL3"}}

	tests := []struct {
		name   string
		api    string
		wrap   func(http.Handler) http.Handler
		caseID string // a case that must fail
		check  string // words of the failed check
	}{{
		name: "wrong success status", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status == http.StatusOK {
					status = http.StatusCreated
				}
				return status, body
			})
		},
		caseID: "createUser/example/documented", check: "status 201 is not documented",
	}, {
		name: "required response field missing", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) { delete(body, "data") }))
		},
		caseID: "createUser/example/documented", check: `property "data" is missing`,
	}, {
		name: "response field of the wrong type", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) { body["data"].(map[string]any)["serial"] = 12345 }))
		},
		caseID: "createUser/generated/complete", check: "the body does not match the schema of status 200",
	}, {
		name: "invalid input accepted", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(*http.Request, map[string]any, int, map[string]any) (int, map[string]any) {
				return http.StatusOK, successExample
			})
		},
		caseID: "createUser/body/employeeID/pattern", check: "expected a 4xx refusal of a request the spec does not allow, got 200",
	}, {
		name: "auth ignored", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r = r.Clone(r.Context())
				if r.Header.Get("Authorization") == "" {
					r.Header.Set("Authorization", "anything")
				}
				next.ServeHTTP(w, r)
			})
		},
		caseID: "createUser/auth/accessToken/missing", check: "expected a 4xx refusal of a request the spec does not allow, got 200",
	}, {
		name: "duplicate accepted", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status == http.StatusConflict {
					return http.StatusOK, successExample
				}
				return status, body
			})
		},
		caseID: "createUser/rule/employee_id_unique/duplicate", check: "got 200",
	}, {
		name: "error body in the wrong shape", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status >= 400 {
					return status, map[string]any{"error": "bad request"}
				}
				return status, body
			})
		},
		caseID: "createUser/body/name/required", check: `the error body is not in the API's error shape: field "detail" is missing`,
	}, {
		name: "wrong status for a duplicate", api: "ruangkerja",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status == http.StatusConflict {
					status = http.StatusBadRequest
				}
				return status, body
			})
		},
		caseID: "createUser/rule/employee_id_unique/duplicate", check: "expected 409, the status the spec assigns to this failure, got 400",
	}, {
		name: "password echoed", api: "superfy",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, req map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status < 300 {
					body["message"].(map[string]any)["profile"].(map[string]any)["note"] = "your password is " + req["password"].(string)
				}
				return status, body
			})
		},
		caseID: "addUser/example/documented", check: "the response echoes the secret sent in password",
	}, {
		name: "case-sensitive duplicate check where the spec folds case", api: "superfy",
		wrap: func(next http.Handler) http.Handler {
			seen := map[string]bool{}
			return rewrite(next, func(r *http.Request, req map[string]any, status int, body map[string]any) (int, map[string]any) {
				u, _ := req["username"].(string)
				if status == http.StatusBadRequest && !seen[u] && strings.ToUpper(u) == u && u != "" {
					return http.StatusCreated, body // pretend the upper-case username was new
				}
				seen[u] = true
				return status, body
			})
		},
		caseID: "addUser/rule/username_unique/duplicate-other-case", check: "got 201",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := contracttest.Execute(context.Background(), contracttest.Config{
				API: tt.api, Handler: tt.wrap(newMock(t).Config.Handler), BaseURL: "http://broken.test/" + tt.api, Seed: 11})
			require.NoError(t, err)
			require.True(t, rep.Failed(), "the harness flagged nothing")
			var got *contracttest.Result
			for _, res := range rep.Results {
				if res.Case.ID == tt.caseID {
					got = res
				}
			}
			require.NotNil(t, got, "no case %s", tt.caseID)
			assert.Equal(t, contracttest.Fail, got.Outcome)
			assert.Contains(t, strings.Join(got.Failures, "\n"), tt.check)

			var text bytes.Buffer
			rep.WriteText(&text, true)
			assert.Contains(t, text.String(), "--- FAIL: "+tt.caseID)
			assert.Contains(t, text.String(), "curl -sS -i -X ")
		})
	}
}
