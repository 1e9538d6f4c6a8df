//go:build !race

package mocks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// createAllocs caps the allocations of one valid create, per API, in process (the request
// and recorder of httptest included), about a tenth above what it takes on 2026-11-24.
// Allocations, unlike times, do not move from run to run: a change that adds work to every
// request shows here. Raise a cap only for work a request needs.
var createAllocs = map[string]float64{"crm": 180, "pland": 295, "pulse": 117, "ruangkerja": 146, "superfy": 133}

func TestCreateAllocations(t *testing.T) {
	apis, _ := loadAll(t)
	for _, c := range apiCases {
		t.Run(c.id, func(t *testing.T) {
			srv, _ := newTestServer(t)
			var example map[string]any
			require.NoError(t, json.Unmarshal([]byte(documentedRequest(t, apiByID(t, apis, c.id).Ops[0])), &example))
			const runs = 300
			bodies := make([][]byte, runs+1)
			for i := range bodies {
				benchUnique[c.id](example, i+1000)
				bodies[i], _ = json.Marshal(example)
			}
			i := 0
			allocs := testing.AllocsPerRun(runs, func() {
				if code := serve(srv, c, bodies[i]); code >= 300 {
					t.Fatalf("status %d", code)
				}
				i++
			})
			require.LessOrEqual(t, allocs, createAllocs[c.id], "allocations per %s create", c.id)
			t.Logf("%s: %.0f allocations per create", c.id, allocs)
		})
	}
}
