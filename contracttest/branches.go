package contracttest

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// branchNegatives walks the branches of a field whose schema is a oneOf or an anyOf: from a
// value valid for one branch, it breaks each constraint of that branch (for an object
// branch, each constraint of each of its required fields, and the field left out). A
// broken value that another branch takes is no negative: the self-check keeps only the
// candidates the spec refuses, and the others are noted in the coverage.
func (b *opBuilder) branchNegatives(s *openapi3.Schema, path []string, shown string) {
	branches, keyword := s.OneOf, "oneOf"
	if len(branches) == 0 {
		branches, keyword = s.AnyOf, "anyOf"
	}
	for i, ref := range branches {
		br := ref.Value
		if br == nil {
			continue
		}
		id := fmt.Sprintf("body/%s/%s/%d/", strings.Join(path, "/"), keyword, i)
		what := fmt.Sprintf("%s (%s branch %d)", shown, keyword, i)
		valid, err := b.g.valid(br)
		if err != nil || b.g.check(s, valid) != nil {
			b.cov.add(what, "", "no value valid for the branch was found")
			continue
		}
		if !isObject(br) {
			found, _ := b.g.violations(br, valid)
			for _, v := range found {
				b.branchCase(path, v.value, id+v.keyword, what+" "+v.keyword,
					fmt.Sprintf("%s breaks %s of %s branch %d: sent %s", shown, v.what, keyword, i, compact(v.value)))
			}
			continue
		}
		obj, _ := valid.(map[string]any)
		props, required := objectView(br)
		for _, name := range required {
			p := props[name]
			if obj == nil || p == nil || p.Value == nil {
				continue
			}
			left := jsonvalue.Copy(obj).(map[string]any)
			delete(left, name)
			b.branchCase(path, left, id+name+"/required", what+" "+name+" required",
				fmt.Sprintf("%s.%s left out; %s branch %d requires it", shown, name, keyword, i))
			found, _ := b.g.violations(p.Value, obj[name])
			for _, v := range found {
				broken := jsonvalue.Copy(obj).(map[string]any)
				broken[name] = v.value
				b.branchCase(path, broken, id+name+"/"+v.keyword, what+" "+name+" "+v.keyword,
					fmt.Sprintf("%s.%s breaks %s of %s branch %d: sent %s", shown, name, v.what, keyword, i, compact(v.value)))
			}
		}
	}
}

// branchCase adds the negative case that sends value as the field at path, if the spec
// refuses it; a value another branch takes is noted in the coverage instead.
func (b *opBuilder) branchCase(path []string, value any, id, constraint, description string) {
	body := b.baseCopy()
	b.ensureParents(body, path)
	jsonvalue.Set(body, path, value)
	req := b.raw(b.op.Method, b.header, body)
	if err := b.check.rejects(req); err != nil {
		b.cov.add(constraint, "", "another branch takes the broken value, so the spec accepts it")
		return
	}
	b.negative(&Case{ID: id, constraint: constraint, field: path[0], Description: description}, req, b.fieldKinds(path)...)
}
