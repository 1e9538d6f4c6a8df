package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter records each Write it gets, and can fail them all.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	fail   bool
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.fail {
		return 0, errors.New("no space left on device")
	}
	return w.buf.Write(p)
}

func (w *countingWriter) state() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.writes
}

// waiting is the length and capacity of what l holds.
func (l *logBuffer) waiting() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buf), cap(l.buf)
}

// TestLogBufferBatchesLines: lines from many goroutines reach the writer whole, in few
// writes, within the flush interval and without a Close.
func TestLogBufferBatchesLines(t *testing.T) {
	var w countingWriter
	l := newLogBuffer(&w)
	l.every = 20 * time.Millisecond
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				_, err := fmt.Fprintf(l, "g=%d i=%d msg=request\n", g, i)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { out, _ := w.state(); return strings.Count(out, "\n") == 4000 },
		5*time.Second, 5*time.Millisecond, "lines not written without a Close")
	out, writes := w.state()
	assert.Less(t, writes, 400, "lines not batched")
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		require.Regexp(t, `^g=\d i=\d+ msg=request$`, line) // no line cut or interleaved
		seen[line] = true
	}
	assert.Len(t, seen, 4000)
	l.Close()
}

// TestLogBufferBounded: the buffer never holds more than logBufferBytes; a line longer
// than that goes through whole, after what was waiting; Close writes the rest, and lines
// after Close go straight through.
func TestLogBufferBounded(t *testing.T) {
	var w countingWriter
	l := newLogBuffer(&w)
	l.every = time.Hour // only size and Close write
	line := strings.Repeat("x", 999) + "\n"
	lines := 3 * logBufferBytes / len(line)
	for range lines {
		_, _ = l.Write([]byte(line))
		n, c := l.waiting()
		require.LessOrEqual(t, n, logBufferBytes)
		require.Equal(t, logBufferBytes, c, "the buffer grew")
	}
	out, writes := w.state()
	assert.Equal(t, (lines-1)/(logBufferBytes/len(line)), writes, "not one write per full buffer")
	assert.Equal(t, 0, len(out)%len(line), "a line was cut")

	huge := strings.Repeat("y", 2*logBufferBytes) + "\n"
	_, _ = l.Write([]byte(huge))
	out, _ = w.state()
	assert.True(t, strings.HasSuffix(out, line+huge), "the huge line did not follow the waiting ones")
	_, _ = l.Write([]byte("last\n"))
	l.Close()
	_, _ = l.Write([]byte("after\n"))
	out, _ = w.state()
	assert.True(t, strings.HasSuffix(out, huge+"last\nafter\n"))
}

// TestLogBufferWriteErrors: a failing stderr (a full disk, a closed pipe) fails no Write
// and keeps nothing: memory stays bounded.
func TestLogBufferWriteErrors(t *testing.T) {
	w := countingWriter{fail: true}
	l := newLogBuffer(&w)
	l.every = time.Millisecond
	for range 10 * logBufferBytes / 20 {
		n, err := l.Write([]byte("0123456789abcdefghi\n"))
		require.NoError(t, err)
		require.Equal(t, 20, n)
		waiting, _ := l.waiting()
		require.LessOrEqual(t, waiting, logBufferBytes)
	}
	l.Close()
	_, writes := w.state()
	assert.Positive(t, writes)
	waiting, _ := l.waiting()
	assert.Zero(t, waiting)
}

// TestServeLogsWhileRunning: a request's log line reaches stderr while the server runs,
// within the flush interval, and the shutdown's lines follow it.
func TestServeLogsWhileRunning(t *testing.T) {
	addr, errb, stop := serveWith(t, []string{"--addr", "127.0.0.1:0", "--api", "pulse"}, nil)
	code := postJSON(t, "http://"+addr+"/users", `{"email":"soon@example.com"}`, map[string]string{"Authorization": "Bearer demo-token", "x-account-id": "2311"})
	require.Equal(t, 201, code)
	require.Eventually(t, func() bool {
		return strings.Contains(errb.String(), "msg=request api=pulse method=POST path=/users status=201")
	},
		5*time.Second, 10*time.Millisecond, errb.String())
	stop()
	assert.Contains(t, errb.String(), "msg=\"usermock stopped\"")
}
