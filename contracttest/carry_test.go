package contracttest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Carried cookies and query parameters land in one order, whatever the header map's.
func TestMaterializeIsDeterministic(t *testing.T) {
	for i := 0; i < 20; i++ {
		h := http.Header{}
		for _, name := range []string{"session", "apiKey", "Zeta", "beta"} {
			h.Set(carrier("cookie", name), name+"-v")
		}
		h.Set(carrier("query", "api_key"), "k 1")
		h.Set(carrier("query", "Page"), "2")
		h.Set("Accept", "application/json")
		path := materialize("/users", h)
		assert.Equal(t, "/users?Page=2&api_key=k+1", path)
		assert.Equal(t, "Zeta=Zeta-v; apiKey=apiKey-v; beta=beta-v; session=session-v", h.Get("Cookie"))
		assert.Equal(t, "application/json", h.Get("Accept"), "other headers stay")
		assert.Len(t, h, 2, "the carriers are gone")
	}
}
