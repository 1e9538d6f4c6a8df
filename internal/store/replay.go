package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

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
//
// Decoding is most of the work, so lines are read in batches, decoded by one worker per CPU,
// and applied in order here.
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

	order := make(chan *batch, 4*runtime.GOMAXPROCS(0))
	work := make(chan *batch, cap(order))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readBatches(f, order, work, stop)
	}()
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for b := range work {
				b.decode()
				close(b.done)
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)

	var (
		bad     error // the first bad line, while every line after it is bad too
		badLine int
	)
	for b := range order {
		<-b.done
		if b.err != nil {
			return r, fmt.Errorf("read state file: %w", b.err)
		}
		for i := range b.lines {
			p := &b.lines[i]
			r.size = p.end
			switch {
			case p.blank:
				if bad == nil {
					r.good = p.end
				}
				continue
			case p.err != nil:
				if bad == nil {
					bad, badLine = p.err, p.n
				}
				continue
			case bad != nil:
				return r, fmt.Errorf("%s:%d: corrupt state line: %v; the lines after it are intact, so it is damage, not a torn write (repair or delete that line, or move the file away to start empty)", path, badLine, bad)
			}
			if err := p.apply(mem); err != nil {
				return r, fmt.Errorf("%s:%d: %w", path, p.n, err)
			}
			r.good = p.end
			r.lines++
		}
	}
	if bad != nil {
		r.notes = append(r.notes, fmt.Sprintf("%s:%d: skipped a torn last write (%v, %d bytes); the records before it are intact", path, badLine, bad, r.size-r.good))
	}
	return r, nil
}

// batch is a run of lines on their way from the reader through a decoder to replay.
type batch struct {
	raw   [][]byte
	lines []parsedLine
	err   error // reading failed after these lines
	done  chan struct{}
}

// parsedLine is one decoded line.
type parsedLine struct {
	n     int   // line number
	end   int64 // offset just after it
	blank bool
	err   error // why the line is bad
	op    string
	api   string
	recs  []Record // the line's record, or its reset's records: what indexes them
	enc   []encodedRecord
}

// recordKeys are the fields of a record replay needs to index it; the rest stays JSON.
type recordKeys struct {
	API        string   `json:"api"`
	Seq        int64    `json:"seq"`
	Collection string   `json:"collection"`
	Key        string   `json:"key"`
	Claims     []Claim  `json:"claims"`
	Groups     []string `json:"groups"`
}

const batchLines = 512

// readBatches splits the log into lines and sends them in batches, to order (for replay, in
// the file's order) and to work (for the decoders), until the end of the file or stop.
func readBatches(f io.Reader, order, work chan<- *batch, stop <-chan struct{}) {
	defer close(work)
	defer close(order)
	in := bufio.NewReaderSize(f, 1<<20)
	b := &batch{done: make(chan struct{})}
	send := func() bool {
		select {
		case order <- b:
		case <-stop:
			return false
		}
		select {
		case work <- b:
		case <-stop:
			return false
		}
		b = &batch{done: make(chan struct{})}
		return true
	}
	var off int64
	n := 0
	var long []byte // a line longer than the reader's buffer
	for {
		chunk, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		if len(long) > 0 || len(chunk) > 0 {
			line := append(long, chunk...)
			long = nil
			n++
			off += int64(len(line))
			b.raw = append(b.raw, line)
			b.lines = append(b.lines, parsedLine{n: n, end: off})
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.err = err
			}
			send()
			return
		}
		if len(b.raw) == batchLines && !send() {
			return
		}
	}
}

// decode parses every line of the batch and encodes its records as the store keeps them.
func (b *batch) decode() {
	for i, raw := range b.raw {
		p := &b.lines[i]
		body, complete := bytes.CutSuffix(raw, []byte("\n"))
		body = bytes.TrimSuffix(body, []byte("\r"))
		switch {
		case len(bytes.TrimSpace(body)) == 0 && complete:
			p.blank = true
			continue
		case !complete:
			p.err = errors.New("no end of line")
			continue
		}
		js, framed, err := unframe(body)
		if err == nil && framed {
			err = p.decodeFramed(js)
		} else if err == nil {
			err = p.decodeUnframed(js)
		}
		if err != nil {
			p.err = err
			p.recs, p.enc = nil, nil
		}
	}
	b.raw = nil
}

// decodeFramed decodes a line: the record's fields, body and response are kept as read (the
// line is this line's own copy), only the keys that index it are decoded.
func (p *parsedLine) decodeFramed(js []byte) error {
	segs := bytes.Split(js, []byte{'\t'})
	var head lineHead
	if err := json.Unmarshal(segs[0], &head); err != nil {
		return fmt.Errorf("line head: %w", err)
	}
	p.op, p.api = head.Op, head.API
	rest := segs[1:]
	if len(rest)%3 != 0 {
		return fmt.Errorf("%d record segments, want 3 per record", len(rest))
	}
	for i := 0; i < len(rest); i += 3 {
		meta := rest[i]
		var k recordKeys
		if err := json.Unmarshal(meta, &k); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		p.recs = append(p.recs, Record{API: k.API, Seq: k.Seq, Collection: k.Collection, Key: k.Key, Claims: k.Claims, Groups: k.Groups})
		p.enc = append(p.enc, encodedRecord{meta: clip(meta), body: clip(rest[i+1]), response: clip(rest[i+2])})
	}
	return nil
}

// clip keeps a segment with no room to grow into the next one; empty is absent.
func clip(seg []byte) []byte {
	if len(seg) == 0 {
		return nil
	}
	return seg[:len(seg):len(seg)]
}

// decodeUnframed decodes a line of a file written before framing.
func (p *parsedLine) decodeUnframed(js []byte) error {
	var l wireLine
	if err := json.Unmarshal(js, &l); err != nil {
		return err
	}
	p.op, p.api = l.Op, l.API
	if l.Record != nil {
		l.Records = append(l.Records, l.Record)
	}
	for _, w := range l.Records {
		rec := w.record()
		e, err := encodeRecord(rec)
		if err != nil {
			return err
		}
		p.recs = append(p.recs, rec)
		p.enc = append(p.enc, e)
	}
	return nil
}

// apply applies one decoded line to mem, which no one else uses yet.
func (p *parsedLine) apply(mem *Memory) error {
	switch p.op {
	case "reset":
		mem.resetReplayed(p.api)
		for i, rec := range p.recs {
			apply(mem, "create", rec, p.enc[i])
		}
		return nil
	case "create", "update", "delete":
		if len(p.recs) != 1 {
			return fmt.Errorf("state entry %q without a record", p.op)
		}
		apply(mem, p.op, p.recs[0], p.enc[0])
		return nil
	}
	return fmt.Errorf("unknown state entry %q", p.op)
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

// apply replays one change, encoded. An update or delete of a record that is not there (a
// fixture record, which is never persisted, or one reset since) is skipped.
func apply(mem *Memory, op string, rec Record, encoded encodedRecord) {
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
	case op == "update":
		if s != nil {
			a.replace(s, rec, encoded)
		}
	default:
		a.insert(rec, encoded)
	}
}
