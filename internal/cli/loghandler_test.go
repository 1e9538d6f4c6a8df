package cli

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameAsSlog checks that lineHandler writes r as slog's own handler does, in both formats.
func sameAsSlog(t *testing.T, r slog.Record) {
	t.Helper()
	for _, json := range []bool{false, true} {
		var got, want bytes.Buffer
		std := slog.Handler(slog.NewTextHandler(&want, nil))
		if json {
			std = slog.NewJSONHandler(&want, nil)
		}
		require.NoError(t, newLineHandler(&got, json).Handle(context.Background(), r.Clone()))
		_ = std.Handle(context.Background(), r.Clone())
		require.Equal(t, want.String(), got.String(), "json=%v", json)
	}
}

func TestLineHandlerWritesAsSlog(t *testing.T) {
	at := time.Date(2026, 12, 7, 15, 4, 5, 123456789, time.FixedZone("", 7*3600))
	tests := []struct {
		name  string
		time  time.Time
		level slog.Level
		msg   string
		attrs []slog.Attr
	}{
		{"request line", at, slog.LevelInfo, "request", []slog.Attr{slog.String("api", "pulse"), slog.String("method", "POST"),
			slog.String("path", "/users"), slog.Int("status", 201), slog.Float64("duration_ms", 0.123),
			slog.String("decision", "201 example=documented, the documented success for a valid request")}},
		{"quoting", at, slog.LevelWarn, "a b", []slog.Attr{slog.String("k=v", ""), slog.String("q", `say "hi"\n`),
			slog.String("ctl", "a\x00b\x1f\t\r\n"), slog.String("u", "caf\u00e9 \u2028 \u2029 \ufffd \u00a0"), slog.String("bad", "\xff\xfe"),
			slog.String("html", "<a href='x'>&</a>"), slog.String("back\\slash", `C:\x`)}},
		{"numbers", at, slog.LevelError + 2, "n", []slog.Attr{slog.Float64("tiny", 1e-7), slog.Float64("huge", 1e21), slog.Float64("big", 1e20),
			slog.Float64("neg0", math.Copysign(0, -1)), slog.Float64("e", 1.5e-300), slog.Float64("max", math.MaxFloat64),
			slog.Int64("min", math.MinInt64), slog.Uint64("u", math.MaxUint64), slog.Bool("t", true), slog.Bool("f", false)}},
		{"text NaN, json delegated", at, slog.LevelInfo, "nan", []slog.Attr{slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(-1))}},
		{"no time", time.Time{}, slog.LevelDebug - 1, "", nil},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "far", nil},
		{"delegated kinds", at, slog.LevelInfo, "other", []slog.Attr{slog.Duration("d", time.Second), slog.Time("t", at),
			slog.Any("err", errors.New("boom")), slog.Group("g", slog.Int("a", 1)), {}, slog.Int("", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := slog.NewRecord(tt.time, tt.level, tt.msg, 0)
			r.AddAttrs(tt.attrs...)
			sameAsSlog(t, r)
		})
	}
}

// TestLineHandlerKeepsSlogsOptions: With and Enabled are slog's own.
func TestLineHandlerKeepsSlogsOptions(t *testing.T) {
	var got bytes.Buffer
	h := newLineHandler(&got, false)
	assert.False(t, h.Enabled(context.Background(), slog.LevelDebug))
	assert.True(t, h.Enabled(context.Background(), slog.LevelInfo))
	slog.New(h).With("replica", 2).WithGroup("g").Info("hi", "a", 1)
	assert.Regexp(t, `^time=\S+ level=INFO msg=hi replica=2 g.a=1\n$`, got.String())
}

// FuzzLineHandler: for any strings and numbers, lineHandler writes what slog writes.
func FuzzLineHandler(f *testing.F) {
	f.Add(int64(1796655845123456789), 0, "request", "api", "pulse", int64(201), 0.123, true)
	f.Add(int64(0), 4, "", "k=v", "a \"b\"\n\xff\u2028", int64(-1), 1e-7, false)
	f.Add(int64(-62135596800000000), -4, "é", " ", "\\", int64(math.MaxInt64), 1e21, true)
	f.Fuzz(func(t *testing.T, unixNano int64, level int, msg, key, s string, i int64, x float64, ok bool) {
		r := slog.NewRecord(time.Unix(0, unixNano).In(time.FixedZone("", (level%24)*1800)), slog.Level(level), msg, 0)
		r.AddAttrs(slog.String(key, s), slog.Int64("i", i), slog.Float64(key+"f", x), slog.Bool("ok", ok), slog.Uint64("u", uint64(i)))
		sameAsSlog(t, r)
	})
}

func BenchmarkRequestLine(b *testing.B) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("api", "pulse"), slog.String("method", "POST"), slog.String("path", "/users"), slog.Int("status", 201),
		slog.Float64("duration_ms", 0.123), slog.String("decision", "201 example=documented, the documented success for a valid request"))
	for _, c := range []struct {
		name string
		h    slog.Handler
	}{
		{"slog-text", slog.NewTextHandler(discard{}, nil)}, {"line-text", newLineHandler(discard{}, false)},
		{"slog-json", slog.NewJSONHandler(discard{}, nil)}, {"line-json", newLineHandler(discard{}, true)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.h.Handle(context.Background(), r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
