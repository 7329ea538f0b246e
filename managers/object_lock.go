package managers

import (
	"context"
	"fmt"
	"sync"
)

// Lock is a Go lock with the semantics of Python's threading.Lock: no
// owner, any caller may release it. RLock is threading.RLock: its owner is
// the channel that acquired it (a Python thread, or a pinned Go proxy), and
// only the owner releases it, as often as it acquired it.
type Lock struct {
	reentrant bool

	mu      sync.Mutex
	held    bool
	owner   uint64 // RLock: the channel holding it
	count   int    // RLock: acquisitions by the owner
	changed signal
}

// NewLock returns an unlocked threading.Lock.
func NewLock() *Lock { return &Lock{} }

// NewRLock returns an unlocked threading.RLock.
func NewRLock() *Lock { return &Lock{reentrant: true} }

func newLock(_ context.Context, c *Call) (any, error)  { return NewLock(), c.noArgs() }
func newRLock(_ context.Context, c *Call) (any, error) { return NewRLock(), c.noArgs() }

// acquire takes the lock for owner, waiting per blocking and t; it reports
// whether it got it.
func (l *Lock) acquire(ctx context.Context, owner uint64, blocking bool, t timeout) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reentrant && l.held && l.owner == owner {
		l.count++
		return true, nil
	}
	for l.held {
		if !blocking || t.expired() {
			return false, nil
		}
		if _, err := t.wait(ctx, &l.mu, l.changed.waitChan()); err != nil {
			return false, err
		}
	}
	l.held, l.owner, l.count = true, owner, 1
	return true, nil
}

// release releases the lock (once, for an RLock).
func (l *Lock) release(owner uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.reentrant && (!l.held || l.owner != owner):
		return raisef(ErrRuntimeError, "cannot release un-acquired lock")
	case !l.held:
		return raisef(threadError, "release unlocked lock")
	}
	l.count--
	if !l.reentrant || l.count == 0 {
		l.held, l.count = false, 0
		l.changed.broadcast()
	}
	return nil
}

// isOwned is Condition's _is_owned: an RLock knows its owner; a Lock is
// taken as owned by whoever asks while it is held, as Python's Condition
// concludes for a lock without _is_owned.
func (l *Lock) isOwned(owner uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held && (!l.reentrant || l.owner == owner)
}

// releaseAll releases the lock completely and returns the recursion count
// to restore (Condition.wait's _release_save).
func (l *Lock) releaseAll() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.count
	l.held, l.count = false, 0
	l.changed.broadcast()
	return n
}

// restore takes the lock again with a saved recursion count
// (_acquire_restore).
func (l *Lock) restore(ctx context.Context, owner uint64, count int) error {
	if _, err := l.acquire(ctx, owner, true, timeout{}); err != nil {
		return err
	}
	l.mu.Lock()
	l.count = count
	l.mu.Unlock()
	return nil
}

// lockAcquireArgs reads threading.Lock.acquire(blocking=True, timeout=-1).
func lockAcquireArgs(c *Call) (bool, timeout, error) {
	args, err := c.bind(param{"blocking", true}, param{"timeout", int64(-1)})
	if err != nil {
		return false, timeout{}, err
	}
	blocking := truth(args[0])
	f, ok := asFloat(args[1])
	if !ok {
		return false, timeout{}, raisef(ErrTypeError, "must be real number, not %s", typeName(args[1]))
	}
	switch {
	case f == -1:
		return blocking, timeout{}, nil
	case !blocking:
		return false, timeout{}, raisef(ErrValueError, "can't specify a timeout for a non-blocking call")
	case f < 0:
		return false, timeout{}, raisef(ErrValueError, "timeout value must be a non-negative number")
	}
	t, err := parseTimeout(f, true)
	return blocking, t, err
}

var lockMethods = methodTable[*Lock]{
	"acquire": func(l *Lock, ctx context.Context, c *Call) (any, error) {
		blocking, t, err := lockAcquireArgs(c)
		if err != nil {
			return nil, err
		}
		return l.acquire(ctx, c.Caller, blocking, t)
	},
	"release": func(l *Lock, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return nil, l.release(c.Caller)
	},
	"locked": func(l *Lock, _ context.Context, c *Call) (any, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.held, c.noArgs()
	},
}

// CallMethod serves acquire, release and locked.
func (l *Lock) CallMethod(ctx context.Context, c *Call) (any, error) {
	return lockMethods.call(l, ctx, c)
}

// Exposed is AcquirerProxy's list (with locked, new in 3.14).
func (l *Lock) Exposed() []string { return []string{"acquire", "release", "locked"} }

// PyRepr is the lock's repr.
func (l *Lock) PyRepr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	state := "unlocked"
	if l.held {
		state = "locked"
	}
	if l.reentrant {
		return fmt.Sprintf("<%s _thread.RLock object owner=%d count=%d at %p>", state, l.owner, l.count, l)
	}
	return fmt.Sprintf("<%s _thread.lock object at %p>", state, l)
}

// PyValue refuses, as pickling a lock does in Python.
func (l *Lock) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle '%s' object", l.pyTypeName())
}

func (l *Lock) pyTypeName() string {
	if l.reentrant {
		return "_thread.RLock"
	}
	return "_thread.lock"
}

// Semaphore is a Go semaphore with the semantics of Python's
// threading.Semaphore, or threading.BoundedSemaphore when bounded.
type Semaphore struct {
	initial int64
	bounded bool

	mu      sync.Mutex
	value   int64
	changed signal
}

// NewSemaphore returns a threading.Semaphore(value), or a
// threading.BoundedSemaphore(value) when bounded.
func NewSemaphore(value int64, bounded bool) *Semaphore {
	return &Semaphore{initial: value, value: value, bounded: bounded}
}

func newSemaphore(_ context.Context, c *Call) (any, error)        { return semaphoreFrom(c, false) }
func newBoundedSemaphore(_ context.Context, c *Call) (any, error) { return semaphoreFrom(c, true) }

func semaphoreFrom(c *Call, bounded bool) (any, error) {
	args, err := c.bind(param{"value", int64(1)})
	if err != nil {
		return nil, err
	}
	n, err := intArg(args[0], "<")
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, raisef(ErrValueError, "semaphore initial value must be >= 0")
	}
	return NewSemaphore(n, bounded), nil
}

var semaphoreMethods = methodTable[*Semaphore]{
	"acquire": func(s *Semaphore, ctx context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"blocking", true}, param{"timeout", nil})
		if err != nil {
			return nil, err
		}
		blocking := truth(args[0])
		if !blocking && args[1] != nil {
			return nil, raisef(ErrValueError, "can't specify timeout for non-blocking acquire")
		}
		t, err := parseTimeout(args[1], false)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for s.value == 0 {
			if !blocking || t.expired() {
				return false, nil
			}
			if _, err := t.wait(ctx, &s.mu, s.changed.waitChan()); err != nil {
				return nil, err
			}
		}
		s.value--
		return true, nil
	},
	"release": func(s *Semaphore, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"n", int64(1)})
		if err != nil {
			return nil, err
		}
		n, err := intArg(args[0], "<")
		if err != nil {
			return nil, err
		}
		if n < 1 {
			return nil, raisef(ErrValueError, "n must be one or more")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.bounded && s.value+n > s.initial {
			return nil, raisef(ErrValueError, "Semaphore released too many times")
		}
		s.value += n
		s.changed.broadcast()
		return nil, nil
	},
}

// CallMethod serves acquire and release.
func (s *Semaphore) CallMethod(ctx context.Context, c *Call) (any, error) {
	return semaphoreMethods.call(s, ctx, c)
}

// Exposed is AcquirerProxy's list.
func (s *Semaphore) Exposed() []string { return []string{"acquire", "release", "locked"} }

// PyRepr is the semaphore's repr.
func (s *Semaphore) PyRepr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("<threading.%s at %p: value=%d>", s.pyTypeName(), s, s.value)
}

// PyValue refuses, as pickling a semaphore does in Python.
func (s *Semaphore) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle '_thread.lock' object")
}

func (s *Semaphore) pyTypeName() string {
	if s.bounded {
		return "BoundedSemaphore"
	}
	return "Semaphore"
}
