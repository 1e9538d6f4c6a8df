package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyed creates a record in collection /w with key k claiming unique value u.
func keyed(t *testing.T, s Store, k, u string) Record {
	t.Helper()
	r := Record{API: "a", Collection: "/w", Body: json.RawMessage(`{"u":"` + u + `"}`), Claims: []Claim{{Rule: "u", Key: u}}, Groups: []string{"g"}}
	got, err := s.Create(r, nil, func(int64) (any, string, error) { return json.RawMessage(`{"id":"` + k + `"}`), k, nil })
	require.NoError(t, err)
	return got
}

func change(u string) Change {
	return func(old Record) (Record, error) {
		return Record{Body: json.RawMessage(`{"u":"` + u + `"}`), Claims: []Claim{{Rule: "u", Key: u}}, Groups: old.Groups,
			Response: json.RawMessage(`{"id":"` + old.Key + `","u":"` + u + `"}`)}, nil
	}
}

func TestCRUD(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemory() },
		"file": func(t *testing.T) Store {
			f, err := OpenFile(filepath.Join(t.TempDir(), "state.jsonl"))
			require.NoError(t, err)
			t.Cleanup(func() { f.Close() })
			return f
		},
	} {
		t.Run(name, func(t *testing.T) { conformsCRUD(t, open(t)) })
		t.Run(name+"/snapshot", func(t *testing.T) { conformsSnapshot(t, open(t)) })
	}
}

// conformsSnapshot: every store lists a record's body and response as they were stored,
// members in the order sent and escapes as sent, as reads answer them.
func conformsSnapshot(t *testing.T, s Store) {
	body := `{"sku":"\u00e9<","name":"n"}`
	_, err := s.Create(Record{API: "a", Collection: "/w", Body: json.RawMessage(body)}, nil,
		func(int64) (any, string, error) { return json.RawMessage(`{"z":1,"a":"\u00e9"}`), "1", nil })
	require.NoError(t, err)
	recs, dropped, err := s.Snapshot("a")
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Zero(t, dropped)
	for what, want := range map[string]string{"body": body, "response": `{"z":1,"a":"\u00e9"}`} {
		v := recs[0].Body
		if what == "response" {
			v = recs[0].Response
		}
		raw, ok := v.(json.RawMessage)
		require.True(t, ok, "%s is the JSON stored, not %T", what, v)
		assert.Equal(t, want, string(raw), what)
	}
}

// conformsCRUD is what every Store does with records that have keys: get, list, update and
// delete, claims moved and freed. Each store's test runs it.
func conformsCRUD(t *testing.T, s Store) {
	t.Helper()
	keyed(t, s, "1", "x")
	keyed(t, s, "2", "y")
	_, err := s.Create(Record{API: "a", Collection: "/w"}, nil, func(int64) (any, string, error) { return nil, "1", nil })
	var kt *KeyTakenError
	require.ErrorAs(t, err, &kt, "a key names one record")

	got, err := s.Get("a", "/w", "1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"1"}`, string(got.Response.(json.RawMessage)))
	_, err = s.Get("a", "/other", "1")
	assert.ErrorIs(t, err, ErrNotFound, "collections are apart")

	page, total, err := s.List("a", "/w", 1, 5)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	require.Len(t, page, 1)
	assert.Equal(t, "2", page[0].Key)

	_, err = s.Update("a", "/w", "1", change("y"))
	var ce *ConflictError
	require.ErrorAs(t, err, &ce, "another record holds y")
	up, err := s.Update("a", "/w", "1", change("x"))
	require.NoError(t, err, "a record may keep its own key")
	assert.Equal(t, got.Seq, up.Seq)
	up, err = s.Update("a", "/w", "1", change("z"))
	require.NoError(t, err)
	assert.Equal(t, "1", up.Key)
	keyed(t, s, "3", "x") // x was freed by the update

	_, err = s.Update("a", "/w", "9", change("q"))
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Delete("a", "/w", "2")
	require.NoError(t, err)
	_, err = s.Delete("a", "/w", "2")
	assert.ErrorIs(t, err, ErrNotFound)
	keyed(t, s, "4", "y") // y was freed by the delete
	_, total, _ = s.List("a", "/w", 0, -1)
	assert.Equal(t, 3, total)
}

// TestFileReplaysUpdatesAndDeletes: what a restart sees is what was acknowledged.
func TestFileReplaysUpdatesAndDeletes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	f, err := OpenFile(path)
	require.NoError(t, err)
	keyed(t, f, "1", "x")
	keyed(t, f, "2", "y")
	_, err = f.Update("a", "/w", "1", change("z"))
	require.NoError(t, err)
	_, err = f.Delete("a", "/w", "2")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	for round := 0; round < 2; round++ { // the second open reads the compacted file
		f, err = OpenFile(path)
		require.NoError(t, err)
		got, err := f.Get("a", "/w", "1")
		require.NoError(t, err)
		assert.JSONEq(t, `{"id":"1","u":"z"}`, string(got.Response.(json.RawMessage)))
		_, err = f.Get("a", "/w", "2")
		assert.ErrorIs(t, err, ErrNotFound)
		keyed(t, f, fmt.Sprint("n", round), fmt.Sprint("y", round)) // y's claim went with the delete
		_, err = f.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "z"}}}, nil, nil)
		var ce *ConflictError
		require.ErrorAs(t, err, &ce, "z is held by the updated record")
		require.NoError(t, f.Close())
	}
}

// TestConcurrentUpdatesKeepOneOwner: racing updates and creates for one unique value leave
// exactly one holder.
func TestConcurrentUpdatesKeepOneOwner(t *testing.T) {
	m := NewMemory()
	for i := 0; i < 20; i++ {
		keyed(t, m, fmt.Sprint(i), fmt.Sprint("own", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if i < 20 {
				_, err = m.Update("a", "/w", fmt.Sprint(i), change("prize"))
			} else {
				_, err = m.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "prize"}}}, nil, nil)
			}
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	assert.Equal(t, 1, won)
}

// TestKeepBytes: payloads are kept within the byte budget, the newest first; a dropped
// record's key and unique values stay taken; in memory and in Redis alike. Deleting and
// changing kept records keeps the count of bytes right.
func TestKeepBytes(t *testing.T) {
	for name, open := range keepingStores(t, 0, 1<<20) {
		t.Run(name, func(t *testing.T) {
			m := open(t)
			big := strings.Repeat("x", 100<<10)
			for i := 0; i < 100; i++ {
				r := Record{API: "a", Collection: "/w", Body: json.RawMessage(`"` + big + `"`), Claims: []Claim{{Rule: "u", Key: fmt.Sprint(i)}}}
				_, err := m.Create(r, nil, func(int64) (any, string, error) { return json.RawMessage(`{}`), fmt.Sprint("k", i), nil })
				require.NoError(t, err)
			}
			kept := m.Records("a")
			assert.LessOrEqual(t, len(kept), 10)
			assert.GreaterOrEqual(t, len(kept), 8)
			assert.Equal(t, 100-len(kept), m.Dropped("a"))
			_, err := m.Get("a", "/w", "k0")
			assert.ErrorIs(t, err, ErrNotFound, "a dropped record is no longer readable")
			_, err = m.Create(Record{API: "a", Collection: "/w"}, nil, func(int64) (any, string, error) { return nil, "k0", nil })
			var kt *KeyTakenError
			assert.ErrorAs(t, err, &kt, "but its key stays taken")
			_, err = m.Create(Record{API: "a", Claims: []Claim{{Rule: "u", Key: "0"}}}, nil, nil)
			var ce *ConflictError
			assert.ErrorAs(t, err, &ce, "and so do its unique values")

			// The kept records shrink to nothing: the freed bytes let as many big records in
			// again, no fewer (a count that only grew would drop them at once).
			for _, r := range m.Records("a") {
				if r.Key == "k99" {
					_, err = m.Update("a", "/w", r.Key, func(old Record) (Record, error) {
						old.Body = json.RawMessage(`"small"`)
						return old, nil
					})
				} else {
					_, err = m.Delete("a", "/w", r.Key)
				}
				require.NoError(t, err)
			}
			dropped := m.Dropped("a")
			for i := 0; i < 8; i++ {
				r := Record{API: "a", Collection: "/w", Body: json.RawMessage(`"` + big + `"`)}
				_, err := m.Create(r, nil, func(int64) (any, string, error) { return json.RawMessage(`{}`), fmt.Sprint("n", i), nil })
				require.NoError(t, err)
			}
			assert.Equal(t, dropped, m.Dropped("a"), "8 big records fit in the budget the deletes freed")
			assert.Len(t, m.Records("a"), 9)
		})
	}
}

// TestOneServerPerFileWhateverItsName: a second opener through a symbolic or hard link to
// the same state file is refused, as through the same path.
func TestOneServerPerFileWhateverItsName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.jsonl")
	f, err := OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.Symlink(path, filepath.Join(dir, "sym.jsonl")))
	require.NoError(t, os.Link(path, filepath.Join(dir, "hard.jsonl")))
	for _, name := range []string{"state.jsonl", "sym.jsonl", "hard.jsonl"} {
		_, err := OpenFile(filepath.Join(dir, name))
		var le *LockedError
		assert.ErrorAs(t, err, &le, name)
	}
}
