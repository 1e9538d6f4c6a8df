// Package render writes decoded JSON values (map[string]any, []any, string, json.Number,
// float64, int, bool, nil) as JSON bytes in a documented key order, without reflection.
//
// Go maps have no order, so encoding/json sorts keys alphabetically; a vendor's document
// prints them in its own order, and snapshot tests compare bytes. An Order, built once at
// start-up from the spec's YAML, says for each object which keys come first; keys it does not
// name follow, sorted, so the output is deterministic for any value.
//
// An Order node may carry a slot: a Template renders a base value with some nodes replaced
// by per-request values (echoed fields, generated ids) without copying the base.
package render

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Order is the documented key order of an object (Keys, then the rest sorted) and, by key,
// the order of nested values. Items is the order of every item of an array.
type Order struct {
	Keys     []string
	Children map[string]*Order
	Items    *Order
	// Index holds the order of particular array items, where a slot is at one index only.
	Index map[int]*Order
	// Slot, when >= 0, names the value a Template puts here instead of the base's.
	Slot int
	// known is Keys as a set, for the pass over the remaining keys; quoted is each of Keys
	// as a JSON string and a colon. Both are made by Freeze.
	known  map[string]bool
	quoted [][]byte
}

// NewOrder returns an empty order with no slot.
func NewOrder() *Order { return &Order{Slot: -1} }

// Child returns the order of the value under key, creating it (and naming the key) if needed.
func (o *Order) Child(key string) *Order {
	if c, ok := o.Children[key]; ok {
		return c
	}
	if o.Children == nil {
		o.Children = map[string]*Order{}
	}
	c := NewOrder()
	o.Children[key] = c
	o.Keys = append(o.Keys, key)
	o.known = nil
	return c
}

// Item returns the order of every item of an array, creating it if needed.
func (o *Order) Item() *Order {
	if o.Items == nil {
		o.Items = NewOrder()
	}
	return o.Items
}

// At returns the order at a path of object keys and array indexes (a decimal token selects
// Items unless the object names that key), creating nodes on the way.
func (o *Order) At(tokens []string) *Order {
	cur := o
	for _, t := range tokens {
		if _, named := cur.Children[t]; !named && isIndex(t) {
			n, _ := strconv.Atoi(t)
			cur = cur.At1(n)
			continue
		}
		cur = cur.Child(t)
	}
	return cur
}

// At1 returns the order of the array item at index n, creating it from Items if needed.
func (o *Order) At1(n int) *Order {
	if c, ok := o.Index[n]; ok {
		return c
	}
	if o.Index == nil {
		o.Index = map[int]*Order{}
	}
	c := o.Item().Clone()
	c.Slot = -1
	o.Index[n] = c
	return c
}

func isIndex(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// Merge adds the keys of other that o does not name, after o's own, recursively.
func (o *Order) Merge(other *Order) {
	if other == nil {
		return
	}
	for _, k := range other.Keys {
		o.Child(k).Merge(other.Children[k])
	}
	if other.Items != nil {
		o.Item().Merge(other.Items)
	}
}

// names reports whether the order names key k. It never writes: an Order that was not
// frozen is searched, so rendering is safe for concurrent use either way.
func (o *Order) names(k string) bool {
	if o.known != nil {
		return o.known[k]
	}
	for _, key := range o.Keys {
		if key == k {
			return true
		}
	}
	return false
}

// Freeze precomputes what rendering reads, so that an Order can be shared by goroutines.
// Call it once after the last Child, Item, At or Merge.
func (o *Order) Freeze() {
	if o == nil {
		return
	}
	o.known = make(map[string]bool, len(o.Keys))
	o.quoted = make([][]byte, len(o.Keys))
	for i, key := range o.Keys {
		o.known[key] = true
		o.quoted[i] = append(AppendString(nil, key), ':')
	}
	for _, c := range o.Children {
		c.Freeze()
	}
	for _, c := range o.Index {
		c.Freeze()
	}
	o.Items.Freeze()
}

// Append appends the JSON encoding of v to buf, objects in o's order (o may be nil).
func Append(buf []byte, v any, o *Order) []byte {
	return appendValue(buf, v, o, nil)
}

// Marshal returns the JSON encoding of v in o's order.
func Marshal(v any, o *Order) []byte { return Append(nil, v, o) }

// Absent, as a slot's value, leaves the member out of its object.
var Absent = absent{}

type absent struct{}

// Template is a base value and an order whose slots take per-request values. NewTemplate
// compiles one; a Template literal renders the same, walking the base every time.
type Template struct {
	Base  any
	Order *Order
	plan  *plan
	hint  int // the base's length and some: the buffer a rendering starts with
}

// Render appends the base value with each slot i holding slots[i] (when present[i]) instead.
func (t *Template) Render(buf []byte, slots []any, present []bool) []byte {
	ov := &overlay{values: slots, present: present}
	if t.plan != nil {
		if buf == nil {
			buf = make([]byte, 0, t.hint)
		}
		return t.plan.append(buf, ov)
	}
	return appendValue(buf, t.Base, t.Order, ov)
}

type overlay struct {
	values  []any
	present []bool
}

func (ov *overlay) get(o *Order) (any, bool) {
	if ov == nil || o == nil || o.Slot < 0 || o.Slot >= len(ov.present) || !ov.present[o.Slot] {
		return nil, false
	}
	return ov.values[o.Slot], true
}

func appendValue(buf []byte, v any, o *Order, ov *overlay) []byte {
	if sv, ok := ov.get(o); ok {
		v = sv
	}
	switch t := v.(type) {
	case nil:
		return append(buf, "null"...)
	case string:
		return AppendString(buf, t)
	case bool:
		return strconv.AppendBool(buf, t)
	case json.Number:
		if t == "" {
			return append(buf, '0')
		}
		return append(buf, t...)
	case json.RawMessage:
		if len(t) == 0 {
			return append(buf, "null"...)
		}
		return append(buf, t...)
	case float64:
		return appendFloat(buf, t)
	case int:
		return strconv.AppendInt(buf, int64(t), 10)
	case int64:
		return strconv.AppendInt(buf, t, 10)
	case uint64:
		return strconv.AppendUint(buf, t, 10)
	case map[string]any:
		return appendObject(buf, t, o, ov)
	case []any:
		buf = append(buf, '[')
		var item *Order
		if o != nil {
			item = o.Items
		}
		for i, e := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			at := item
			if o != nil && o.Index != nil {
				if c, ok := o.Index[i]; ok {
					at = c
				}
			}
			buf = appendValue(buf, e, at, ov)
		}
		return append(buf, ']')
	case []string:
		buf = append(buf, '[')
		for i, e := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendString(buf, e)
		}
		return append(buf, ']')
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return append(buf, "null"...)
		}
		return append(buf, b...)
	}
}

func appendObject(buf []byte, m map[string]any, o *Order, ov *overlay) []byte {
	buf = append(buf, '{')
	first := true
	member := func(k string, v any, child *Order) {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = AppendString(buf, k)
		buf = append(buf, ':')
		buf = appendValue(buf, v, child, ov)
	}
	named := 0 // members of m the order names
	if o != nil {
		frozen := len(o.quoted) == len(o.Keys)
		for i, k := range o.Keys {
			child := o.Children[k]
			sv, ok := ov.get(child)
			if !ok {
				sv, ok = m[k]
				if ok {
					named++
				}
			} else if _, in := m[k]; in {
				named++
			}
			if !ok || sv == Absent {
				continue
			}
			if !frozen {
				member(k, sv, child)
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, o.quoted[i]...)
			buf = appendValue(buf, sv, child, ov)
		}
	}
	if len(m) > named {
		var rest []string
		for k := range m {
			if o == nil || !o.names(k) {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			member(k, m[k], nil)
		}
	}
	return append(buf, '}')
}

func appendFloat(buf []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(buf, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.AppendFloat(buf, f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	if abs < 1e-6 || abs >= 1e21 {
		return strconv.AppendFloat(buf, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json does (HTML-safe, with
// invalid UTF-8 replaced by U+FFFD).
func AppendString(buf []byte, s string) []byte { return appendString(buf, s, &htmlSafeSet) }

// AppendStringKeepHTML is AppendString leaving <, > and & as they are, as slog's JSON
// handler and an encoding/json Encoder with SetEscapeHTML(false) do.
func AppendStringKeepHTML(buf []byte, s string) []byte { return appendString(buf, s, &safeSet) }

// safeSet and htmlSafeSet say which ASCII bytes a JSON string holds as they are.
var safeSet, htmlSafeSet = func() (safe, html [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\'
		html[c] = safe[c] && c != '<' && c != '>' && c != '&'
	}
	return safe, html
}()

func appendString(buf []byte, s string, safe *[utf8.RuneSelf]bool) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// Clone returns a deep copy of o, so that slots can be added without touching o.
func (o *Order) Clone() *Order {
	if o == nil {
		return NewOrder()
	}
	c := &Order{Keys: append([]string(nil), o.Keys...), Slot: o.Slot}
	if o.Children != nil {
		c.Children = make(map[string]*Order, len(o.Children))
		for k, v := range o.Children {
			c.Children[k] = v.Clone()
		}
	}
	if o.Items != nil {
		c.Items = o.Items.Clone()
	}
	if o.Index != nil {
		c.Index = make(map[int]*Order, len(o.Index))
		for i, v := range o.Index {
			c.Index[i] = v.Clone()
		}
	}
	return c
}
