package cli

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/usermock/usermock/internal/render"
)

// lineHandler writes a record of plain attributes (strings, integers, floats, booleans,
// no groups), such as a request line, exactly as slog's TextHandler or JSONHandler would,
// byte for byte (FuzzLineHandler compares them), without their per-attribute work: the
// request log writes one line per request, and slog's JSONHandler even calls json.Marshal
// for each float. Any other record goes to slog's own handler. Each line is one Write, so
// w must be safe for concurrent use (logBuffer is).
type lineHandler struct {
	json bool
	w    io.Writer
	std  slog.Handler // slog's handler on the same writer, for everything else
}

func newLineHandler(w io.Writer, json bool) *lineHandler {
	h := &lineHandler{json: json, w: w}
	if json {
		h.std = slog.NewJSONHandler(w, nil)
	} else {
		h.std = slog.NewTextHandler(w, nil)
	}
	return h
}

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (h *lineHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.std.Enabled(ctx, l) }

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler { return h.std.WithAttrs(as) }

func (h *lineHandler) WithGroup(name string) slog.Handler { return h.std.WithGroup(name) }

func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	if !h.plain(r) {
		return h.std.Handle(ctx, r)
	}
	p := lineBuffers.Get().(*[]byte)
	b := h.appendRecord((*p)[:0], r)
	_, err := h.w.Write(b)
	if cap(b) <= 64<<10 { // a huge line's buffer is not kept
		*p = b
		lineBuffers.Put(p)
	}
	return err
}

// plain says whether r has only what appendRecord writes as slog would.
func (h *lineHandler) plain(r slog.Record) bool {
	if h.json && !r.Time.IsZero() {
		if y := r.Time.Year(); y < 0 || y >= 10000 { // slog writes an error there
			return false
		}
	}
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Kind() {
		case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindBool:
		case slog.KindFloat64:
			f := a.Value.Float64()
			ok = !h.json || !(math.IsNaN(f) || math.IsInf(f, 0)) // json.Marshal's error
		default:
			ok = false
		}
		ok = ok && a.Key != "" // slog drops some attributes without a key
		return ok
	})
	return ok
}

func (h *lineHandler) appendRecord(b []byte, r slog.Record) []byte {
	sep := ""
	key := func(k string) {
		b = append(b, sep...)
		b = h.appendString(b, k)
		if h.json {
			b = append(b, ':')
			sep = ","
		} else {
			b = append(b, '=')
			sep = " "
		}
	}
	if h.json {
		b = append(b, '{')
	}
	if !r.Time.IsZero() {
		key(slog.TimeKey)
		t := r.Time.Round(0)
		if h.json {
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		} else {
			b = appendRFC3339Millis(b, t)
		}
	}
	key(slog.LevelKey)
	b = h.appendString(b, r.Level.String())
	key(slog.MessageKey)
	b = h.appendString(b, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		key(a.Key)
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			b = h.appendString(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		case slog.KindFloat64:
			if h.json {
				b = appendJSONFloat(b, v.Float64())
			} else {
				b = strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
			}
		}
		return true
	})
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n')
}

func (h *lineHandler) appendString(b []byte, s string) []byte {
	if h.json {
		return render.AppendStringKeepHTML(b, s) // slog's escaping
	}
	if needsQuoting(s) {
		return appendQuote(b, s)
	}
	return append(b, s...)
}

// appendQuote is strconv.AppendQuote, with a fast path for printable ASCII (a request
// line's decision), which strconv reads rune by rune.
func appendQuote(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendRFC3339Millis is slog's: RFC 3339 with exactly three digits of milliseconds.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the 4th digit
}

// appendJSONFloat writes f as encoding/json does (which slog's JSONHandler calls).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// safeJSON says which ASCII bytes a JSON string holds as they are (slog's safeSet).
func safeJSON(c byte) bool { return c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf }

// needsQuoting is slog's TextHandler's test for a string it writes quoted.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != '\\' && (c == ' ' || c == '=' || !safeJSON(c)) {
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
