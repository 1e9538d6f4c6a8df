package mocks

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v6"

	"github.com/usermock/usermock/internal/apispec"
)

// generator makes up ids, serials and timestamps. It is seeded, and its faker is shared
// behind a lock, so the same seed and the same requests give the same bytes.
type generator struct {
	mu     sync.Mutex
	faker  *gofakeit.Faker
	buf    []byte // for regex values, under mu
	now    func() time.Time
	second atomic.Pointer[formattedSecond] // the last second nowText formatted
}

func (g *generator) generate(gen *apispec.Generator, seq int64) any {
	switch gen.Name {
	case "seq":
		start, _ := strconv.ParseInt(gen.Arg, 10, 64)
		if gen.Arg == "" {
			start = 1
		}
		return start + seq - 1
	case "now":
		return g.nowText()
	case "now.unix":
		return g.now().Unix()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch gen.Name {
	case "objectid":
		return fmt.Sprintf("%08x%016x", uint32(g.now().Unix()), g.faker.Uint64())
	case "uuid":
		return g.faker.UUID()
	case "regex":
		g.buf = gen.Regex.Generate(g.faker.Rand, g.buf[:0])
		return string(g.buf)
	}
	return nil
}

// nowText is the time in RFC 3339, to the second: formatted once a second, not per echo.
func (g *generator) nowText() string {
	t := g.now().UTC()
	if c := g.second.Load(); c != nil && c.unix == t.Unix() {
		return c.text
	}
	c := &formattedSecond{unix: t.Unix(), text: t.Format(time.RFC3339)}
	g.second.Store(c)
	return c.text
}

type formattedSecond struct {
	unix int64
	text string
}

// resolve evaluates an echo source; ok is false when it names nothing and has no fallback.
func (g *generator) resolve(src *apispec.Source, ctx evalContext, seq int64) (any, bool) {
	switch {
	case src.IsLiteral:
		return src.Literal, true
	case src.Gen != nil:
		return g.generate(src.Gen, seq), true
	}
	if v, ok := src.Path.Lookup(ctx); ok {
		return v, true
	}
	if src.Fallback != nil {
		return g.resolve(src.Fallback, ctx, seq)
	}
	return nil, false
}

// intn is a seeded random integer in [0, n).
func (g *generator) intn(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.faker.IntRange(0, n-1)
}

// chance is true with probability p, decided by the seeded generator so that runs repeat.
func (g *generator) chance(p float64) bool {
	if p >= 1 {
		return true
	}
	if p <= 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.faker.Float64Range(0, 1) < p
}
