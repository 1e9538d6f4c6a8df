//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// stateLock is an exclusive flock(2) on <state>.lock, which names its holder. The kernel
// drops the lock when the holder exits, even by kill -9, so a stale lock file never blocks a
// start; the file is left in place (removing it would let two openers lock different files).
type stateLock struct{ f *os.File }

func acquireLock(path string, now time.Time) (*stateLock, error) {
	name := path + ".lock"
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
	info := fmt.Sprintf("pid %d, started %s\n", os.Getpid(), now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0) // only informs a refused opener
	}
	return &stateLock{f: f}, nil
}

func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
