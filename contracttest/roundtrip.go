package contracttest

import (
	"net/http"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/jsonvalue"
)

// statefulCases are the cases that compare the answers of several steps: two creates answer
// different generated identifiers; a record read back is the one created; a record replaced
// or updated, then read back, shows the change.
func (b *opBuilder) statefulCases() {
	switch b.op.Behaviour {
	case apispec.BehaviourCreate:
		b.idsDifferCase()
	case apispec.BehaviourRead:
		if b.onItem() {
			b.readBackCase()
		}
	case apispec.BehaviourReplace, apispec.BehaviourUpdate:
		if b.onItem() {
			b.changeBackCase()
		}
	}
}

// generatedPointers are the members of the operation's success answer that the server
// generates for each record: the record key, and echo entries whose value comes from an id
// generator ($uuid, $objectid, $seq, $regex) rather than from what the request sent.
func (b *opBuilder) generatedPointers(sent any) [][]string {
	var out [][]string
	seen := map[string]bool{}
	add := func(p []string) {
		if k := strings.Join(p, "\x00"); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	for _, e := range b.op.Echo {
		tokens, err := jsonvalue.ParsePointer(e.Pointer)
		if err != nil || len(tokens) == 0 {
			continue
		}
		if generatedSource(e.Source, sent) {
			add(tokens)
		}
	}
	if b.op.Key != nil {
		generated := true
		for _, e := range b.op.Echo { // a key the request sends is not generated
			if tokens, err := jsonvalue.ParsePointer(e.Pointer); err == nil && strings.Join(tokens, "/") == strings.Join(b.op.Key, "/") {
				generated = generatedSource(e.Source, sent)
			}
		}
		if generated {
			add(b.op.Key)
		}
	}
	return out
}

// generatedSource reports whether an echo source takes its value from an id generator for
// a request that sent the body given: the first source of its chain that names a value.
func generatedSource(s apispec.Source, sent any) bool {
	for src := &s; src != nil; src = src.Fallback {
		switch {
		case src.IsLiteral:
			return false
		case src.Gen != nil:
			switch src.Gen.Name {
			case "uuid", "objectid", "seq", "regex":
				return true
			}
			return false
		case src.Path.Root == "body":
			if v, ok := jsonvalue.Get(sent, src.Path.Keys); ok && v != nil {
				return false
			}
		default:
			return false // headers, credentials, records: not the server's to generate
		}
	}
	return false
}

// idsDifferCase creates two records with valid requests: the generated identifiers of the
// two answers must differ.
func (b *opBuilder) idsDifferCase() {
	if b.base == nil {
		return
	}
	first, second := b.request(b.base), b.request(b.base)
	ptrs := b.generatedPointers(first.json)
	if len(ptrs) == 0 {
		return
	}
	var names []string
	for _, p := range ptrs {
		names = append(names, jsonvalue.FormatPointer(p))
	}
	c := &Case{ID: "generated/ids-differ", Kind: Positive, constraint: "generated ids differ", setUp: true,
		Description: "two records created; their generated " + strings.Join(names, ", ") + " must differ"}
	c.Steps = []*Request{first, second}
	c.relations = []relation{{kind: relDiffer, a: 0, b: 1, pointers: ptrs}}
	b.selfCheckPositive(c)
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// sameShape reports whether two operations answer success with the same schema, so that
// their answers about one record can be compared member by member.
func sameShape(a, b *apispec.Operation) bool {
	sa, sb := a.ResponseSchema(a.Success), b.ResponseSchema(b.Success)
	return sa != nil && sa == sb
}

// readBackCase creates a record and reads it back: the read must answer what the create did.
func (b *opBuilder) readBackCase() {
	if !sameShape(b.op.Creator, b.op) {
		b.cov.add("read back", "", "the read and the create answer different schemas, so their answers are not compared")
		return
	}
	setup, err := b.setupStep()
	read := b.raw(http.MethodGet, b.header, nil)
	b.keyed(read, 0, b.op)
	c := &Case{ID: "roundtrip", Kind: Positive, constraint: "read back", setUp: true,
		Description: "a record created, then read back: the read must answer what the create did"}
	c.Steps = []*Request{setup, read}
	c.relations = []relation{{kind: relSame, a: 0, b: 1}}
	if err != nil {
		c.HarnessError = "the create that makes the record is refused by the spec: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}

// changeBackCase creates a record, replaces or updates it, and reads it back: the read must
// hold the values the change sent, and answer what the change did.
func (b *opBuilder) changeBackCase() {
	read := b.readOp()
	if read == nil || b.base == nil {
		return
	}
	setup, err := b.setupStep()
	change := b.request(b.base)
	if err == nil {
		err = b.check.acceptsSchema(change)
	}
	b.keyed(change, 0, b.op)
	rb := b.related(read)
	back := rb.raw(http.MethodGet, rb.header, nil)
	b.keyed(back, 0, read)
	back.Operation = read.ID
	sent, _ := jsonvalue.Copy(change.json).(map[string]any) // what the read must show: not the secrets
	for _, s := range change.secrets {
		jsonvalue.Delete(sent, strings.Split(s.field, "."))
	}
	c := &Case{ID: "roundtrip", Kind: Positive, constraint: "read back", setUp: true,
		Description: "a record created, " + string(b.op.Behaviour) + "d, then read back: the read must show the change"}
	c.Steps = []*Request{setup, change, back}
	c.relations = []relation{{kind: relReflects, a: 1, b: 2, sent: sent}}
	if sameShape(b.op, read) {
		c.relations = append(c.relations, relation{kind: relSame, a: 1, b: 2})
	}
	if err != nil {
		c.HarnessError = "a request of the case is refused by the spec: " + err.Error()
	}
	b.add(c)
	b.cov.add(c.constraint, c.ID, c.HarnessError)
}
