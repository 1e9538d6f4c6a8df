package cli

import (
	"io"
	"sync"
	"time"
)

// Bounds of the request log's buffer: lines wait at most logFlushEvery, and never more than
// logBufferBytes of them, before they are written.
const (
	logFlushEvery  = 100 * time.Millisecond
	logBufferBytes = 64 << 10
)

// logBuffer gathers log lines and writes them in batches, as nginx's access_log buffer= and
// flush= do: a busy server then makes one write system call per batch instead of one per
// request. A line waits at most logFlushEvery; once logBufferBytes are waiting, the writer
// that filled the buffer writes it out itself, so a slow stderr slows the requests down (as
// an unbuffered log would) instead of growing memory. Write errors are dropped, as slog's
// handlers drop them: a full disk or a closed pipe must not fail requests.
type logBuffer struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending bool // a flush is scheduled
	closed  bool
	every   time.Duration
}

func newLogBuffer(w io.Writer) *logBuffer {
	return &logBuffer{w: w, buf: make([]byte, 0, logBufferBytes), every: logFlushEvery}
}

// Write keeps a copy of p (slog reuses its buffer) and schedules its writing.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed { // after Close, straight through
		_, _ = l.w.Write(p)
		return len(p), nil
	}
	if len(l.buf)+len(p) > logBufferBytes {
		l.flushLocked()
		if len(p) > logBufferBytes {
			_, _ = l.w.Write(p)
			return len(p), nil
		}
	}
	l.buf = append(l.buf, p...)
	if !l.pending {
		l.pending = true
		time.AfterFunc(l.every, l.flush)
	}
	return len(p), nil
}

func (l *logBuffer) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	l.flushLocked()
}

func (l *logBuffer) flushLocked() {
	if len(l.buf) == 0 {
		return
	}
	_, _ = l.w.Write(l.buf)
	l.buf = l.buf[:0]
}

// Close writes what is waiting; later lines (the shutdown's own) go straight through.
func (l *logBuffer) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	l.closed = true
}
