package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable wraps a failure to reach the record store (Redis down or unreachable): the
// change was not applied, or its outcome is unknown and a retry is refused by the store's own
// checks; the mock answers 503.
var ErrUnavailable = errors.New("record store unavailable")

// ErrOutcomeUnknown wraps ErrUnavailable for a change Redis may or may not have applied: it
// was sent, no answer came, and asking again failed too. A retry may apply it twice (a create
// without a unique key) or be refused by the change itself (409 for the client's own create).
var ErrOutcomeUnknown = errors.New("outcome unknown")

// redisError is a failure to reach Redis: ErrUnavailable, ErrWrite for a change and
// ErrOutcomeUnknown when the change may have been applied.
type redisError struct {
	err            error
	write, unknown bool
}

func (e *redisError) Error() string {
	if e.unknown {
		return "record store did not answer, the change may have been applied: redis: " + e.err.Error()
	}
	return "record store unavailable: redis: " + e.err.Error()
}

func (e *redisError) Unwrap() []error {
	out := []error{ErrUnavailable, e.err}
	if e.write {
		out = append(out, ErrWrite)
	}
	if e.unknown {
		out = append(out, ErrOutcomeUnknown)
	}
	return out
}

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

	turns turns // this process's changes of one record take turns

	sweepNeeded atomic.Bool // a commit got no answer, or a collect failed: generations may be left
	watching    sync.Once
	stop        chan struct{} // closed by Close: ends the watch
	closed      sync.Once
}

// watchEvery is how often a replica checks that Redis takes writes and is still seeded.
const watchEvery = time.Second

// sweepEvery is how many watch ticks pass between sweeps when nothing asked for one.
const sweepEvery = 300

// quietRedis drops go-redis's own log lines (a failed dial, a pool event): they would go to
// stderr around the request log, in neither of its formats; every failure reaches the store's
// caller as an error, and /__health, instead.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// OpenRedis connects to the Redis database rawURL names (redis://[user:pass@]host:port/db, or
// rediss:// for TLS), keeping keys under prefix. It fails when Redis does not answer.
func OpenRedis(rawURL, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url %q: %w (want redis://HOST:PORT/DB or rediss://HOST:PORT/DB)", rawURL, err)
	}
	redis.SetLogger(quietRedis{})
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = redisTimeout, redisTimeout, redisTimeout
	// A script that ran but whose answer was lost must not run again: the store's own checks
	// answer the client's retry instead.
	opt.MaxRetries = -1
	r := &Redis{c: redis.NewClient(opt), prefix: prefix, stop: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := r.c.Ping(ctx).Err(); err != nil {
		r.c.Close()
		if opt.TLSConfig != nil && isTimeout(err) {
			return nil, fmt.Errorf("redis %s: %w (rediss:// speaks TLS: is the server listening for TLS on this port?)", opt.Addr, err)
		}
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
	n, _ := r.dropped(api)
	return n
}

func (r *Redis) dropped(api string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	n, err := droppedScript.Run(ctx, r.c, nil, r.prefix, api).Int()
	if err != nil {
		return 0, r.fail(err, false)
	}
	return n, nil
}

// fail records and returns a failure to reach Redis.
func (r *Redis) fail(err error, write bool) error {
	err = &redisError{err: err, write: write}
	r.setErr(err)
	return err
}

// failUnknown records and returns a change Redis may or may not have applied; err may be
// what fail returned for it.
func (r *Redis) failUnknown(err error) error {
	var re *redisError
	if errors.As(err, &re) {
		err = re.err
	}
	err = &redisError{err: err, write: true, unknown: true}
	r.setErr(err)
	return err
}

// run runs a script, recording whether Redis answered.
func (r *Redis) run(s *redis.Script, write bool, args ...any) ([]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	v, err := s.Run(ctx, r.c, nil, append([]any{r.prefix}, args...)...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, r.fail(err, write)
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

// Err implements Store: it writes to Redis, so /__health fails while Redis is down, out of
// memory or refusing scripts, as creates do, and recovers by itself when it takes writes again.
func (r *Redis) Err() error {
	_, err := r.probe()
	return err
}

// probe checks that Redis takes a write and says whether the database is still seeded.
func (r *Redis) probe() (seeded bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	n, err := probeScript.Run(ctx, r.c, nil, r.prefix).Int()
	if err != nil {
		return false, r.fail(err, true)
	}
	r.setErr(nil)
	return n == 1, nil
}

// watch seeds the database again when it has lost its data (a FLUSHDB, or a Redis restarted
// without persistence): every watchEvery, until Close. Seeding is once per database, so of
// several replicas watching one Redis, one seeds and the others keep what it stored; an API
// whose records came back before the seeding keeps them, without its fixtures (a reset
// restores those).
func (r *Redis) watch(reseed func(api string, tx Tx) error) {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	ticks := 0
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		seeded, err := r.probe()
		if err != nil {
			continue
		}
		if !seeded {
			_ = r.SeedOnce(reseed) // a failure shows in Err; the next tick tries again
		}
		// Sweep when something may be left behind, and now and then for replicas that
		// died mid-reset.
		if ticks++; r.sweepNeeded.Swap(false) || ticks%sweepEvery == 0 {
			if r.sweep() != nil {
				r.sweepNeeded.Store(true)
			}
		}
	}
}

// Close implements Store.
func (r *Redis) Close() error {
	r.closed.Do(func() { close(r.stop) })
	return r.c.Close()
}

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
	// Assembled, not json.Marshal'd: Marshal would escape <, > and & in the body and
	// response, so the listing would not show them as sent (and as memory keeps them).
	b := make([]byte, 0, len(e.meta)+len(e.body)+len(e.response)+32)
	b = append(append(b, `{"meta":`...), e.meta...)
	if len(e.body) > 0 {
		b = append(append(b, `,"body":`...), e.body...)
	}
	if len(e.response) > 0 {
		b = append(append(b, `,"response":`...), e.response...)
	}
	return string(append(b, '}')), nil
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
			if notApplied(err) {
				return Record{}, err
			}
			if stored, rerr := r.resolve(g, rec); rerr != nil {
				return Record{}, rerr
			} else if stored {
				return rec, nil
			}
			return Record{}, err // not stored, and now never will be: a retry is safe
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
	return Record{}, fmt.Errorf("%w: create in %s: the API was reset %d times during the create", ErrBusy, rec.API, staleRetries)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// notApplied reports whether a failed script certainly changed nothing: Redis answered with
// an error (out of memory, no permission), or the request never left (no connection).
func notApplied(err error) bool {
	var reply redis.Error
	if errors.As(err, &reply) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// resolve settles an insert that got no answer: it asks Redis whether the record is stored
// and, if not, voids its sequence number so the insert, if Redis still runs it, refuses. When
// Redis does not answer that either, the outcome is unknown (ErrOutcomeUnknown).
func (r *Redis) resolve(gen string, rec Record) (bool, error) {
	fields := []any{len(rec.Claims)}
	for _, c := range rec.Claims {
		fields = append(fields, claimField(c))
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	args := append([]any{r.prefix, rec.API, gen, rec.Seq, rec.Collection, rec.Key}, fields...)
	v, err := resolveScript.Run(ctx, r.c, nil, args...).Text()
	if err != nil {
		return false, r.failUnknown(err)
	}
	return v == "stored", nil
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

// Records implements Store; it answers nothing while Redis is unreachable (Snapshot says so).
func (r *Redis) Records(api string) []Record {
	recs, _ := r.records(api)
	return recs
}

// Snapshot implements Store.
func (r *Redis) Snapshot(api string) ([]Record, int, error) {
	recs, err := r.records(api)
	if err != nil {
		return nil, 0, err
	}
	dropped, err := r.dropped(api)
	if err != nil {
		return nil, 0, err
	}
	return recs, dropped, nil
}

func (r *Redis) records(api string) ([]Record, error) {
	out, err := r.run(recordsScript, false, api)
	if err != nil {
		return nil, err
	}
	recs := make([]Record, 0, len(out))
	for _, v := range out {
		if rec, err := unmarshalRecord(fmt.Sprint(v)); err == nil {
			recs = append(recs, rec)
		}
	}
	return recs, nil
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

// readModifyWrite reads a record, lets write build the new record and the script's arguments
// from it, and runs script, which refuses as stale when the record changed since it was
// read: then it starts over, a few times.
//
// Each attempt carries a token of its own, which the script marks done right before its
// writes. When the script gets no answer (Redis hung or the connection dropped: it may have
// run, or may still run), the attempt is settled as a create's insert is: settleScript
// answers whether the token is marked done and otherwise voids it, so the script, if it
// comes later, refuses. The answer is then definite: a success when this attempt's change
// is in Redis, "retry later" when it is not and never will be, and ErrOutcomeUnknown only
// when the settling got no answer either.
func (r *Redis) readModifyWrite(op, api, collection, key string, script *redis.Script,
	write func(gen, seq, raw string, old Record) (rec Record, args []any, err error)) (Record, error) {
	// Changes of one record from this process take turns, so they do not make each other
	// stale; other replicas' changes are met with a randomized, growing pause.
	defer r.turns.take(api + "\x00" + collection + "\x00" + key)()
	for attempt := range staleRetries {
		if attempt > 0 {
			time.Sleep(staleBackoff(attempt))
		}
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
		tok := attemptToken()
		out, err := r.run(script, true, append(args, tok)...)
		if err != nil {
			if notApplied(err) {
				return Record{}, err
			}
			if applied, serr := r.settle(api, tok); serr != nil {
				return Record{}, serr
			} else if applied {
				return rec, nil
			}
			return Record{}, err // not applied, and now never will be: a retry is safe
		}
		if err := refusal(out); !errors.Is(err, errStale) {
			if err != nil {
				return Record{}, err
			}
			return rec, nil
		}
	}
	return Record{}, fmt.Errorf("%w: %s %s %s: the record changed %d times during the %s", ErrBusy, op, collection, key, staleRetries, op)
}

// turns lets the changes of one record from this process take turns. A change waits at
// most redisTimeout for its turn, then goes ahead anyway (the scripts' checks keep it
// correct), so a hung Redis does not queue a record's changes behind each other for longer
// than it makes each wait. A record has an entry only while changes of it are under way.
type turns struct {
	mu sync.Mutex
	m  map[string]*turn
}

type turn struct {
	ch      chan struct{} // holds a token while a change has the turn
	waiting int           // changes holding or waiting for the turn
}

// take waits for the record's turn and returns the func that gives it up.
func (t *turns) take(name string) (release func()) {
	t.mu.Lock()
	if t.m == nil {
		t.m = map[string]*turn{}
	}
	tu := t.m[name]
	if tu == nil {
		tu = &turn{ch: make(chan struct{}, 1)}
		t.m[name] = tu
	}
	tu.waiting++
	t.mu.Unlock()
	got := true
	select {
	case tu.ch <- struct{}{}:
	default:
		timer := time.NewTimer(redisTimeout)
		select {
		case tu.ch <- struct{}{}:
		case <-timer.C:
			got = false
		}
		timer.Stop()
	}
	return func() {
		if got {
			<-tu.ch
		}
		t.mu.Lock()
		if tu.waiting--; tu.waiting == 0 {
			delete(t.m, name)
		}
		t.mu.Unlock()
	}
}

// staleBackoff is the pause before attempt n (from 1) of a change another replica made
// stale: random, up to 200 µs doubled each time, at most 25 ms (all 16 attempts: at most
// about 0.25 s of pauses).
func staleBackoff(n int) time.Duration {
	ceiling := min(200*time.Microsecond<<(n-1), 25*time.Millisecond)
	return rand.N(ceiling) + time.Microsecond
}

// attemptToken names one attempt at an update or delete, for settleScript.
func attemptToken() string {
	return strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
}

// settle settles an update or delete whose script got no answer: applied when the script
// ran; otherwise its token is voided. When Redis does not answer that either, the outcome is
// unknown.
func (r *Redis) settle(api, tok string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	v, err := settleScript.Run(ctx, r.c, nil, r.prefix, api, tok).Text()
	if err != nil {
		return false, r.failUnknown(err)
	}
	r.setErr(nil)
	return v == "done", nil
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
