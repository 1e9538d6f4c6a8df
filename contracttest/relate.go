package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// A relation is a check across the answers of a case's steps, which the Judge, seeing one
// exchange at a time, cannot make: two creates answer different generated ids; a read
// answers what the create (or the change) answered.
type relation struct {
	kind relationKind
	a, b int // the steps whose answers are compared (b after a)
	// pointers are JSON pointer tokens into both answers; for relSame, nil compares the
	// members the two answers share.
	pointers [][]string
	// sent, for relReflects, is the body step a sent: the answer of step b must hold each of
	// its members where it has them.
	sent map[string]any
}

type relationKind int

const (
	relDiffer   relationKind = iota // the values at pointers differ between the two answers
	relSame                         // the answers agree on the members they share
	relReflects                     // step b's answer holds the values step a sent
)

// check returns the relation's failures in plain words, given the case's exchanges.
func (rl relation) check(xs []*Exchange) []string {
	if rl.a >= len(xs) || rl.b >= len(xs) {
		return nil
	}
	got, ok := decodeJSON(xs[rl.b].Body)
	if !ok {
		return nil // not JSON: the schema check says so
	}
	step := func(i int) string {
		return fmt.Sprintf("step %d (%s %s)", i+1, xs[i].Request.Method, xs[i].Request.Path)
	}
	switch rl.kind {
	case relReflects:
		var out []string
		for _, d := range differences(rl.sent, got, "") {
			out = append(out, fmt.Sprintf("%s answered %s; %s sent %s, so a read after it must reflect the change", step(rl.b), d.gotText(), step(rl.a), d.wantText()))
		}
		return out
	}
	first, ok := decodeJSON(xs[rl.a].Body)
	if !ok {
		return nil
	}
	var out []string
	switch rl.kind {
	case relDiffer:
		for _, p := range rl.pointers {
			va, okA := jsonvalue.Get(first, p)
			vb, okB := jsonvalue.Get(got, p)
			if okA && okB && va != nil && jsonvalue.Equal(va, vb) {
				out = append(out, fmt.Sprintf("two creates answered the same generated %s, %s: a generated identifier must differ between records (%s and %s)",
					jsonvalue.FormatPointer(p), compact(va), step(rl.a), step(rl.b)))
			}
		}
	case relSame:
		for _, d := range differences(first, got, "") {
			out = append(out, fmt.Sprintf("%s answered %s; %s answered %s: a read must answer the record as stored", step(rl.b), d.gotText(), step(rl.a), d.wantText()))
		}
	}
	return out
}

func decodeJSON(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// difference is one member whose value differs between what was expected and what came back.
type difference struct {
	ptr       string
	want, got any
}

func (d difference) wantText() string { return d.ptr + " = " + compact(d.want) }
func (d difference) gotText() string  { return d.ptr + " = " + compact(d.got) }

// differences lists the members of want whose value got does not hold. Objects are compared
// member by member, and only on the members got has: an answer may leave out writeOnly or
// optional members, and a read may answer fewer fields than a create.
func differences(want, got any, ptr string) []difference {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		var out []difference
		for _, k := range sortedKeys(wm) {
			gv, ok := gm[k]
			if !ok || wm[k] == nil {
				continue
			}
			out = append(out, differences(wm[k], gv, ptr+"/"+jsonvalue.FormatPointer([]string{k})[1:])...)
		}
		return out
	}
	if jsonvalue.Equal(want, got) || sameEcho(want, got, false) {
		return nil
	}
	if ptr == "" {
		ptr = "the body"
	}
	return []difference{{ptr: ptr, want: want, got: got}}
}
