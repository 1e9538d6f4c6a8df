package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/usermock/usermock/internal/render"
)

// encodedRecord is a Record as JSON: its fields, and body and response apart, so a raw JSON
// body or response (what the mock has at hand) is kept as is, without re-encoding.
type encodedRecord struct {
	meta, body, response []byte
}

func encodeRecord(rec Record) (encodedRecord, error) {
	var e encodedRecord
	var err error
	if e.body, err = rawJSON(rec.Body); err != nil {
		return e, fmt.Errorf("encode record body: %w", err)
	}
	if e.response, err = rawJSON(rec.Response); err != nil {
		return e, fmt.Errorf("encode record response: %w", err)
	}
	if e.meta, err = appendMeta(make([]byte, 0, 256), &rec); err != nil {
		return e, fmt.Errorf("encode record: %w", err)
	}
	return e, nil
}

// appendMeta encodes a record's fields but its body and response, as json.Marshal would
// (the same members, omitted when empty), without reflection: it runs on every create.
func appendMeta(b []byte, rec *Record) ([]byte, error) {
	b = append(b, `{"api":`...)
	b = render.AppendString(b, rec.API)
	b = append(b, `,"operation":`...)
	b = render.AppendString(b, rec.Operation)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, rec.Seq, 10)
	if rec.Seeded {
		b = append(b, `,"seeded":true`...)
	}
	if rec.Collection != "" {
		b = append(b, `,"collection":`...)
		b = render.AppendString(b, rec.Collection)
	}
	if rec.Key != "" {
		b = append(b, `,"key":`...)
		b = render.AppendString(b, rec.Key)
	}
	if rec.Fixture {
		b = append(b, `,"fixture":true`...)
	}
	b = append(b, `,"createdAt":"`...)
	b = rec.CreatedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","body":null`...)
	var err error
	for _, m := range []struct {
		name string
		v    map[string]any
	}{{"header", rec.Header}, {"credential", rec.Credential}} {
		if len(m.v) == 0 {
			continue
		}
		b = append(b, `,"`...)
		b = append(b, m.name...)
		b = append(b, `":{`...)
		if b, err = appendMap(b, m.v); err != nil {
			return nil, err
		}
		b = append(b, '}')
	}
	if len(rec.Claims) > 0 {
		b = append(b, `,"claims":[`...)
		for i, c := range rec.Claims {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"rule":`...)
			b = render.AppendString(b, c.Rule)
			b = append(b, `,"key":`...)
			b = render.AppendString(b, c.Key)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(rec.Groups) > 0 {
		b = append(b, `,"groups":[`...)
		for i, g := range rec.Groups {
			if i > 0 {
				b = append(b, ',')
			}
			b = render.AppendString(b, g)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendMap encodes a map's members in key order, as encoding/json does.
func appendMap(b []byte, m map[string]any) ([]byte, error) {
	var err error
	if len(m) == 1 { // the common case, without sorting
		for k, v := range m {
			b = render.AppendString(b, k)
			b = append(b, ':')
			return appendValue(b, v)
		}
	}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = render.AppendString(b, k)
		b = append(b, ':')
		if b, err = appendValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendValue encodes a header or credential value: decoded JSON (strings, json.Number,
// booleans, lists and objects, keys sorted) with the renderer, the rest with encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v.(type) {
	case string, json.Number, bool, nil, []any, map[string]any:
		return render.Append(b, v, nil), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

func rawJSON(v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return bytes.Clone(t), nil
	}
	return json.Marshal(v)
}

func (e encodedRecord) decode() (Record, error) {
	var rec Record
	if err := decodeNumbers(e.meta, &rec); err != nil {
		return rec, err
	}
	for _, p := range []struct {
		raw []byte
		to  *any
	}{{e.body, &rec.Body}, {e.response, &rec.Response}} {
		if p.raw != nil {
			if err := decodeNumbers(p.raw, p.to); err != nil {
				return rec, err
			}
		}
	}
	return rec, nil
}

// decodeRaw is decode with the body and response left as the JSON they are kept as
// (json.RawMessage): what reads answer, in the order they were written.
func (e encodedRecord) decodeRaw() (Record, error) {
	var rec Record
	if err := decodeNumbers(e.meta, &rec); err != nil {
		return rec, err
	}
	if e.body != nil {
		rec.Body = json.RawMessage(e.body)
	}
	if e.response != nil {
		rec.Response = json.RawMessage(e.response)
	}
	return rec, nil
}

func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
