package mocks

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/apispec"
)

// superfy echoes the session's company, a fixture item, whole: it is rendered once at
// start-up, and the answer is the same bytes as rendering it per request.
func TestPrerenderedLookupItems(t *testing.T) {
	srv, _ := newTestServer(t)
	var create *opState
	for _, o := range srv.apis["superfy"].ops {
		if o.op.Behaviour == apispec.BehaviourCreate {
			create = o
		}
	}
	require.NotNil(t, create)
	tmpl := create.templates[templateKey{create.op.Success, ""}]
	if tmpl == nil {
		for k, v := range create.templates {
			if k.status == create.op.Success {
				tmpl = v
			}
		}
	}
	require.NotNil(t, tmpl)
	require.NotEmpty(t, tmpl.rendered, "the company echo is prerendered")

	ctx := evalContext{"body": map[string]any{"username": "a@b.example", "firstName": "A", "active": "Y", "departmentID": 1},
		"header": map[string]any{}, "credential": map[string]any{"companyID": 16, "departmentID": 1}}
	for _, r := range create.op.Rules {
		if r.Check == apispec.CheckLookup {
			v, _ := r.Field.Lookup(ctx)
			if item := create.lookup(r, v); item != nil && r.As != "" {
				ctx[r.As] = item
			}
		}
	}
	values, present := create.slots(ctx, 7, nil)
	walked := tmpl.tmpl.Render(nil, append([]any(nil), values...), present)
	cached, _ := create.render(tmpl, values, present)
	require.Equal(t, string(walked), string(cached))
	require.Contains(t, string(cached), "Smartsensor Live Testing")
}
