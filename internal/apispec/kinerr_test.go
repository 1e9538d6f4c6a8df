package apispec

import "testing"

func TestKinErrorPointer(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`invalid paths: operation POST /things/{id}/x must define exactly all path parameters (missing: [id])`, "/paths/~1things~1{id}~1x/post"},
		{`invalid components: schema "Foo": unsupported 'type' value "objekt"`, "/components/schemas/Foo"},
		{`invalid components: security scheme "k": security scheme of type 'apiKey' should have 'name'`, "/components/securitySchemes/k"},
		{`invalid paths: invalid path /ruangkerja/users: invalid operation POST: invalid example: x`, "/paths/~1ruangkerja~1users/post"},
		{`invalid info: must be an object`, ""},
	}
	for _, tt := range tests {
		if got := kinErrorPointer(tt.msg); got != tt.want {
			t.Errorf("kinErrorPointer(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
