package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable wraps a failure to reach the record store (Redis down or unreachable): the
// change was not applied, or its outcome is unknown and a retry is refused by the store's own
// checks; the mock answers 503.
var ErrUnavailable = errors.New("record store unavailable")

// DefaultRedisPrefix starts every key the Redis store writes.
const DefaultRedisPrefix = "usermock:"

// redisTimeout bounds every call to Redis: a request waits at most this long for a Redis that
// is gone before it gets its 503.
const redisTimeout = 2 * time.Second

// staleRetries bounds how often an operation is redone after a reset or a concurrent change
// of its record slipped between its read and its write.
const staleRetries = 16

// Redis is a Store in one Redis database, shared by every replica that opens it with the same
// prefix. Each create, update, delete and reset is a Lua script: Redis runs it alone, so two
// replicas can never both take a unique key. A create takes its sequence number in one script,
// renders its response (Finish) in Go and stores it in a second script that checks every claim,
// limit and key again: when another create took them in between, that sequence number is
// lost (ids have a gap), never given twice.
type Redis struct {
	c      *redis.Client
	prefix string
	// keep and keepBytes bound, per API, the records whose payload is kept, by count and by
	// bytes (0: no bound), as NewMemoryKeeping and SetKeepBytes do in memory.
	keep, keepBytes int

	mu  sync.Mutex
	err error // the last failure to reach Redis, nil after a success
}

// OpenRedis connects to the Redis database rawURL names (redis://[user:pass@]host:port/db, or
// rediss:// for TLS), keeping keys under prefix. It fails when Redis does not answer.
func OpenRedis(rawURL, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url %q: %w (want redis://HOST:PORT/DB or rediss://HOST:PORT/DB)", rawURL, err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = redisTimeout, redisTimeout, redisTimeout
	// A script that ran but whose answer was lost must not run again: the store's own checks
	// answer the client's retry instead.
	opt.MaxRetries = -1
	r := &Redis{c: redis.NewClient(opt), prefix: prefix}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := r.c.Ping(ctx).Err(); err != nil {
		r.c.Close()
		return nil, fmt.Errorf("redis %s: %w", opt.Addr, err)
	}
	return r, nil
}

// SetKeep bounds, per API, the records whose body and response are kept in Redis: the most
// recent records (0: all) within keepBytes bytes of payload (0: no bound). Older records keep
// their unique keys and their place in limits, as in memory. Set it before the first create.
func (r *Redis) SetKeep(records, keepBytes int) {
	r.keep, r.keepBytes = max(records, 0), max(keepBytes, 0)
}

// Dropped returns how many of the API's records lost their payload to the keep bounds (0
// while Redis is unreachable).
func (r *Redis) Dropped(api string) int {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	n, err := droppedScript.Run(ctx, r.c, nil, r.prefix, api).Int()
	if err != nil {
		return 0
	}
	return n
}

// run runs a script, recording whether Redis answered.
func (r *Redis) run(s *redis.Script, write bool, args ...any) ([]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	v, err := s.Run(ctx, r.c, nil, append([]any{r.prefix}, args...)...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		err = fmt.Errorf("%w: redis: %w", ErrUnavailable, err)
		if write {
			err = fmt.Errorf("%w: %w", ErrWrite, err)
		}
		r.setErr(err)
		return nil, err
	}
	r.setErr(nil)
	out, _ := v.([]any)
	return out, nil
}

func (r *Redis) setErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Err implements Store: it asks Redis, so /__health fails while Redis is down and recovers
// by itself when it is back.
func (r *Redis) Err() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.c.Ping(ctx).Err(); err != nil {
		r.setErr(fmt.Errorf("%w: redis: %w", ErrUnavailable, err))
	} else {
		r.setErr(nil)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close implements Store.
func (r *Redis) Close() error { return r.c.Close() }

// Shared reports that other processes write to this store too (replicas).
func (r *Redis) Shared() bool { return true }

// redisRecord is how a record is kept: its encoding as memory keeps it.
type redisRecord struct {
	Meta     json.RawMessage `json:"meta"`
	Body     json.RawMessage `json:"body,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
}

func marshalRecord(rec Record) (string, error) {
	e, err := encodeRecord(rec)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(redisRecord{Meta: e.meta, Body: e.body, Response: e.response})
	return string(b), err
}

func unmarshalRecord(s string) (Record, error) {
	var rr redisRecord
	if err := json.Unmarshal([]byte(s), &rr); err != nil {
		return Record{}, fmt.Errorf("decode stored record: %w", err)
	}
	e := encodedRecord{meta: rr.Meta}
	if rr.Body != nil {
		e.body = rr.Body
	}
	if rr.Response != nil {
		e.response = rr.Response
	}
	return e.decodeRaw()
}

func claimField(c Claim) string { return c.Rule + "\x00" + c.Key }

// claimArgs are claims as the scripts read them: n, then (rule, field) pairs.
func claimArgs(claims []Claim) []any {
	out := []any{len(claims)}
	for _, c := range claims {
		out = append(out, c.Rule, claimField(c))
	}
	return out
}

func limitArgs(limits []Limit) []any {
	out := []any{len(limits)}
	for _, l := range limits {
		out = append(out, l.Rule, l.Group, l.Max)
	}
	return out
}

func listArgs(items []string) []any {
	out := []any{len(items)}
	for _, s := range items {
		out = append(out, s)
	}
	return out
}

// refusal turns a script's refusal into the store's error; nil for "ok".
func refusal(out []any) error {
	if len(out) == 0 {
		return errors.New("redis script: empty answer")
	}
	switch out[0] {
	case "ok":
		return nil
	case "conflict":
		rules := make([]string, 0, len(out)-1)
		for _, v := range out[1:] {
			rules = append(rules, fmt.Sprint(v))
		}
		return &ConflictError{Rule: rules[0], Rules: rules}
	case "limit":
		max, _ := strconv.Atoi(fmt.Sprint(out[2]))
		return &LimitError{Rule: fmt.Sprint(out[1]), Max: max}
	case "stale":
		return errStale
	}
	return fmt.Errorf("redis script: unexpected answer %v", out)
}

// errStale: a reset or another change came between an operation's read and its write.
var errStale = errors.New("stale")

// Create implements Store.
func (r *Redis) Create(rec Record, limits []Limit, finish Finish) (Record, error) {
	return r.create("", rec, limits, finish)
}

// create runs a create in generation gen of rec.API, or in the live one when gen is "".
func (r *Redis) create(gen string, rec Record, limits []Limit, finish Finish) (Record, error) {
	seeded := "0"
	if rec.Seeded {
		seeded = "1"
	}
	for range staleRetries {
		args := append([]any{rec.API, gen, seeded}, claimArgs(rec.Claims)...)
		out, err := r.run(reserveScript, true, append(args, limitArgs(limits)...)...)
		if err != nil {
			return Record{}, err
		}
		if err := refusal(out); err != nil {
			return Record{}, err
		}
		g := fmt.Sprint(out[1])
		rec.Seq, _ = strconv.ParseInt(fmt.Sprint(out[2]), 10, 64)
		if finish != nil {
			resp, key, err := finish(rec.Seq)
			if err != nil {
				return Record{}, err
			}
			rec.Response, rec.Key = resp, key
		}
		enc, err := marshalRecord(rec)
		if err != nil {
			return Record{}, err
		}
		check := "1"
		if gen != "" {
			check = "0" // a staged generation is not live yet
		}
		args = append([]any{rec.API, g, check, rec.Seq, enc, rec.Collection, rec.Key}, claimArgs(rec.Claims)...)
		args = append(append(args, limitArgs(limits)...), listArgs(rec.Groups)...)
		out, err = r.run(insertScript, true, append(args, r.keep, r.keepBytes)...)
		if err != nil {
			return Record{}, err
		}
		if len(out) > 0 && out[0] == "keytaken" {
			return Record{}, &KeyTakenError{Key: rec.Key}
		}
		if err := refusal(out); !errors.Is(err, errStale) {
			if err != nil {
				return Record{}, err
			}
			return rec, nil
		}
	}
	return Record{}, fmt.Errorf("create in %s: the API was reset %d times during the create", rec.API, staleRetries)
}

// lookup returns the live generation, the record's sequence number and its stored form.
func (r *Redis) lookup(api, collection, key string) (gen string, seq string, raw string, err error) {
	out, err := r.run(getScript, false, api, collection, key)
	if err != nil {
		return "", "", "", err
	}
	if len(out) < 3 {
		return "", "", "", ErrNotFound
	}
	return fmt.Sprint(out[0]), fmt.Sprint(out[1]), fmt.Sprint(out[2]), nil
}

// Get implements Store.
func (r *Redis) Get(api, collection, key string) (Record, error) {
	_, _, raw, err := r.lookup(api, collection, key)
	if err != nil {
		return Record{}, err
	}
	return unmarshalRecord(raw)
}

// List implements Store.
func (r *Redis) List(api, collection string, offset, limit int) ([]Record, int, error) {
	out, err := r.run(listScript, false, api, collection, max(offset, 0), limit)
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return nil, 0, errors.New("redis list: empty answer")
	}
	total, _ := out[0].(int64)
	recs := make([]Record, 0, len(out)-1)
	for _, v := range out[1:] {
		rec, err := unmarshalRecord(fmt.Sprint(v))
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, rec)
	}
	return recs, int(total), nil
}

// Records implements Store; it answers nothing while Redis is unreachable.
func (r *Redis) Records(api string) []Record {
	out, err := r.run(recordsScript, false, api)
	if err != nil {
		return nil
	}
	recs := make([]Record, 0, len(out))
	for _, v := range out {
		if rec, err := unmarshalRecord(fmt.Sprint(v)); err == nil {
			recs = append(recs, rec)
		}
	}
	return recs
}

// Update implements Store: change runs in Go on the record as read, and the script stores
// its result only if the record is still the one read (else it is read and changed again).
func (r *Redis) Update(api, collection, key string, change Change) (Record, error) {
	return r.readModifyWrite("update", api, collection, key, updateScript, func(gen, seq, raw string, old Record) (Record, []any, error) {
		rec, err := change(old)
		if err != nil {
			return Record{}, nil, err
		}
		rec.keepIdentity(old)
		enc, err := marshalRecord(rec)
		if err != nil {
			return Record{}, nil, err
		}
		args := append([]any{api, gen, seq, raw, enc}, oldArgs(old)...)
		return rec, append(append(args, claimArgs(rec.Claims)...), listArgs(rec.Groups)...), nil
	})
}

// readModifyWrite reads a record, lets write build the new record and the script's
// arguments from it, and runs script, which refuses as stale when the record changed since
// it was read: then it starts over, a few times.
func (r *Redis) readModifyWrite(op, api, collection, key string, script *redis.Script,
	write func(gen, seq, raw string, old Record) (Record, []any, error)) (Record, error) {
	for range staleRetries {
		gen, seq, raw, err := r.lookup(api, collection, key)
		if err != nil {
			return Record{}, err
		}
		old, err := unmarshalRecord(raw)
		if err != nil {
			return Record{}, err
		}
		rec, args, err := write(gen, seq, raw, old)
		if err != nil {
			return Record{}, err
		}
		out, err := r.run(script, true, args...)
		if err != nil {
			return Record{}, err
		}
		if err := refusal(out); !errors.Is(err, errStale) {
			if err != nil {
				return Record{}, err
			}
			return rec, nil
		}
	}
	return Record{}, fmt.Errorf("%s %s %s: the record changed %d times during the %s", op, collection, key, staleRetries, op)
}

// oldArgs are a stored record's claims (n, fields) and groups (n, groups).
func oldArgs(old Record) []any {
	fields := make([]string, len(old.Claims))
	for i, c := range old.Claims {
		fields[i] = claimField(c)
	}
	return append(listArgs(fields), listArgs(old.Groups)...)
}

// Delete implements Store.
func (r *Redis) Delete(api, collection, key string) (Record, error) {
	return r.readModifyWrite("delete", api, collection, key, deleteScript, func(gen, seq, raw string, old Record) (Record, []any, error) {
		return old, append([]any{api, gen, seq, raw, collection, key}, oldArgs(old)...), nil
	})
}

// globEscape quotes the pattern characters of SCAN MATCH.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
