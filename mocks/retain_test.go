package mocks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/store"
)

// The strict JSON decoder slices strings from one copy of the body: what outlives the
// request (the journal's problems, a record's key kept after its payload is dropped) must
// not hold a whole large body through a few bytes of it.
func TestLongLivedValuesDoNotRetainBodies(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) { c.Store = store.NewMemoryKeeping(1) })
	pad := strings.Repeat("x", 1<<20-1024)
	var pland map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"firstName":"A","lastName":"B","access":{"email":"a@company.com"}}`), &pland))

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	const n = 16
	for i := 0; i < n; i++ {
		// Refused: the journal keeps the problem (the field and value are the body's).
		r := do(t, ts.URL, call{path: "/pulse/users", body: fmt.Sprintf(`{"email":"not-an-email-%d","pad":"%s"}`, i, pad),
			headers: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer t", "X-Account-Id": "2311"}})
		require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
		// Created with a key the client sent: the store keeps the key after the payload.
		pland["_id"], pland["lastName"] = fmt.Sprintf("%024x", i+1), pad
		pland["access"].(map[string]any)["email"] = fmt.Sprintf("u%d@company.com", i)
		b, _ := json.Marshal(pland)
		r = do(t, ts.URL, call{path: "/pland/v2/users/", body: string(b),
			headers: map[string]string{"Content-Type": "application/json", "X-Api-Key": "k"}})
		require.Equal(t, http.StatusCreated, r.status, "%.300s", r.body)
	}
	grown := int64(heap()) - int64(before)
	require.Less(t, grown, int64(8<<20), "%d requests of 1 MiB left %d MiB on the heap", 2*n, grown>>20)
}
