package store

import (
	"fmt"
	"sync"
	"syscall"
)

// faultFS is the operating system's file system with chosen calls failing as a full disk
// makes them fail: the Nth write (optionally after writing half its bytes), sync or truncate
// from now on, or the creation of a temporary file.
type faultFS struct {
	osFS
	mu      sync.Mutex
	calls   map[string]int
	failAt  map[string]int // op -> the call number that fails
	partial bool           // a failing write writes half its bytes first, as a full disk does
}

func newFaultFS() *faultFS { return &faultFS{calls: map[string]int{}, failAt: map[string]int{}} }

// failNext makes the nth next call of op fail (1: the next one).
func (f *faultFS) failNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt[op] = f.calls[op] + n
}

// call counts a call of op and tells whether it fails.
func (f *faultFS) call(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if f.failAt[op] == f.calls[op] {
		return fmt.Errorf("injected %s failure: %w", op, syscall.ENOSPC)
	}
	return nil
}

func (f *faultFS) openAppend(path string) (logFile, error) {
	lf, err := f.osFS.openAppend(path)
	if err != nil {
		return nil, err
	}
	return &faultFile{logFile: lf, fs: f}, nil
}

func (f *faultFS) createTemp(dir, pattern string) (logFile, error) {
	if err := f.call("createTemp"); err != nil {
		return nil, err
	}
	lf, err := f.osFS.createTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &faultFile{logFile: lf, fs: f}, nil
}

func (f *faultFS) syncDir(dir string) error {
	if err := f.call("syncDir"); err != nil {
		return err
	}
	return f.osFS.syncDir(dir)
}

type faultFile struct {
	logFile
	fs *faultFS
}

func (f *faultFile) Write(b []byte) (int, error) {
	if err := f.fs.call("write"); err != nil {
		n := 0
		if f.fs.partial {
			n, _ = f.logFile.Write(b[:len(b)/2])
		}
		return n, err
	}
	return f.logFile.Write(b)
}

func (f *faultFile) Sync() error {
	if err := f.fs.call("sync"); err != nil {
		return err
	}
	return f.logFile.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if err := f.fs.call("truncate"); err != nil {
		return err
	}
	return f.logFile.Truncate(size)
}
