package mocks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRedactionHasNoBackDoors: the ways a secret slipped past the journal's redaction.
func TestRedactionHasNoBackDoors(t *testing.T) {
	apis, _ := loadAll(t)
	red := newRedaction(apiByID(t, apis, "pland"))
	tests := []struct {
		name, body string
		secret     string
	}{
		{"nested writeOnly member", `{"general":{"firstName":"A"},"access":{"password":"NESTEDSECRET1"}}`, "NESTEDSECRET1"},
		{"escaped member name", `{"access":{"pass\u0077ord":"ESCAPEDPW1"}}`, "ESCAPEDPW1"},
		{"duplicate member", `{"access":{"password":"DUP1","password":"DUP2"}}`, "DUP"},
		{"clipped body", `{"access":{"password":"CLIPPED1","x":"` + strings.Repeat("a", 100), "CLIPPED1"},
		{"trailing comma", `{"access":{"password":"TRAIL1",}}`, "TRAIL1"},
		{"form body", `user=alice&password=FORMSECRETPW1`, "FORMSECRETPW1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := red.bodyText([]byte(tt.body))
			assert.NotContains(t, got, tt.secret, got)
		})
	}
	assert.Equal(t, `{"general":{"firstName":"A"},"access":{"password":"[redacted]"}}`,
		red.bodyText([]byte(`{"general":{"firstName":"A"},"access":{"password":"x"}}`)), "order and other members kept")
	h := red.headerValues(map[string][]string{"X-Api-Key": {"plandsecretkeyabc extra"}, "Authorization": {"Bearer tok", "SecretWord xyz"}})
	assert.Equal(t, []string{"[redacted]"}, h["X-Api-Key"], "a first word that is no auth scheme may be the secret")
	assert.Equal(t, []string{"Bearer [redacted]", "[redacted]"}, h["Authorization"])
}
