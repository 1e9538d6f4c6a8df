//go:build !race

package mocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// createAllocs caps the allocations of one valid create, per API, in process (the request
// and recorder of httptest included), about a tenth above what it takes on 2026-12-07.
// Allocations, unlike times, do not move from run to run: a change that adds work to every
// request shows here. Raise a cap only for work a request needs.
var createAllocs = map[string]float64{"crm": 164, "pland": 278, "pulse": 101, "ruangkerja": 106, "superfy": 118}

func TestCreateAllocations(t *testing.T) {
	apis, _ := loadAll(t)
	for _, c := range apiCases {
		t.Run(c.id, func(t *testing.T) {
			srv, _ := newTestServer(t)
			const runs = 300
			bodies := uniqueBodies(t, apis, c.id, runs+1)
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
