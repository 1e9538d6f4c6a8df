package cli

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// gcHeadroom is the most memory the collector may let garbage take beyond the live heap when
// serve tunes it: a request leaves a few kilobytes of garbage, so Go's default (collect when
// the heap doubles) collects many times a second while the live heap is a few megabytes.
const gcHeadroom = 32 << 20

// tuning is the process's one GC tuning, shared by the servers running in it (tests,
// replicas): the first starts it, the last stops it and restores the setting.
var tuning struct {
	sync.Mutex
	users int
	stop  func()
}

// tuneGC sets the collector's percent to give the heap gcHeadroom bytes of room, between Go's
// default 100 (a large live heap: records kept) and 400 (a small one), adjusted twice a
// second from the live heap. It leaves the runtime alone when GOGC or GOMEMLIMIT is set: the
// operator's choice wins. The returned func stops the tuning and restores the setting, once
// every server that asked for it has stopped.
func tuneGC() (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	tuning.Lock()
	defer tuning.Unlock()
	if tuning.users == 0 {
		tuning.stop = startTuning()
	}
	tuning.users++
	return func() {
		tuning.Lock()
		defer tuning.Unlock()
		if tuning.users--; tuning.users == 0 {
			tuning.stop()
		}
	}
}

// startTuning adjusts the collector until the returned func is called, which restores it.
func startTuning() (stop func()) {
	initial := debug.SetGCPercent(400)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		current := 400
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				continue
			}
			if p := gcPercent(sample[0].Value.Uint64()); p != current {
				debug.SetGCPercent(p)
				current = p
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		debug.SetGCPercent(initial)
	}
}

// gcPercent is the percent that lets a heap of live bytes grow by gcHeadroom, within
// [100, 400], rounded to tens so that small changes in the live heap change nothing.
func gcPercent(live uint64) int {
	if live == 0 {
		return 400
	}
	p := int(uint64(gcHeadroom) * 100 / live)
	return min(400, max(100, p/10*10))
}
