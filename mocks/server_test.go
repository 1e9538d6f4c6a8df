package mocks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// apiCase describes how to reach one API in the tests.
type apiCase struct {
	id      string
	path    string
	headers map[string]string
}

var apiCases = []apiCase{
	{id: "pland", path: "/pland/v2/users/", headers: map[string]string{"x-API-Key": "pland-demo-key", "Content-Type": "application/json"}},
	{id: "crm", path: "/crm/api/user", headers: map[string]string{"Content-Type": "application/json"}},
	{id: "pulse", path: "/pulse/users", headers: map[string]string{"Authorization": "Bearer demo-token", "x-account-id": "2311", "Content-Type": "application/json"}},
	{id: "superfy", path: "/superfy/api/companies/adduser", headers: map[string]string{"Content-Type": "application/json"}},
	{id: "ruangkerja", path: "/ruangkerja/ruangkerja/users", headers: map[string]string{"Authorization": "access_token", "Accept": "application/json", "Content-Type": "application/json"}},
}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func TestDocumentedExampleAccepted(t *testing.T) {
	apis, _ := loadAll(t)
	for _, c := range apiCases {
		t.Run(c.id, func(t *testing.T) {
			_, ts := newTestServer(t)
			api := apiByID(t, apis, c.id)
			op := api.Ops[0]
			names, values := op.RequestExamples()
			for _, name := range names {
				body, err := json.Marshal(values[name])
				require.NoError(t, err)
				got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: string(body)})
				assert.Equal(t, op.Success, got.status, "example %s: %s", name, got.body)
				assert.Contains(t, got.header.Get(DecisionHeader), "example=documented")
				validateResponse(t, api, op, got)
			}
		})
	}
}

func TestEchoesRequest(t *testing.T) {
	_, ts := newTestServer(t)
	tests := []struct {
		api, body, pointer string
		want               any
	}{
		{"superfy", `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2","username":"echo@test.com","password":"12345","retype_password":"12345","firstName":"Echo","departmentID":3}`, "/message/profile/username", "echo@test.com"},
		{"superfy", `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2","username":"echo2@test.com","password":"12345","retype_password":"12345","firstName":"Echo","departmentID":3}`, "/message/profile/departmentName", "Driver"},
		{"superfy", `{"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2","username":"echo3@test.com","password":"12345","retype_password":"12345","firstName":"Echo","departmentID":3}`, "/message/profile/active", "Y"},
		{"pulse", `{"email":"echo@example.com","name":"Echo Name"}`, "/name", "Echo Name"},
		{"pulse", `{"email":"echo2@example.com"}`, "/accounts/0/accountId", "2311"},
		{"crm", `{"id":"0b0f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c5","username":"u","lastname":"L","email":"e","sales_organization_code":"S","skype":"sk"}`, "/skype", "sk"},
		{"pland", `{"_id":"65a1f0c2e4b0a1b2c3d4e5ff"}`, "/_id", "65a1f0c2e4b0a1b2c3d4e5ff"},
	}
	for _, tt := range tests {
		t.Run(tt.api+tt.pointer, func(t *testing.T) {
			c := caseFor(tt.api)
			got := do(t, ts.URL, call{path: c.path, headers: c.headers, body: tt.body})
			require.Less(t, got.status, 300, string(got.body))
			assert.Equal(t, tt.want, pointerValue(got.json, tt.pointer))
		})
	}
}

func caseFor(id string) apiCase {
	for _, c := range apiCases {
		if c.id == id {
			return c
		}
	}
	panic(id)
}

func pointerValue(v any, ptr string) any {
	got, _ := jsonvalue.GetPointer(v, ptr)
	return got
}

// TestRejections: each documented rule broken gets the right status and names the cause, in
// the API's own error shape (validated against the spec's error schema).
func TestRejections(t *testing.T) {
	apis, _ := loadAll(t)
	const sfyAuth = `"deviceID":"ABCD-EFGH-IJKL-MNOP","token":"bb602ab13b8090268cd6e3bb9dfa39e2"`
	tests := []struct {
		api, name string
		method    string
		path      string // default: the API's documented path
		headers   map[string]string
		body      string
		status    int
		contains  string
	}{
		{api: "pland", name: "missing api key", headers: map[string]string{"Content-Type": "application/json"}, body: `{}`, status: 401, contains: "x-API-Key header"},
		{api: "pland", name: "revoked api key", headers: map[string]string{"Content-Type": "application/json", "x-API-Key": "revoked-key"}, body: `{}`, status: 401, contains: "revoked"},
		{api: "pland", name: "objectid format", body: `{"companyId":"123"}`, status: 400, contains: "companyId: must be a 24-character hexadecimal object id"},
		{api: "pland", name: "birthDate DD.MM.YYYY", body: `{"general":{"birthDate":"1990-08-15"}}`, status: 400, contains: "general.birthDate"},
		{api: "pland", name: "number must be integer", body: `{"number":"one"}`, status: 400, contains: "number: must be an integer"},
		{api: "pland", name: "tags nullable but typed", body: `{"tags":[1]}`, status: 400, contains: "tags.0: must be a string"},
		{api: "pland", name: "duplicate _id", body: `{"_id":"5f1d7a3b9c2e4a6b8d0f1e2a"}`, status: 409, contains: "already exists"},
		{api: "pland", name: "wrong method", method: "GET", status: 405, contains: "allowed: POST"},
		{api: "crm", name: "required fields", body: `{"sales_organization_code":"x"}`, status: 400, contains: `"user.id":["is required"]`},
		{api: "crm", name: "max length", body: `{"id":"0b0f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4","username":"u","lastname":"l","email":"e","sales_organization_code":"x","code":"` + strings.Repeat("c", 51) + `"}`, status: 400, contains: "must be at most 50 characters long"},
		{api: "crm", name: "one of sales organization", body: `{"id":"0b0f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4","username":"u","lastname":"l","email":"e"}`, status: 400, contains: "at least one of sales_organization_id, sales_organization_code or sales_organization"},
		{api: "crm", name: "guid format", body: `{"id":"nope","username":"u","lastname":"l","email":"e","sales_organization_code":"x"}`, status: 400, contains: "must be a UUID"},
		{api: "crm", name: "duplicate id", body: `{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","username":"u","lastname":"l","email":"e","sales_organization_code":"x"}`, status: 409, contains: "already exists"},
		{api: "crm", name: "text/plain", headers: map[string]string{"Content-Type": "text/plain"}, body: `{}`, status: 415, contains: "application/json or text/json"},
		{api: "pulse", name: "missing bearer", headers: map[string]string{"Content-Type": "application/json", "x-account-id": "1"}, body: `{"email":"a@b.co"}`, status: 401, contains: "Bearer"},
		{api: "pulse", name: "missing account", headers: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer t"}, body: `{"email":"a@b.co"}`, status: 400, contains: "x-account-id header: is required"},
		{api: "pulse", name: "email format", body: `{"email":"nope"}`, status: 400, contains: "email: must be a valid email address"},
		{api: "pulse", name: "email required", body: `{}`, status: 400, contains: "email: is required"},
		{api: "pulse", name: "duplicate email in account", body: `{"email":"TAKEN@example.com"}`, status: 409, contains: "already exists in this account"},
		{api: "superfy", name: "missing credentials", body: `{"username":"a@b.co"}`, status: 401, contains: "deviceID and token are required"},
		{api: "superfy", name: "logged out session", body: `{"deviceID":"EXPD-0000-0000-0001","token":"00000000000000000000000000000003","username":"a@b.co","password":"12345","retype_password":"12345","firstName":"A","departmentID":2}`, status: 401, contains: "do not identify a logged-in session"},
		{api: "superfy", name: "department without modules", body: `{"deviceID":"DRVR-0000-0000-0001","token":"00000000000000000000000000000001","username":"a@b.co","password":"12345","retype_password":"12345","firstName":"A","departmentID":2}`, status: 401, contains: "lacks the modules"},
		{api: "superfy", name: "password too short", body: `{` + sfyAuth + `,"username":"a@b.co","password":"1234","retype_password":"1234","firstName":"A","departmentID":2}`, status: 400, contains: "password: must be at least 5 characters long"},
		{api: "superfy", name: "retype mismatch", body: `{` + sfyAuth + `,"username":"a@b.co","password":"12345","retype_password":"12346","firstName":"A","departmentID":2}`, status: 400, contains: "retype_password: value must be the same as password"},
		{api: "superfy", name: "unknown department", body: `{` + sfyAuth + `,"username":"a@b.co","password":"12345","retype_password":"12345","firstName":"A","departmentID":99}`, status: 400, contains: "department 99 does not exist"},
		{api: "superfy", name: "active enum", body: `{` + sfyAuth + `,"username":"a@b.co","password":"12345","retype_password":"12345","firstName":"A","departmentID":2,"active":"yes"}`, status: 400, contains: `active: must be one of \"Y\", \"N\"`},
		{api: "superfy", name: "username registered", body: `{` + sfyAuth + `,"username":"EXISTING@test.com","password":"12345","retype_password":"12345","firstName":"A","departmentID":2}`, status: 400, contains: "already registered"},
		{api: "superfy", name: "user limit", body: `{"deviceID":"TRIA-0000-0000-0001","token":"00000000000000000000000000000002","username":"t3@b.co","password":"12345","retype_password":"12345","firstName":"A","departmentID":2}`, status: 400, contains: "user limit of this account type (2 users)"},
		{api: "superfy", name: "any method but POST", method: "DELETE", status: 405, contains: "allowed: POST"},
		{api: "ruangkerja", name: "duplicate employee id", body: `{"employeeID":"TAKEN001","name":"n","phone":"1","isActive":true}`, status: 409, contains: `"message":"USER_EMPLOYEE_ID_EXISTS"`},
		{api: "ruangkerja", name: "employeeID alphanumeric", body: `{"employeeID":"TAKEN-001","name":"n","phone":"1","isActive":true}`, status: 400, contains: "employeeID: must match the pattern"},
		{api: "ruangkerja", name: "email or phone", body: `{"employeeID":"E1","name":"n","email":"","isActive":true}`, status: 400, contains: "at least one of email or phone"},
		{api: "ruangkerja", name: "isActive required", body: `{"employeeID":"E1","name":"n","phone":"1"}`, status: 400, contains: "isActive: is required"},
		{api: "ruangkerja", name: "username alphanumeric", body: `{"employeeID":"E1","name":"n","phone":"1","isActive":true,"username":"a.b"}`, status: 400, contains: "username: must match the pattern"},
		{api: "ruangkerja", name: "missing token", headers: map[string]string{"Accept": "application/json", "Content-Type": "application/json"}, body: `{}`, status: 401, contains: "Authorization header: is required"},
		{api: "ruangkerja", name: "accept xml", headers: map[string]string{"Authorization": "t", "Accept": "application/xml", "Content-Type": "application/json"}, body: `{}`, status: 406, contains: "NOT_ACCEPTABLE"},
		{api: "ruangkerja", name: "malformed json", body: `{"employeeID":`, status: 400, contains: "INVALID_JSON"},
		{api: "ruangkerja", name: "unknown path", path: "/ruangkerja/ruangkerja/user", body: `{}`, status: 404, contains: "NOT_FOUND"},
	}
	_, ts := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.api+"/"+tt.name, func(t *testing.T) {
			c := caseFor(tt.api)
			path, headers := c.path, c.headers
			if tt.path != "" {
				path = tt.path
			}
			if tt.headers != nil {
				headers = tt.headers
			}
			got := do(t, ts.URL, call{method: tt.method, path: path, headers: headers, body: tt.body})
			assert.Equal(t, tt.status, got.status, string(got.body))
			assert.Contains(t, string(got.body), tt.contains)
			assert.NotEmpty(t, got.header.Get(DecisionHeader))
			api := apiByID(t, apis, tt.api)
			validateResponse(t, api, api.Ops[0], got)
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", got.header.Get("Allow"))
			}
		})
	}
}
