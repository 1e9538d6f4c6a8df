package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/specs"
)

// request is one kind of request of the workload. Body placeholders, replaced per request by
// the wrk script so every create is new: {{N}} a number, {{HEX24}} and {{HEX12}} hex digits.
type request struct {
	api     string
	kind    string // valid, invalid, duplicate
	method  string
	path    string // without the mount prefix
	headers map[string]string
	body    string
}

// apiLoad says how to turn an API's documented example into the workload's three requests.
type apiLoad struct {
	headers   map[string]string
	unique    map[string]string // field -> placeholder value (a raw JSON fragment)
	invalid   map[string]any    // field -> a value the spec refuses
	duplicate map[string]any    // field -> a value the fixtures already hold
}

var loads = map[string]apiLoad{
	"pland": {
		headers:   map[string]string{"x-API-Key": "pland-demo-key"},
		unique:    map[string]string{"_id": `"{{HEX24}}"`, "number": `{{N}}`},
		invalid:   map[string]any{"_id": "not-an-objectid"},
		duplicate: map[string]any{"_id": "5f1d7a3b9c2e4a6b8d0f1e2a"},
	},
	"crm": {
		unique:    map[string]string{"id": `"00000000-0000-4000-8000-{{HEX12}}"`},
		invalid:   map[string]any{"id": "not-a-uuid"},
		duplicate: map[string]any{"id": "6f9619ff-8b86-d011-b42d-00c04fc964ff"},
	},
	"pulse": {
		headers:   map[string]string{"Authorization": "Bearer demo-token", "x-account-id": "2311"},
		unique:    map[string]string{"email": `"b{{N}}@example.com"`},
		invalid:   map[string]any{"email": "not-an-email"},
		duplicate: map[string]any{"email": "taken@example.com"},
	},
	"superfy": {
		unique:    map[string]string{"username": `"b{{N}}@test.com"`},
		invalid:   map[string]any{"retype_password": "does-not-match"},
		duplicate: map[string]any{"username": "existing@test.com"},
	},
	"ruangkerja": {
		headers:   map[string]string{"Authorization": "access_token", "Accept": "application/json"},
		unique:    map[string]string{"employeeID": `"B{{N}}"`},
		invalid:   map[string]any{"employeeID": "EMP-1!"},
		duplicate: map[string]any{"employeeID": "TAKEN001"},
	},
}

// workload builds the three requests of each API from its spec's documented example.
func workload(ctx context.Context) ([]request, error) {
	apis, problems := apispec.Load(ctx, specs.FS())
	if fatal := problems.Fatal(); len(fatal) > 0 {
		return nil, fatal.Err()
	}
	var out []request
	for _, api := range apis {
		load, ok := loads[api.ID]
		if !ok {
			continue
		}
		op := api.Ops[0]
		_, examples := op.RequestExamples()
		example, ok := examples["documented"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: no documented request example", api.ID)
		}
		headers := map[string]string{"Content-Type": "application/json"}
		for k, v := range load.headers {
			headers[k] = v
		}
		build := func(kind string, set map[string]any) (request, error) {
			body := map[string]any{}
			for k, v := range example {
				body[k] = v
			}
			for k := range load.unique {
				body[k] = "@@" + k + "@@"
			}
			for k, v := range set {
				body[k] = v
			}
			b, err := json.Marshal(body)
			if err != nil {
				return request{}, err
			}
			s := string(b)
			for k, ph := range load.unique {
				s = strings.Replace(s, `"@@`+k+`@@"`, ph, 1)
			}
			return request{api: api.ID, kind: kind, method: op.Method, path: op.Path, headers: headers, body: s}, nil
		}
		for _, k := range []struct {
			kind string
			set  map[string]any
		}{{"valid", nil}, {"invalid", load.invalid}, {"duplicate", load.duplicate}} {
			r, err := build(k.kind, k.set)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// luaScript is a wrk script sending reqs round robin, with the prefix before each path and
// placeholders replaced by values unique across threads and runs (base differs per run).
func luaScript(reqs []request, prefix func(request) string, base int64) string {
	var b strings.Builder
	b.WriteString("local reqs = {\n")
	for _, r := range reqs {
		fmt.Fprintf(&b, "  {method=%q, path=%q, headers={", r.method, prefix(r)+r.path)
		for k, v := range r.headers {
			fmt.Fprintf(&b, "[%q]=%q, ", k, v)
		}
		fmt.Fprintf(&b, "}, body=[==[%s]==]},\n", r.body)
	}
	fmt.Fprintf(&b, `}
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local counter = 0
function request()
  counter = counter + 1
  local r = reqs[(counter %% #reqs) + 1]
  local n = %d + tid * 1000000000 + counter
  local body = r.body:gsub("{{N}}", string.format("%%d", n))
  body = body:gsub("{{HEX24}}", string.format("%%024x", n))
  body = body:gsub("{{HEX12}}", string.format("%%012x", n))
  return wrk.format(r.method, r.path, r.headers, body)
end
`, base)
	return b.String()
}

// writeSpec writes an embedded spec to a file, for Prism.
func writeSpec(id, path string) error {
	b, err := fs.ReadFile(specs.FS(), id+".yaml")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
