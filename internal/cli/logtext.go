package cli

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// textLog is slog's TextHandler, byte for byte, made cheaper for the request log: one line a
// request is most of what a mock under load logs. Records whose attributes are strings,
// numbers and booleans are formatted here, into a pooled buffer; anything else (groups,
// durations, errors, derived loggers) goes to slog's own handler, writing to the same writer.
type textLog struct {
	mu   *sync.Mutex
	w    io.Writer
	slow slog.Handler
}

func newTextLog(w io.Writer) *textLog {
	mu := &sync.Mutex{}
	return &textLog{mu: mu, w: w, slow: slog.NewTextHandler(lockedWriter{mu, w}, nil)}
}

// lockedWriter serialises slog's handler with textLog's own writes.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

var logBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (h *textLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *textLog) WithAttrs(as []slog.Attr) slog.Handler { return h.slow.WithAttrs(as) }

func (h *textLog) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

func (h *textLog) Handle(ctx context.Context, r slog.Record) error {
	simple := true
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "" { // slog's rules for those (left out, or written as "") are its own
			simple = false
			return false
		}
		switch a.Value.Kind() {
		case slog.KindString, slog.KindInt64, slog.KindFloat64, slog.KindBool:
			return true
		}
		simple = false
		return false
	})
	if !simple {
		return h.slow.Handle(ctx, r)
	}
	bp := logBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	if !r.Time.IsZero() {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, r.Time.Round(0))
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = appendText(b, r.Level.String())
	b = append(b, " msg="...)
	b = appendText(b, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b = append(b, ' ')
		b = appendText(b, a.Key)
		b = append(b, '=')
		switch a.Value.Kind() {
		case slog.KindString:
			b = appendText(b, a.Value.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, a.Value.Int64(), 10)
		case slog.KindFloat64:
			b = strconv.AppendFloat(b, a.Value.Float64(), 'g', -1, 64)
		case slog.KindBool:
			b = strconv.AppendBool(b, a.Value.Bool())
		}
		return true
	})
	b = append(b, '\n')
	h.mu.Lock()
	_, err := h.w.Write(b)
	h.mu.Unlock()
	if cap(b) <= 16<<10 { // a huge line's buffer is not kept
		*bp = b
		logBuffers.Put(bp)
	}
	return err
}

// appendRFC3339Millis writes t as slog does: RFC 3339 with exactly three decimals.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the fourth decimal
}

// appendText writes s bare, or quoted as slog quotes it.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting is slog's rule: empty, a space, '=', a character JSON would escape (but '\'),
// or a rune that is not printable.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '=' || c == '"' || c < 0x20 {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
