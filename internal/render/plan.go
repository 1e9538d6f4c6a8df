package render

import "sort"

// A plan is a Template compiled at start-up: every part of the base that no slot can reach
// is rendered once, to bytes, so that rendering a request's answer copies them and walks only
// the objects and arrays on the way to a slot.
type plan struct {
	static  []byte // the rendering, when no slot is at or below this value
	generic bool   // a slot is here: rendered by appendValue against value and order
	value   any
	order   *Order
	object  []planMember // an object with slots below
	array   []*plan      // an array with slots below
	isArray bool
}

// planMember is one member of an object with slots below, in rendering order.
type planMember struct {
	name   []byte // the key, as a JSON string, and the colon
	child  *Order // the member's order node, when a slot is at or below it
	inBase bool   // the base holds the member
	plan   *plan  // the base's value, when inBase
}

// NewTemplate returns a Template of base and o (frozen), compiled once so that rendering
// costs little more than copying bytes. Base and o must not change afterwards.
func NewTemplate(base any, o *Order) Template {
	return Template{Base: base, Order: o, plan: compile(base, o, map[*Order]bool{}), hint: len(appendValue(nil, base, o, nil)) + 64}
}

// hasSlot reports whether a slot is at or below o.
func hasSlot(o *Order, memo map[*Order]bool) bool {
	if o == nil {
		return false
	}
	if v, ok := memo[o]; ok {
		return v
	}
	found := o.Slot >= 0 || o.slotBelow(memo)
	memo[o] = found
	return found
}

// slotBelow reports whether a slot is strictly below o.
func (o *Order) slotBelow(memo map[*Order]bool) bool {
	found := hasSlot(o.Items, memo)
	for _, c := range o.Children {
		found = found || hasSlot(c, memo)
	}
	for _, c := range o.Index {
		found = found || hasSlot(c, memo)
	}
	return found
}

// compile mirrors appendValue: it makes the same choices, ahead of time, wherever they do not
// depend on the slots' values.
func compile(v any, o *Order, memo map[*Order]bool) *plan {
	if !hasSlot(o, memo) {
		return &plan{static: appendValue(nil, v, o, nil)}
	}
	if o.Slot >= 0 {
		return &plan{generic: true, value: v, order: o}
	}
	switch t := v.(type) {
	case map[string]any:
		p := &plan{object: []planMember{}}
		for _, k := range o.Keys {
			child := o.Children[k]
			val, in := t[k]
			m := planMember{name: append(AppendString(nil, k), ':'), inBase: in}
			if hasSlot(child, memo) {
				m.child = child
			} else if !in {
				continue
			}
			if in {
				m.plan = compile(val, child, memo)
			}
			p.object = append(p.object, m)
		}
		var rest []string
		for k := range t {
			if !o.names(k) {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			p.object = append(p.object, planMember{name: append(AppendString(nil, k), ':'), inBase: true,
				plan: &plan{static: appendValue(nil, t[k], nil, nil)}})
		}
		return p
	case []any:
		p := &plan{array: make([]*plan, len(t)), isArray: true}
		for i, e := range t {
			at := o.Items
			if c, ok := o.Index[i]; ok {
				at = c
			}
			p.array[i] = compile(e, at, memo)
		}
		return p
	}
	return &plan{generic: true, value: v, order: o}
}

func (p *plan) append(buf []byte, ov *overlay) []byte {
	switch {
	case p.static != nil:
		return append(buf, p.static...)
	case p.generic:
		return appendValue(buf, p.value, p.order, ov)
	case p.isArray:
		buf = append(buf, '[')
		for i, e := range p.array {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = e.append(buf, ov)
		}
		return append(buf, ']')
	}
	buf = append(buf, '{')
	first := true
	for _, m := range p.object {
		if m.child != nil {
			if sv, ok := ov.get(m.child); ok {
				if sv != Absent {
					if !first {
						buf = append(buf, ',')
					}
					first = false
					buf = append(buf, m.name...)
					buf = appendValue(buf, sv, m.child, ov)
				}
				continue
			}
			if !m.inBase {
				continue
			}
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, m.name...)
		buf = m.plan.append(buf, ov)
	}
	return append(buf, '}')
}

// Find returns the node of o holding slot i, and whether no other slot is below it (its
// value then renders the same whatever the other slots hold). It only reads o.
func (o *Order) Find(i int) (node *Order, alone bool) {
	if o == nil {
		return nil, false
	}
	if o.Slot == i {
		return o, !o.slotBelow(map[*Order]bool{})
	}
	for _, c := range o.Children {
		if n, a := c.Find(i); n != nil {
			return n, a
		}
	}
	for _, c := range o.Index {
		if n, a := c.Find(i); n != nil {
			return n, a
		}
	}
	return o.Items.Find(i)
}
