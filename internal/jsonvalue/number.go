package jsonvalue

import (
	"math/big"
	"strconv"
	"strings"
)

// canonicalNumber returns one text per numeric value of s, a JSON number: exact for every
// decimal, whatever its digits or exponent, and for values encoding/json writes for a float64
// the very text it writes (plain between 1e-6 and 1e21, else d.ddde±x), so "1", "1.0",
// "10e-1" and float64(1) all give "1", and -0 gives "0". It reports false for text that is not
// a JSON number.
func canonicalNumber(s string) (string, bool) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	start := i
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return "", false
	}
	intPart := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return "", false
		}
		frac = s[i+1 : j]
		i = j
	}
	expText, expNeg := "", false
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return "", false
		}
		expText = strings.TrimLeft(s[i:j], "0")
		i = j
	}
	if i != len(s) {
		return "", false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return "0", true
	}
	// Value = 0.digits × 10^(len(intPart without leading zeros) + exponent); written with
	// the point after the first digit, the exponent is sci.
	lead := len(intPart+frac) - len(digits) // leading zeros dropped
	shift := int64(len(intPart)) - int64(lead) - 1
	digits = strings.TrimRight(digits, "0")
	if len(expText) > 18 {
		e, _ := new(big.Int).SetString(expText, 10)
		if expNeg {
			e.Neg(e)
		}
		e.Add(e, big.NewInt(shift))
		sign := "+"
		if e.Sign() < 0 {
			sign = "-"
			e.Neg(e)
		}
		return scientific(neg, digits, sign, e.String()), true
	}
	e := int64(0)
	if expText != "" {
		e, _ = strconv.ParseInt(expText, 10, 64)
	}
	if expNeg {
		e = -e
	}
	return render(neg, digits, e+shift), true
}

// render writes digits (no leading or trailing zeros) as d.ddd × 10^sci the way encoding/json
// writes a float64: plain when 1e-6 <= |value| < 1e21, else with an exponent.
func render(neg bool, digits string, sci int64) string {
	if sci < -6 || sci > 20 {
		sign := "+"
		if sci < 0 {
			sign = "-"
			sci = -sci
		}
		return scientific(neg, digits, sign, strconv.FormatInt(sci, 10))
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if sci < 0 {
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", int(-sci-1)))
		b.WriteString(digits)
		return b.String()
	}
	whole := int(sci) + 1
	if len(digits) <= whole {
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", whole-len(digits)))
		return b.String()
	}
	b.WriteString(digits[:whole])
	b.WriteByte('.')
	b.WriteString(digits[whole:])
	return b.String()
}

func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func scientific(neg bool, digits, sign, exp string) string {
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteByte(digits[0])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('e')
	b.WriteString(sign)
	b.WriteString(exp)
	return b.String()
}
