package fake

import (
	"regexp"
	"testing"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameAsGofakeit checks that Regex makes, draw for draw, what gofakeit's Faker.Regex makes
// from the same seed: the strings served before Regex existed stay the same.
func sameAsGofakeit(t *testing.T, expr string, seed int64, n int) {
	t.Helper()
	x, err := CompileRegex(expr)
	if err != nil {
		t.Skip("not a regular expression")
	}
	want, got := gofakeit.New(seed), gofakeit.New(seed)
	var buf []byte
	for i := 0; i < n; i++ {
		w := want.Regex(expr)
		buf = x.Generate(got.Rand, buf[:0])
		require.Equal(t, w, string(buf), "%q, seed %d, value %d", expr, seed, i)
	}
	// And the sources are in the same state afterwards.
	assert.Equal(t, want.Uint64(), got.Uint64(), "%q: draws after %d values", expr, n)
}

func TestRegexSameAsGofakeit(t *testing.T) {
	for _, expr := range []string{
		`[A-Z0-9]{16}`, `[1-9][0-9]{5}`, `[a-f0-9]{8}`, `EMP-[0-9]{3,6}`, `(foo|bar|baz)-\d+`,
		`a*b+c?`, `x{2,}`, `[^a-z]{4}`, `.{3}`, `(?s).{2}`, `[^\x00-\x{10FFFF}]`, `^ab$\b`,
		`héllo[é-ë]`, `(?i)abc`, `(a(b(c)))`, `a{0}`, `[a-c]{1,3}|z`, `.*.*.*.*.*.*`,
		`(((a{10}){10}){10}){10}`, `\pL{3}`, ``, `[\x{D800}-\x{DFFF}]`,
	} {
		for _, seed := range []int64{1, 2, 42, -7} {
			sameAsGofakeit(t, expr, seed, 50)
		}
	}
}

func TestRegexMatches(t *testing.T) {
	x, err := CompileRegex(`[A-Z0-9]{16}`)
	require.NoError(t, err)
	whole := regexp.MustCompile(`^[A-Z0-9]{16}$`)
	f := gofakeit.New(3)
	buf := []byte("serial:")
	for i := 0; i < 100; i++ {
		buf = x.Generate(f.Rand, buf[:7])
		require.Equal(t, "serial:", string(buf[:7]), "what was in dst stays")
		require.Regexp(t, whole, string(buf[7:]))
	}
	_, err = CompileRegex(`[a-`)
	assert.Error(t, err)
}

func FuzzRegexSameAsGofakeit(f *testing.F) {
	for _, s := range []string{`[A-Z0-9]{16}`, `(a|b)*c+`, `[^a]`, `.{2,4}`, `x{3,}`} {
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, expr string, seed int64) {
		if len(expr) > 64 {
			return // gofakeit's limit grows with the expression; long ones only take time
		}
		if seed == 0 {
			seed = 1 // gofakeit.New(0) seeds from crypto/rand
		}
		sameAsGofakeit(t, expr, seed, 3)
	})
}

func BenchmarkRegex(b *testing.B) {
	const expr = `[A-Z0-9]{16}`
	b.Run("gofakeit", func(b *testing.B) {
		f := gofakeit.New(1)
		b.ReportAllocs()
		for b.Loop() {
			_ = f.Regex(expr)
		}
	})
	b.Run("compiled", func(b *testing.B) {
		f := gofakeit.New(1)
		x, _ := CompileRegex(expr)
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = x.Generate(f.Rand, buf[:0])
			_ = string(buf)
		}
	})
}
