// Package store keeps the records created through the mock, per API. A Store's Create is the
// one place where uniqueness and limits are decided, atomically with the insert, so that
// concurrent duplicates give exactly one success.
package store

import (
	"errors"
	"fmt"
	"time"
)

// Record is one created resource: the request that created it and the response it got.
type Record struct {
	API       string `json:"api"`
	Operation string `json:"operation"`
	// Seq numbers the API's records: 1 for the first created through the API, counting up;
	// seeded records (fixtures, admin) count down from 0, so they never shift the ids the
	// documents show for the first create.
	Seq    int64 `json:"seq"`
	Seeded bool  `json:"seeded,omitempty"`
	// Collection is the concrete path of the collection the record belongs to
	// ("/users/42/widgets"), and Key what names it there (the path parameter of its item
	// path); a record without a key cannot be read, replaced or deleted.
	Collection string `json:"collection,omitempty"`
	Key        string `json:"key,omitempty"`
	// Fixture records come from the fixture files at every start; they are never persisted.
	Fixture   bool      `json:"fixture,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	Body      any       `json:"body"` // decoded JSON, or the request's raw JSON

	Header     map[string]any `json:"header,omitempty"`
	Credential map[string]any `json:"credential,omitempty"`
	Response   any            `json:"response,omitempty"` // decoded JSON, or raw JSON
	Claims     []Claim        `json:"claims,omitempty"`
	Groups     []string       `json:"groups,omitempty"`
}

// keepIdentity gives a changed record the identity of the one it replaces: the store keeps
// who a record is (API, number, key, collection, creation), a Change says what it holds.
func (rec *Record) keepIdentity(old Record) {
	rec.API, rec.Seq, rec.Seeded, rec.Fixture = old.API, old.Seq, old.Seeded, old.Fixture
	rec.Collection, rec.Key, rec.CreatedAt = old.Collection, old.Key, old.CreatedAt
}

// Claim is a unique key a record holds for a rule.
type Claim struct {
	Rule string `json:"rule"`
	Key  string `json:"key"`
}

// Limit caps how many records may share a group.
type Limit struct {
	Rule  string
	Group string
	Max   int
}

// ConflictError is returned when a claim is already held: Rule is the first rule whose key
// is taken, Rules all of them.
type ConflictError struct {
	Rule  string
	Rules []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("unique rule %q: key already taken", e.Rule)
}

// All returns every rule whose key is taken.
func (e *ConflictError) All() []string {
	if len(e.Rules) == 0 {
		return []string{e.Rule}
	}
	return e.Rules
}

// LimitError is returned when a limit is reached.
type LimitError struct {
	Rule string
	Max  int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit rule %q: %d records already", e.Rule, e.Max)
}

// ErrNoAPI is returned for an API the store does not know.
var ErrNoAPI = errors.New("unknown api")

// ErrNotFound is returned when no record has the key in the collection.
var ErrNotFound = errors.New("no such record")

// KeyTakenError is returned when a created record's key names another record already.
type KeyTakenError struct{ Key string }

func (e *KeyTakenError) Error() string {
	return fmt.Sprintf("a record with key %q exists already", e.Key)
}

// Finish builds the response of a record once its sequence number is known, and returns it
// with the record's key ("" for none); it runs inside Create's critical section, so it must
// be quick and must not call the store.
type Finish func(seq int64) (response any, key string, err error)

// Change turns a stored record into its new version (claims, groups, body and response
// recomputed); it runs inside the critical section, so it must be quick and must not call
// the store. The store keeps Seq, Key, Collection and CreatedAt.
type Change func(old Record) (Record, error)

// ErrBusy wraps a change given up after being redone too often because other changes of the
// same record (or resets of its API) kept coming between its read and its write, on a store
// shared by replicas: nothing was applied, and a retry may succeed; the mock answers 503.
var ErrBusy = errors.New("record busy")

// ErrWrite wraps a failure to make a change durable: the change was not applied and the store
// is back as it was before it; a retry may succeed. Store.Err reports it until a write succeeds.
var ErrWrite = errors.New("state file write failed")

// Tx stores records inside a Reset, under the locks the reset holds; a Store is a Tx too, for
// seeding outside a reset.
type Tx interface {
	// Create is Store.Create.
	Create(rec Record, limits []Limit, finish Finish) (Record, error)
}

// Store holds records per API.
type Store interface {
	// Create inserts rec if none of its claims is taken and no limit is reached, atomically.
	Create(rec Record, limits []Limit, finish Finish) (Record, error)
	// Get returns the record with key in collection, or ErrNotFound.
	Get(api, collection, key string) (Record, error)
	// List returns the collection's records, oldest first, from offset, at most limit of them
	// (limit < 0: all), and how many the collection holds.
	List(api, collection string, offset, limit int) ([]Record, int, error)
	// Update replaces the record with key by change(record), atomically; the new version's
	// claims must be free or held by the record itself.
	Update(api, collection, key string, change Change) (Record, error)
	// Delete forgets the record with key and frees its claims and its place in limits.
	Delete(api, collection, key string) (Record, error)
	// Records returns the API's records, oldest first (none when the store cannot be read).
	Records(api string) []Record
	// Snapshot returns the API's records, oldest first, and how many more lost their payload
	// to the keep bounds, or why the store could not be read (a shared store can fail to).
	Snapshot(api string) ([]Record, int, error)
	// Reset forgets the records of one API, or of every API when api is "", then runs reseed
	// (when not nil) with a Tx that stores the records the reset API(s) start with, as one
	// atomic operation: no other change of those APIs interleaves, and when reseed fails or
	// the reset cannot be persisted, the records are left as they were and the error returned.
	Reset(api string, reseed func(api string, tx Tx) error) error
	// Err returns why the store's last write failed, or nil when it succeeded (or none
	// failed): the store is failing until a write succeeds.
	Err() error
	// Close releases the store's resources.
	Close() error
}

// LockedError is returned when another process holds the state file.
type LockedError struct {
	Path, Lock string
	Holder     string // what the holder wrote in the lock file: its pid and start time
}

func (e *LockedError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "another process"
	}
	return fmt.Sprintf("state file %s is in use by %s (lock %s): stop that server, or give this one another state file", e.Path, holder, e.Lock)
}
