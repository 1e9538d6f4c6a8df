package store

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	rec.Body, rec.Response = nil, nil
	if e.meta, err = json.Marshal(rec); err != nil {
		return e, fmt.Errorf("encode record: %w", err)
	}
	return e, nil
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
