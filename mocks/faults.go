package mocks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/usermock/usermock/internal/apispec"
)

// Faults on purpose, as WireMock and Mockoon inject them: a slow vendor, a vendor that drops
// the connection, a vendor in an outage. Per request with Prefer (delay=, fault=) or the
// __delay/__fault query parameters; per API, until cleared, with /__admin/apis/{id}/faults.

// The faults.
const (
	FaultReset   = "reset"   // close the connection without answering (a TCP reset)
	FaultEmpty   = "empty"   // send the status line and headers, then close
	FaultTimeout = "timeout" // answer nothing until --max-delay, then close
	FaultStatus  = "status"  // answer the unavailable kind (503, or the status given)
)

var faultNames = map[string]bool{FaultReset: true, FaultEmpty: true, FaultTimeout: true, FaultStatus: true}

// DefaultMaxDelay bounds every delay and the timeout fault.
const DefaultMaxDelay = 30 * time.Second

// FaultConfig is an API's standing faults: every request is delayed, and the Rate share of
// them gets Fault.
type FaultConfig struct {
	Delay *DelayConfig `json:"delay,omitempty"`
	Rate  *float64     `json:"rate,omitempty"`
	Fault string       `json:"fault,omitempty"`
	// Status is the status of the status fault; default 503.
	Status int `json:"status,omitempty"`
}

// DelayConfig is a fixed delay plus a uniform random part up to JitterMs.
type DelayConfig struct {
	FixedMs  int64 `json:"fixedMs"`
	JitterMs int64 `json:"jitterMs,omitempty"`
}

func (c *FaultConfig) check(maxDelay time.Duration) error {
	if c.Delay != nil {
		limit := maxDelay.Milliseconds()
		if c.Delay.FixedMs < 0 || c.Delay.JitterMs < 0 {
			return errors.New("delay.fixedMs and delay.jitterMs must not be negative")
		}
		if c.Delay.FixedMs > limit || c.Delay.JitterMs > limit || c.Delay.FixedMs+c.Delay.JitterMs > limit {
			return fmt.Errorf("a delay of up to %d ms exceeds --max-delay %s", c.Delay.FixedMs+min(c.Delay.JitterMs, limit), maxDelay)
		}
	}
	if c.Rate != nil && (*c.Rate < 0 || *c.Rate > 1) {
		return fmt.Errorf("rate %v must be between 0 and 1", *c.Rate)
	}
	if c.Fault != "" && !faultNames[c.Fault] {
		return fmt.Errorf("fault %q: want reset, empty, timeout or status", c.Fault)
	}
	if c.Fault == "" && c.Rate != nil && *c.Rate > 0 {
		return errors.New("rate needs a fault")
	}
	if c.Fault != "" && c.Rate == nil {
		one := 1.0 // a fault without a rate affects every request; an explicit 0 none
		c.Rate = &one
	}
	if c.Status != 0 && (c.Status < 400 || c.Status > 599) {
		return fmt.Errorf("status %d: want a 4xx or 5xx", c.Status)
	}
	return nil
}

// faultPlan is what happens to one request before (or instead of) its answer.
type faultPlan struct {
	delay  time.Duration
	fault  string
	status int
}

func (p faultPlan) String() string {
	var parts []string
	if p.delay > 0 {
		parts = append(parts, "delay="+strconv.FormatInt(p.delay.Milliseconds(), 10)+"ms")
	}
	if p.fault != "" {
		f := "fault=" + p.fault
		if p.fault == FaultStatus {
			f += " code=" + strconv.Itoa(p.status)
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, ", ")
}

// plan decides a request's faults: the request's own preference, else the API's standing
// ones.
func (a *apiState) plan(pref preference) faultPlan {
	p := faultPlan{delay: pref.Delay, fault: pref.Fault}
	if pref.Fault == FaultStatus {
		p.status = pref.Code
	}
	if cfg := a.faults.Load(); cfg != nil {
		if cfg.Delay != nil && pref.Delay == 0 {
			p.delay = time.Duration(cfg.Delay.FixedMs) * time.Millisecond
			if cfg.Delay.JitterMs > 0 {
				p.delay += time.Duration(a.srv.gen.intn(int(cfg.Delay.JitterMs)+1)) * time.Millisecond
			}
		}
		if cfg.Fault != "" && pref.Fault == "" && cfg.Rate != nil && a.srv.gen.chance(*cfg.Rate) {
			p.fault, p.status = cfg.Fault, cfg.Status
		}
	}
	if p.fault == FaultStatus && p.status == 0 {
		p.status = a.api.Errors.Kind(apispec.KindUnavailable).Status
	}
	if p.delay > a.srv.maxDelay {
		p.delay = a.srv.maxDelay
	}
	return p
}

// apply carries out a plan; done is true when the request was answered (or dropped) by it.
// A delay waits without holding anything else up, and ends early when the client goes away
// or the server stops.
func (a *apiState) apply(w http.ResponseWriter, r *http.Request, x *exchange, p faultPlan) (done bool) {
	if p.delay == 0 && p.fault == "" {
		return false
	}
	x.fault = p.String()
	if p.delay > 0 && !a.srv.wait(r, p.delay) {
		abort(w)
		return true
	}
	switch p.fault {
	case FaultReset:
		abort(w)
	case FaultEmpty:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
		abort(w)
	case FaultTimeout:
		a.srv.wait(r, a.srv.maxDelay)
		abort(w)
	case FaultStatus:
		f := fail(apispec.KindUnavailable, "", "the service is unavailable: a fault injected on purpose (%s)", p)
		f.status = p.status
		a.writeFailure(w, r, x, f)
	default:
		return false
	}
	return true
}

// wait sleeps d unless the client goes away or the server stops; it reports whether the
// whole delay passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.stopping:
	}
	return false
}

// abort drops the connection without an answer: a TCP reset where the connection can be
// taken over, else net/http's own abort.
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close with RST, as a crashed vendor would
		}
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// apiFaults holds an API's standing faults, swapped atomically by the admin API.
type apiFaults = atomic.Pointer[FaultConfig]

func decodeFaults(r *http.Request, limit int64, maxDelay time.Duration) (*FaultConfig, error) {
	var cfg FaultConfig
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf(`want {"delay": {"fixedMs": 200, "jitterMs": 50}, "rate": 0.2, "fault": "reset"}: %v`, err)
	}
	if err := cfg.check(maxDelay); err != nil {
		return nil, err
	}
	return &cfg, nil
}
