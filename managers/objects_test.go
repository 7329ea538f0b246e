package managers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

// step is one call on an object and what it must give: a result, or an
// error matching an ExceptionType.
type step struct {
	method string
	args   []any
	kwargs map[string]any
	caller uint64
	want   any
	err    error
}

func kw(m map[string]any) *pickle.Dict {
	if m == nil {
		return nil
	}
	d := pickle.NewDict(len(m))
	for k, v := range m {
		_ = d.Set(k, v)
	}
	return d
}

func slice(start, stop, step any) *pickle.Object {
	return &pickle.Object{Class: sliceClass, Args: pickle.Tuple{start, stop, step}}
}

func runSteps(t *testing.T, obj Object, steps []step) {
	t.Helper()
	ctx := testCtx(t)
	for i, s := range steps {
		got, err := obj.CallMethod(ctx, &Call{Method: s.method, Args: s.args, Kwargs: kw(s.kwargs), Caller: s.caller})
		if s.err != nil {
			assert.ErrorIs(t, err, s.err, "step %d: %s%v", i, s.method, s.args)
			continue
		}
		if !assert.NoError(t, err, "step %d: %s%v", i, s.method, s.args) {
			continue
		}
		if s.want != nil {
			if !pickle.Equal(s.want, got) {
				t.Errorf("step %d: %s%v = %s, want %s", i, s.method, s.args, repr(got), repr(s.want))
			}
		}
	}
}

func TestObjectSemantics(t *testing.T) {
	for _, tt := range []struct {
		name  string
		obj   Object
		steps []step
	}{
		{"Queue", NewQueue(2), []step{
			{method: "put", args: []any{1}},
			{method: "put", args: []any{"two"}, kwargs: map[string]any{"block": false}},
			{method: "full", want: true},
			{method: "put_nowait", args: []any{3}, err: ErrFull},
			{method: "put", args: []any{3, true, 0.001}, err: ErrFull},
			{method: "put", args: []any{3}, kwargs: map[string]any{"timeout": -1}, err: ErrValueError},
			{method: "qsize", want: 2},
			{method: "get", want: int64(1)},
			{method: "get_nowait", want: "two"},
			{method: "get", kwargs: map[string]any{"timeout": 0.001}, err: ErrEmpty},
			{method: "get", args: []any{false}, err: ErrEmpty},
			{method: "get", args: []any{true, "x"}, err: ErrTypeError},
			{method: "get", args: []any{1, 2, 3}, err: ErrTypeError},
			{method: "get", kwargs: map[string]any{"bogus": 1}, err: ErrTypeError},
			{method: "task_done"}, {method: "task_done"},
			{method: "task_done", err: ErrValueError},
			{method: "join"},
			{method: "empty", want: true},
			{method: "put", args: []any{9}},
			{method: "shutdown"},
			{method: "put", args: []any{10}, err: ErrShutDown},
			{method: "get", want: int64(9)},
			{method: "get", err: ErrShutDown},
			{method: "nope", err: ErrNoMethod},
		}},
		{"Lock", NewLock(), []step{
			{method: "acquire", caller: 1, want: true},
			{method: "acquire", args: []any{false}, caller: 2, want: false},
			{method: "acquire", args: []any{true, 0.001}, caller: 2, want: false},
			{method: "acquire", args: []any{false, 1}, err: ErrValueError},
			{method: "acquire", args: []any{true, -2}, err: ErrValueError},
			{method: "locked", want: true},
			{method: "release", caller: 2}, // no owner
			{method: "release", err: ErrRuntimeError},
		}},
		{"RLock", NewRLock(), []step{
			{method: "acquire", caller: 1, want: true},
			{method: "acquire", caller: 1, want: true},
			{method: "acquire", args: []any{false}, caller: 2, want: false},
			{method: "release", caller: 2, err: ErrRuntimeError},
			{method: "release", caller: 1}, {method: "release", caller: 1},
			{method: "release", caller: 1, err: ErrRuntimeError},
			{method: "acquire", args: []any{false}, caller: 2, want: true},
		}},
		{"BoundedSemaphore", NewSemaphore(1, true), []step{
			{method: "acquire", want: true},
			{method: "acquire", args: []any{false}, want: false},
			{method: "acquire", args: []any{false, 1}, err: ErrValueError},
			{method: "acquire", kwargs: map[string]any{"timeout": 0.001}, want: false},
			{method: "release"},
			{method: "release", err: ErrValueError},
			{method: "release", args: []any{0}, err: ErrValueError},
		}},
		{"Condition", NewCondition(), []step{
			{method: "wait", args: []any{0.001}, caller: 1, err: ErrRuntimeError},
			{method: "notify", caller: 1, err: ErrRuntimeError},
			{method: "acquire", caller: 1, want: true},
			{method: "wait", args: []any{0.001}, caller: 1, want: false},
			{method: "notify", args: []any{2}, caller: 1},
			{method: "notify_all", caller: 1},
			{method: "notify", caller: 2, err: ErrRuntimeError},
			{method: "release", caller: 1},
		}},
		{"Event", NewEvent(), []step{
			{method: "is_set", want: false},
			{method: "wait", args: []any{0.001}, want: false},
			{method: "set"},
			{method: "wait", want: true},
			{method: "clear"},
			{method: "wait", args: []any{"x"}, err: ErrTypeError},
		}},
		{"Barrier", NewBarrier(1), []step{
			{method: "wait", want: int64(0)},
			{method: "__getattribute__", args: []any{"parties"}, want: int64(1)},
			{method: "__getattribute__", args: []any{"n_waiting"}, want: int64(0)},
			{method: "__getattribute__", args: []any{"_count"}, err: ErrAttributeError},
			{method: "abort"},
			{method: "__getattribute__", args: []any{"broken"}, want: true},
			{method: "wait", err: ErrBrokenBarrier},
			{method: "reset"},
			{method: "wait", want: int64(0)},
		}},
		{"Dict", NewDict(), []step{
			{method: "__setitem__", args: []any{"a", 1}},
			{method: "__setitem__", args: []any{1.0, "float one"}},
			{method: "__getitem__", args: []any{true}, want: "float one"}, // 1.0 == True
			{method: "__getitem__", args: []any{"zz"}, err: ErrKeyError},
			{method: "__getitem__", args: []any{[]any{1}}, err: ErrTypeError},
			{method: "__setitem__", args: []any{[]any{1}, 2}, err: ErrTypeError},
			{method: "get", args: []any{"zz", "d"}, want: "d"},
			{method: "update", args: []any{[]any{pickle.Tuple{"b", 2}}}, kwargs: map[string]any{"c": 3}},
			{method: "update", args: []any{[]any{pickle.Tuple{"b"}}}, err: ErrValueError},
			{method: "update", args: []any{5}, err: ErrTypeError},
			{method: "keys", want: []any{"a", 1.0, "b", "c"}},
			{method: "pop", args: []any{"c"}, want: int64(3)},
			{method: "pop", args: []any{"c", nil}, want: nil},
			{method: "pop", args: []any{"c"}, err: ErrKeyError},
			{method: "pop", err: ErrTypeError},
			{method: "popitem", want: pickle.Tuple{"b", int64(2)}},
			{method: "setdefault", args: []any{"s", 5}, want: int64(5)},
			{method: "__contains__", args: []any{"s"}, want: true},
			{method: "has_key", args: []any{"q"}, want: false},
			{method: "__len__", want: 3},
			{method: "fromkeys", args: []any{[]any{"x", "y"}}},
			{method: "__or__", args: []any{5}, want: notImplemented},
			{method: "__delitem__", args: []any{"zz"}, err: ErrKeyError},
			{method: "clear"},
			{method: "popitem", err: ErrKeyError},
		}},
		{"List", NewList([]any{int64(3), int64(1), int64(2)}), []step{
			{method: "__getitem__", args: []any{-1}, want: int64(2)},
			{method: "__getitem__", args: []any{3}, err: ErrIndexError},
			{method: "__getitem__", args: []any{"x"}, err: ErrTypeError},
			{method: "__getitem__", args: []any{slice(nil, nil, -1)}, want: []any{2, 1, 3}},
			{method: "__getitem__", args: []any{slice(-2, 100, nil)}, want: []any{1, 2}},
			{method: "__getitem__", args: []any{slice(0, 3, 0)}, err: ErrValueError},
			{method: "__getslice__", args: []any{0, 2}, want: []any{3, 1}},
			{method: "__setitem__", args: []any{slice(0, 1, nil), []any{7, 8}}},
			{method: "__setitem__", args: []any{slice(0, 4, 2), []any{9}}, err: ErrValueError},
			{method: "__setitem__", args: []any{slice(0, 4, 2), []any{0, 0}}},
			{method: "#bogus", err: ErrNoMethod},
			{method: "__delitem__", args: []any{slice(nil, nil, 2)}},
			{method: "copy", want: []any{8, 2}},
			{method: "insert", args: []any{-100, "first"}},
			{method: "index", args: []any{int64(2)}, want: 2},
			{method: "index", args: []any{"zz"}, err: ErrValueError},
			{method: "count", args: []any{8.0}, want: 1},
			{method: "sort", err: ErrTypeError},
			{method: "remove", args: []any{"first"}},
			{method: "sort", kwargs: map[string]any{"reverse": true}},
			{method: "copy", want: []any{8, 2}},
			{method: "sort", kwargs: map[string]any{"key": pickle.Global{Module: "builtins", Name: "len"}}, err: ErrTypeError},
			{method: "__mul__", args: []any{2}, want: []any{8, 2, 8, 2}},
			{method: "__mul__", args: []any{"x"}, err: ErrTypeError},
			{method: "__add__", args: []any{[]any{1}}, want: []any{8, 2, 1}},
			{method: "__add__", args: []any{pickle.Tuple{1}}, err: ErrTypeError},
			{method: "pop", args: []any{5}, err: ErrIndexError},
			{method: "pop", want: int64(2)},
			{method: "pop", want: int64(8)},
			{method: "pop", err: ErrIndexError},
		}},
		{"Value", NewValue("i", 7), []step{
			{method: "get", want: 7},
			{method: "set", args: []any{"x"}},
			{method: "get", want: "x"},
			{method: "set", err: ErrTypeError},
		}},
		{"Namespace", NewNamespace(), []step{
			{method: "__setattr__", args: []any{"x", 1}},
			{method: "__getattribute__", args: []any{"x"}, want: 1},
			{method: "__getattribute__", args: []any{"y"}, err: ErrAttributeError},
			{method: "__getattribute__", args: []any{1}, err: ErrTypeError},
			{method: "__getattribute__", args: []any{"__class__"}, want: namespaceClass},
			{method: "__delattr__", args: []any{"x"}},
			{method: "__delattr__", args: []any{"x"}, err: ErrAttributeError},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.obj, tt.steps) })
	}
}

func TestArray(t *testing.T) {
	mk := func(tc string, items ...any) (any, error) {
		return newArray(context.Background(), &Call{Args: []any{tc, items}})
	}
	_, err := mk("z", 1)
	assert.ErrorIs(t, err, ErrValueError)
	_, err = mk("ii", 1)
	assert.ErrorIs(t, err, ErrTypeError)
	_, err = mk("b", 128)
	assert.ErrorIs(t, err, ExceptionType{"builtins", "OverflowError"})
	_, err = mk("i", 1.5)
	assert.ErrorIs(t, err, ErrTypeError)
	a, err := mk("h", -2, 3)
	require.NoError(t, err)
	runSteps(t, a.(Object), []step{
		{method: "__len__", want: 2},
		{method: "__getitem__", args: []any{0}, want: -2},
		{method: "__setitem__", args: []any{1, 40000}, err: ExceptionType{"builtins", "OverflowError"}},
		{method: "__setitem__", args: []any{1, "x"}, err: ErrTypeError},
		{method: "__getitem__", args: []any{9}, err: ErrIndexError},
	})
	v, err := a.(*Array).PyValue()
	require.NoError(t, err)
	o, err := v.(arrayValue).MarshalPickle()
	require.NoError(t, err)
	assert.Equal(t, pickle.Tuple{"h", []byte{0xfe, 0xff, 3, 0}}, o.(*pickle.Object).Args)
	assert.Equal(t, "array('h', [-2, 3])", a.(*Array).PyRepr())
	back, ok := arrayOf(o)
	require.True(t, ok)
	assert.Equal(t, []any{int64(-2), int64(3)}, back.items)

	f, err := mk("f", 1.1)
	require.NoError(t, err)
	got, err := f.(Object).CallMethod(context.Background(), &Call{Method: "__getitem__", Args: []any{0}})
	require.NoError(t, err)
	assert.Equal(t, float64(float32(1.1)), got, "stored as a C float")
}

func TestBlockingCallsEndWithTheirContext(t *testing.T) {
	for name, c := range map[string]struct {
		obj  Object
		call Call
	}{
		"Queue.get":      {NewQueue(0), Call{Method: "get"}},
		"Queue.put":      {func() *Queue { q := NewQueue(1); _ = q.Put(context.Background(), 1); return q }(), Call{Method: "put", Args: []any{2}}},
		"Queue.join":     {func() *Queue { q := NewQueue(0); _ = q.Put(context.Background(), 1); return q }(), Call{Method: "join"}},
		"Lock.acquire":   {func() *Lock { l := NewLock(); _, _ = l.acquire(context.Background(), 1, true, timeout{}); return l }(), Call{Method: "acquire"}},
		"Event.wait":     {NewEvent(), Call{Method: "wait"}},
		"Barrier.wait":   {NewBarrier(2), Call{Method: "wait"}},
		"Semaphore.wait": {NewSemaphore(0, false), Call{Method: "acquire"}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := c.obj.CallMethod(ctx, &c.call)
				done <- err
			}()
			cancel()
			select {
			case err := <-done:
				assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
			case <-time.After(testTimeout):
				t.Fatal("the call did not end with its context")
			}
		})
	}
}

func TestConditionNotifyWakesOldestWaiters(t *testing.T) {
	cd := NewCondition()
	ctx := testCtx(t)
	woke := make(chan uint64, 3)
	for caller := uint64(1); caller <= 3; caller++ {
		_, err := cd.lock.acquire(ctx, caller, true, timeout{})
		require.NoError(t, err)
		go func() {
			ok, err := cd.wait(ctx, caller, timeout{})
			assert.True(t, ok)
			assert.NoError(t, err)
			assert.NoError(t, cd.lock.release(caller))
			woke <- caller
		}()
		// The waiter has released the lock once it waits: taking it here
		// proves it, and orders the waiters.
		_, err = cd.lock.acquire(ctx, 99, true, timeout{})
		require.NoError(t, err)
		require.NoError(t, cd.lock.release(99))
	}
	_, err := cd.lock.acquire(ctx, 99, true, timeout{})
	require.NoError(t, err)
	require.NoError(t, cd.notify(99, 2))
	require.NoError(t, cd.lock.release(99))
	got := []uint64{<-woke, <-woke}
	assert.ElementsMatch(t, []uint64{1, 2}, got)
	_, _ = cd.lock.acquire(ctx, 99, true, timeout{})
	require.NoError(t, cd.notify(99, 5))
	require.NoError(t, cd.lock.release(99))
	assert.Equal(t, uint64(3), <-woke)
}
