package mocks

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usermock/usermock/internal/apispec"
)

// paging reads a list operation's page parameters: limit-style (limit, per_page, pageSize,
// size) and offset-style (offset, skip, start) or page numbers (page, from 1).
type paging struct {
	limit, offset, page string
	defaultLimit        int
	itemsField          string
	totalPath           []string // "total", or nested as in {"meta": {"total": 3}}
}

func newPaging(op *apispec.Operation) paging {
	var p paging
	p.defaultLimit = -1
	params := append(append([]*openapi3.Parameter(nil), apispec.Parameters(op.PathItem.Parameters)...), apispec.Parameters(op.Op.Parameters)...)
	for _, prm := range params {
		if prm.In != "query" {
			continue
		}
		switch strings.ToLower(prm.Name) {
		case "limit", "per_page", "perpage", "pagesize", "page_size", "size", "count", "top", "$top":
			p.limit = prm.Name
			if prm.Schema != nil && prm.Schema.Value != nil {
				if n, ok := toInt(prm.Schema.Value.Default); ok {
					p.defaultLimit = n
				}
			}
		case "offset", "skip", "start", "$skip":
			p.offset = prm.Name
		case "page", "page_number", "pagenumber":
			p.page = prm.Name
		}
	}
	if s := op.ResponseSchema(op.Success); s != nil && !s.Type.Is("array") {
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			if ps := s.Properties[name].Value; ps != nil && ps.Type.Is("array") && p.itemsField == "" {
				p.itemsField = name
			}
		}
		p.totalPath = totalPath(s, 0)
	}
	return p
}

// window returns the offset and limit (-1: all) a list request asks for.
func (p paging) window(r *http.Request) (offset, limit int) {
	limit = p.defaultLimit
	if r.URL.RawQuery == "" {
		return 0, limit
	}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get(p.limit)); p.limit != "" && err == nil && n >= 0 {
		limit = n
	}
	if n, err := strconv.Atoi(q.Get(p.offset)); p.offset != "" && err == nil && n >= 0 {
		offset = n
	}
	if n, err := strconv.Atoi(q.Get(p.page)); p.page != "" && err == nil && n >= 1 && limit > 0 {
		offset = math.MaxInt
		if n-1 <= math.MaxInt/limit {
			offset = (n - 1) * limit
		}
	}
	return offset, limit
}

// totalPath finds the integer property that counts a list's records: at the top, else one
// object down (meta.total).
func totalPath(s *openapi3.Schema, depth int) []string {
	names := slices.Sorted(maps.Keys(s.Properties))
	for _, name := range names {
		ps := s.Properties[name].Value
		if ps == nil || !(ps.Type.Is("integer") || ps.Type.Is("number")) {
			continue
		}
		switch strings.ToLower(name) {
		case "total", "count", "totalcount", "total_count", "totalitems", "total_items", "totalelements", "totalresults", "total_results":
			return []string{name}
		}
	}
	if depth > 0 {
		return nil
	}
	for _, name := range names {
		if ps := s.Properties[name].Value; ps != nil && ps.Type.Is("object") {
			if sub := totalPath(ps, depth+1); sub != nil {
				return append([]string{name}, sub...)
			}
		}
	}
	return nil
}

// listItemPath is where, in the create's response, the record a list shows is: the whole
// response, or the envelope member holding the record's key when the list's items are the
// records themselves ({"data": {"id": 1}} listed as [{"id": 1}]).
func (o *opState) listItemPath() []string {
	c := o.creator
	if c == nil || c == o || len(c.op.Key) < 2 {
		return nil
	}
	s := o.op.ResponseSchema(o.op.Success)
	if s != nil && !s.Type.Is("array") && o.paging.itemsField != "" {
		s = s.Properties[o.paging.itemsField].Value
	}
	if s == nil || s.Items == nil || s.Items.Value == nil {
		return nil
	}
	props := apispec.AllProperties(s.Items.Value)
	if props[c.op.Key[len(c.op.Key)-1]] != nil && props[c.op.Key[0]] == nil {
		return c.op.Key[:len(c.op.Key)-1]
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch t := v.(type) {
	case float64:
		return int(t), true
	case int:
		return t, true
	case json.Number:
		n, err := t.Int64()
		return int(n), err == nil
	}
	return 0, false
}
