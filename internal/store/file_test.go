package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var openedAt = func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }

// line is a framed create line for a record of api "a" with seq.
func line(seq int) string {
	rec := Record{API: "a", Seq: int64(seq), Collection: "/w", Key: fmt.Sprint(seq), Body: map[string]any{"n": seq},
		Claims: []Claim{{Rule: "u", Key: fmt.Sprint(seq)}}}
	return string(createLine(rec))
}

// createLine is the framed log line of rec's create.
func createLine(rec Record) []byte {
	e, err := encodeRecord(rec)
	if err == nil {
		var b []byte
		if b, err = encodeLine(lineHead{Op: "create"}, []encodedRecord{e}); err == nil {
			return b
		}
	}
	panic(err)
}

func seqs(recs []Record) []int64 {
	out := []int64{}
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

// TestFailedWriteIsRolledBack: a write or fsync that fails leaves no trace, in memory or in
// the file, and is reported by Err until the client's retry succeeds; after a restart the
// retried record is there exactly once.
func TestFailedWriteIsRolledBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fail    []string // ops whose next call fails
		partial bool
	}{
		{name: "write fails", fail: []string{"write"}},
		{name: "write torn by a full disk", fail: []string{"write"}, partial: true},
		{name: "fsync fails", fail: []string{"sync"}},
		{name: "fsync and the truncate after it fail", fail: []string{"sync", "truncate"}},
		{name: "torn write and its truncate fail", fail: []string{"write", "truncate"}, partial: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			ffs := newFaultFS()
			ffs.partial = tc.partial
			f, err := openFile(path, ffs, openedAt)
			require.NoError(t, err)
			_, err = f.Create(rec("a", "x"), nil, nil)
			require.NoError(t, err)
			require.NoError(t, f.Err())

			for _, op := range tc.fail {
				ffs.failNext(op, 1)
			}
			_, err = f.Create(rec("a", "y"), nil, nil)
			require.ErrorIs(t, err, ErrWrite)
			assert.ErrorIs(t, f.Err(), ErrWrite, "the store reports itself failing")
			assert.Equal(t, []int64{1}, seqs(f.Records("a")), "the refused record is not in memory")

			got, err := f.Create(rec("a", "y"), nil, nil) // the client's retry
			require.NoError(t, err)
			assert.NoError(t, f.Err(), "a successful write clears the failure")
			assert.Equal(t, int64(2), got.Seq)
			require.NoError(t, f.Close())

			f, err = OpenFile(path)
			require.NoError(t, err)
			defer f.Close()
			assert.Empty(t, f.Notes(), "no torn bytes were left behind")
			assert.Equal(t, []int64{1, 2}, seqs(f.Records("a")), "the retried record exactly once")
		})
	}
}

// TestFailedUpdateAndDeleteAreRolledBack: the same holds for the other changes.
func TestFailedUpdateAndDeleteAreRolledBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	ffs := newFaultFS()
	f, err := openFile(path, ffs, openedAt)
	require.NoError(t, err)
	keyed(t, f, "1", "x")
	keyed(t, f, "2", "y")
	ffs.failNext("sync", 1)
	_, err = f.Update("a", "/w", "1", change("z"))
	require.ErrorIs(t, err, ErrWrite)
	ffs.failNext("write", 1)
	_, err = f.Delete("a", "/w", "2")
	require.ErrorIs(t, err, ErrWrite)
	check := func(s Store) {
		got, err := s.Get("a", "/w", "1")
		require.NoError(t, err)
		assert.JSONEq(t, `{"u":"x"}`, string(got.Body.(json.RawMessage)), "the update was refused")
		_, err = s.Get("a", "/w", "2")
		assert.NoError(t, err, "the delete was refused")
	}
	check(f)
	require.NoError(t, f.Close())
	f, err = OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	check(f)
}

// TestTornTailIsSkipped: whatever a crash leaves after the last good line is skipped with a
// note and cut off, so the next record is not glued onto it.
func TestTornTailIsSkipped(t *testing.T) {
	framed := strings.TrimSuffix(line(2), "\n")
	for _, tc := range []struct {
		name, tail string
		wantNote   bool
	}{
		{name: "no tail", tail: ""},
		{name: "half a line", tail: framed[:len(framed)/2], wantNote: true},
		{name: "a whole line but its newline", tail: framed, wantNote: true},
		{name: "bad checksum", tail: strings.Replace(framed, `"seq":2`, `"seq":9`, 1) + "\n", wantNote: true},
		{name: "zeroed blocks", tail: strings.Repeat("\x00", 4096), wantNote: true},
		{name: "several bad lines", tail: "garbage\n{\"op\":\nmore", wantNote: true},
		{name: "an unframed torn line", tail: `{"op":"create","rec`, wantNote: true},
		{name: "blank lines", tail: "\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			require.NoError(t, os.WriteFile(path, []byte(line(1)+tc.tail), 0o644))
			f, err := OpenFile(path)
			require.NoError(t, err)
			if tc.wantNote {
				require.Len(t, f.Notes(), 1)
				assert.Contains(t, f.Notes()[0], "state.jsonl:2: skipped a torn last write")
			} else {
				assert.Empty(t, f.Notes())
			}
			assert.Equal(t, []int64{1}, seqs(f.Records("a")))
			_, err = f.Create(rec("a", "next"), nil, nil)
			require.NoError(t, err)
			require.NoError(t, f.Close())

			f, err = OpenFile(path)
			require.NoError(t, err)
			defer f.Close()
			assert.Empty(t, f.Notes())
			assert.Equal(t, []int64{1, 2}, seqs(f.Records("a")), "the record after the torn tail is intact")
		})
	}
}

// TestCorruptLineIsAnError: a bad line with a good line after it is damage, not a torn write:
// the open fails naming file:line rather than drop what follows.
func TestCorruptLineIsAnError(t *testing.T) {
	framed := strings.TrimSuffix(line(2), "\n")
	for _, tc := range []struct {
		name, content, want string
	}{
		{name: "first line", content: "garbage\n" + line(1) + line(2), want: "state.jsonl:1: corrupt state line"},
		{name: "bad checksum in the middle", content: line(1) + strings.Replace(framed, `"seq":2`, `"seq":9`, 1) + "\n" + line(3), want: "state.jsonl:2: corrupt state line: checksum mismatch"},
		// Issue 10: the valid last line after a corrupt second-to-last one was dropped silently.
		{name: "second to last, the last valid", content: line(1) + "{\"op\":\"cre\n" + line(3), want: "state.jsonl:2: corrupt state line"},
		{name: "unknown entry", content: line(1) + `{"op":"explode"}` + "\n", want: `state.jsonl:2: unknown state entry "explode"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
			_, err := OpenFile(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.content, string(after), "a refused file is left as it is")
			f, err := OpenFile(path + ".other")
			require.NoError(t, err, "the failed open released its lock")
			f.Close()
		})
	}
}

// TestUnframedLinesAreRead: a file written before checksums replays, and new lines are
// appended framed.
func TestUnframedLinesAreRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	old := `{"op":"create","record":{"api":"a","seq":1,"collection":"/w","key":"1","body":{"n":1},"claims":[{"rule":"u","key":"1"}]}}` + "\n" +
		`{"op":"create","record":{"api":"b","seq":1,"body":{}}}` + "\n" + `{"op":"reset","api":"b"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(old), 0o644))
	f, err := OpenFile(path)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, seqs(f.Records("a")))
	assert.Empty(t, f.Records("b"))
	_, err = f.Create(rec("a", "1"), nil, nil)
	assert.Error(t, err, "claims are restored")
	_, err = f.Create(rec("a", "2"), nil, nil)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	last := strings.TrimSuffix(strings.TrimPrefix(string(data), old), "\n")
	assert.Regexp(t, `^\{"op":"create"\}\t\{.*\t[0-9a-f]{8}$`, last)

	f, err = OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []int64{1, 2}, seqs(f.Records("a")))
}

// TestSecondOpenerIsRefused: two servers on one state file would lose each other's records.
func TestSecondOpenerIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	f, err := openFile(path, osFS{}, openedAt)
	require.NoError(t, err)
	_, err = OpenFile(path)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, fmt.Sprintf("pid %d, started 2024-05-01T12:00:00Z", os.Getpid()), le.Holder)
	assert.Contains(t, err.Error(), "state.jsonl is in use by pid ")
	assert.Contains(t, err.Error(), "state.jsonl.lock")

	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "closing twice is harmless")
	f, err = OpenFile(path)
	require.NoError(t, err, "Close released the lock")
	f.Close()
}

// TestCompaction: the log is rewritten at open only when it is mostly dead lines, and a
// rewrite that fails (a full disk) keeps the old log and opens anyway.
func TestCompaction(t *testing.T) {
	churn := func(t *testing.T, path string, updates int) int64 {
		f, err := OpenFile(path)
		require.NoError(t, err)
		keyed(t, f, "1", "x")
		keyed(t, f, "2", "y")
		pad := strings.Repeat("p", 400)
		for i := 0; i < updates; i++ {
			_, err := f.Update("a", "/w", "1", change(fmt.Sprint("x", i, pad)))
			require.NoError(t, err)
		}
		require.NoError(t, f.Close())
		info, err := os.Stat(path)
		require.NoError(t, err)
		return info.Size()
	}
	for _, tc := range []struct {
		name          string
		updates       int
		failCompact   string
		wantCompacted bool
	}{
		{name: "small log kept", updates: 100},
		{name: "mostly dead log compacted", updates: 2000, wantCompacted: true},
		{name: "compaction cannot create its file", updates: 2000, failCompact: "createTemp"},
		{name: "compaction write fails", updates: 2000, failCompact: "write"},
		{name: "compaction fsync fails", updates: 2000, failCompact: "sync"},
		// The rename happened: appends must go to the new file, not the unlinked old one.
		{name: "directory fsync after the rename fails", updates: 2000, failCompact: "syncDir", wantCompacted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			before := churn(t, path, tc.updates)
			ffs := newFaultFS()
			if tc.failCompact != "" {
				ffs.failNext(tc.failCompact, 1)
			}
			f, err := openFile(path, ffs, openedAt)
			require.NoError(t, err)
			if tc.failCompact != "" {
				require.Len(t, f.Notes(), 1)
				assert.Contains(t, f.Notes()[0], "going on with the log as it is")
			}
			info, err := os.Stat(path)
			require.NoError(t, err)
			if tc.wantCompacted {
				assert.Less(t, info.Size(), int64(4096))
			} else {
				assert.Equal(t, before, info.Size())
			}
			tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".usermock-state-*"))
			assert.Empty(t, tmps, "no temporary file is left")
			keyed(t, f, "3", "q")
			require.NoError(t, f.Close())

			f, err = OpenFile(path)
			require.NoError(t, err)
			defer f.Close()
			assert.Empty(t, f.Notes())
			got, err := f.Get("a", "/w", "1")
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(got.Body.(json.RawMessage), []byte(fmt.Sprintf(`{"u":"x%d`, tc.updates-1))))
			assert.Equal(t, []string{"1", "2", "3"}, keys(f.Records("a")))
		})
	}
}

func keys(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

// TestLongLine: a record larger than the reader's buffer replays whole.
func TestLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	f, err := OpenFile(path)
	require.NoError(t, err)
	big := `{"s":"` + strings.Repeat("x", 3<<20) + `"}`
	_, err = f.Create(Record{API: "a", Collection: "/w", Body: json.RawMessage(big)}, nil,
		func(int64) (any, string, error) { return json.RawMessage(`{"id":"1"}`), "1", nil })
	require.NoError(t, err)
	keyed(t, f, "2", "y")
	require.NoError(t, f.Close())
	f, err = OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	got, err := f.Get("a", "/w", "1")
	require.NoError(t, err)
	assert.Equal(t, big, string(got.Body.(json.RawMessage)))
	assert.Equal(t, []string{"1", "2"}, keys(f.Records("a")))
}
