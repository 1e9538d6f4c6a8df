package store

import (
	"fmt"
	"slices"
)

// Reset implements Store. The API's lock is held from the clear to the end of the reseed, so a
// create either comes before the reset (and is forgotten) or after the reseed (and is kept);
// the data is cleared in place, so a create waiting for the lock lands in the live records.
// For api "" every known API is reset at once: the store's map lock, then every API's lock in
// the order of their names, so creates through any API see all of the reset or none of it.
//
// The reset and what the reseed stores are persisted as one log line, after the reseed; if the
// reseed or that write fails, every API is restored as it was and the error returned.
func (m *Memory) Reset(api string, reseed func(api string, tx Tx) error) error {
	tx := &resetTx{m: m, api: api, saved: map[*apiRecords]apiData{}}
	if api == "" {
		m.mu.Lock()
		defer m.mu.Unlock()
		names := make([]string, 0, len(m.apis))
		for id := range m.apis {
			names = append(names, id)
		}
		slices.Sort(names)
		for _, id := range names {
			tx.begin(m.apis[id])
		}
	} else {
		tx.begin(m.api(api))
	}
	defer tx.unlock()
	if reseed != nil {
		if err := reseed(api, tx); err != nil {
			tx.rollback()
			return fmt.Errorf("reseed: %w", err)
		}
	}
	if err := m.save(logEntry{op: "reset", api: api, recs: tx.created, encs: tx.encoded}); err != nil {
		tx.rollback()
		return err
	}
	return nil
}

// resetTx is the Tx a reseed stores through: the reset's locks are held, its records are
// persisted with the reset line.
type resetTx struct {
	m       *Memory
	api     string // "" when every API is reset: m.mu is held for writing
	locked  []*apiRecords
	saved   map[*apiRecords]apiData
	created []Record
	encoded []encodedRecord
}

// begin locks a, keeps its data for a rollback and clears it.
func (tx *resetTx) begin(a *apiRecords) {
	a.mu.Lock()
	tx.locked = append(tx.locked, a)
	tx.saved[a] = a.apiData
	a.apiData = newAPIData()
}

func (tx *resetTx) rollback() {
	for a, d := range tx.saved {
		a.apiData = d
	}
}

func (tx *resetTx) unlock() {
	for i := len(tx.locked) - 1; i >= 0; i-- {
		tx.locked[i].mu.Unlock()
	}
}

// Create implements Tx.
func (tx *resetTx) Create(rec Record, limits []Limit, finish Finish) (Record, error) {
	var a *apiRecords
	switch {
	case tx.api == "":
		// The map lock is held: an API the store does not know yet is made here, and is
		// unreachable by anyone else until the reset ends.
		a = tx.m.apiLocked(rec.API)
		if _, ok := tx.saved[a]; !ok {
			tx.begin(a)
		}
	case rec.API == tx.api:
		a = tx.locked[0]
	default:
		return Record{}, fmt.Errorf("reseed of api %q: cannot create a record of api %q", tx.api, rec.API)
	}
	return a.create(rec, limits, finish, func(rec Record, enc encodedRecord) error {
		tx.created = append(tx.created, rec)
		tx.encoded = append(tx.encoded, enc)
		return nil
	})
}
