package mocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxDepth bounds nesting: deeper bodies are refused before they cost anything.
const maxDepth = 64

// checkDuplicateKeys reports an object with the same key twice (encoding/json would silently
// keep the last), nesting deeper than maxDepth, and numbers no JSON implementation of the
// vendors could hold: beyond float64, or integers beyond int64.
func checkDuplicateKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // syntax errors are reported by the real decoder, with its wording
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.isObject {
					top.wantKey = true
				}
				if len(stack) >= maxDepth {
					return fmt.Errorf("nesting deeper than %d levels", maxDepth)
				}
				stack = append(stack, &frame{keys: map[string]bool{}, isObject: t == '{', wantKey: true})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case json.Number:
			if err := checkNumber(t); err != nil {
				return err
			}
		case string:
			if top != nil && top.isObject && top.wantKey {
				if top.keys[t] {
					return fmt.Errorf("duplicate key %q", t)
				}
				top.keys[t] = true
				top.wantKey = false
				continue
			}
		}
		if top != nil && top.isObject {
			top.wantKey = true
		}
	}
}

func checkNumber(n json.Number) error {
	s := n.String()
	if strings.ContainsAny(s, ".eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("number %s is out of range", abbreviate(s))
		}
		return nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return fmt.Errorf("integer %s is out of the 64-bit range", abbreviate(s))
	}
	return nil
}

func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:20] + "..."
	}
	return s
}
