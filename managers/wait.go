package managers

import (
	"context"
	"math"
	"sync"
	"time"
)

// The Go-native objects block the way Python's threading primitives do,
// with a mutex, a broadcast channel and Python's timeouts, and every wait
// also ends with the call's context (the channel closed, or the server
// stopping).

// signal is a broadcast: waiters take its channel under the object's
// mutex, and broadcast closes it and makes the next.
type signal struct{ ch chan struct{} }

// waitChan returns the channel the next broadcast closes (call with the
// object's mutex held).
func (s *signal) waitChan() <-chan struct{} {
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// broadcast wakes every waiter (call with the object's mutex held).
func (s *signal) broadcast() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// timeout is a Python timeout argument: none, or a deadline.
type timeout struct {
	set      bool
	deadline time.Time
}

// parseTimeout reads a Python timeout (None or a number of seconds) as
// Python's queue and threading objects do: a negative one is a ValueError
// where noNegative, else it means "do not wait".
func parseTimeout(v any, noNegative bool) (timeout, error) {
	if v == nil {
		return timeout{}, nil
	}
	f, ok := asFloat(v)
	if !ok {
		return timeout{}, raisef(ErrTypeError, "'<' not supported between instances of '%s' and 'int'", typeName(v))
	}
	if math.IsNaN(f) {
		return timeout{}, raisef(ErrValueError, "Invalid value NaN (not a number)")
	}
	if f < 0 {
		if noNegative {
			return timeout{}, raisef(ErrValueError, "'timeout' must be a non-negative number")
		}
		f = 0
	}
	d := time.Duration(math.MaxInt64)
	if f < float64(math.MaxInt64)/float64(time.Second) {
		d = time.Duration(f * float64(time.Second))
	}
	return timeout{set: true, deadline: time.Now().Add(d)}, nil
}

// expired reports whether the deadline has passed.
func (t timeout) expired() bool { return t.set && !time.Now().Before(t.deadline) }

// wait unlocks mu, waits until ch is closed, the timeout passes or ctx
// ends, and locks mu again. It returns false when the timeout passed, and
// ctx's error when ctx ended.
func (t timeout) wait(ctx context.Context, mu *sync.Mutex, ch <-chan struct{}) (bool, error) {
	var expire <-chan time.Time
	if t.set {
		d := time.Until(t.deadline)
		if d <= 0 {
			return false, nil
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		expire = timer.C
	}
	mu.Unlock()
	defer mu.Lock()
	select {
	case <-ch:
		return true, nil
	case <-expire:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}
