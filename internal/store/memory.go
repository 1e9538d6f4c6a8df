package store

import (
	"hash/maphash"
	"strings"
	"sync"
)

// Memory is a Store in memory, safe for concurrent use. Each API has its own lock.
type Memory struct {
	mu   sync.RWMutex
	apis map[string]*apiRecords
	keep int // payloads kept per API; 0 keeps all
	// keepBytes bounds, per API, the bytes of the payloads kept; 0: no bound.
	keepBytes int
	// persist, when set, makes a change durable before it becomes visible; it runs under the
	// lock of every API the change touches, so the log and memory agree on order.
	persist func(e logEntry) error
}

// logEntry is a change Memory asks persist to make durable before memory shows it.
type logEntry struct {
	op   string          // create, update, delete or reset
	api  string          // reset: the API reset, "" for every API
	recs []Record        // the record changed, or what a reset's reseed stored
	encs []encodedRecord // their encodings, as memory keeps them
}

// apiRecords is one API's records behind its lock. A reset swaps the data, never the
// apiRecords itself: a create waiting for the lock lands in the live data, after the reset.
type apiRecords struct {
	mu sync.Mutex
	apiData
	keep      int // payloads kept; 0 keeps all
	keepBytes int // bytes of payloads kept; 0 keeps all
	seeds     [2]maphash.Seed
}

// apiData is what a reset clears, and restores when its reseed fails.
type apiData struct {
	// records are kept as JSON: a created user is a few hundred bytes this way, several
	// kilobytes as decoded maps, and only reads and the admin listing decode them.
	records []*stored
	index   map[string]*stored // collection + "\x00" + key -> record, for records with a key
	claims  map[claimHash]struct{}
	groups  map[string]int
	seq     int64 // highest Seq of a created record
	low     int64 // lowest Seq of a seeded record; starts at 1 so the first seed is 0
	dropped int   // records whose payload was dropped
	bytes   int   // the kept records' encodings
}

func newAPIData() apiData {
	return apiData{claims: map[claimHash]struct{}{}, groups: map[string]int{}, index: map[string]*stored{}, low: 1}
}

// stored is one record with what the store needs to undo it: its claims and groups.
type stored struct {
	encodedRecord
	claims   []claimHash
	groups   []string
	indexKey string
}

func indexKey(collection, key string) string { return collection + "\x00" + key }

// NewMemory returns an empty in-memory store that keeps every record.
func NewMemory() *Memory { return NewMemoryKeeping(0) }

// SetKeepBytes bounds, per API, the bytes of the payloads kept (0: no bound); set it before
// the first record.
func (m *Memory) SetKeepBytes(n int) { m.keepBytes = max(n, 0) }

// NewMemoryKeeping returns an empty in-memory store that keeps the payload (body, response)
// of an API's most recent keep records only; 0 keeps all. Older records still hold their
// unique keys and count towards limits, so duplicates and limits stay exact while memory
// stays bounded however long the mock runs; they can no longer be read, changed or deleted.
func NewMemoryKeeping(keep int) *Memory {
	return &Memory{apis: map[string]*apiRecords{}, keep: max(keep, 0)}
}

func (m *Memory) api(id string) *apiRecords {
	m.mu.RLock()
	a := m.apis[id]
	m.mu.RUnlock()
	if a != nil {
		return a
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.apiLocked(id)
}

// apiLocked is api with m.mu held for writing.
func (m *Memory) apiLocked(id string) *apiRecords {
	a := m.apis[id]
	if a == nil {
		a = &apiRecords{apiData: newAPIData(), keep: m.keep, keepBytes: m.keepBytes, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
		m.apis[id] = a
	}
	return a
}

func (m *Memory) save(e logEntry) error {
	if m.persist == nil {
		return nil
	}
	return m.persist(e)
}

// Create implements Store.
func (m *Memory) Create(rec Record, limits []Limit, finish Finish) (Record, error) {
	a := m.api(rec.API)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.create(rec, limits, finish, m.saveCreate)
}

// saveCreate saves a create; without a file it builds no log entry (a copy of the record
// on the heap for every create).
func (m *Memory) saveCreate(rec Record, enc encodedRecord) error {
	if m.persist == nil {
		return nil
	}
	return m.save(logEntry{op: "create", recs: []Record{rec}, encs: []encodedRecord{enc}})
}

// create is Create with the API's lock held: save makes the record durable (or refuses it)
// before memory changes.
func (a *apiRecords) create(rec Record, limits []Limit, finish Finish, save func(Record, encodedRecord) error) (Record, error) {
	if err := a.taken(rec.Claims, nil); err != nil {
		return Record{}, err
	}
	for _, l := range limits {
		if a.groups[l.Group] >= l.Max {
			return Record{}, &LimitError{Rule: l.Rule, Max: l.Max}
		}
	}
	rec.Seq = a.seq + 1
	if rec.Seeded {
		rec.Seq = a.low - 1
	}
	if finish != nil {
		resp, key, err := finish(rec.Seq)
		if err != nil {
			return Record{}, err
		}
		rec.Response, rec.Key = resp, key
	}
	if rec.Key != "" {
		ik := indexKey(rec.Collection, rec.Key)
		_, taken := a.index[ik]
		if _, archived := a.claims[a.keyClaim(ik)]; taken || archived {
			return Record{}, &KeyTakenError{Key: rec.Key}
		}
	}
	encoded, err := encodeRecord(rec)
	if err != nil {
		return Record{}, err
	}
	if err := save(rec, encoded); err != nil {
		return Record{}, err
	}
	a.insert(rec, encoded)
	return rec, nil
}

// insert adds a record that passed its checks (or is being replayed), with its encoding.
func (a *apiRecords) insert(rec Record, encoded encodedRecord) {
	a.seq = max(a.seq, rec.Seq)
	a.low = min(a.low, rec.Seq)
	s := &stored{encodedRecord: encoded, groups: rec.Groups}
	for _, c := range rec.Claims {
		h := a.hash(c)
		a.claims[h] = struct{}{}
		s.claims = append(s.claims, h)
	}
	for _, g := range rec.Groups {
		a.groups[g]++
	}
	if rec.Key != "" {
		s.indexKey = indexKey(rec.Collection, rec.Key)
		a.index[s.indexKey] = s
	}
	a.records = append(a.records, s)
	a.bytes += s.size()
	n := 0 // the oldest records past the count or byte budget lose their payload
	for bytes := a.bytes; n < len(a.records)-1 && ((a.keep > 0 && len(a.records)-n > a.keep) || (a.keepBytes > 0 && bytes > a.keepBytes)); n++ {
		bytes -= a.records[n].size()
	}
	if n == 0 {
		return
	}
	a.dropped += n
	for _, old := range a.records[:n] {
		a.bytes -= old.size()
		if old.indexKey != "" && a.index[old.indexKey] == old {
			// The record can no longer be read, but its key stays taken, as its unique
			// values do.
			delete(a.index, old.indexKey)
			a.claims[a.keyClaim(old.indexKey)] = struct{}{}
		}
	}
	// Slicing from the front leaves less capacity each time; the append that runs out
	// copies the kept records into a new array and the old one is freed.
	clear(a.records[:n])
	a.records = a.records[n:]
}

// size is about what a kept record costs in memory.
func (s *stored) size() int {
	return 96 + len(s.meta) + len(s.body) + len(s.response) + 16*len(s.claims) + len(s.indexKey)
}

// keyClaim is the claim an archived record's key keeps once its payload is dropped.
func (a *apiRecords) keyClaim(indexKey string) claimHash {
	return a.hash(Claim{Rule: "\x00key", Key: indexKey})
}

// replace puts rec in place of s: its claims and groups move with it.
func (a *apiRecords) replace(s *stored, rec Record, encoded encodedRecord) {
	for _, h := range s.claims {
		delete(a.claims, h)
	}
	for _, g := range s.groups {
		a.groups[g]--
	}
	a.bytes -= s.size()
	s.encodedRecord, s.claims, s.groups = encoded, nil, rec.Groups
	defer func() { a.bytes += s.size() }()
	for _, c := range rec.Claims {
		h := a.hash(c)
		a.claims[h] = struct{}{}
		s.claims = append(s.claims, h)
	}
	for _, g := range rec.Groups {
		a.groups[g]++
	}
}

// remove forgets s and frees its claims and groups.
func (a *apiRecords) remove(s *stored) {
	for _, h := range s.claims {
		delete(a.claims, h)
	}
	for _, g := range s.groups {
		if a.groups[g]--; a.groups[g] <= 0 {
			delete(a.groups, g)
		}
	}
	if s.indexKey != "" && a.index[s.indexKey] == s {
		delete(a.index, s.indexKey)
	}
	for i, r := range a.records {
		if r == s {
			a.bytes -= s.size()
			a.records = append(a.records[:i], a.records[i+1:]...)
			a.records = a.records[:len(a.records):len(a.records)]
			break
		}
	}
}

// Get implements Store.
func (m *Memory) Get(api, collection, key string) (Record, error) {
	a := m.api(api)
	a.mu.Lock()
	s := a.index[indexKey(collection, key)]
	a.mu.Unlock()
	if s == nil {
		return Record{}, ErrNotFound
	}
	return s.decodeRaw()
}

// List implements Store.
func (m *Memory) List(api, collection string, offset, limit int) ([]Record, int, error) {
	a := m.api(api)
	a.mu.Lock()
	var page []encodedRecord
	total := 0
	for _, s := range a.records {
		if s.indexKey == "" || !strings.HasPrefix(s.indexKey, collection+"\x00") {
			continue
		}
		if total >= offset && (limit < 0 || len(page) < limit) {
			page = append(page, s.encodedRecord)
		}
		total++
	}
	a.mu.Unlock()
	out := make([]Record, 0, len(page))
	for _, e := range page {
		rec, err := e.decodeRaw()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, rec)
	}
	return out, total, nil
}

// Update implements Store.
func (m *Memory) Update(api, collection, key string, change Change) (Record, error) {
	a := m.api(api)
	a.mu.Lock()
	defer a.mu.Unlock()
	s, old, err := a.find(collection, key)
	if err != nil {
		return Record{}, err
	}
	rec, err := change(old)
	if err != nil {
		return Record{}, err
	}
	rec.keepIdentity(old)
	own := map[claimHash]bool{}
	for _, h := range s.claims {
		own[h] = true
	}
	if err := a.taken(rec.Claims, own); err != nil {
		return Record{}, err
	}
	encoded, err := encodeRecord(rec)
	if err != nil {
		return Record{}, err
	}
	if err := m.save(logEntry{op: "update", recs: []Record{rec}, encs: []encodedRecord{encoded}}); err != nil {
		return Record{}, err
	}
	a.replace(s, rec, encoded)
	return rec, nil
}

// find returns the record with key in collection, held under a's lock, or ErrNotFound.
func (a *apiRecords) find(collection, key string) (*stored, Record, error) {
	s := a.index[indexKey(collection, key)]
	if s == nil {
		return nil, Record{}, ErrNotFound
	}
	rec, err := s.decodeRaw()
	return s, rec, err
}

// Delete implements Store.
func (m *Memory) Delete(api, collection, key string) (Record, error) {
	a := m.api(api)
	a.mu.Lock()
	defer a.mu.Unlock()
	s, rec, err := a.find(collection, key)
	if err != nil {
		return Record{}, err
	}
	if err := m.save(logEntry{op: "delete", recs: []Record{rec}, encs: []encodedRecord{s.encodedRecord}}); err != nil {
		return Record{}, err
	}
	a.remove(s)
	return rec, nil
}

// taken returns a ConflictError naming every rule whose claim another record holds (own
// claims, a record's own when it is being replaced, do not count).
func (a *apiRecords) taken(claims []Claim, own map[claimHash]bool) error {
	var rules []string
	for _, c := range claims {
		h := a.hash(c)
		if _, held := a.claims[h]; held && !own[h] {
			rules = append(rules, c.Rule)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	return &ConflictError{Rule: rules[0], Rules: rules}
}

// claimHash is a claim reduced to 128 bits: a million unique keys take about 20 MB less
// than as strings, and two different claims collide with a probability of about 2^-128 per
// pair, far below any other failure.
type claimHash [2]uint64

func (a *apiRecords) hash(c Claim) claimHash {
	var h claimHash
	for i, seed := range a.seeds {
		var m maphash.Hash
		m.SetSeed(seed)
		m.WriteString(c.Rule)
		m.WriteByte(0)
		m.WriteString(c.Key)
		h[i] = m.Sum64()
	}
	return h
}

// Watermark is the sum over APIs of the highest record number ever created: it grows with
// every create and survives a restart from the state file, so generators seeded with it do
// not repeat the values of an earlier run.
func (m *Memory) Watermark() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var w int64
	for _, a := range m.apis {
		a.mu.Lock()
		w += a.seq
		a.mu.Unlock()
	}
	return w
}

// Dropped returns how many of the API's records no longer keep their payload.
func (m *Memory) Dropped(api string) int {
	a := m.api(api)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dropped
}

// Records implements Store.
func (m *Memory) Records(api string) []Record {
	recs, _ := m.snapshot(api, encodedRecord.decode)
	return recs
}

// Snapshot implements Store: the records and the count of dropped payloads are read under
// one lock, so they agree. Bodies and responses are the JSON they were stored as (members in
// the order sent), as reads answer them and as the Redis store lists them.
func (m *Memory) Snapshot(api string) ([]Record, int, error) {
	recs, dropped := m.snapshot(api, encodedRecord.decodeRaw)
	return recs, dropped, nil
}

func (m *Memory) snapshot(api string, decode func(encodedRecord) (Record, error)) ([]Record, int) {
	a := m.api(api)
	a.mu.Lock()
	encoded := make([]encodedRecord, len(a.records))
	for i, s := range a.records {
		encoded[i] = s.encodedRecord
	}
	dropped := a.dropped
	a.mu.Unlock()
	out := make([]Record, 0, len(encoded))
	for _, e := range encoded {
		if rec, err := decode(e); err == nil { // it was encoded by insert
			out = append(out, rec)
		}
	}
	return out, dropped
}

// Err implements Store: memory cannot fail to write.
func (m *Memory) Err() error { return nil }

// Close implements Store.
func (m *Memory) Close() error { return nil }
