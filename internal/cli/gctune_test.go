package cli

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{4 << 20, 400},   // a few megabytes live: the most room
		{8 << 20, 400},   // 32 MiB of room is 400%
		{16 << 20, 200},  // 32 MiB of room is 200%
		{24 << 20, 130},  // 133%, rounded down to tens
		{32 << 20, 100},  // Go's default
		{512 << 20, 100}, // never below the default
	} {
		assert.Equal(t, c.want, gcPercent(c.live), "live %d MiB", c.live>>20)
	}
}

// Servers in one process (tests, replicas) tune the one collector: overlapping tunings,
// stopped in any order, leave the setting as it was before the first.
func TestTuneGCOverlapping(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT set: serve leaves the collector alone")
	}
	initial := debug.SetGCPercent(100)
	defer debug.SetGCPercent(initial)
	stopA := tuneGC()
	stopB := tuneGC()
	stopA()
	stopB()
	assert.Equal(t, 100, debug.SetGCPercent(100), "the setting before the first tuning")
}
