package mocks

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/store"
)

// TestStorageFailure: each way the store can fail gets its kind and a reason that says
// whether the change was applied.
func TestStorageFailure(t *testing.T) {
	for _, tc := range []struct {
		err    error
		kind   apispec.Kind
		reason string
	}{
		{fmt.Errorf("%w: update /w 1: the record changed 16 times", store.ErrBusy), apispec.KindUnavailable, "which was not applied; retry"},
		{fmt.Errorf("redis: %w", store.ErrUnavailable), apispec.KindUnavailable, "unavailable; retry later"},
		{fmt.Errorf("%w %w", store.ErrUnavailable, store.ErrOutcomeUnknown), apispec.KindUnavailable, "may have been applied"},
		{errors.New("decode stored record: bad"), apispec.KindInternal, "the record store failed"},
	} {
		f := storageFailure(tc.err)
		assert.Equal(t, tc.kind, f.kind, "%v", tc.err)
		if assert.Len(t, f.problems, 1) {
			assert.Contains(t, f.problems[0].Reason, tc.reason)
		}
		assert.ErrorIs(t, f.cause, tc.err)
	}
}
