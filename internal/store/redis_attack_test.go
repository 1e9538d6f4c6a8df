//go:build unix

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/redistest"
)

// TestRedisSeedOnceKeepsLiveRecords: a replica starting with fixtures for an API that the
// first replica seeded with none, and that holds live records, keeps those records: seeding
// is once per database, not per start, and never replaces what clients created.
func TestRedisSeedOnceKeepsLiveRecords(t *testing.T) {
	srv := startRedis(t)
	one, two := openRedis(t, srv, "t:"), openRedis(t, srv, "t:")
	require.NoError(t, one.SeedOnce(func(string, Tx) error { return nil })) // no records
	keyed(t, one, "1", "EARLY1")
	require.NoError(t, two.SeedOnce(oneFixture))
	recs := one.Records("a")
	require.Len(t, recs, 1, "the live record stays, and the later fixtures are not added")
	assert.Equal(t, "1", recs[0].Key)
	_, err := two.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "EARLY1"}}}, nil, nil)
	var ce *ConflictError
	assert.ErrorAs(t, err, &ce, "EARLY1 is still taken")
}

// TestRedisErrFailsWhileWritesFail: Redis out of memory (noeviction) answers a PING but
// refuses every write; Err, and so /__health, says so until writes go through again.
func TestRedisErrFailsWhileWritesFail(t *testing.T) {
	s := openRedis(t, startRedis(t), "t:")
	ctx := context.Background()
	require.NoError(t, s.c.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err())
	require.NoError(t, s.c.ConfigSet(ctx, "maxmemory", "1").Err())
	_, err := s.Create(rec("a", "1"), nil, nil)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "Redis refused the script: nothing was applied")
	assert.NotContains(t, err.Error(), "state file", "a Redis failure is not a state file's")
	require.NoError(t, s.c.Ping(ctx).Err(), "reads still work")
	assert.ErrorIs(t, s.Err(), ErrUnavailable)
	_, _, err = s.Snapshot("a")
	require.NoError(t, err, "reads still work")

	require.NoError(t, s.c.ConfigSet(ctx, "maxmemory", "0").Err())
	assert.NoError(t, s.Err())
	keyed(t, s, "1", "x")
}

// TestRedisSeedsAgainAfterDataLoss: a Redis that lost its data (FLUSHDB here; a restart
// without persistence is the same) gets the fixtures again from the replicas' watch, once.
func TestRedisSeedsAgainAfterDataLoss(t *testing.T) {
	srv := startRedis(t)
	one, two := openRedis(t, srv, "t:"), openRedis(t, srv, "t:")
	require.NoError(t, one.SeedOnce(oneFixture))
	require.NoError(t, two.SeedOnce(oneFixture))
	require.NoError(t, one.c.FlushDB(context.Background()).Err())
	require.Empty(t, one.Records("a"))
	require.Eventually(t, func() bool { return len(two.Records("a")) == 1 }, 10*time.Second, 50*time.Millisecond,
		"the fixtures are back")
	time.Sleep(3 * watchEvery)
	assert.Len(t, one.Records("a"), 1, "seeded once, not once per replica")
	_, err := one.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "fix"}}}, nil, nil)
	var ce *ConflictError
	assert.ErrorAs(t, err, &ce, "the fixture's unique value is taken again")
}

// TestRedisSnapshotFailsWhileDown: the admin listing can tell an empty store from one it
// cannot read.
func TestRedisSnapshotFailsWhileDown(t *testing.T) {
	srv := startRedis(t)
	s := openRedis(t, srv, "t:")
	keyed(t, s, "1", "x")
	srv.Stop()
	_, _, err := s.Snapshot("a")
	assert.ErrorIs(t, err, ErrUnavailable)
}

// hangs are how long a hang tests hold Redis: until Redis answers the settling call, or past
// it too (the outcome is then unknown).
var hangs = []struct {
	name    string
	hang    time.Duration
	unknown bool
}{
	{"back during the settling", redisTimeout + redisTimeout/2, false},
	{"still hung", 2*redisTimeout + time.Second, true},
}

// hang stops Redis for d; the channel closes once it runs again.
func hang(srv *redistest.Server, d time.Duration) <-chan struct{} {
	released := make(chan struct{})
	srv.Pause()
	time.AfterFunc(d, func() { srv.Resume(); close(released) })
	return released
}

// TestRedisHungInsertIsSettled: Redis hangs after a create took its number and before its
// insert answered. When Redis is back within the settling call, the answer is definite: a
// success exactly when the record is stored, a refusal (safe to retry) exactly when it is
// not and never will be. When Redis stays hung, the error says the outcome is unknown.
func TestRedisHungInsertIsSettled(t *testing.T) {
	for _, tc := range hangs {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRedis(t)
			s := openRedis(t, srv, "t:")
			var released <-chan struct{}
			_, err := s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "x"}}}, nil,
				func(seq int64) (any, string, error) {
					released = hang(srv, tc.hang) // between the reserve and the insert
					return json.RawMessage(`{}`), "1", nil
				})
			<-released
			if tc.unknown {
				require.ErrorIs(t, err, ErrOutcomeUnknown)
				return
			}
			t.Logf("create answered %v", err)
			require.NotErrorIs(t, err, ErrOutcomeUnknown, "settled")
			time.Sleep(100 * time.Millisecond) // the insert, if Redis still runs it, has run
			recs, _, serr := s.Snapshot("a")
			require.NoError(t, serr)
			if err == nil {
				assert.Len(t, recs, 1, "a success is stored")
			} else {
				assert.ErrorIs(t, err, ErrUnavailable)
				assert.Empty(t, recs, "a refusal is not stored, and never will be")
				keyed(t, s, "2", "x") // and x is free
			}
		})
	}
}

// TestRedisResolve: the settling script finds a stored record (even one dropped past the keep
// bounds since, by its claim) and voids a sequence number whose insert has not run, so the
// insert refuses when it does.
func TestRedisResolve(t *testing.T) {
	s := openRedis(t, startRedis(t), "t:")
	s.SetKeep(1, 0)
	stored, err := s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "x"}}}, nil, nil)
	require.NoError(t, err)
	ok, err := s.resolve("0", stored)
	require.NoError(t, err)
	assert.True(t, ok, "stored")
	keyed(t, s, "2", "y") // drops the first record's payload: its claim stays
	ok, err = s.resolve("0", stored)
	require.NoError(t, err)
	assert.True(t, ok, "stored, then dropped")

	pending := Record{API: "a", Collection: "/w", Seq: 99, Key: "k99", Claims: []Claim{{Rule: "u", Key: "z"}}}
	ok, err = s.resolve("0", pending)
	require.NoError(t, err)
	assert.False(t, ok)
	out, err := s.run(insertScript, true, append(append([]any{"a", "0", "1", 99, `{}`, "/w", "k99"}, claimArgs(pending.Claims)...), 0, 0, 0, 0)...)
	require.NoError(t, err)
	assert.Equal(t, []any{"void"}, out, "the late insert refuses")
	keyed(t, s, "3", "z") // z is free

	// A record with neither key nor claim, dropped past the keep bounds: still found.
	bare, err := s.Create(Record{API: "a", Collection: "/w"}, nil, nil)
	require.NoError(t, err)
	keyed(t, s, "4", "v")
	ok, err = s.resolve("0", bare)
	require.NoError(t, err)
	assert.True(t, ok, "stored, then dropped, with nothing to be found by but its drop")
}

// TestRedisSweep: the sweep deletes the generations that are neither live nor being staged
// (a retired one a lost commit answer left, an old staging of a replica that died), and
// leaves the live one and a fresh staging alone.
func TestRedisSweep(t *testing.T) {
	s := openRedis(t, startRedis(t), "t:")
	keyed(t, s, "1", "x")
	ctx := context.Background()
	keysOf := func(gen string) []string {
		keys, err := s.c.Keys(ctx, "t:{a}:"+gen+":*").Result()
		require.NoError(t, err)
		return keys
	}
	stage := func() string {
		tx := &stagingTx{r: s, gens: map[string]string{}}
		_, err := tx.Create(rec("a", "2"), nil, nil)
		require.NoError(t, err)
		return tx.gens["a"]
	}
	dead, fresh := stage(), stage()
	// dead was staged by a replica that died 11 minutes ago.
	require.NoError(t, s.c.HSet(ctx, "t:{a}:staging", dead, time.Now().Add(-11*time.Minute).Unix()).Err())
	require.NoError(t, s.sweep())
	assert.Empty(t, keysOf(dead), "the old staging is gone")
	assert.NotEmpty(t, keysOf(fresh), "a staging in progress stays")
	assert.NotEmpty(t, keysOf("0"), "the live generation stays")
	assert.Len(t, s.Records("a"), 1)
}

// TestRedisResetDuringAHangLeavesNoGeneration: a reset whose commit Redis runs only after the
// client gave up reports that it may have been applied, and once Redis answers again the
// watch deletes the generation that is not live (the one the commit retired), so only the
// live one is left.
func TestRedisResetDuringAHangLeavesNoGeneration(t *testing.T) {
	srv := startRedis(t)
	s := openRedis(t, srv, "t:")
	require.NoError(t, s.SeedOnce(oneFixture)) // starts the watch
	keyed(t, s, "1", "x")
	resumed := make(chan struct{})
	err := s.Reset("a", func(api string, tx Tx) error {
		if err := oneFixture(api, tx); err != nil {
			return err
		}
		srv.Pause() // the commit is sent to a hung Redis, and runs when it resumes
		time.AfterFunc(redisTimeout+redisTimeout/4, func() { srv.Resume(); close(resumed) })
		return nil
	})
	<-resumed
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	gens := func() map[string]bool {
		keys, err := s.c.Keys(context.Background(), "t:{a}:*:*").Result()
		require.NoError(t, err)
		out := map[string]bool{}
		for _, k := range keys {
			out[strings.SplitN(strings.TrimPrefix(k, "t:{a}:"), ":", 2)[0]] = true
		}
		return out
	}
	require.Eventually(t, func() bool { return len(gens()) == 1 }, 10*time.Second, 50*time.Millisecond,
		"one generation left, the live one")
	live, err := s.c.Get(context.Background(), "t:{a}:gen").Result()
	require.NoError(t, err)
	assert.True(t, gens()[live], "the one left is live")
	recs := s.Records("a")
	require.Len(t, recs, 1, "the reset ran after all")
	assert.Equal(t, "fix", recs[0].Key)
}

// TestRedisHungUpdateIsSettled: Redis hangs while an update's script is on its way, as a
// create's insert can. The answer is definite when Redis is back within the settling call:
// a success exactly when the change is stored, a refusal (safe to retry) exactly when it is
// not and never will be; unknown only when Redis stays hung.
func TestRedisHungUpdateIsSettled(t *testing.T) {
	for _, tc := range hangs {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRedis(t)
			s := openRedis(t, srv, "t:")
			keyed(t, s, "1", "x")
			var released <-chan struct{}
			_, err := s.Update("a", "/w", "1", func(old Record) (Record, error) {
				released = hang(srv, tc.hang) // after the read, before the write
				return change("y")(old)
			})
			<-released
			if tc.unknown {
				require.ErrorIs(t, err, ErrOutcomeUnknown)
				return
			}
			t.Logf("update answered %v", err)
			require.NotErrorIs(t, err, ErrOutcomeUnknown, "settled")
			time.Sleep(100 * time.Millisecond) // the script, if Redis still runs it, has run
			got, gerr := s.Get("a", "/w", "1")
			require.NoError(t, gerr)
			if err == nil {
				assert.JSONEq(t, `{"u":"y"}`, string(got.Body.(json.RawMessage)), "a success is stored")
				keyed(t, s, "2", "x") // x was given up
			} else {
				assert.ErrorIs(t, err, ErrUnavailable)
				assert.JSONEq(t, `{"u":"x"}`, string(got.Body.(json.RawMessage)), "a refusal is not stored, and never will be")
				_, err := s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "x"}}}, nil, nil)
				var ce *ConflictError
				assert.ErrorAs(t, err, &ce, "x is still the record's")
			}
		})
	}
}

// TestRedisSettle: the settling script answers by what the attempt did: 'applied' only when
// its script ran, whatever became of the record since (changed or deleted by another replica,
// dropped past the keep bounds); otherwise it voids the attempt, whose script then refuses
// when it runs, changing nothing.
func TestRedisSettle(t *testing.T) {
	s := openRedis(t, startRedis(t), "t:")
	keyed(t, s, "1", "x")
	gen, seq, raw, err := s.lookup("a", "/w", "1")
	require.NoError(t, err)
	old, err := unmarshalRecord(raw)
	require.NoError(t, err)
	next, err := change("y")(old)
	require.NoError(t, err)
	next.keepIdentity(old)
	enc, err := marshalRecord(next)
	require.NoError(t, err)
	updateArgs := append(append(append([]any{"a", gen, seq, raw, enc}, oldArgs(old)...), claimArgs(next.Claims)...), listArgs(next.Groups)...)
	deleteArgs := append([]any{"a", gen, seq, raw, "/w", "1"}, oldArgs(old)...)
	settled := func(tok string) bool {
		t.Helper()
		applied, err := s.settle("a", tok)
		require.NoError(t, err)
		return applied
	}

	// An update or delete that has not run is voided, and refuses when it does.
	assert.False(t, settled("tok1"))
	out, err := s.run(updateScript, true, append(updateArgs, "tok1")...)
	require.NoError(t, err)
	assert.Equal(t, []any{"void"}, out, "the late update refuses")
	assert.False(t, settled("tok2"))
	out, err = s.run(deleteScript, true, append(deleteArgs, "tok2")...)
	require.NoError(t, err)
	assert.Equal(t, []any{"void"}, out, "the late delete refuses")
	got, err := s.Get("a", "/w", "1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"u":"x"}`, string(got.Body.(json.RawMessage)), "neither changed the record")

	// An update that ran is applied, also once the record is gone.
	out, err = s.run(updateScript, true, append(updateArgs, "tok3")...)
	require.NoError(t, err)
	require.Equal(t, []any{"ok"}, out)
	assert.True(t, settled("tok3"), "the update is stored")
	// A delete whose record another replica deleted first did nothing: not applied.
	_, err = s.Delete("a", "/w", "1")
	require.NoError(t, err)
	assert.False(t, settled("tok4"), "gone, but not by this attempt")
	assert.True(t, settled("tok3"), "still applied")
	// An attempt refused as stale is not applied either.
	out, err = s.run(deleteScript, true, append(deleteArgs, "tok5")...)
	require.NoError(t, err)
	require.Equal(t, []any{"stale"}, out)
	assert.False(t, settled("tok5"))
}

// TestRedisContendedUpdates: 32 clients change one record through two replicas at once, each
// to a unique value of its own. Every change succeeds (or meets a taken value), as on
// memory: a replica's changes of one record take turns, and those of the other replica are
// retried after a random pause. Before, about a quarter failed with "the record changed 16
// times" (a 500).
func TestRedisContendedUpdates(t *testing.T) {
	srv := startRedis(t)
	replicas := []*Redis{openRedis(t, srv, "t:"), openRedis(t, srv, "t:")}
	keyed(t, replicas[0], "1", "x")
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := map[string]int{}
	ok := 0
	for c := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := replicas[c%2]
			for i := range 40 {
				_, err := s.Update("a", "/w", "1", change(fmt.Sprintf("c%d-%d", c, i)))
				mu.Lock()
				if err != nil {
					failures[err.Error()]++
				} else {
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, failures)
	assert.Equal(t, 32*40, ok)
	assert.Empty(t, replicas[0].turns.m, "no turn is left once the changes are done")
	got, err := replicas[1].Get("a", "/w", "1")
	require.NoError(t, err)
	var body struct{ U string }
	require.NoError(t, json.Unmarshal(got.Body.(json.RawMessage), &body))
	_, err = replicas[1].Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: body.U}}}, nil, nil)
	var ce *ConflictError
	assert.ErrorAs(t, err, &ce, "the last value is the record's")
	keyed(t, replicas[1], "2", "x") // the first is free again
}

// TestTurns: a change waits for the record's turn, and goes ahead without it after
// redisTimeout when the turn is not given up.
func TestTurns(t *testing.T) {
	var tu turns
	release := tu.take("r")
	start := time.Now()
	done := make(chan time.Duration)
	go func() {
		rel := tu.take("r")
		done <- time.Since(start)
		rel()
	}()
	time.Sleep(50 * time.Millisecond)
	release()
	assert.Less(t, <-done, redisTimeout, "given the turn when it is given up")
	hold := tu.take("r")
	waited := time.Now()
	tu.take("r")()
	assert.GreaterOrEqual(t, time.Since(waited), redisTimeout, "went ahead after the timeout")
	hold()
	assert.Empty(t, tu.m)
}
