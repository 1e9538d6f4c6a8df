package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rec(api, key string) Record {
	return Record{API: api, Body: map[string]any{"k": key}, Claims: []Claim{{Rule: "u", Key: key}}, Groups: []string{"g"}}
}

func TestMemoryClaimsAndLimits(t *testing.T) {
	m := NewMemory()
	_, err := m.Create(rec("a", "x"), nil, nil)
	require.NoError(t, err)
	_, err = m.Create(rec("a", "x"), nil, nil)
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "u", ce.Rule)
	_, err = m.Create(rec("b", "x"), nil, nil)
	assert.NoError(t, err, "claims are per API")
	_, err = m.Create(rec("a", "y"), []Limit{{Rule: "l", Group: "g", Max: 1}}, nil)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 1, le.Max)
	require.NoError(t, m.Reset("a", nil))
	_, err = m.Create(rec("a", "x"), nil, nil)
	assert.NoError(t, err)
}

func TestMemorySeqAndSeeds(t *testing.T) {
	m := NewMemory()
	s1 := rec("a", "s1")
	s1.Seeded = true
	got, err := m.Create(s1, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(0), got.Seq)
	got, err = m.Create(rec("a", "c1"), nil, func(seq int64) (any, string, error) { return seq, "", nil })
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Seq)
	assert.Equal(t, int64(1), got.Response)
}

func TestMemoryConcurrentCreate(t *testing.T) {
	m := NewMemory()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Create(rec("a", "same"), nil, nil); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, ok)
	assert.Len(t, m.Records("a"), 1)
}

func TestFileSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	f, err := OpenFile(path)
	require.NoError(t, err)
	_, err = f.Create(rec("a", "x"), nil, nil)
	require.NoError(t, err)
	_, err = f.Create(rec("b", "y"), nil, nil)
	require.NoError(t, err)
	require.NoError(t, f.Reset("b", nil))
	require.NoError(t, f.Close())

	f, err = OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Len(t, f.Records("a"), 1)
	assert.Empty(t, f.Records("b"), "the reset is replayed")
	_, err = f.Create(rec("a", "x"), nil, nil)
	assert.Error(t, err, "claims are restored")
	got, err := f.Create(rec("a", "z"), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Seq, "the sequence continues")
}

func TestFileTornLastLineIsSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"op":"create","record":{"api":"a","seq":1,"body":{}}}`+"\n"+`{"op":"create","rec`), 0o644))
	f, err := OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Len(t, f.Records("a"), 1)
}

func TestFileCorruptMiddleLineIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("garbage\n"+`{"op":"create","record":{"api":"a","seq":1}}`+"\n"+`{"op":"create","record":{"api":"a","seq":2}}`+"\n"), 0o644))
	_, err := OpenFile(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state.jsonl:1: corrupt state line")
}

// TestRecordsKeepRawJSON: a raw JSON body and response are stored as sent and listed as
// decoded JSON with exact numbers, next to decoded ones.
func TestRecordsKeepRawJSON(t *testing.T) {
	m := NewMemory()
	raw := Record{API: "a", Body: json.RawMessage(`{"n": 12345678901234567, "s": "x"}`), Claims: []Claim{{Rule: "u", Key: "1"}}}
	_, err := m.Create(raw, nil, func(seq int64) (any, string, error) { return json.RawMessage(`{"id": 1}`), "", nil })
	require.NoError(t, err)
	_, err = m.Create(rec("a", "2"), nil, nil)
	require.NoError(t, err)
	got := m.Records("a")
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{"n": json.Number("12345678901234567"), "s": "x"}, got[0].Body)
	assert.Equal(t, map[string]any{"id": json.Number("1")}, got[0].Response)
	assert.Equal(t, []Claim{{Rule: "u", Key: "1"}}, got[0].Claims)
	assert.Equal(t, map[string]any{"k": "2"}, got[1].Body)
	assert.Nil(t, got[1].Response)
}

// keepingStores are a memory store and, when redis-server is installed, a Redis store (on a
// server of the test's own), each keeping the payloads of keep records within keepBytes.
func keepingStores(t *testing.T, keep, keepBytes int) map[string]func(t *testing.T) keeper {
	return map[string]func(t *testing.T) keeper{
		"memory": func(t *testing.T) keeper {
			m := NewMemoryKeeping(keep)
			m.SetKeepBytes(keepBytes)
			return m
		},
		"redis": func(t *testing.T) keeper {
			r := openRedis(t, startRedis(t), "keep:")
			r.SetKeep(keep, keepBytes)
			return r
		},
	}
}

// keeper is a Store with keep bounds.
type keeper interface {
	Store
	Dropped(api string) int
}

// TestKeepsRecentPayloadsOnly: beyond keep, records lose their payload but keep their unique
// keys, their record key and their place in limits, and seq keeps counting; in memory and in
// Redis alike.
func TestKeepsRecentPayloadsOnly(t *testing.T) {
	for name, open := range keepingStores(t, 3, 0) {
		t.Run(name, func(t *testing.T) {
			m := open(t)
			// The first record, dropped first, has a collection and key with the bytes a
			// store might split on.
			_, err := m.Create(Record{API: "a", Collection: "/odd:1"}, nil, func(int64) (any, string, error) { return json.RawMessage(`{}`), "k:\x00:2", nil })
			require.NoError(t, err)
			for i := 0; i < 50; i++ {
				r := rec("a", fmt.Sprint(i))
				r.Collection = "/w"
				_, err := m.Create(r, nil, func(int64) (any, string, error) { return json.RawMessage(`{}`), fmt.Sprint("k", i), nil })
				require.NoError(t, err)
			}
			got := m.Records("a")
			require.Len(t, got, 3)
			body, err := json.Marshal(got[2].Body)
			require.NoError(t, err)
			assert.JSONEq(t, `{"k":"49"}`, string(body))
			assert.Equal(t, int64(51), got[2].Seq)
			assert.Equal(t, 48, m.Dropped("a"))
			_, total, err := m.List("a", "/odd:1", 0, -1)
			require.NoError(t, err)
			assert.Zero(t, total, "the odd record left its collection")
			_, err = m.Create(rec("a", "0"), nil, nil)
			var ce *ConflictError
			assert.ErrorAs(t, err, &ce, "a dropped record still holds its unique value")
			_, err = m.Create(Record{API: "a", Collection: "/w"}, nil, func(int64) (any, string, error) { return nil, "k0", nil })
			var kt *KeyTakenError
			assert.ErrorAs(t, err, &kt, "and its key")
			_, err = m.Create(rec("a", "new"), []Limit{{Rule: "l", Group: "g", Max: 50}}, nil)
			var le *LimitError
			assert.ErrorAs(t, err, &le, "dropped records still count towards limits")
			_, err = m.Get("a", "/w", "k0")
			assert.ErrorIs(t, err, ErrNotFound, "a dropped record is no longer readable")
			_, err = m.Delete("a", "/w", "k0")
			assert.ErrorIs(t, err, ErrNotFound, "nor deleted")
			_, err = m.Update("a", "/w", "k0", func(old Record) (Record, error) { return old, nil })
			assert.ErrorIs(t, err, ErrNotFound, "nor changed")
			page, total, err := m.List("a", "/w", 0, -1)
			require.NoError(t, err)
			assert.Equal(t, 3, total, "nor listed")
			require.Len(t, page, 3)
			assert.Equal(t, "k47", page[0].Key)
			_, err = m.Get("a", "/w", "k49")
			assert.NoError(t, err)
		})
	}
}
