package contracttest_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/fixtures"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/mocks"
	"github.com/usermock/usermock/specs"
)

var apiIDs = []string{"crm", "pland", "pulse", "ruangkerja", "superfy"}

// newMock starts usermock on a loopback port with the embedded specs and fixtures.
func newMock(t testing.TB) *httptest.Server {
	t.Helper()
	apis, problems := apispec.Load(context.Background(), specs.FS())
	require.Empty(t, problems)
	sets, fps := fixture.Load(fixtures.FS(), apis)
	require.Empty(t, fps)
	srv, err := mocks.New(mocks.Config{APIs: apis, Fixtures: sets, Seed: 1,
		Now: func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return ts
}

// TestMockHonoursContract runs every case of every API against the mock: no false alarms.
func TestMockHonoursContract(t *testing.T) {
	ts := newMock(t)
	for _, id := range apiIDs {
		t.Run(id, func(t *testing.T) {
			rep := contracttest.Run(t, contracttest.Config{API: id, BaseURL: ts.URL + "/" + id, Seed: 7})
			all, _ := rep.Totals()
			require.Greater(t, all.Total, 10)
			assert.Zero(t, all.Skipped, "every case of the shipped specs is well-formed")
			assert.Zero(t, all.Failed)
		})
	}
}
