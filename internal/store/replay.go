package store

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// A log line is the JSON of one change, a tab, the CRC-32C of the JSON in 8 hex digits, and a
// newline. The JSON never holds a raw tab or newline, so the frame is unambiguous; lines
// written before framing (JSON alone) are still read.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frame encodes l as one framed line.
func frame(l logLine) ([]byte, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("encode state line: %w", err)
	}
	return appendFrame(b), nil
}

func appendFrame(b []byte) []byte {
	sum := crc32.Checksum(b, castagnoli)
	b = append(b, '\t')
	b = hex.AppendEncode(b, []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return append(b, '\n')
}

var errChecksum = errors.New("checksum mismatch")

// unframe returns the JSON of a line (without its newline), checking the checksum when the
// line has one.
func unframe(line []byte) ([]byte, error) {
	const tail = 1 + 8 // tab and 8 hex digits
	if len(line) < tail || line[len(line)-tail] != '\t' {
		return line, nil // unframed: an older file
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[len(line)-8:]); err != nil {
		return nil, fmt.Errorf("bad checksum %q", line[len(line)-8:])
	}
	body := line[:len(line)-tail]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if crc32.Checksum(body, castagnoli) != want {
		return nil, errChecksum
	}
	return body, nil
}

// wireLine is a logLine as read back: bodies and responses stay the JSON they were written
// as, so replay does not decode and re-encode them.
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

// replayed is what replay learned about the log.
type replayed struct {
	size  int64 // bytes in the file
	good  int64 // bytes up to the end of the last good line: where appends continue
	lines int   // good lines
	notes []string
}

// replay streams the log at path into mem. A bad line (torn, bad checksum, not JSON) followed
// only by bad lines is a write cut short by a crash: it and what follows are skipped, with a
// note. A bad line followed by a good one is damage, not a crash: an error naming file:line.
func replay(path string, mem *Memory) (replayed, error) {
	var r replayed
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read state file: %w", err)
	}
	defer f.Close()
	in := bufio.NewReaderSize(f, 1<<20)
	var (
		off     int64
		n       int
		long    []byte // a line longer than the reader's buffer
		bad     error  // the first bad line, while every line after it is bad too
		badLine int
	)
	for {
		chunk, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return r, fmt.Errorf("read state file: %w", err)
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		if len(line) == 0 {
			break
		}
		n++
		off += int64(len(line))
		complete := line[len(line)-1] == '\n'
		var l wireLine
		var lerr error
		switch body := bytes.TrimRight(line, "\r\n"); {
		case len(bytes.TrimSpace(body)) == 0 && complete:
			if bad == nil {
				r.good = off
			}
			continue
		case !complete:
			lerr = errors.New("no end of line")
		default:
			js, err := unframe(body)
			if err == nil {
				err = json.Unmarshal(js, &l)
			}
			lerr = err
		}
		if lerr != nil {
			if bad == nil {
				bad, badLine = lerr, n
			}
			if !complete {
				break
			}
			continue
		}
		if bad != nil {
			return r, fmt.Errorf("%s:%d: corrupt state line: %v; the lines after it are intact, so it is damage, not a torn write (repair or delete that line, or move the file away to start empty)", path, badLine, bad)
		}
		if err := replayLine(mem, l); err != nil {
			return r, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		r.good = off
		r.lines++
	}
	r.size = off
	if bad != nil {
		r.notes = append(r.notes, fmt.Sprintf("%s:%d: skipped a torn last write (%v, %d bytes); the records before it are intact", path, badLine, bad, r.size-r.good))
	}
	return r, nil
}

// replayLine applies one logged change to mem, which no one else uses yet.
func replayLine(mem *Memory, l wireLine) error {
	switch l.Op {
	case "reset":
		mem.resetReplayed(l.API)
		for _, w := range l.Records {
			if err := apply(mem, "create", w.record()); err != nil {
				return err
			}
		}
		return nil
	case "create", "update", "delete":
		if l.Record == nil {
			return fmt.Errorf("state entry %q without a record", l.Op)
		}
		return apply(mem, l.Op, l.Record.record())
	}
	return fmt.Errorf("unknown state entry %q", l.Op)
}

// resetReplayed clears one API, or all, as a logged reset did.
func (m *Memory) resetReplayed(api string) {
	if api != "" {
		m.api(api).apiData = newAPIData()
		return
	}
	for _, a := range m.apis {
		a.apiData = newAPIData()
	}
}

// apply replays one change. An update or delete of a record that is not there (a fixture
// record, which is never persisted, or one reset since) is skipped.
func apply(mem *Memory, op string, rec Record) error {
	a := mem.api(rec.API)
	var s *stored
	if rec.Key != "" {
		s = a.index[indexKey(rec.Collection, rec.Key)]
	}
	switch {
	case op == "delete":
		if s != nil {
			a.remove(s)
		}
		return nil
	case op == "update" && s == nil:
		return nil
	}
	encoded, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	if op == "update" {
		a.replace(s, rec, encoded)
	} else {
		a.insert(rec, encoded)
	}
	return nil
}
