package store

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/redistest"
)

// startRedis starts a redis-server of the test's own (redistest), or skips when the binary
// is absent (.ci/run installs it).
func startRedis(t *testing.T) *redistest.Server { return redistest.Start(t) }

func openRedis(t *testing.T, srv *redistest.Server, prefix string) *Redis {
	t.Helper()
	r, err := OpenRedis(srv.URL(), prefix)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// TestRedisCRUD: the Redis store reads, lists, updates and deletes as memory does.
func TestRedisCRUD(t *testing.T) {
	s := openRedis(t, startRedis(t), "t:")
	conformsCRUD(t, s)
	conformsSnapshot(t, openRedis(t, startRedis(t), "t:"))
	got, err := s.Get("a", "/w", "1")
	require.NoError(t, err)
	assert.EqualValues(t, 1, got.Seq)
	assert.Len(t, s.Records("a"), 3)
	require.NoError(t, s.Err())
}

// TestRedisReplicasShareOneClaim: 200 creates of one unique value, split across two stores on
// one Redis, give exactly one success; a limit is shared the same way.
func TestRedisReplicasShareOneClaim(t *testing.T) {
	srv := startRedis(t)
	replicas := []*Redis{openRedis(t, srv, "t:"), openRedis(t, srv, "t:")}
	var won, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := replicas[i%2]
			_, err := s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "id", Key: "EMPLY001"}}}, nil,
				func(seq int64) (any, string, error) { return json.RawMessage(`{}`), fmt.Sprint("k", seq), nil })
			if err == nil {
				won.Add(1)
			} else {
				var ce *ConflictError
				assert.ErrorAs(t, err, &ce)
			}
			_, err = s.Create(Record{API: "a", Groups: []string{"team"}}, []Limit{{Rule: "cap", Group: "team", Max: 7}}, nil)
			if err == nil {
				limited.Add(1)
			} else {
				var le *LimitError
				assert.ErrorAs(t, err, &le)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, won.Load(), "one replica took EMPLY001")
	assert.EqualValues(t, 7, limited.Load(), "the limit counts the records of both replicas")
}

// oneFixture is a reseed storing one fixture record of API "a", keyed and claiming "fix".
func oneFixture(api string, tx Tx) error {
	_, err := tx.Create(Record{API: "a", Collection: "/w", Seeded: true, Fixture: true, Claims: []Claim{{Rule: "u", Key: "fix"}}}, nil,
		func(int64) (any, string, error) { return json.RawMessage(`{}`), "fix", nil })
	return err
}

// TestRedisResetAcrossReplicas: a reset through one replica is what the other sees, with the
// reseed's records; fixtures are seeded once however many replicas start.
func TestRedisResetAcrossReplicas(t *testing.T) {
	srv := startRedis(t)
	one, two := openRedis(t, srv, "t:"), openRedis(t, srv, "t:")
	var wg sync.WaitGroup
	for _, s := range []*Redis{one, two, one, two} {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, s.SeedOnce(oneFixture)) }()
	}
	wg.Wait()
	require.Len(t, two.Records("a"), 1, "oneFixture are seeded once")
	assert.EqualValues(t, 0, two.Records("a")[0].Seq)

	keyed(t, one, "1", "x")
	require.Len(t, two.Records("a"), 2)
	require.NoError(t, one.Reset("a", oneFixture))
	recs := two.Records("a")
	require.Len(t, recs, 1, "the other replica sees the reset")
	assert.Equal(t, "fix", recs[0].Key)
	got := keyed(t, two, "1", "x") // x is free again, and numbering starts over
	assert.EqualValues(t, 1, got.Seq)

	require.Error(t, two.Reset("", func(string, Tx) error { return fmt.Errorf("broken fixture") }))
	assert.Len(t, one.Records("a"), 2, "a failed reseed changes nothing")
	require.NoError(t, two.Reset("", nil))
	assert.Empty(t, one.Records("a"))
}

// TestRedisRestart: while Redis is down every call fails with ErrUnavailable and Err says so;
// once it is back (with what it had acknowledged) the store works again without taking a
// unique key twice.
func TestRedisRestart(t *testing.T) {
	srv := startRedis(t)
	s := openRedis(t, srv, "t:")
	keyed(t, s, "1", "x")
	srv.Stop()

	_, err := s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "y"}}}, nil, nil)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorIs(t, err, ErrWrite)
	_, err = s.Get("a", "/w", "1")
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorIs(t, s.Err(), ErrUnavailable)

	srv.Start()
	require.Eventually(t, func() bool { return s.Err() == nil }, 10*time.Second, 100*time.Millisecond, "Err clears once Redis is back")
	_, err = s.Create(Record{API: "a", Collection: "/w", Claims: []Claim{{Rule: "u", Key: "x"}}}, nil, nil)
	var ce *ConflictError
	require.ErrorAs(t, err, &ce, "x was taken before the restart")
	keyed(t, s, "2", "y")
	assert.Len(t, s.Records("a"), 2)
}

// TestRedisKeepDrainsABacklog: records stored before the keep bounds were set are dropped a
// few per create (at most 8), not all in the first create's script, which would hold Redis,
// and every replica, for as long as the backlog takes; the backlog still drains.
func TestRedisKeepDrainsABacklog(t *testing.T) {
	s := openRedis(t, startRedis(t), "backlog:")
	for i := 0; i < 100; i++ {
		_, err := s.Create(rec("a", fmt.Sprint(i)), nil, nil)
		require.NoError(t, err)
	}
	s.SetKeep(3, 0)
	_, err := s.Create(rec("a", "first"), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 8, s.Dropped("a"), "one create drops at most 8")
	for i := 0; i < 20; i++ {
		_, err := s.Create(rec("a", fmt.Sprint("next", i)), nil, nil)
		require.NoError(t, err)
	}
	assert.Len(t, s.Records("a"), 3, "the backlog drained")
	assert.Equal(t, 118, s.Dropped("a"))
}
