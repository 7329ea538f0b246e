package managers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mpconn/mpconn/pickle"
)

// Typed proxies for SyncManager's typeids. Each wraps a *Proxy (whose Call,
// Value, Clone and Close it keeps) and names its methods after Python's,
// with the wire calls Python's own proxy classes make. Blocking methods come
// in three forms: X(ctx) blocks until done or ctx ends (see Proxy.Call for
// what ending early means), XTimeout(ctx, d) passes Python's timeout so the
// manager gives up by itself, and the non-blocking form where Python has
// one.

// QueueProxy is a queue.Queue in a manager: SyncManager's Queue and
// JoinableQueue, or the docs' get_queue.
type QueueProxy struct{ *Proxy }

// Put puts item on the queue, waiting for room (q.put(item)).
func (q QueueProxy) Put(ctx context.Context, item any) error {
	return q.callNone(ctx, "put", item)
}

// PutTimeout waits at most d for room (q.put(item, True, d)); then the error
// matches ErrFull.
func (q QueueProxy) PutTimeout(ctx context.Context, item any, d time.Duration) error {
	return q.callNone(ctx, "put", item, true, seconds(d))
}

// PutNowait puts item if there is room, else fails with ErrFull
// (q.put_nowait(item)).
func (q QueueProxy) PutNowait(ctx context.Context, item any) error {
	return q.callNone(ctx, "put_nowait", item)
}

// Get removes and returns an item, waiting for one (q.get()).
func (q QueueProxy) Get(ctx context.Context) (any, error) {
	return q.Call(ctx, "get")
}

// GetInto is Get decoding the item into out (see Proxy.CallInto).
func (q QueueProxy) GetInto(ctx context.Context, out any) error {
	return q.CallInto(ctx, out, "get", nil, nil)
}

// GetTimeout waits at most d for an item (q.get(True, d)); then the error
// matches ErrEmpty.
func (q QueueProxy) GetTimeout(ctx context.Context, d time.Duration) (any, error) {
	return q.Call(ctx, "get", true, seconds(d))
}

// GetNowait returns an item if there is one, else fails with ErrEmpty
// (q.get_nowait()).
func (q QueueProxy) GetNowait(ctx context.Context) (any, error) {
	return q.Call(ctx, "get_nowait")
}

// Qsize returns the approximate size of the queue (q.qsize()).
func (q QueueProxy) Qsize(ctx context.Context) (int, error) {
	var n int
	err := q.CallInto(ctx, &n, "qsize", nil, nil)
	return n, err
}

// Empty reports whether the queue is empty (q.empty()).
func (q QueueProxy) Empty(ctx context.Context) (bool, error) { return q.callBool(ctx, "empty") }

// Full reports whether the queue is full (q.full()).
func (q QueueProxy) Full(ctx context.Context) (bool, error) { return q.callBool(ctx, "full") }

// TaskDone tells the queue one item taken from it is processed
// (q.task_done()); once more than were put fails with ErrValueError.
func (q QueueProxy) TaskDone(ctx context.Context) error {
	return q.callNone(ctx, "task_done")
}

// Join waits until every item put has been marked done (q.join()).
func (q QueueProxy) Join(ctx context.Context) error {
	return q.callNone(ctx, "join")
}

// DictProxy is a dict in a manager (SyncManager's dict).
type DictProxy struct{ *Proxy }

// GetItem returns d[key]; a missing key fails with ErrKeyError.
func (d DictProxy) GetItem(ctx context.Context, key any) (any, error) {
	return d.Call(ctx, "__getitem__", key)
}

// SetItem does d[key] = value.
func (d DictProxy) SetItem(ctx context.Context, key, value any) error {
	return d.callNone(ctx, "__setitem__", key, value)
}

// DelItem does del d[key].
func (d DictProxy) DelItem(ctx context.Context, key any) error {
	return d.callNone(ctx, "__delitem__", key)
}

// Get returns d.get(key, def).
func (d DictProxy) Get(ctx context.Context, key, def any) (any, error) {
	return d.Call(ctx, "get", key, def)
}

// Contains reports key in d.
func (d DictProxy) Contains(ctx context.Context, key any) (bool, error) {
	return d.callBool(ctx, "__contains__", key)
}

// Len returns len(d).
func (d DictProxy) Len(ctx context.Context) (int, error) { return d.callInt(ctx, "__len__") }

// Keys returns list(d.keys()) (Python sends a list).
func (d DictProxy) Keys(ctx context.Context) ([]any, error) { return d.callList(ctx, "keys") }

// Values returns list(d.values()).
func (d DictProxy) Values(ctx context.Context) ([]any, error) { return d.callList(ctx, "values") }

// Items returns list(d.items()): (key, value) tuples.
func (d DictProxy) Items(ctx context.Context) ([]any, error) { return d.callList(ctx, "items") }

// Pop removes key and returns its value (d.pop(key)); a missing key fails
// with ErrKeyError.
func (d DictProxy) Pop(ctx context.Context, key any) (any, error) { return d.Call(ctx, "pop", key) }

// PopDefault is d.pop(key, def).
func (d DictProxy) PopDefault(ctx context.Context, key, def any) (any, error) {
	return d.Call(ctx, "pop", key, def)
}

// PopItem removes and returns the last (key, value) pair (d.popitem()).
func (d DictProxy) PopItem(ctx context.Context) (any, error) { return d.Call(ctx, "popitem") }

// SetDefault is d.setdefault(key, def).
func (d DictProxy) SetDefault(ctx context.Context, key, def any) (any, error) {
	return d.Call(ctx, "setdefault", key, def)
}

// Update is d.update(other), other being a map, a *pickle.Dict or a list of
// pairs.
func (d DictProxy) Update(ctx context.Context, other any) error {
	return d.callNone(ctx, "update", other)
}

// Clear is d.clear().
func (d DictProxy) Clear(ctx context.Context) error {
	return d.callNone(ctx, "clear")
}

// Copy returns d.copy(), a plain dict.
func (d DictProxy) Copy(ctx context.Context) (*pickle.Dict, error) { return d.callDict(ctx, "copy") }

// Snapshot returns the whole dict (Python's d._getvalue()).
func (d DictProxy) Snapshot(ctx context.Context) (*pickle.Dict, error) {
	return d.callDict(ctx, "#GETVALUE")
}

// Iter returns an iterator over the keys (iter(d), which the manager serves
// as a shared Iterator object).
func (d DictProxy) Iter(ctx context.Context) (IteratorProxy, error) {
	v, err := d.Call(ctx, "__iter__")
	if err != nil {
		return IteratorProxy{}, err
	}
	p, ok := v.(*Proxy)
	if !ok {
		return IteratorProxy{}, fmt.Errorf("managers: __iter__ returned %s, not a proxy", repr(v))
	}
	return IteratorProxy{p}, nil
}

// IteratorProxy is an iterator held by a manager, such as iter(d) of a
// managed dict.
type IteratorProxy struct{ *Proxy }

// Next returns the next item (next(it)); ok is false at the end.
func (it IteratorProxy) Next(ctx context.Context) (v any, ok bool, err error) {
	method := "__next__"
	if slices.Contains(it.exposed, "next") {
		method = "next" // Python 2's name; a Go manager has both
	}
	v, err = it.Call(ctx, method)
	if isStopIteration(err) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func isStopIteration(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Is(ErrStopIteration)
}

// ListProxy is a list in a manager (SyncManager's list).
type ListProxy struct{ *Proxy }

// Append is l.append(v).
func (l ListProxy) Append(ctx context.Context, v any) error {
	return l.callNone(ctx, "append", v)
}

// Extend is l.extend(items).
func (l ListProxy) Extend(ctx context.Context, items []any) error {
	return l.callNone(ctx, "extend", items)
}

// Insert is l.insert(i, v).
func (l ListProxy) Insert(ctx context.Context, i int, v any) error {
	return l.callNone(ctx, "insert", i, v)
}

// GetItem returns l[i] (negative i counts from the end); out of range fails
// with ErrIndexError.
func (l ListProxy) GetItem(ctx context.Context, i int) (any, error) {
	return l.Call(ctx, "__getitem__", i)
}

// Slice returns l[start:stop] as a list.
func (l ListProxy) Slice(ctx context.Context, start, stop int) ([]any, error) {
	return l.callList(ctx, "__getitem__", Slice{Start: start, Stop: stop})
}

// SetItem does l[i] = v.
func (l ListProxy) SetItem(ctx context.Context, i int, v any) error {
	return l.callNone(ctx, "__setitem__", i, v)
}

// DelItem does del l[i].
func (l ListProxy) DelItem(ctx context.Context, i int) error {
	return l.callNone(ctx, "__delitem__", i)
}

// Len returns len(l).
func (l ListProxy) Len(ctx context.Context) (int, error) { return l.callInt(ctx, "__len__") }

// Contains reports v in l.
func (l ListProxy) Contains(ctx context.Context, v any) (bool, error) {
	return l.callBool(ctx, "__contains__", v)
}

// Index is l.index(v); a missing value fails with ErrValueError.
func (l ListProxy) Index(ctx context.Context, v any) (int, error) { return l.callInt(ctx, "index", v) }

// Count is l.count(v).
func (l ListProxy) Count(ctx context.Context, v any) (int, error) { return l.callInt(ctx, "count", v) }

// Pop removes and returns l[i] (l.pop(i); -1 is the last).
func (l ListProxy) Pop(ctx context.Context, i int) (any, error) { return l.Call(ctx, "pop", i) }

// Remove is l.remove(v); a missing value fails with ErrValueError.
func (l ListProxy) Remove(ctx context.Context, v any) error {
	return l.callNone(ctx, "remove", v)
}

// Reverse is l.reverse().
func (l ListProxy) Reverse(ctx context.Context) error {
	return l.callNone(ctx, "reverse")
}

// Sort is l.sort(); values without an order fail with ErrTypeError.
func (l ListProxy) Sort(ctx context.Context) error {
	return l.callNone(ctx, "sort")
}

// Snapshot returns the whole list (Python's l._getvalue()).
func (l ListProxy) Snapshot(ctx context.Context) ([]any, error) { return l.callList(ctx, "#GETVALUE") }

// Slice is Python's slice(start, stop, None), as l[start:stop] sends it.
type Slice struct{ Start, Stop int }

var sliceClass = pickle.Global{Module: "builtins", Name: "slice"}

// MarshalPickle writes builtins.slice(start, stop, None).
func (s Slice) MarshalPickle() (any, error) {
	return &pickle.Object{Class: sliceClass, Args: pickle.Tuple{s.Start, s.Stop, nil}}, nil
}

// AcquirerProxy is a Lock, RLock, Semaphore or BoundedSemaphore in a manager
// (Python's AcquirerProxy). An RLock proxy is pinned (see Proxy): the proxy
// owns the lock once it acquires it.
type AcquirerProxy struct{ *Proxy }

// Acquire waits for the lock (acquire(True)).
func (a AcquirerProxy) Acquire(ctx context.Context) error {
	return a.callNone(ctx, "acquire", true)
}

// TryAcquire takes the lock if it is free (acquire(False)).
func (a AcquirerProxy) TryAcquire(ctx context.Context) (bool, error) {
	return a.callBool(ctx, "acquire", false)
}

// AcquireTimeout waits at most d (acquire(True, d)) and reports whether it
// got the lock. Python 2.7 managers do not take a timeout.
func (a AcquirerProxy) AcquireTimeout(ctx context.Context, d time.Duration) (bool, error) {
	return a.callBool(ctx, "acquire", true, seconds(d))
}

// Release is release(); releasing a lock one does not hold fails with
// ErrRuntimeError (ErrValueError for a BoundedSemaphore released too often).
func (a AcquirerProxy) Release(ctx context.Context) error {
	return a.callNone(ctx, "release")
}

// Locked reports whether the lock is held (locked(); CPython 3.14 managers
// and Go servers only).
func (a AcquirerProxy) Locked(ctx context.Context) (bool, error) { return a.callBool(ctx, "locked") }

// ConditionProxy is a Condition in a manager. It is pinned (see Proxy): the
// proxy owns the condition's lock once it acquires it, and a goroutine
// waiting on it occupies the proxy, so a goroutine that notifies needs its
// own proxy (Clone).
type ConditionProxy struct{ AcquirerProxy }

// Wait releases the lock, waits for a notify and takes the lock again
// (wait()).
func (c ConditionProxy) Wait(ctx context.Context) error {
	return c.callNone(ctx, "wait", nil)
}

// WaitTimeout is wait(d): false when d passed without a notify.
func (c ConditionProxy) WaitTimeout(ctx context.Context, d time.Duration) (bool, error) {
	return c.callBool(ctx, "wait", seconds(d))
}

// Notify wakes up to n waiters (notify(n)).
func (c ConditionProxy) Notify(ctx context.Context, n int) error {
	return c.callNone(ctx, "notify", n)
}

// NotifyAll wakes every waiter (notify_all()).
func (c ConditionProxy) NotifyAll(ctx context.Context) error {
	return c.callNone(ctx, "notify_all")
}

// EventProxy is an Event in a manager.
type EventProxy struct{ *Proxy }

// Set is set().
func (e EventProxy) Set(ctx context.Context) error {
	return e.callNone(ctx, "set")
}

// Clear is clear().
func (e EventProxy) Clear(ctx context.Context) error {
	return e.callNone(ctx, "clear")
}

// IsSet is is_set().
func (e EventProxy) IsSet(ctx context.Context) (bool, error) { return e.callBool(ctx, "is_set") }

// Wait waits until the event is set (wait()).
func (e EventProxy) Wait(ctx context.Context) error {
	return e.callNone(ctx, "wait", nil)
}

// WaitTimeout is wait(d): whether the event was set.
func (e EventProxy) WaitTimeout(ctx context.Context, d time.Duration) (bool, error) {
	return e.callBool(ctx, "wait", seconds(d))
}

// BarrierProxy is a Barrier in a manager.
type BarrierProxy struct{ *Proxy }

// Wait waits for the other parties and returns this party's arrival index
// (wait()); a broken barrier fails with ErrBrokenBarrier.
func (b BarrierProxy) Wait(ctx context.Context) (int, error) { return b.callInt(ctx, "wait", nil) }

// WaitTimeout is wait(d); when d passes the barrier breaks.
func (b BarrierProxy) WaitTimeout(ctx context.Context, d time.Duration) (int, error) {
	return b.callInt(ctx, "wait", seconds(d))
}

// Abort breaks the barrier (abort()).
func (b BarrierProxy) Abort(ctx context.Context) error {
	return b.callNone(ctx, "abort")
}

// Reset returns the barrier to its empty state (reset()).
func (b BarrierProxy) Reset(ctx context.Context) error {
	return b.callNone(ctx, "reset")
}

// Parties is the barrier's parties attribute.
func (b BarrierProxy) Parties(ctx context.Context) (int, error) {
	return b.callInt(ctx, "__getattribute__", "parties")
}

// NWaiting is its n_waiting attribute.
func (b BarrierProxy) NWaiting(ctx context.Context) (int, error) {
	return b.callInt(ctx, "__getattribute__", "n_waiting")
}

// Broken is its broken attribute.
func (b BarrierProxy) Broken(ctx context.Context) (bool, error) {
	return b.callBool(ctx, "__getattribute__", "broken")
}

// ValueProxy is a Value in a manager (v.value is get() and set()).
type ValueProxy struct{ *Proxy }

// Get returns v.value.
func (v ValueProxy) Get(ctx context.Context) (any, error) { return v.Call(ctx, "get") }

// GetInto decodes v.value into out (see Proxy.CallInto).
func (v ValueProxy) GetInto(ctx context.Context, out any) error {
	return v.CallInto(ctx, out, "get", nil, nil)
}

// Set does v.value = x.
func (v ValueProxy) Set(ctx context.Context, x any) error {
	return v.callNone(ctx, "set", x)
}

// ArrayProxy is an Array in a manager (an array.array of one typecode).
type ArrayProxy struct{ *Proxy }

// Len returns len(a).
func (a ArrayProxy) Len(ctx context.Context) (int, error) { return a.callInt(ctx, "__len__") }

// GetItem returns a[i].
func (a ArrayProxy) GetItem(ctx context.Context, i int) (any, error) {
	return a.Call(ctx, "__getitem__", i)
}

// SetItem does a[i] = v; a value the typecode cannot hold fails with
// ErrTypeError or an OverflowError.
func (a ArrayProxy) SetItem(ctx context.Context, i int, v any) error {
	return a.callNone(ctx, "__setitem__", i, v)
}

// NamespaceProxy is a Namespace in a manager: attributes by name.
type NamespaceProxy struct{ *Proxy }

// GetAttr returns ns.name; a missing one fails with ErrAttributeError.
func (n NamespaceProxy) GetAttr(ctx context.Context, name string) (any, error) {
	return n.Call(ctx, "__getattribute__", name)
}

// SetAttr does ns.name = v.
func (n NamespaceProxy) SetAttr(ctx context.Context, name string, v any) error {
	return n.callNone(ctx, "__setattr__", name, v)
}

// DelAttr does del ns.name.
func (n NamespaceProxy) DelAttr(ctx context.Context, name string) error {
	return n.callNone(ctx, "__delattr__", name)
}

// Attrs returns the namespace's attributes (ns.__dict__).
func (n NamespaceProxy) Attrs(ctx context.Context) (*pickle.Dict, error) {
	return n.callDict(ctx, "__getattribute__", "__dict__")
}

// seconds is a Python timeout.
func seconds(d time.Duration) float64 { return max(d, 0).Seconds() }

// callNone calls a method whose result is None.
func (p *Proxy) callNone(ctx context.Context, method string, args ...any) error {
	_, err := p.Call(ctx, method, args...)
	return err
}

func (p *Proxy) callBool(ctx context.Context, method string, args ...any) (bool, error) {
	v, err := p.Call(ctx, method, args...)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return truth(v), nil // Python 2 returns 0 and 1 in places
	}
	return b, nil
}

func (p *Proxy) callInt(ctx context.Context, method string, args ...any) (int, error) {
	v, err := p.Call(ctx, method, args...)
	if err != nil {
		return 0, err
	}
	n, ok := asInt(v)
	if !ok {
		return 0, fmt.Errorf("managers: %s returned %s, not an int", method, repr(v))
	}
	return int(n), nil
}

func (p *Proxy) callList(ctx context.Context, method string, args ...any) ([]any, error) {
	v, err := p.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("managers: %s returned %s, not a list", method, repr(v))
	}
	return items, nil
}

func (p *Proxy) callDict(ctx context.Context, method string, args ...any) (*pickle.Dict, error) {
	v, err := p.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*pickle.Dict)
	if !ok {
		return nil, fmt.Errorf("managers: %s returned %s, not a dict", method, repr(v))
	}
	return d, nil
}
