package cli

import (
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
