package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Reset implements Store. The reseed fills fresh generations of the reset APIs that no one
// reads yet; one script then makes them live and retires the old ones, for every replica at
// once. A create racing the reset lands before it (and is forgotten) or after it (its
// generation check fails and it is redone in the new one). When the reseed fails, the staged
// generations are deleted and nothing changed.
func (r *Redis) Reset(api string, reseed func(api string, tx Tx) error) error {
	tx := &stagingTx{r: r, api: api, gens: map[string]string{}}
	if api != "" {
		if _, err := tx.gen(api); err != nil {
			return err
		}
	}
	if reseed != nil {
		if err := reseed(api, tx); err != nil {
			r.collect(tx.garbage())
			return fmt.Errorf("reseed: %w", err)
		}
	}
	all := ""
	if api == "" {
		all = "*"
	}
	return r.commit("reset", all, tx)
}

// SeedOnce stores what reseed stores, for every API, unless the database was seeded before:
// of several replicas starting on one Redis, the first to finish seeds and the others keep
// what it stored, so fixtures are never inserted twice. An API is seeded once per database
// until a reset; fixtures changed since are seeded by a reset from a replica started with them.
//
// From the first SeedOnce on, the store watches the database and seeds it again, the same
// way, when it has lost its data (Redis.watch).
func (r *Redis) SeedOnce(reseed func(api string, tx Tx) error) error {
	tx := &stagingTx{r: r, gens: map[string]string{}}
	if err := reseed("", tx); err != nil {
		r.collect(tx.garbage())
		return fmt.Errorf("seed: %w", err)
	}
	if err := r.commit("once", "", tx); err != nil {
		return err
	}
	r.watching.Do(func() { go r.watch(reseed) })
	return nil
}

func (r *Redis) commit(mode, all string, tx *stagingTx) error {
	args := []any{"", mode, all}
	for _, a := range tx.apis() {
		args = append(args, a, tx.gens[a])
	}
	out, err := r.run(commitScript, true, args...)
	if err != nil {
		if notApplied(err) {
			r.collect(tx.garbage())
			return err
		}
		// The outcome is unknown: the commit may run yet. Once Redis answers again, the
		// watch's sweep deletes whichever generations are not live then.
		r.sweepNeeded.Store(true)
		return r.failUnknown(err)
	}
	garbage := make([]string, len(out))
	for i, v := range out {
		garbage[i] = fmt.Sprint(v)
	}
	r.collect(garbage)
	return nil
}

// collect deletes the keys of retired generations, as (api, gen) pairs; no one reads them
// any more. What it cannot finish is left to the watch's sweep.
func (r *Redis) collect(pairs []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*redisTimeout)
	defer cancel()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !r.collectGen(ctx, pairs[i], pairs[i+1]) {
			r.sweepNeeded.Store(true)
		}
	}
}

// root is where an API's keys start, as the scripts' luaPrelude builds it.
func (r *Redis) root(api string) string { return r.prefix + "{" + api + "}:" }

func (r *Redis) collectGen(ctx context.Context, api, gen string) bool {
	match := globEscape(r.root(api)+gen+":") + "*"
	iter := r.c.Scan(ctx, 0, match, 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if iter.Err() != nil {
		return false
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if r.c.Unlink(ctx, keys[:n]...).Err() != nil {
			return false
		}
		keys = keys[n:]
	}
	return r.c.HDel(ctx, r.root(api)+"staging", gen).Err() == nil
}

// stagingTx is the Tx a reseed stores through: each API it touches gets a fresh generation,
// live only once the reset commits.
type stagingTx struct {
	r    *Redis
	api  string // the API reset, "" for every API
	mu   sync.Mutex
	gens map[string]string
}

func (tx *stagingTx) gen(api string) (string, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if g, ok := tx.gens[api]; ok {
		return g, nil
	}
	out, err := tx.r.runString(allocScript, api)
	if err != nil {
		return "", err
	}
	tx.gens[api] = out
	return out, nil
}

func (tx *stagingTx) apis() []string {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	out := make([]string, 0, len(tx.gens))
	for a := range tx.gens {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func (tx *stagingTx) garbage() []string {
	var out []string
	for _, a := range tx.apis() {
		out = append(out, a, tx.gens[a])
	}
	return out
}

// Create implements Tx.
func (tx *stagingTx) Create(rec Record, limits []Limit, finish Finish) (Record, error) {
	if tx.api != "" && rec.API != tx.api {
		return Record{}, fmt.Errorf("reseed of api %q: cannot create a record of api %q", tx.api, rec.API)
	}
	g, err := tx.gen(rec.API)
	if err != nil {
		return Record{}, err
	}
	return tx.r.create(g, rec, limits, finish)
}

// runString runs a script that answers one string.
func (r *Redis) runString(s *redis.Script, api string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	v, err := s.Run(ctx, r.c, nil, r.prefix, api).Text()
	if err != nil {
		return "", r.fail(err, true)
	}
	r.setErr(nil)
	return v, nil
}

// stagingTTL is how long the sweep leaves a staged generation alone: a reset stages for a
// few seconds; one staged longer ago belongs to a replica that died mid-reset.
const stagingTTL = 10 * time.Minute

// sweep deletes, for every API, the generations that are neither live nor being staged: those
// a commit that got no answer retired, a collect that failed left, or a replica that died
// mid-reset staged. An API's data is a handful of keys per generation, not keys per record,
// so the scan is short. The order of the reads matters: the highest generation first (any
// allocated later is left alone), then the staging notes, then the live generation (a staged
// one that went live in between is in the notes).
func (r *Redis) sweep() error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*redisTimeout)
	defer cancel()
	apis, err := r.c.SMembers(ctx, r.prefix+"apis").Result()
	if err != nil {
		return err
	}
	for _, api := range apis {
		root := r.root(api)
		highest, err := r.c.Get(ctx, root+"gens").Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		staging, err := r.c.HGetAll(ctx, root+"staging").Result()
		if err != nil {
			return err
		}
		live, err := r.c.Get(ctx, root+"gen").Result()
		if errors.Is(err, redis.Nil) {
			live = "0"
		} else if err != nil {
			return err
		}
		now, err := r.c.Time(ctx).Result()
		if err != nil {
			return err
		}
		dead := map[string]bool{}
		iter := r.c.Scan(ctx, 0, globEscape(root)+"*:*", 500).Iterator()
		for iter.Next(ctx) {
			gen, _, ok := strings.Cut(strings.TrimPrefix(iter.Val(), root), ":")
			n, perr := strconv.ParseInt(gen, 10, 64)
			if !ok || perr != nil || gen == live || n > highest {
				continue
			}
			if t, err := strconv.ParseInt(staging[gen], 10, 64); err == nil && now.Sub(time.Unix(t, 0)) < stagingTTL {
				continue
			}
			dead[gen] = true
		}
		if err := iter.Err(); err != nil {
			return err
		}
		for gen := range dead {
			if !r.collectGen(ctx, api, gen) {
				return fmt.Errorf("sweep of %s generation %s did not finish", api, gen)
			}
		}
	}
	return nil
}
