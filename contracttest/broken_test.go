package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
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
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// dropHeader wraps a handler and removes a response header.
func dropHeader(name string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del(name)
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// onStatus rewrites the body of the answers with a status.
func onStatus(want int, edit func(body map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if status == want {
				edit(body)
			}
			return status, body
		})
	}
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
		caseID: "createUser/body/name/required", check: `the error body is not the API's documented error for this failure (kind validation): field "detail" is missing`,
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
	}, {
		name: "a duplicate answered with another kind's documented values", api: "ruangkerja",
		wrap: onStatus(http.StatusConflict, func(body map[string]any) {
			body["errorCode"], body["message"] = 10001, "INVALID_PARAMETER"
		}),
		caseID: "createUser/rule/employee_id_unique/duplicate", check: "errorCode must be 10101 (${code}, documented for this failure), got 10001",
	}, {
		name: "a malformed body answered as a validation failure", api: "ruangkerja",
		wrap: onStatus(http.StatusBadRequest, func(body map[string]any) {
			body["errorCode"], body["message"] = 10001, "INVALID_PARAMETER"
		}),
		caseID: "createUser/body/malformed-json", check: "(kind malformed): /errorCode must be 10002",
	}, {
		name: "validation errors without ModelState", api: "crm",
		wrap:   onStatus(http.StatusBadRequest, func(body map[string]any) { delete(body, "ModelState") }),
		caseID: "createUser/body/email/required", check: `field "ModelState" is missing`,
	}, {
		name: "ModelState naming another field", api: "crm",
		wrap: onStatus(http.StatusBadRequest, func(body map[string]any) {
			body["ModelState"] = map[string]any{"user.other": []any{"is wrong"}}
		}),
		caseID: "createUser/body/email/required", check: "names no problem with user.email, the field the request broke",
	}, {
		name: "statusCode that is not the status", api: "pland",
		wrap:   onStatus(http.StatusUnauthorized, func(body map[string]any) { body["statusCode"] = 403 }),
		caseID: "createUser/auth/apiKey/missing", check: "/statusCode must be 401",
	}, {
		name: "405 without Allow", api: "superfy", wrap: dropHeader("Allow"),
		caseID: "addUser/method/GET", check: "a 405 answer must carry an Allow header naming the methods the path takes (RFC 9110 §15.5.6); documented: POST",
	}, {
		name: "401 without WWW-Authenticate", api: "pulse", wrap: dropHeader("WWW-Authenticate"),
		caseID: "createUser/auth/bearerAuth/missing", check: "a 401 answer must carry a WWW-Authenticate header",
	}, {
		name: "echoed username differs from the one sent", api: "superfy",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) {
				body["message"].(map[string]any)["profile"].(map[string]any)["username"] = "someone.else@example.com"
			}))
		},
		caseID: "addUser/example/documented", check: `/message/profile/username must echo body/username, which the request sent as`,
	}, {
		name: "echoed email missing", api: "pulse",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) { body["email"] = "other@example.com" }))
		},
		caseID: "createUser/generated/complete", check: `/email must echo body/email`,
	}, {
		name: "crm echo of a field changed", api: "crm",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) { body["lastname"] = "Changed" }))
		},
		caseID: "createUser/example/documented", check: `/lastname must echo body/lastname`,
	}, {
		name: "a body over the limit answered as invalid", api: "pland",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
				if status == http.StatusRequestEntityTooLarge {
					return http.StatusBadRequest, map[string]any{"statusCode": 400, "message": []any{"too long"}, "error": "Bad Request"}
				}
				return status, body
			})
		},
		caseID: "createUser/body/too-large", check: "expected 413, the status the spec assigns to this failure, got 400",
	}, {
		name: "every create answers the same generated id", api: "pulse",
		wrap: func(next http.Handler) http.Handler {
			return rewrite(next, successOnly(func(body map[string]any) { body["id"] = 1 }))
		},
		caseID: "createUser/generated/ids-differ", check: "two creates answered the same generated /id, 1: a generated identifier must differ between records",
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
			// Each failure is shown in full once per root cause; the others are listed under it.
			assert.Regexp(t, `--- FAIL: `+regexp.QuoteMeta(tt.caseID)+`\n|more case\(s\): .*`+regexp.QuoteMeta(tt.caseID), text.String())
			assert.Contains(t, text.String(), "curl -sS -i -X ")
		})
	}
}

// TestBrokenServersFlaggedWithScenarios: rules about the caller's own account, exercised with
// superfy's fixture sessions as scenarios, catch a server that ignores them.
func TestBrokenServersFlaggedWithScenarios(t *testing.T) {
	scenarios := []contracttest.Scenario{
		{Name: "trial", Breaks: []string{"user_limit"}, Credentials: map[string]string{"deviceID": "TRIA-0000-0000-0001", "token": "00000000000000000000000000000002"}},
		{Name: "driver", Breaks: []string{"session_modules"}, Credentials: map[string]string{"deviceID": "DRVR-0000-0000-0001", "token": "00000000000000000000000000000001"}},
	}
	accept := func(deviceID string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return rewrite(next, func(_ *http.Request, req map[string]any, status int, body map[string]any) (int, map[string]any) {
				if req["deviceID"] == deviceID && status >= 400 {
					return http.StatusCreated, map[string]any{"status": "success", "message": map[string]any{}}
				}
				return status, body
			})
		}
	}
	tests := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		caseID string
	}{
		{"the user limit ignored", accept("TRIA-0000-0000-0001"), "addUser/rule/user_limit/trial"},
		{"a session without the modules adds users", accept("DRVR-0000-0000-0001"), "addUser/rule/session_modules/driver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := contracttest.Execute(context.Background(), contracttest.Config{API: "superfy", Handler: tt.wrap(newMock(t).Config.Handler),
				BaseURL: "http://broken.test/superfy", Seed: 11, Scenarios: scenarios, Run: regexp.MustCompile(`rule/`)})
			require.NoError(t, err)
			for _, res := range rep.Results {
				if res.Case.ID == tt.caseID {
					assert.Equal(t, contracttest.Fail, res.Outcome)
					assert.Contains(t, strings.Join(res.Failures, "\n"), "expected a 4xx refusal of a request the spec does not allow, got 201")
					return
				}
			}
			t.Fatalf("no case %s", tt.caseID)
		})
	}
}
