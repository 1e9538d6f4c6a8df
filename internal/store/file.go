package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// File is a Store whose records survive restarts, including an abrupt kill: every change is
// appended to a log of checksummed lines (see logline.go) and fsync'd before it is
// acknowledged (and before memory changes), so what memory holds is what a restart rebuilds. A write or fsync
// that fails is cut off the log again and the change refused; Err reports the store as
// failing until a write succeeds. At open the log is streamed back, a torn last write is
// skipped, and the log is compacted only when it holds much more than the live records. One
// process at a time holds the file: an exclusive lock on <path>.lock names the holder.
type File struct {
	*Memory
	path  string
	fs    fsys
	lock  *stateLock
	notes []string

	mu    sync.Mutex // orders appends; taken inside the API locks
	f     logFile    // nil once closed
	off   int64      // end of the last good line: a failed append is truncated back to it
	dirty bool       // bytes after off may be on disk: truncate before the next append
	err   error      // the last write's failure, nil once one succeeds
}

// Compaction rewrites the log at open only when its dead lines (changes superseded since)
// outnumber the live records and the file is larger than compactMin: a restart costs one
// read of the log, not a rewrite.
const compactMin = 1 << 20

// OpenFile opens (or creates) the state file at path, taking its lock.
func OpenFile(path string) (*File, error) { return openFile(path, osFS{}, time.Now) }

func openFile(path string, fs fsys, now func() time.Time) (*File, error) {
	lock, err := acquireLock(path, now())
	if err != nil {
		return nil, err
	}
	s, err := open(path, fs, lock)
	if err != nil {
		_ = lock.release()
		return nil, err
	}
	return s, nil
}

func open(path string, fs fsys, lock *stateLock) (*File, error) {
	mem := NewMemory()
	r, err := replay(path, mem)
	if err != nil {
		return nil, err
	}
	s := &File{Memory: mem, path: path, fs: fs, lock: lock, notes: r.notes, off: r.good}
	if s.f, err = fs.openAppend(path); err != nil {
		return nil, fmt.Errorf("open state file: %w", err)
	}
	if r.size == 0 {
		// A new file: make its name durable, so the first acknowledged record is found.
		if err := fs.syncDir(filepath.Dir(path)); err != nil {
			s.f.Close()
			return nil, fmt.Errorf("open state file: sync directory: %w", err)
		}
	}
	if r.good < r.size {
		// Appends must not land after the torn bytes.
		s.dirty = true
		if err := s.rollback(); err != nil {
			s.f.Close()
			return nil, err
		}
	}
	if dead := r.lines - mem.count(); dead > mem.count() && r.good > compactMin {
		var fatal *fatalError
		if err := s.compact(); errors.As(err, &fatal) {
			s.f.Close()
			return nil, fmt.Errorf("compact %s: %w", path, err)
		} else if err != nil {
			// A nearly full disk must not block a restart: the log is still whole.
			s.notes = append(s.notes, fmt.Sprintf("compact %s: %v; going on with the log as it is", path, err))
		}
	}
	mem.persist = s.persist
	return s, nil
}

// Notes returns what opening the file repaired or skipped, for the log.
func (s *File) Notes() []string { return s.notes }

func (s *File) persist(e logEntry) error {
	var recs []encodedRecord
	for i, rec := range e.recs {
		switch {
		case rec.Fixture && (e.op == "create" || e.op == "reset"):
			// fixtures are stored afresh from the fixture files at every start
		case e.op == "delete":
			recs = append(recs, encodedRecord{meta: e.encs[i].meta}) // its fields find it
		default:
			recs = append(recs, e.encs[i])
		}
	}
	if e.op == "create" && len(recs) == 0 {
		return nil
	}
	b, err := encodeLine(lineHead{Op: e.op, API: e.api}, recs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = s.write(b)
	return s.err
}

// write appends one framed line and syncs it; on failure the log is cut back to its last good
// line, so a refused change never comes back at the next start.
func (s *File) write(b []byte) error {
	if s.f == nil {
		return fmt.Errorf("%w: %s is closed", ErrWrite, s.path)
	}
	if s.dirty {
		if err := s.rollback(); err != nil {
			return err
		}
	}
	if _, err := s.f.Write(b); err != nil {
		return s.fail("write", err)
	}
	if err := s.f.Sync(); err != nil {
		return s.fail("sync", err)
	}
	s.off += int64(len(b))
	return nil
}

func (s *File) fail(op string, err error) error {
	s.dirty = true
	err = fmt.Errorf("%w: %s %s: %w", ErrWrite, op, s.path, err)
	if rerr := s.rollback(); rerr != nil {
		return fmt.Errorf("%w (and %w)", err, rerr)
	}
	return err
}

// rollback truncates the log to the end of its last good line, durably.
func (s *File) rollback() error {
	if err := s.f.Truncate(s.off); err != nil {
		return fmt.Errorf("%w: truncate %s back to %d bytes: %w", ErrWrite, s.path, s.off, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("%w: sync %s after truncating it: %w", ErrWrite, s.path, err)
	}
	s.dirty = false
	return nil
}

// Err implements Store.
func (s *File) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close implements Store: it closes the log and releases the lock. Closing twice is harmless.
func (s *File) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return errors.Join(err, s.lock.release())
}
