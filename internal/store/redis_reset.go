package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

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
// until a reset; fixture files changed since are read again by POST /__admin/reset.
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
		// The outcome is unknown: the watch deletes the staged generations that did not go
		// live once Redis answers again.
		r.orphan(tx.garbage())
		return err
	}
	garbage := make([]string, len(out))
	for i, v := range out {
		garbage[i] = fmt.Sprint(v)
	}
	r.collect(garbage)
	return nil
}

// collect deletes the keys of retired generations, as (api, gen) pairs; no one reads them
// any more, so a failure only leaves garbage behind.
func (r *Redis) collect(pairs []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*redisTimeout)
	defer cancel()
	for i := 0; i+1 < len(pairs); i += 2 {
		match := globEscape(r.prefix+"{"+pairs[i]+"}:"+pairs[i+1]+":") + "*"
		iter := r.c.Scan(ctx, 0, match, 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			if r.c.Unlink(ctx, keys[:n]...).Err() != nil {
				return
			}
			keys = keys[n:]
		}
	}
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

// orphan remembers staged generations, as (api, gen) pairs, whose commit got no answer.
func (r *Redis) orphan(pairs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orphans = append(r.orphans, pairs...)
}

// collectOrphans deletes the remembered staged generations that are not live: their commit
// did not happen. One that is live went live; it is forgotten. Nothing is lost when Redis
// fails again: they are tried at the next call.
func (r *Redis) collectOrphans() {
	r.mu.Lock()
	pairs := r.orphans
	r.orphans = nil
	r.mu.Unlock()
	var retry, garbage []string
	for i := 0; i+1 < len(pairs); i += 2 {
		ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
		live, err := r.c.Get(ctx, r.prefix+"{"+pairs[i]+"}:gen").Result()
		cancel()
		switch {
		case errors.Is(err, redis.Nil):
			live = "0"
		case err != nil:
			retry = append(retry, pairs[i:i+2]...)
			continue
		}
		if live != pairs[i+1] {
			garbage = append(garbage, pairs[i:i+2]...)
		}
	}
	r.collect(garbage)
	r.orphan(retry)
}
