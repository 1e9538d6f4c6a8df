//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// stateLock is an exclusive flock(2) on <state>.lock, which names its holder. The kernel
// drops the lock when the holder exits, even by kill -9, so a stale lock file never blocks a
// start; the file is left in place (removing it would let two openers lock different files).
//
// Two more locks close the ways around it: the lock file is named after the state file's real
// path (symbolic links resolved), and the state file itself is flock'ed (a hard link, or a
// bind mount of the file alone, reaches the same inode under another name).
type stateLock struct{ f, data *os.File }

func acquireLock(path string, now time.Time) (*stateLock, error) {
	name := realPath(path) + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 512))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, Lock: name, Holder: strings.TrimSpace(string(holder))}
		}
		return nil, fmt.Errorf("lock state file %s: %w", name, err)
	}
	data, err := lockData(path)
	if err != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, err
	}
	info := fmt.Sprintf("pid %d, started %s\n", os.Getpid(), now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0) // only informs a refused opener
	}
	return &stateLock{f: f, data: data}, nil
}

// lockData flocks the state file's inode, whatever name reached it.
func lockData(path string) (*os.File, error) {
	data, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	if err := syscall.Flock(int(data.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		data.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, Lock: path, Holder: "another server, through another name for the same file (a link or a bind mount)"}
		}
		return nil, fmt.Errorf("lock state file %s: %w", path, err)
	}
	return data, nil
}

// relockData moves the inode lock to the file now at path (after compaction renamed a new
// file into place).
func (l *stateLock) relockData(path string) error {
	if l == nil || l.data == nil {
		return nil
	}
	data, err := lockData(path)
	if err != nil {
		return err
	}
	old := l.data
	l.data = data
	_ = syscall.Flock(int(old.Fd()), syscall.LOCK_UN)
	return old.Close()
}

// realPath is path with its symbolic links resolved, as far as they exist.
func realPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	dir, base := filepath.Split(path)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(real, base)
	}
	return path
}

func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	if l.data != nil {
		_ = syscall.Flock(int(l.data.Fd()), syscall.LOCK_UN)
		_ = l.data.Close()
		l.data = nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
