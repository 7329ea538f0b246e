package interop_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/managers"
	"github.com/mpconn/mpconn/pickle"
)

// mgrGoCase is a Go client case, run against the Python server and the Go
// server alike.
type mgrGoCase struct {
	name  string
	since [2]int // the first Python version whose server has what it uses
	run   func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer)
}

func (e *mgrEnv) testGoClient(t *testing.T) {
	for _, srv := range e.servers() {
		t.Run(srv.name, func(t *testing.T) {
			for _, gc := range mgrGoCases {
				t.Run(gc.name, func(t *testing.T) {
					if !srv.supports(gc.since[0], gc.since[1]) {
						t.Skipf("a %s manager has no %s (new in %d.%d)", e.py.Name(), gc.name, gc.since[0], gc.since[1])
					}
					c := dialManager(t, srv.addr)
					gc.run(t, mgrCtx(t), c, srv)
					require.NoError(t, c.Close())
				})
			}
			assert.Equal(t, 0, numberOfObjects(t, srv.addr), "objects left in the server")
		})
	}
}

func sortedInts(t *testing.T, items []any) []int64 {
	t.Helper()
	out := make([]int64, len(items))
	for i, it := range items {
		n, ok := it.(int64)
		require.True(t, ok, "item %d: %s", i, describe(it))
		out[i] = n
	}
	slices.Sort(out)
	return out
}

var mgrGoCases = []mgrGoCase{
	{name: "Queue", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		q, err := c.Queue(ctx, 0)
		require.NoError(t, err)
		require.NoError(t, q.Put(ctx, 1))
		require.NoError(t, q.Put(ctx, "two"))
		require.NoError(t, q.PutNowait(ctx, pickle.Tuple{3, nil}))
		n, err := q.Qsize(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		v, err := q.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)
		v, err = q.GetTimeout(ctx, time.Second)
		require.NoError(t, err)
		assert.Equal(t, "two", v)
		v, err = q.GetNowait(ctx)
		require.NoError(t, err)
		assert.Equal(t, pickle.Tuple{int64(3), nil}, v)
		empty, err := q.Empty(ctx)
		require.NoError(t, err)
		assert.True(t, empty)
		_, err = q.GetTimeout(ctx, 20*time.Millisecond)
		assert.ErrorIs(t, err, managers.ErrEmpty)
		_, err = q.GetNowait(ctx)
		assert.ErrorIs(t, err, managers.ErrEmpty)
		assert.ErrorIs(t, err, managers.ErrException)
		assert.NotErrorIs(t, err, managers.ErrFull)

		bounded, err := c.Queue(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, bounded.Put(ctx, "x"))
		full, err := bounded.Full(ctx)
		require.NoError(t, err)
		assert.True(t, full)
		assert.ErrorIs(t, bounded.PutNowait(ctx, "y"), managers.ErrFull)
		assert.ErrorIs(t, bounded.PutTimeout(ctx, "y", 20*time.Millisecond), managers.ErrFull)
		_, err = q.CallKw(ctx, "get", nil, map[string]any{"timeout": 0.01})
		assert.ErrorIs(t, err, managers.ErrEmpty)

		// Typed items.
		type job struct {
			ID   int    `pickle:"id"`
			Name string `pickle:"name"`
		}
		require.NoError(t, q.Put(ctx, map[string]any{"id": 7, "name": "seven"}))
		var j job
		require.NoError(t, q.GetInto(ctx, &j))
		assert.Equal(t, job{7, "seven"}, j)
	}},
	{name: "JoinableQueue", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		q, err := c.JoinableQueue(ctx, 0)
		require.NoError(t, err)
		require.NoError(t, q.Put(ctx, "job"))
		joined := make(chan error, 1)
		go func() { joined <- q.Join(ctx) }() // another channel: the call blocks only itself
		_, err = q.Get(ctx)
		require.NoError(t, err)
		select {
		case err := <-joined:
			t.Fatalf("join returned (%v) before task_done", err)
		default:
		}
		require.NoError(t, q.TaskDone(ctx))
		require.NoError(t, <-joined)
		assert.ErrorIs(t, q.TaskDone(ctx), managers.ErrValueError)
	}},
	{name: "GetCancelled", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		q, err := c.Queue(ctx, 0)
		require.NoError(t, err)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err = q.Get(short)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		// The proxy stays usable. (A Python server's thread is still in
		// q.get() and would take the next item, as with any Python client
		// that dies there; a Go server ends the get: see the managers
		// package's tests.)
		n, err := q.Qsize(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n)
	}},
	{name: "Dict", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		d, err := c.Dict(ctx, map[string]any{"a": 1})
		require.NoError(t, err)
		require.NoError(t, d.SetItem(ctx, "b", 2))
		require.NoError(t, d.SetItem(ctx, pickle.Tuple{1, "t"}, "tuple key"))
		v, err := d.GetItem(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)
		v, err = d.GetItem(ctx, pickle.Tuple{1, "t"})
		require.NoError(t, err)
		assert.Equal(t, "tuple key", v)
		v, err = d.Get(ctx, "zz", "default")
		require.NoError(t, err)
		assert.Equal(t, "default", v)
		ok, err := d.Contains(ctx, "b")
		require.NoError(t, err)
		assert.True(t, ok)
		n, err := d.Len(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		require.NoError(t, d.DelItem(ctx, pickle.Tuple{1, "t"}))
		keys, err := d.Keys(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, []any{"a", "b"}, keys)
		values, err := d.Values(ctx)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2}, sortedInts(t, values))
		items, err := d.Items(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, []any{pickle.Tuple{"a", int64(1)}, pickle.Tuple{"b", int64(2)}}, items)
		require.NoError(t, d.Update(ctx, map[string]any{"c": 3}))
		v, err = d.Pop(ctx, "c")
		require.NoError(t, err)
		assert.Equal(t, int64(3), v)
		v, err = d.PopDefault(ctx, "c", "gone")
		require.NoError(t, err)
		assert.Equal(t, "gone", v)
		v, err = d.SetDefault(ctx, "s", 9)
		require.NoError(t, err)
		assert.Equal(t, int64(9), v)
		cp, err := d.Copy(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, cp.Len())
		snap, err := d.Snapshot(ctx)
		require.NoError(t, err)
		assert.True(t, pickle.Equal(cp, snap))

		it, err := d.Iter(ctx)
		require.NoError(t, err)
		var seen []any
		for {
			k, ok, err := it.Next(ctx)
			require.NoError(t, err)
			if !ok {
				break
			}
			seen = append(seen, k)
		}
		assert.ElementsMatch(t, []any{"a", "b", "s"}, seen)
		require.NoError(t, it.Close(ctx))

		_, err = d.GetItem(ctx, "missing")
		e := requireExceptionType(t, err, managers.KindError, "KeyError")
		assert.Equal(t, pickle.Tuple{"missing"}, e.Args)
		assert.ErrorIs(t, err, managers.ErrKeyError)
		assert.ErrorIs(t, err, managers.ErrLookupError)
		_, err = d.GetItem(ctx, []any{1})
		assert.ErrorIs(t, err, managers.ErrTypeError)
		require.NoError(t, d.Clear(ctx))
		_, err = d.PopItem(ctx)
		assert.ErrorIs(t, err, managers.ErrKeyError)
	}},
	{name: "List", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		l, err := c.List(ctx, []any{3, 1, 2})
		require.NoError(t, err)
		require.NoError(t, l.Append(ctx, 4))
		require.NoError(t, l.Extend(ctx, []any{5, 6}))
		require.NoError(t, l.Insert(ctx, 0, 9))
		require.NoError(t, l.SetItem(ctx, 1, 0))
		v, err := l.GetItem(ctx, -1)
		require.NoError(t, err)
		assert.Equal(t, int64(6), v)
		part, err := l.Slice(ctx, 0, 2)
		require.NoError(t, err)
		assert.Equal(t, []any{int64(9), int64(0)}, part)
		n, err := l.Len(ctx)
		require.NoError(t, err)
		assert.Equal(t, 7, n)
		ok, err := l.Contains(ctx, 2.0) // 2 == 2.0 in Python
		require.NoError(t, err)
		assert.True(t, ok)
		i, err := l.Index(ctx, 2)
		require.NoError(t, err)
		assert.Equal(t, 3, i)
		n, err = l.Count(ctx, 9)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		v, err = l.Pop(ctx, -1)
		require.NoError(t, err)
		assert.Equal(t, int64(6), v)
		require.NoError(t, l.Remove(ctx, 9))
		require.NoError(t, l.DelItem(ctx, 0))
		require.NoError(t, l.Reverse(ctx))
		require.NoError(t, l.Sort(ctx))
		all, err := l.Snapshot(ctx)
		require.NoError(t, err)
		assert.Equal(t, []any{int64(1), int64(2), int64(4), int64(5)}, all)
		var typed []int
		require.NoError(t, l.CallInto(ctx, &typed, "#GETVALUE", nil, nil))
		assert.Equal(t, []int{1, 2, 4, 5}, typed)
		s, err := l.Repr(ctx)
		require.NoError(t, err)
		assert.Equal(t, "[1, 2, 4, 5]", s)

		assert.ErrorIs(t, l.Remove(ctx, "missing"), managers.ErrValueError)
		_, err = l.GetItem(ctx, 99)
		assert.ErrorIs(t, err, managers.ErrIndexError)
	}},
	{name: "Lock", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		lk, err := c.Lock(ctx)
		require.NoError(t, err)
		require.NoError(t, lk.Acquire(ctx))
		got, err := lk.TryAcquire(ctx)
		require.NoError(t, err)
		assert.False(t, got)
		if srv.supports(3, 2) { // 2.7's Lock.acquire takes no timeout
			got, err = lk.AcquireTimeout(ctx, 20*time.Millisecond)
			require.NoError(t, err)
			assert.False(t, got)
		}
		if srv.supports(3, 14) {
			locked, err := lk.Locked(ctx)
			require.NoError(t, err)
			assert.True(t, locked)
		}
		// A Lock has no owner: any channel releases it.
		require.NoError(t, lk.Release(ctx))
		assert.ErrorIs(t, lk.Release(ctx), managers.ErrRuntimeError)
	}},
	{name: "RLock", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		r, err := c.RLock(ctx)
		require.NoError(t, err)
		other, err := r.Clone(ctx) // a second owner
		require.NoError(t, err)
		require.NoError(t, r.Acquire(ctx))
		require.NoError(t, r.Acquire(ctx))
		got, err := managers.AcquirerProxy{Proxy: other}.TryAcquire(ctx)
		require.NoError(t, err)
		assert.False(t, got, "another owner got the RLock")
		// Releasing from the other owner's channel is Python's RuntimeError.
		assert.ErrorIs(t, managers.AcquirerProxy{Proxy: other}.Release(ctx), managers.ErrRuntimeError)
		require.NoError(t, r.Release(ctx))
		require.NoError(t, r.Release(ctx))
		assert.ErrorIs(t, r.Release(ctx), managers.ErrRuntimeError)
		got, err = managers.AcquirerProxy{Proxy: other}.TryAcquire(ctx)
		require.NoError(t, err)
		assert.True(t, got)
		require.NoError(t, managers.AcquirerProxy{Proxy: other}.Release(ctx))
		require.NoError(t, other.Close(ctx))
	}},
	{name: "Semaphore", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		s, err := c.Semaphore(ctx, 2)
		require.NoError(t, err)
		require.NoError(t, s.Acquire(ctx))
		require.NoError(t, s.Acquire(ctx))
		got, err := s.TryAcquire(ctx)
		require.NoError(t, err)
		assert.False(t, got)
		require.NoError(t, s.Release(ctx))
		b, err := c.BoundedSemaphore(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, b.Acquire(ctx))
		require.NoError(t, b.Release(ctx))
		assert.ErrorIs(t, b.Release(ctx), managers.ErrValueError)
	}},
	{name: "Condition", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		cond, err := c.Condition(ctx)
		require.NoError(t, err)
		assert.ErrorIs(t, cond.Wait(ctx), managers.ErrRuntimeError, "wait without the lock")
		assert.ErrorIs(t, cond.Notify(ctx, 1), managers.ErrRuntimeError, "notify without the lock")
		p2, err := cond.Clone(ctx)
		require.NoError(t, err)
		notifier := managers.ConditionProxy{AcquirerProxy: managers.AcquirerProxy{Proxy: p2}}

		require.NoError(t, cond.Acquire(ctx))
		if srv.supports(3, 2) { // 2.7's wait returns None
			notified, err := cond.WaitTimeout(ctx, 10*time.Millisecond)
			require.NoError(t, err)
			assert.False(t, notified)
		}
		woke := make(chan error, 1)
		go func() { woke <- cond.Wait(ctx) }()
		// The waiter releases the lock in wait: acquiring it here proves
		// the waiter waits, so the notify cannot come too early.
		require.NoError(t, notifier.Acquire(ctx))
		require.NoError(t, notifier.Notify(ctx, 1))
		require.NoError(t, notifier.Release(ctx))
		require.NoError(t, <-woke)
		require.NoError(t, cond.NotifyAll(ctx))
		require.NoError(t, cond.Release(ctx))
		require.NoError(t, p2.Close(ctx))
	}},
	{name: "Event", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		e, err := c.Event(ctx)
		require.NoError(t, err)
		set, err := e.WaitTimeout(ctx, 10*time.Millisecond)
		require.NoError(t, err)
		assert.False(t, set)
		woke := make(chan error, 1)
		go func() { woke <- e.Wait(ctx) }()
		require.NoError(t, e.Set(ctx))
		require.NoError(t, <-woke)
		set, err = e.IsSet(ctx)
		require.NoError(t, err)
		assert.True(t, set)
		require.NoError(t, e.Clear(ctx))
		set, err = e.IsSet(ctx)
		require.NoError(t, err)
		assert.False(t, set)
	}},
	{name: "Barrier", since: [2]int{3, 3}, run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		b, err := c.Barrier(ctx, 2)
		require.NoError(t, err)
		n, err := b.Parties(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		idx := make(chan int, 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i, err := b.Wait(ctx)
				assert.NoError(t, err)
				idx <- i
			}()
		}
		wg.Wait()
		close(idx)
		var got []int
		for i := range idx {
			got = append(got, i)
		}
		assert.ElementsMatch(t, []int{0, 1}, got)
		require.NoError(t, b.Abort(ctx))
		broken, err := b.Broken(ctx)
		require.NoError(t, err)
		assert.True(t, broken)
		_, err = b.Wait(ctx)
		assert.ErrorIs(t, err, managers.ErrBrokenBarrier)
		assert.ErrorIs(t, err, managers.ErrRuntimeError)
		require.NoError(t, b.Reset(ctx))
		_, err = b.WaitTimeout(ctx, 10*time.Millisecond)
		assert.ErrorIs(t, err, managers.ErrBrokenBarrier, "a wait that times out breaks the barrier")
	}},
	{name: "Value", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		v, err := c.Value(ctx, "i", 7)
		require.NoError(t, err)
		x, err := v.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(7), x)
		require.NoError(t, v.Set(ctx, 8))
		var n int16
		require.NoError(t, v.GetInto(ctx, &n))
		assert.Equal(t, int16(8), n)
	}},
	{name: "Array", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		a, err := c.Array(ctx, "i", []any{1, 2, 3})
		require.NoError(t, err)
		n, err := a.Len(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		require.NoError(t, a.SetItem(ctx, 0, 5))
		v, err := a.GetItem(ctx, 0)
		require.NoError(t, err)
		assert.Equal(t, int64(5), v)
		assert.ErrorIs(t, a.SetItem(ctx, 0, "x"), managers.ErrTypeError)
		_, err = a.GetItem(ctx, 10)
		assert.ErrorIs(t, err, managers.ErrIndexError)
		whole, err := a.Value(ctx)
		require.NoError(t, err)
		o, ok := whole.(*pickle.Object)
		require.True(t, ok, "array value %s", describe(whole))
		assert.Equal(t, pickle.Global{Module: "array", Name: "array"}, o.Class)
	}},
	{name: "Namespace", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		ns, err := c.Namespace(ctx, map[string]any{"x": 1})
		require.NoError(t, err)
		require.NoError(t, ns.SetAttr(ctx, "y", "two"))
		v, err := ns.GetAttr(ctx, "x")
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)
		attrs, err := ns.Attrs(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, attrs.Len())
		_, err = ns.GetAttr(ctx, "zz")
		assert.ErrorIs(t, err, managers.ErrAttributeError)
		require.NoError(t, ns.DelAttr(ctx, "y"))
		assert.ErrorIs(t, ns.DelAttr(ctx, "y"), managers.ErrAttributeError)
	}},
	{name: "Set", since: [2]int{3, 14}, run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		s, err := c.Create(ctx, "set", []any{1, 2})
		require.NoError(t, err)
		_, err = s.Call(ctx, "add", 3)
		require.NoError(t, err)
		v, err := s.Call(ctx, "__contains__", 3)
		require.NoError(t, err)
		assert.Equal(t, true, v)
		_, err = s.Call(ctx, "remove", 42)
		assert.ErrorIs(t, err, managers.ErrKeyError)
		v, err = s.Value(ctx)
		require.NoError(t, err)
		set, ok := v.(*pickle.Set)
		require.True(t, ok, describe(v))
		assert.Equal(t, 3, set.Len())
	}},
	{name: "UserType", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		thing, err := c.Create(ctx, "Thing")
		require.NoError(t, err)
		_, err = thing.Call(ctx, "boom")
		e := requireExceptionType(t, err, managers.KindError, "ValueError")
		assert.Equal(t, pickle.Tuple{"boom", int64(42)}, e.Args)
		_, err = thing.Call(ctx, "unpicklable")
		var ue *managers.Error
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, managers.KindUnserializable, ue.Kind)
		// The channel is still in step.
		v, err := thing.CallKw(ctx, "echo", []any{1, "a"}, map[string]any{"k": 2})
		require.NoError(t, err)
		items, ok := v.([]any)
		require.True(t, ok && len(items) == 2, describe(v))
		assert.Equal(t, []any{int64(1), "a"}, items[0])
		kw, ok := items[1].(*pickle.Dict)
		require.True(t, ok, describe(items[1]))
		k, _ := kw.Get("k")
		assert.Equal(t, int64(2), k)
	}},
	{name: "Protocol", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		l, err := c.List(ctx, []any{1})
		require.NoError(t, err)
		_, err = l.Call(ctx, "bogus")
		e := requireExceptionType(t, err, managers.KindTraceback, "KeyError")
		assert.NotErrorIs(t, err, managers.ErrKeyError, "a traceback is not the referent's KeyError")
		assert.Contains(t, e.Traceback, "Traceback (most recent call last)")
		names, err := c.GetMethods(ctx, l.Token())
		require.NoError(t, err)
		assert.Contains(t, names, "append")
		info, err := c.DebugInfo(ctx)
		require.NoError(t, err)
		assert.Contains(t, info, l.Token().ID)
		_, err = c.Create(ctx, "NoSuchType")
		requireExceptionType(t, err, managers.KindTraceback, "KeyError")
	}},
	{name: "ReferenceCounts", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		n0, err := c.NumberOfObjects(ctx)
		require.NoError(t, err)
		l, err := c.List(ctx, nil)
		require.NoError(t, err)
		d, err := c.Dict(ctx, map[string]any{"k": 1})
		require.NoError(t, err)
		it, err := d.Iter(ctx)
		require.NoError(t, err)
		clone, err := l.Clone(ctx)
		require.NoError(t, err)
		n, err := c.NumberOfObjects(ctx)
		require.NoError(t, err)
		assert.Equal(t, n0+3, n)
		for _, p := range []*managers.Proxy{l.Proxy, d.Proxy, it.Proxy} {
			require.NoError(t, p.Close(ctx))
			require.NoError(t, p.Close(ctx), "closing twice")
		}
		_, err = l.Len(ctx)
		assert.ErrorIs(t, err, managers.ErrProxyClosed)
		n, err = c.NumberOfObjects(ctx)
		require.NoError(t, err)
		assert.Equal(t, n0+1, n, "the clone keeps the list")
		v, err := clone.Call(ctx, "__len__")
		require.NoError(t, err)
		assert.Equal(t, int64(0), v)
		require.NoError(t, clone.Close(ctx))
		n, err = c.NumberOfObjects(ctx)
		require.NoError(t, err)
		assert.Equal(t, n0, n)
	}},
	{name: "ConcurrentCalls", run: func(t *testing.T, ctx context.Context, c *managers.Client, srv mgrServer) {
		q, err := c.Queue(ctx, 0)
		require.NoError(t, err)
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					assert.NoError(t, q.Put(ctx, w*each+i))
				}
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		var mu sync.Mutex
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					v, err := q.Get(ctx)
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					seen[v.(int64)] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Len(t, seen, workers*each)
	}},
}
