package fake

import (
	"fmt"
	"math/rand"
	"regexp/syntax"
	"unicode/utf8"
)

// Regex is a regular expression parsed once for generating strings that match it, as
// gofakeit's Faker.Regex does: the same parse (syntax.Perl, not simplified), the same random
// draws in the same order and so the same strings from the same seed, including gofakeit's
// own error text when it gives up. Faker.Regex parses the expression and builds a string per
// node on every call; a mock making a serial per create does that once at load.
type Regex struct {
	re    *syntax.Regexp
	limit int // gofakeit's output limit: 100 bytes per byte of the expression
}

// CompileRegex parses expr as gofakeit would.
func CompileRegex(expr string) (*Regex, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return &Regex{re: re, limit: len(expr) * 100}, nil
}

// errLimit is the panic gofakeit's generator raises, and answers as its result, when an
// output grows past the limit.
const errLimit = "Length limit reached when generating output"

// allChars are the characters gofakeit picks from for '.' and for negated classes.
const allChars = "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "0123456789" + "@#$%&?|!(){}<>=*+-_:;,." + " "

// Generate appends a string matching x, drawn from r, to dst. A Regex is read only, so one
// may be used by many goroutines, each with its own r.
func (x *Regex) Generate(r *rand.Rand, dst []byte) (out []byte) {
	start := len(dst)
	defer func() {
		// gofakeit recovers its panics (the limit, or Intn of a class with nothing to pick)
		// and answers their text.
		if p := recover(); p != nil {
			out = append(dst[:start], fmt.Sprint(p)...)
		}
	}()
	return generate(r, x.re, x.limit, dst)
}

// generate is gofakeit's regexGenerate writing into one buffer: every limit it passes down
// is the same (limit less what this node has written so far) and so is every draw.
func generate(r *rand.Rand, re *syntax.Regexp, limit int, dst []byte) []byte {
	if limit <= 0 {
		panic(errLimit)
	}
	start := len(dst)
	written := func() int { return len(dst) - start }
	switch re.Op {
	case syntax.OpLiteral:
		for _, ru := range re.Rune {
			dst = utf8.AppendRune(dst, ru)
		}
	case syntax.OpCharClass:
		sum := 0
		for i := 0; i < len(re.Rune); i += 2 {
			sum += int(re.Rune[i+1]-re.Rune[i]) + 1
			if re.Rune[i+1] == utf8.MaxRune {
				sum = -1
				break
			}
		}
		if sum == -1 {
			var chars []byte
			for j := 0; j < len(allChars); j++ {
				c := allChars[j]
				for i := 0; i < len(re.Rune); i += 2 {
					if rune(c) >= re.Rune[i] && rune(c) <= re.Rune[i+1] {
						chars = append(chars, c)
						break
					}
				}
			}
			if len(chars) > 0 {
				return append(dst, chars[r.Intn(len(chars))])
			}
		}
		n := r.Intn(sum) // panics for sum -1, as gofakeit's does
		var ru rune
		sum = 0
		for i := 0; i < len(re.Rune); i += 2 {
			gap := int(re.Rune[i+1]-re.Rune[i]) + 1
			if sum+gap > n {
				ru = re.Rune[i] + rune(n-sum)
				break
			}
			sum += gap
		}
		dst = utf8.AppendRune(dst, ru)
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		dst = append(dst, allChars[r.Int63()%int64(len(allChars))])
	case syntax.OpCapture:
		dst = generate(r, re.Sub[0], limit, dst)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		lo, hi := 0, 10
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		}
		// gofakeit draws the count again before every repetition.
		for i := 0; i < intRange(r, lo, hi); i++ {
			for _, sub := range re.Sub {
				dst = generate(r, sub, limit-written(), dst)
			}
		}
	case syntax.OpRepeat:
		hi := min(re.Max, 10)
		count := 0
		if hi > re.Min {
			count = r.Intn(hi - re.Min + 1)
		}
		for i := 0; i < re.Min || i < re.Min+count; i++ {
			for _, sub := range re.Sub {
				dst = generate(r, sub, limit-written(), dst)
			}
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			dst = generate(r, sub, limit-written(), dst)
		}
	case syntax.OpAlternate:
		dst = generate(r, re.Sub[intRange(r, 0, len(re.Sub)-1)], limit, dst)
	}
	// The rest (no match, empty match, anchors, word boundaries) generate nothing.
	return dst
}

// intRange is gofakeit's randIntRange for the small ranges generate uses.
func intRange(r *rand.Rand, lo, hi int) int {
	if lo == hi {
		return lo
	}
	return lo + int(r.Int63n(int64(hi-lo+1)))
}
