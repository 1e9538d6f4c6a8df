package store

import (
	"bufio"
	"fmt"
	"path/filepath"
	"slices"
)

// compact rewrites the log as one create line per live record: a new file written, fsync'd
// and renamed over the old one, then the directory fsync'd, so a crash at any point leaves the
// old log or the new one, whole. It runs at open, before anyone else uses the store.
func (s *File) compact() (err error) {
	dir := filepath.Dir(s.path)
	tmp, err := s.fs.createTemp(dir, ".usermock-state-*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			_ = s.fs.remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	n, err := s.Memory.writeLive(w)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := s.fs.rename(tmp.Name(), s.path); err != nil {
		return err
	}
	renamed = true
	// The open log is the old, unlinked file now: appends must go to the new one, whatever
	// else fails.
	f, err := s.fs.openAppend(s.path)
	if err != nil {
		return &fatalError{fmt.Errorf("reopen compacted log: %w", err)}
	}
	s.f.Close()
	s.f, s.off = f, n
	if err := s.lock.relockData(s.path); err != nil {
		return fmt.Errorf("lock the compacted log: %w", err)
	}
	if err := s.fs.syncDir(dir); err != nil {
		return fmt.Errorf("sync directory after renaming: %w", err)
	}
	return nil
}

// fatalError is a compaction failure the store cannot go on after.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// writeLive writes a create line for every record, API by API in the order of their names,
// and returns how many bytes it wrote, from the JSON kept: nothing is decoded.
func (m *Memory) writeLive(w *bufio.Writer) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	names := make([]string, 0, len(m.apis))
	for id := range m.apis {
		names = append(names, id)
	}
	slices.Sort(names)
	var n int64
	for _, id := range names {
		a := m.apis[id]
		a.mu.Lock()
		for _, s := range a.records {
			b, err := encodeLine(lineHead{Op: "create"}, []encodedRecord{s.encodedRecord})
			if err == nil {
				_, err = w.Write(b)
			}
			if err != nil {
				a.mu.Unlock()
				return n, err
			}
			n += int64(len(b))
		}
		a.mu.Unlock()
	}
	return n, nil
}

// count returns how many records the store holds.
func (m *Memory) count() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, a := range m.apis {
		a.mu.Lock()
		n += len(a.records)
		a.mu.Unlock()
	}
	return n
}
