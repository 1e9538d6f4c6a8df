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

// TestMemoryKeepsRecentPayloadsOnly: beyond keep, records lose their payload but keep their
// unique keys and their place in limits, and seq keeps counting.
func TestMemoryKeepsRecentPayloadsOnly(t *testing.T) {
	m := NewMemoryKeeping(3)
	for i := 0; i < 50; i++ {
		_, err := m.Create(rec("a", fmt.Sprint(i)), nil, nil)
		require.NoError(t, err)
	}
	got := m.Records("a")
	require.Len(t, got, 3)
	assert.Equal(t, map[string]any{"k": "49"}, got[2].Body)
	assert.Equal(t, int64(50), got[2].Seq)
	assert.Equal(t, 47, m.Dropped("a"))
	_, err := m.Create(rec("a", "0"), nil, nil)
	var ce *ConflictError
	assert.ErrorAs(t, err, &ce, "a dropped record still holds its key")
	_, err = m.Create(rec("a", "new"), []Limit{{Rule: "l", Group: "g", Max: 50}}, nil)
	var le *LimitError
	assert.ErrorAs(t, err, &le, "dropped records still count towards limits")
}
