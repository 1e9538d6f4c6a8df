package apispec

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/render"
	"github.com/usermock/usermock/specs"
)

// TestSchemaOrderFollowsYAMLAliases: crm's CreatedUser shares User's properties through a
// YAML anchor; its responses keep the documented key order.
func TestSchemaOrderFollowsYAMLAliases(t *testing.T) {
	apis, problems := Load(context.Background(), specs.FS())
	require.Empty(t, problems.Fatal())
	var crm *API
	for _, a := range apis {
		if a.ID == "crm" {
			crm = a
		}
	}
	require.NotNil(t, crm)
	tests := []struct{ pointer, want string }{
		{"/components/schemas/User", `{"id":1,"username":2,"lastname":3,"email":4}`},
		{"/components/schemas/CreatedUser", `{"id":1,"username":2,"lastname":3,"email":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			o := crm.schemaOrder(tt.pointer)
			got := render.Marshal(map[string]any{"email": 4, "lastname": 3, "username": 2, "id": 1}, o)
			assert.Equal(t, tt.want, string(got))
		})
	}
}
