package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reseedFixtures stores what a reset API starts with: two fixture records (never persisted)
// holding the unique key "fx" and two places of group "g", and one seeded record that is
// persisted (as an admin seed is).
func reseedFixtures(api string, tx Tx) error {
	apis := []string{api}
	if api == "" {
		apis = []string{"a", "b"}
	}
	for _, id := range apis {
		for i, r := range []Record{
			{API: id, Seeded: true, Fixture: true, Claims: []Claim{{Rule: "u", Key: "fx"}}, Groups: []string{"g"}},
			{API: id, Seeded: true, Fixture: true, Claims: []Claim{{Rule: "u", Key: "fx2"}}, Groups: []string{"g"}},
			{API: id, Seeded: true, Claims: []Claim{{Rule: "u", Key: "seed"}}, Body: map[string]any{"seeded": true}},
		} {
			if _, err := tx.Create(r, nil, nil); err != nil {
				return fmt.Errorf("fixture %d of %s: %w", i, id, err)
			}
		}
	}
	return nil
}

func persisted(recs []Record) []Record {
	out := []Record{}
	for _, r := range recs {
		if !r.Fixture {
			out = append(out, r)
		}
	}
	return out
}

// TestResetRacingCreates: resets with their reseed race 8 goroutines of creates. No reset
// fails, no create takes a fixture's key or exceeds the limit its fixtures share, every create
// acknowledged after the last reset is kept, and what memory holds is what a reopen rebuilds.
func TestResetRacingCreates(t *testing.T) {
	for _, api := range []string{"a", ""} {
		t.Run(fmt.Sprintf("reset %q", api), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			f, err := OpenFile(path)
			require.NoError(t, err)
			require.NoError(t, f.Reset(api, reseedFixtures))

			const workers, creates, resets, limit = 8, 150, 30, 5
			var wg sync.WaitGroup
			var mu sync.Mutex
			var stole []string
			done := make(chan struct{})
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < creates; i++ {
						r := rec("a", fmt.Sprint(w, "-", i))
						r.Groups = []string{"g"}
						if i%5 == 0 {
							r.Claims = append(r.Claims, Claim{Rule: "u", Key: "fx"})
						}
						got, err := f.Create(r, []Limit{{Rule: "l", Group: "g", Max: limit}}, nil)
						var ce *ConflictError
						var le *LimitError
						switch {
						case err == nil && i%5 == 0:
							mu.Lock()
							stole = append(stole, fmt.Sprint(got.Seq))
							mu.Unlock()
						case err != nil && !errors.As(err, &ce) && !errors.As(err, &le):
							t.Errorf("create: %v", err)
						}
						_, _ = f.Records("a"), f.Records("b")
					}
				}(w)
			}
			go func() {
				defer close(done)
				for i := 0; i < resets; i++ {
					if err := f.Reset(api, reseedFixtures); err != nil {
						t.Errorf("reset %d: %v", i, err)
					}
				}
			}()
			<-done
			wg.Wait()
			assert.Empty(t, stole, "no create took the fixture key")

			// After the last reset, every acknowledged create is kept.
			var after []int64
			for w := 0; w < workers; w++ {
				r := rec("a", fmt.Sprint("after-", w))
				r.Groups = nil
				got, err := f.Create(r, nil, nil)
				if err == nil {
					after = append(after, got.Seq)
				}
			}
			require.NotEmpty(t, after)
			inGroup := 0
			for _, r := range f.Records("a") {
				if len(r.Groups) > 0 {
					inGroup++
				}
			}
			assert.LessOrEqual(t, inGroup, limit, "the limit holds, fixtures included")
			assert.Subset(t, seqs(f.Records("a")), after, "nothing acknowledged after the reset is lost")

			memory := map[string][]Record{"a": persisted(f.Records("a")), "b": persisted(f.Records("b"))}
			require.NoError(t, f.Close())
			f, err = OpenFile(path)
			require.NoError(t, err)
			defer f.Close()
			for id, want := range memory {
				assert.Equal(t, want, f.Records(id), "memory of %s equals a reopen", id)
			}
		})
	}
}

// TestFailedResetChangesNothing: when the reseed or the reset's own write fails, every API is
// left as it was, in memory and in the file.
func TestFailedResetChangesNothing(t *testing.T) {
	failing := func(api string, tx Tx) error {
		if err := reseedFixtures(api, tx); err != nil {
			return err
		}
		return errors.New("fixture 3: no such operation")
	}
	for _, tc := range []struct {
		name      string
		api       string
		reseed    func(string, Tx) error
		failWrite bool
		want      string
	}{
		{name: "reseed fails", api: "a", reseed: failing, want: "reseed: fixture 3: no such operation"},
		{name: "reseed of all fails", api: "", reseed: failing, want: "reseed: fixture 3"},
		{name: "reseed stores another api", api: "a", reseed: func(_ string, tx Tx) error { return reseedFixtures("b", tx) },
			want: `reseed of api "a": cannot create a record of api "b"`},
		{name: "reset line cannot be written", api: "a", reseed: reseedFixtures, failWrite: true, want: "state file write failed"},
		{name: "reset of all cannot be written", api: "", reseed: reseedFixtures, failWrite: true, want: "state file write failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			ffs := newFaultFS()
			f, err := openFile(path, ffs, openedAt)
			require.NoError(t, err)
			_, err = f.Create(rec("a", "x"), nil, nil)
			require.NoError(t, err)
			_, err = f.Create(rec("b", "y"), nil, nil)
			require.NoError(t, err)
			before := map[string][]Record{"a": f.Records("a"), "b": f.Records("b")}

			if tc.failWrite {
				ffs.failNext("write", 1)
			}
			err = f.Reset(tc.api, tc.reseed)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			check := func(s Store) {
				for id, want := range before {
					assert.Equal(t, want, s.Records(id))
				}
				_, err := s.Create(rec("a", "x"), nil, nil)
				var ce *ConflictError
				assert.ErrorAs(t, err, &ce, "the claims came back too")
			}
			check(f)
			require.NoError(t, f.Reset("c", nil), "the store works on")
			require.NoError(t, f.Close())
			f, err = OpenFile(path)
			require.NoError(t, err)
			defer f.Close()
			check(f)
			_, err = f.Create(rec("a", "fx"), nil, nil)
			assert.NoError(t, err, "the reseed's claims were undone")
		})
	}
}

// TestResetKeepsSeqOfReseed: a reset API counts again from the start, its reseed's records
// down from 0, as a fresh start does.
func TestResetKeepsSeqOfReseed(t *testing.T) {
	m := NewMemory()
	for i := 0; i < 3; i++ {
		_, err := m.Create(rec("a", fmt.Sprint(i)), nil, nil)
		require.NoError(t, err)
	}
	require.NoError(t, m.Reset("a", reseedFixtures))
	got, err := m.Create(rec("a", "new"), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{0, -1, -2, 1}, seqs(m.Records("a")))
	assert.Equal(t, int64(1), got.Seq)
}
