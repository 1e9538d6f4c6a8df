package store

import (
	"io"
	"os"
)

// fsys is what the File store does to the file system when it writes; tests replace it to
// fail the Nth write or sync. Reading at open goes to the operating system directly.
type fsys interface {
	// openAppend opens path for appending, creating it if needed.
	openAppend(path string) (logFile, error)
	// createTemp creates a new file in dir, as os.CreateTemp.
	createTemp(dir, pattern string) (logFile, error)
	rename(from, to string) error
	remove(path string) error
	// syncDir makes the directory's entries (a created or renamed file) durable.
	syncDir(dir string) error
}

// logFile is an open state file; *os.File is one.
type logFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
	Name() string
}

// osFS is the operating system's file system.
type osFS struct{}

func (osFS) openAppend(path string) (logFile, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

func (osFS) createTemp(dir, pattern string) (logFile, error) { return os.CreateTemp(dir, pattern) }

func (osFS) rename(from, to string) error { return os.Rename(from, to) }

func (osFS) remove(path string) error { return os.Remove(path) }

func (osFS) syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
