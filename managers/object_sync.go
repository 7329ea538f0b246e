package managers

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Condition is a Go condition variable with the semantics of Python's
// threading.Condition: its lock is an RLock of its own (or the Lock or RLock
// of this server that a proxy passed to Condition(lock)), owned by the
// channel that acquired it; wait releases it, waits for a notify and takes it
// again.
type Condition struct {
	lock *Lock

	mu      sync.Mutex
	waiters []chan struct{} // oldest first; notify closes them
}

// NewCondition returns a threading.Condition with a new RLock.
func NewCondition() *Condition { return &Condition{lock: NewRLock()} }

func newCondition(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"lock", nil})
	if err != nil {
		return nil, err
	}
	if args[0] == nil {
		return NewCondition(), nil
	}
	if l, ok := c.server.referentOf(args[0]).(*Lock); ok {
		return &Condition{lock: l}, nil
	}
	return nil, raisef(ErrTypeError, "Condition(lock): %s is not a proxy of a Lock or RLock of this manager", repr(args[0]))
}

// wait is Condition.wait(timeout): whether a notify came.
func (cd *Condition) wait(ctx context.Context, caller uint64, t timeout) (bool, error) {
	if !cd.lock.isOwned(caller) {
		return false, raisef(ErrRuntimeError, "cannot wait on un-acquired lock")
	}
	w := make(chan struct{})
	cd.mu.Lock()
	cd.waiters = append(cd.waiters, w)
	cd.mu.Unlock()
	saved := cd.lock.releaseAll()

	var mu sync.Mutex // t.wait's lock; nothing else shares it
	mu.Lock()
	notified, err := t.wait(ctx, &mu, w)
	mu.Unlock()
	if !notified {
		cd.mu.Lock()
		if i := slices.Index(cd.waiters, w); i >= 0 {
			cd.waiters = slices.Delete(cd.waiters, i, i+1)
		} else {
			notified = true // a notify took it meanwhile
		}
		cd.mu.Unlock()
	}
	if err != nil {
		return false, err
	}
	return notified, cd.lock.restore(ctx, caller, saved)
}

// notify wakes up to n waiters, oldest first.
func (cd *Condition) notify(caller uint64, n int64) error {
	if !cd.lock.isOwned(caller) {
		return raisef(ErrRuntimeError, "cannot notify on un-acquired lock")
	}
	cd.mu.Lock()
	defer cd.mu.Unlock()
	for n > 0 && len(cd.waiters) > 0 {
		close(cd.waiters[0])
		cd.waiters = cd.waiters[1:]
		n--
	}
	return nil
}

var conditionMethods = methodTable[*Condition]{
	"acquire": func(cd *Condition, ctx context.Context, c *Call) (any, error) {
		return lockMethods.call(cd.lock, ctx, c)
	},
	"release": func(cd *Condition, ctx context.Context, c *Call) (any, error) {
		return lockMethods.call(cd.lock, ctx, c)
	},
	"locked": func(cd *Condition, ctx context.Context, c *Call) (any, error) {
		return lockMethods.call(cd.lock, ctx, c)
	},
	"wait": func(cd *Condition, ctx context.Context, c *Call) (any, error) {
		t, err := c.timeoutArg()
		if err != nil {
			return nil, err
		}
		return cd.wait(ctx, c.Caller, t)
	},
	"notify": func(cd *Condition, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"n", int64(1)})
		if err != nil {
			return nil, err
		}
		n, err := intArg(args[0], ">")
		if err != nil {
			return nil, err
		}
		return nil, cd.notify(c.Caller, n)
	},
	"notify_all": func(cd *Condition, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return nil, cd.notify(c.Caller, 1<<62)
	},
}

// CallMethod serves ConditionProxy's methods.
func (cd *Condition) CallMethod(ctx context.Context, c *Call) (any, error) {
	return conditionMethods.call(cd, ctx, c)
}

// Exposed is ConditionProxy's list (with locked, new in 3.14).
func (cd *Condition) Exposed() []string {
	return []string{"acquire", "release", "locked", "wait", "notify", "notify_all"}
}

// PyRepr is the condition's repr.
func (cd *Condition) PyRepr() string {
	cd.mu.Lock()
	n := len(cd.waiters)
	cd.mu.Unlock()
	return fmt.Sprintf("<Condition(%s, %d)>", cd.lock.PyRepr(), n)
}

// PyValue refuses, as pickling a condition does in Python.
func (cd *Condition) PyValue() (any, error) { return cd.lock.PyValue() }

func (cd *Condition) pyTypeName() string { return "Condition" }

// Event is a Go event with the semantics of Python's threading.Event.
type Event struct {
	mu      sync.Mutex
	flag    bool
	changed signal
}

// NewEvent returns a threading.Event, not set.
func NewEvent() *Event { return &Event{} }

func newEvent(_ context.Context, c *Call) (any, error) { return NewEvent(), c.noArgs() }

// Set sets the event, waking every waiter.
func (e *Event) Set() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flag = true
	e.changed.broadcast()
}

// IsSet reports whether the event is set.
func (e *Event) IsSet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.flag
}

var eventMethods = methodTable[*Event]{
	"set": func(e *Event, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		e.Set()
		return nil, nil
	},
	"clear": func(e *Event, _ context.Context, c *Call) (any, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.flag = false
		return nil, c.noArgs()
	},
	"is_set": func(e *Event, _ context.Context, c *Call) (any, error) {
		return e.IsSet(), c.noArgs()
	},
	"wait": func(e *Event, ctx context.Context, c *Call) (any, error) {
		t, err := c.timeoutArg()
		if err != nil {
			return nil, err
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		for !e.flag && !t.expired() {
			if _, err := t.wait(ctx, &e.mu, e.changed.waitChan()); err != nil {
				return nil, err
			}
		}
		return e.flag, nil
	},
}

// CallMethod serves EventProxy's methods.
func (e *Event) CallMethod(ctx context.Context, c *Call) (any, error) {
	return eventMethods.call(e, ctx, c)
}

// Exposed is EventProxy's list.
func (e *Event) Exposed() []string { return []string{"is_set", "set", "clear", "wait"} }

// PyRepr is the event's repr.
func (e *Event) PyRepr() string {
	state := "unset"
	if e.IsSet() {
		state = "set"
	}
	return fmt.Sprintf("<threading.Event at %p: %s>", e, state)
}

// PyValue refuses, as pickling an event does in Python.
func (e *Event) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle '_thread.lock' object")
}

func (e *Event) pyTypeName() string { return "Event" }

// Barrier is a Go barrier with the semantics of Python's threading.Barrier
// (without an action: the manager cannot run a Python function).
type Barrier struct {
	parties int64
	timeout any // the default wait timeout: None or seconds

	mu      sync.Mutex
	state   int // 0 filling, 1 draining, -1 resetting, -2 broken
	count   int64
	changed signal
}

// NewBarrier returns a threading.Barrier(parties).
func NewBarrier(parties int64) *Barrier { return &Barrier{parties: parties} }

func newBarrier(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"parties", noDefault}, param{"action", nil}, param{"timeout", nil})
	if err != nil {
		return nil, err
	}
	n, err := intArg(args[0], "<")
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, raisef(ErrValueError, "parties must be >= 1")
	}
	if args[1] != nil {
		return nil, raisef(ErrTypeError, "a Go manager cannot run a Barrier action (%s)", repr(args[1]))
	}
	if _, err := parseTimeout(args[2], false); err != nil {
		return nil, err
	}
	b := NewBarrier(n)
	b.timeout = args[2]
	return b, nil
}

// wait is Barrier.wait(timeout): the caller's arrival index.
func (b *Barrier) wait(ctx context.Context, t timeout) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// _enter: wait while the barrier drains or resets.
	for b.state == 1 || b.state == -1 {
		if _, err := (timeout{}).wait(ctx, &b.mu, b.changed.waitChan()); err != nil {
			return 0, err
		}
	}
	if b.state < 0 {
		return 0, Raise(ErrBrokenBarrier)
	}
	index := b.count
	b.count++
	defer func() {
		// _exit
		b.count--
		if b.count == 0 && (b.state == 1 || b.state == -1) {
			b.state = 0
			b.changed.broadcast()
		}
	}()
	if index+1 == b.parties {
		b.state = 1
		b.changed.broadcast()
		return index, nil
	}
	for b.state == 0 {
		ok, err := t.wait(ctx, &b.mu, b.changed.waitChan())
		if err != nil {
			return 0, err
		}
		if !ok && b.state == 0 {
			b.brk()
			return 0, Raise(ErrBrokenBarrier)
		}
	}
	if b.state < 0 {
		return 0, Raise(ErrBrokenBarrier)
	}
	return index, nil
}

func (b *Barrier) brk() {
	b.state = -2
	b.changed.broadcast()
}

var barrierMethods = methodTable[*Barrier]{
	"wait": func(b *Barrier, ctx context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"timeout", nil})
		if err != nil {
			return nil, err
		}
		if args[0] == nil {
			args[0] = b.timeout
		}
		t, err := parseTimeout(args[0], false)
		if err != nil {
			return nil, err
		}
		return b.wait(ctx, t)
	},
	"abort": func(b *Barrier, _ context.Context, c *Call) (any, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.brk()
		return nil, c.noArgs()
	},
	"reset": func(b *Barrier, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.count > 0 {
			if b.state == 0 || b.state == -2 {
				b.state = -1
			}
		} else {
			b.state = 0
		}
		b.changed.broadcast()
		return nil, nil
	},
	"__getattribute__": func(b *Barrier, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"name", noDefault})
		if err != nil {
			return nil, err
		}
		name, _ := asText(args[0])
		b.mu.Lock()
		defer b.mu.Unlock()
		switch name {
		case "parties":
			return b.parties, nil
		case "n_waiting":
			if b.state == 0 {
				return b.count, nil
			}
			return int64(0), nil
		case "broken":
			return b.state == -2, nil
		}
		return nil, raisef(ErrAttributeError, "'Barrier' object has no attribute %s", repr(args[0]))
	},
}

// CallMethod serves BarrierProxy's methods.
func (b *Barrier) CallMethod(ctx context.Context, c *Call) (any, error) {
	return barrierMethods.call(b, ctx, c)
}

// Exposed is BarrierProxy's list.
func (b *Barrier) Exposed() []string { return []string{"__getattribute__", "wait", "abort", "reset"} }

// PyRepr is the barrier's repr.
func (b *Barrier) PyRepr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == -2 {
		return fmt.Sprintf("<threading.Barrier at %p: broken>", b)
	}
	return fmt.Sprintf("<threading.Barrier at %p: waiters=%d/%d>", b, b.count, b.parties)
}

// PyValue refuses, as pickling a barrier does in Python.
func (b *Barrier) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle '_thread.lock' object")
}

func (b *Barrier) pyTypeName() string { return "Barrier" }
