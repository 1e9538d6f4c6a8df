package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// File is a Store whose records survive restarts, including an abrupt kill: every change is
// appended to a JSON-lines log and fsync'd before it is acknowledged. At open the log is
// replayed and compacted; a torn last line (a write cut short by a crash) is skipped.
type File struct {
	*Memory
	mu   sync.Mutex
	f    *os.File
	path string
}

type logLine struct {
	Op     string  `json:"op"` // create, update, delete or reset
	API    string  `json:"api,omitempty"`
	Record *Record `json:"record,omitempty"`
}

// OpenFile opens (or creates) the state file at path.
func OpenFile(path string) (*File, error) {
	mem := NewMemory()
	if err := replay(path, mem); err != nil {
		return nil, err
	}
	if err := compact(path, mem); err != nil {
		return nil, fmt.Errorf("compact %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open state file: %w", err)
	}
	s := &File{Memory: mem, f: f, path: path}
	mem.persist = func(op string, r Record) error {
		if r.Fixture && op == "create" {
			return nil
		}
		return s.append(logLine{Op: op, Record: &r})
	}
	return s, nil
}

func replay(path string, mem *Memory) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state file: %w", err)
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l logLine
		if err := json.Unmarshal(line, &l); err != nil {
			if i >= len(lines)-2 { // the last non-empty line: a write torn by a crash
				return nil
			}
			return fmt.Errorf("%s:%d: corrupt state line: %v (move the file away to start empty)", path, i+1, err)
		}
		switch {
		case l.Op == "reset":
			_ = mem.Reset(l.API)
		case (l.Op == "create" || l.Op == "update" || l.Op == "delete") && l.Record != nil:
			if err := apply(mem, l); err != nil {
				return fmt.Errorf("%s:%d: %v", path, i+1, err)
			}
		default:
			return fmt.Errorf("%s:%d: unknown state entry %q", path, i+1, l.Op)
		}
	}
	return nil
}

// apply replays one change. An update or delete of a record that is not there (a fixture
// record, which is never persisted, or one reset since) is skipped.
func apply(mem *Memory, l logLine) error {
	rec := *l.Record
	a := mem.api(rec.API)
	var s *stored
	if rec.Key != "" {
		s = a.index[indexKey(rec.Collection, rec.Key)]
	}
	switch {
	case l.Op == "delete":
		if s != nil {
			a.remove(s)
		}
		return nil
	case l.Op == "update" && s != nil:
		encoded, err := encodeRecord(rec)
		if err != nil {
			return err
		}
		a.replace(s, rec, encoded)
		return nil
	case l.Op == "update":
		return nil
	}
	encoded, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	a.insert(rec, encoded)
	return nil
}

// compact rewrites the log as one create line per live record, atomically.
func compact(path string, mem *Memory) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".usermock-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	mem.mu.RLock()
	for _, a := range mem.apis {
		a.mu.Lock()
		for _, s := range a.records {
			rec, err := s.decode()
			if err != nil || rec.Fixture {
				continue
			}
			if err := writeLine(w, logLine{Op: "create", Record: &rec}); err != nil {
				a.mu.Unlock()
				mem.mu.RUnlock()
				return err
			}
		}
		a.mu.Unlock()
	}
	mem.mu.RUnlock()
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeLine(w io.Writer, l logLine) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (s *File) append(l logLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeLine(s.f, l); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync state file: %w", err)
	}
	return nil
}

// Reset implements Store.
func (s *File) Reset(api string) error {
	if err := s.append(logLine{Op: "reset", API: api}); err != nil {
		return err
	}
	return s.Memory.Reset(api)
}

// Close implements Store.
func (s *File) Close() error { return s.f.Close() }
