package cli

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// textLog writes what slog's TextHandler writes, for every record: the request log's, odd
// strings and numbers, and the kinds it hands to slog itself.
func TestTextLogMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 24, 8, 4, 46, 987654321, time.FixedZone("x", -4*3600))
	odd := []string{"", "plain", "two words", "a=b", `q"uote`, `back\slash`, "tab\there", "nl\nx", "\x7f", "\x00",
		"é", "\u00a0", "\u2028", "\xff", "日本", "😀", "<&>", "-", "1.5"}
	var records []slog.Record
	for _, s := range odd {
		r := slog.NewRecord(at, slog.LevelInfo, s, 0)
		r.AddAttrs(slog.String(s, s), slog.String("k", s))
		records = append(records, r)
	}
	r := slog.NewRecord(at, slog.LevelWarn, "request", 0)
	r.AddAttrs(slog.String("api", "pulse"), slog.String("method", "POST"), slog.String("path", "/users"),
		slog.Int("status", 201), slog.Float64("duration_ms", 0.123), slog.Float64("big", 1e21), slog.Float64("tiny", 1e-7),
		slog.Bool("ok", true), slog.String("decision", "201 example=documented, the documented success for a valid request"))
	records = append(records, r)
	r = slog.NewRecord(time.Time{}, slog.LevelError, "no time", 0)
	r.AddAttrs(slog.Attr{}, slog.Int64("n", -3))
	records = append(records, r)
	r = slog.NewRecord(at, slog.LevelInfo, "slow kinds", 0)
	r.AddAttrs(slog.Duration("d", time.Second), slog.Any("err", errors.New("boom")), slog.Group("g", slog.String("a", "b")))
	records = append(records, r)
	for _, r := range records {
		var want, got bytes.Buffer
		require.NoError(t, slog.NewTextHandler(&want, nil).Handle(context.Background(), r.Clone()))
		require.NoError(t, newTextLog(&got).Handle(context.Background(), r.Clone()))
		require.Equal(t, want.String(), got.String())
	}
	var want, got bytes.Buffer
	slog.New(slog.NewTextHandler(&want, nil)).With("api", "crm").Info("derived", "n", 1)
	slog.New(newTextLog(&got)).With("api", "crm").Info("derived", "n", 1)
	require.Equal(t, stripTime(want.String()), stripTime(got.String()))
}

func stripTime(s string) string {
	if i := bytes.IndexByte([]byte(s), ' '); i > 0 {
		return s[i:]
	}
	return s
}

func BenchmarkRequestLog(b *testing.B) {
	for name, h := range map[string]slog.Handler{"slog": slog.NewTextHandler(discard{}, nil), "textLog": newTextLog(discard{})} {
		b.Run(name, func(b *testing.B) {
			l := slog.New(h)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("api", "pulse"), slog.String("method", "POST"),
					slog.String("path", "/users"), slog.Int("status", 201), slog.Float64("duration_ms", 0.123),
					slog.String("decision", "201 example=documented, the documented success for a valid request"))
			}
		})
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
