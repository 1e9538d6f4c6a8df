package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// A log line is tab-separated JSON segments, the CRC-32C of everything before the last tab in
// 8 hex digits, and a newline:
//
//	{"op":"create"}<TAB>{"api":"a","seq":1,...}<TAB>{"name":"x"}<TAB>{"id":1}<TAB>1a2b3c4d
//
// The first segment names the change ({"op":"reset","api":"a"}); each record follows as three
// segments, as memory keeps it: its fields (JSON of Record without body and response), its body
// and its response (empty when absent). A reset carries the records its reseed stored, a
// delete only the fields. Compact JSON never holds a raw tab or newline, so the segments are
// unambiguous, and replay keeps bodies and responses as read instead of decoding them.
// Files written before framing hold one JSON object per line, without checksum; they are
// still read.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// lineHead is the first segment of a line.
type lineHead struct {
	Op  string `json:"op"` // create, update, delete or reset
	API string `json:"api,omitempty"`
}

// encodeLine encodes one change as a framed line.
func encodeLine(head lineHead, recs []encodedRecord) ([]byte, error) {
	h, err := json.Marshal(head)
	if err != nil {
		return nil, fmt.Errorf("encode state line: %w", err)
	}
	var b bytes.Buffer
	b.Write(h)
	for _, e := range recs {
		b.WriteByte('\t')
		b.Write(e.meta) // from json.Marshal: compact already
		for _, raw := range [][]byte{e.body, e.response} {
			b.WriteByte('\t')
			if raw != nil {
				if err := json.Compact(&b, raw); err != nil {
					return nil, fmt.Errorf("encode state line: %w", err)
				}
			}
		}
	}
	return appendFrame(b.Bytes()), nil
}

func appendFrame(b []byte) []byte {
	sum := crc32.Checksum(b, castagnoli)
	b = append(b, '\t')
	b = hex.AppendEncode(b, []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return append(b, '\n')
}

var errChecksum = errors.New("checksum mismatch")

// unframe returns the JSON of a line (without its newline), checking the checksum when the
// line has one (framed).
func unframe(line []byte) (js []byte, framed bool, err error) {
	const tail = 1 + 8 // tab and 8 hex digits
	if len(line) < tail || line[len(line)-tail] != '\t' {
		return line, false, nil // unframed: an older file
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[len(line)-8:]); err != nil {
		return nil, true, fmt.Errorf("bad checksum %q", line[len(line)-8:])
	}
	body := line[:len(line)-tail]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if crc32.Checksum(body, castagnoli) != want {
		return nil, true, errChecksum
	}
	return body, true, nil
}

// wireLine is a line written before framing, when a record was written whole; bodies and
// responses stay the JSON they were written as.
type wireLine struct {
	Op      string        `json:"op"`
	API     string        `json:"api,omitempty"`
	Record  *wireRecord   `json:"record,omitempty"`
	Records []*wireRecord `json:"records,omitempty"`
}

type wireRecord struct {
	Record
	Body     json.RawMessage `json:"body"`
	Response json.RawMessage `json:"response,omitempty"`
}

func (w *wireRecord) record() Record {
	rec := w.Record
	if len(w.Body) > 0 && string(w.Body) != "null" {
		rec.Body = w.Body
	}
	if len(w.Response) > 0 && string(w.Response) != "null" {
		rec.Response = w.Response
	}
	return rec
}
