package managers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

func TestGetEndsWithItsContextAndLosesNothing(t *testing.T) {
	s, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	q, err := c.Queue(ctx, 0)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = q.Get(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The server ends the abandoned get when it sees its channel close
	// (an item put before that would still go to it): then it has no
	// connection left.
	for deadline := time.Now().Add(testTimeout); ; {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the abandoned get still runs")
		time.Sleep(time.Millisecond) // polling the server's own bookkeeping
	}
	// The next item goes to the next get, on the same proxy.
	require.NoError(t, q.Put(ctx, "kept"))
	v, err := q.GetTimeout(ctx, testTimeout)
	require.NoError(t, err)
	assert.Equal(t, "kept", v)
}

func TestCloseStopsServerAndBlockedCalls(t *testing.T) {
	s, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	q, err := c.Queue(ctx, 0)
	require.NoError(t, err)
	got := make(chan error, 1)
	go func() {
		_, err := q.Get(ctx)
		got <- err
	}()
	require.NoError(t, s.Close())
	select {
	case err := <-got:
		assert.Error(t, err)
		assert.NotErrorIs(t, err, context.Canceled)
	case <-time.After(testTimeout):
		t.Fatal("a call blocked in the server outlived Close")
	}
	<-s.Done()
	_, err = Dial(ctx, "unix", addr, WithAuthKey(testKey))
	assert.Error(t, err)
	assert.NoError(t, s.Close(), "closing twice")
}

func TestFailedHandshakesDoNotStopTheServer(t *testing.T) {
	_, addr := startServer(t)
	ctx := testCtx(t)
	for range 3 {
		_, err := Dial(ctx, "unix", addr, WithAuthKey([]byte("wrong")))
		require.ErrorIs(t, err, connection.ErrHandshake)
	}
	c := dialTest(t, addr)
	n, err := c.NumberOfObjects(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
}

func TestKeyRequired(t *testing.T) {
	_, err := Dial(testCtx(t), "unix", "/nonexistent", WithProcessName("x"))
	assert.ErrorIs(t, err, connection.ErrNoAuthKey)
	_, err = Listen(context.Background(), "unix", "/nonexistent/x.sock")
	assert.ErrorIs(t, err, connection.ErrNoAuthKey)

	s := NewServer(InsecureSkipAuth())
	require.NoError(t, s.RegisterSyncManager())
	dir := t.TempDir()
	l, err := Listen(context.Background(), "unix", dir+"/m.sock", InsecureSkipAuth())
	require.NoError(t, err)
	go s.Serve(l)
	defer s.Close()
	c, err := Dial(testCtx(t), "unix", dir+"/m.sock", InsecureSkipAuth())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.List(testCtx(t), []any{1})
	require.NoError(t, err)
}

func TestClientCloseReleasesItsProxies(t *testing.T) {
	s, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	for range 3 {
		_, err := c.Dict(ctx, nil)
		require.NoError(t, err)
	}
	q, err := c.Create(ctx, "get_queue")
	require.NoError(t, err)
	_, err = q.Clone(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, s.NumberOfObjects())
	require.NoError(t, c.Close())
	assert.Equal(t, 0, s.NumberOfObjects())
	_, err = c.List(ctx, nil)
	assert.ErrorIs(t, err, ErrClientClosed)
	_, err = q.Call(ctx, "qsize")
	assert.ErrorIs(t, err, ErrProxyClosed)
}

func TestSameReferentSameIdent(t *testing.T) {
	s, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	a, err := c.Create(ctx, "get_queue")
	require.NoError(t, err)
	b, err := c.Create(ctx, "get_queue")
	require.NoError(t, err)
	assert.Equal(t, a.Token().ID, b.Token().ID)
	assert.Equal(t, 1, s.NumberOfObjects())
	require.NoError(t, a.Close(ctx))
	assert.Equal(t, 1, s.NumberOfObjects(), "b still holds it")
	require.NoError(t, b.Close(ctx))
	assert.Equal(t, 0, s.NumberOfObjects())
	// Closing again sends nothing; decref of a gone object is the server's
	// KeyError.
	require.NoError(t, b.Close(ctx))
	_, err = c.dispatch(ctx, "decref", b.Token().ID)
	e := new(*Error)
	require.ErrorAs(t, err, e)
	assert.Equal(t, KindTraceback, (*e).Kind)
}

func TestPinnedProxiesAreOwners(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	r, err := c.RLock(ctx)
	require.NoError(t, err)
	require.NoError(t, r.Acquire(ctx))
	// Calls from several goroutines on one pinned proxy share its owner.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, r.Acquire(ctx))
			assert.NoError(t, r.Release(ctx))
		}()
	}
	wg.Wait()
	other, err := r.Clone(ctx)
	require.NoError(t, err)
	got, err := AcquirerProxy{other}.TryAcquire(ctx)
	require.NoError(t, err)
	assert.False(t, got)
	require.NoError(t, r.Release(ctx))
	got, err = AcquirerProxy{other}.TryAcquire(ctx)
	require.NoError(t, err)
	assert.True(t, got)
}

// counter is a user type served by reflection.
type counter struct {
	mu sync.Mutex
	n  int64
}

func (c *counter) Add(delta int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += delta
	return c.n
}

func (c *counter) Sum(ctx context.Context, values ...float64) (float64, error) {
	var s float64
	for _, v := range values {
		s += v
	}
	if s < 0 {
		return 0, Raise(ErrValueError, "negative")
	}
	return s, ctx.Err()
}

func (c *counter) Describe(call *Call) string {
	return fmt.Sprintf("%s %d %v", call.Method, len(call.Args), call.Kwargs != nil)
}

type point struct {
	X, Y int
}

func (c *counter) Norm1(p point) int { return abs(p.X) + abs(p.Y) }

func (c *counter) Reset() { c.Add(-c.Add(0)) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// unexposed has a signature Reflect does not take.
func (c *counter) Unexposed(a, b int) (int, int) { return a, b }

func TestReflectedType(t *testing.T) {
	s, addr := startServer(t)
	require.NoError(t, s.Register("Counter", Type{New: func(context.Context, *Call) (any, error) { return &counter{}, nil }}))
	c := dialTest(t, addr)
	ctx := testCtx(t)
	p, err := c.Create(ctx, "Counter")
	require.NoError(t, err)
	assert.Equal(t, []string{"add", "describe", "norm1", "reset", "sum"}, p.Exposed())
	for _, tt := range []struct {
		method string
		args   []any
		kwargs map[string]any
		want   any
		err    error
	}{
		{method: "add", args: []any{2}, want: int64(2)},
		{method: "add", args: []any{int64(1) << 40}, want: int64(1)<<40 + 2},
		{method: "add", args: []any{"x"}, err: ErrTypeError},
		{method: "add", args: []any{1, 2}, err: ErrTypeError},
		{method: "add", args: []any{1}, kwargs: map[string]any{"k": 1}, err: ErrTypeError},
		{method: "sum", args: []any{1, 2.5}, want: 3.5},
		{method: "sum", want: 0.0},
		{method: "sum", args: []any{-1}, err: ErrValueError},
		{method: "describe", args: []any{1, 2}, kwargs: map[string]any{"k": 1}, want: "describe 2 true"},
		{method: "norm1", args: []any{map[string]any{"X": -3, "Y": 4}}, want: int64(7)},
		{method: "reset", want: nil},
		{method: "unexposed", args: []any{1, 2}, err: nil},
	} {
		got, err := p.CallKw(ctx, tt.method, tt.args, tt.kwargs)
		switch {
		case tt.method == "unexposed":
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, KindTraceback, e.Kind, "not exposed")
		case tt.err != nil:
			assert.ErrorIs(t, err, tt.err, tt.method)
		default:
			require.NoError(t, err, tt.method)
			assert.Equal(t, tt.want, got, tt.method)
		}
	}
	v, err := p.Value(ctx)
	require.NoError(t, err)
	assert.IsType(t, &pickle.Dict{}, v, "a struct pickles as the dict of its exported fields")
}

func TestProxiesInsideValues(t *testing.T) {
	s, addr := startServer(t)
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	ctx := testCtx(t)
	l, err := a.List(ctx, []any{"x"})
	require.NoError(t, err)
	d, err := a.Dict(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, d.SetItem(ctx, "list", l))
	require.NoError(t, l.Close(ctx))
	assert.Equal(t, 1, s.NumberOfObjects(), "only the dict has references")

	// The dict keeps the list alive, as Python's server keeps the referent
	// of a proxy it stored; a client that gets the proxy owns a reference.
	db := DictProxy{dictProxyOf(t, b, d)}
	v, err := db.GetItem(ctx, "list")
	require.NoError(t, err)
	lp, ok := v.(*Proxy)
	require.True(t, ok, "%T", v)
	assert.Equal(t, l.Token().ID, lp.Token().ID)
	all, err := ListProxy{lp}.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, []any{"x"}, all)
	assert.Equal(t, 2, s.NumberOfObjects())
	require.NoError(t, lp.Close(ctx))

	m, err := lp.MarshalPickle()
	require.NoError(t, err)
	o := m.(*pickle.Object)
	assert.Equal(t, rebuildProxyClass, o.Class)
	assert.Equal(t, pickle.Global{Module: "multiprocessing.managers", Name: "ListProxy"}, o.Args[0])
}

// dictProxyOf gives client c a proxy of its own to d's object.
func dictProxyOf(t *testing.T, c *Client, d DictProxy) *Proxy {
	p, err := c.Proxy(testCtx(t), d.Token(), d.Exposed())
	require.NoError(t, err)
	return p
}

func TestAutoProxyPickle(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	q, err := c.Create(testCtx(t), "get_queue")
	require.NoError(t, err)
	m, err := q.MarshalPickle()
	require.NoError(t, err)
	o := m.(*pickle.Object)
	assert.Equal(t, autoProxyClass, o.Args[0])
	kw := o.Args[3].(*pickle.Dict)
	exposed, ok := kw.Get("exposed")
	require.True(t, ok)
	assert.Contains(t, exposed, "put")
	data, err := pickle.Marshal(q, pickle.WithProtocol(2))
	require.NoError(t, err)
	assert.Contains(t, string(data), "RebuildProxy")
}

func TestTypedResults(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	d, err := c.Dict(ctx, map[string]any{"b": 2, "a": 1})
	require.NoError(t, err)
	var keys []string
	require.NoError(t, d.CallInto(ctx, &keys, "keys", nil, nil))
	assert.ElementsMatch(t, []string{"a", "b"}, keys)
	var m map[string]int
	require.NoError(t, d.CallInto(ctx, &m, "#GETVALUE", nil, nil))
	assert.Equal(t, map[string]int{"a": 1, "b": 2}, m)
	var n uint8
	err = d.CallInto(ctx, &n, "__getitem__", []any{"missing"}, nil)
	assert.ErrorIs(t, err, ErrKeyError)
	var s string
	err = d.CallInto(ctx, &s, "__getitem__", []any{"a"}, nil)
	assert.ErrorIs(t, err, connection.ErrDecode, "an int into a string")
	var it *Proxy
	require.NoError(t, d.CallInto(ctx, &it, "__iter__", nil, nil))
	assert.Equal(t, "Iterator", it.Token().Typeid)
	assert.Error(t, d.CallInto(ctx, nil, "keys", nil, nil))
}

func TestManyGoroutinesOneProxy(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr, WithMaxIdleChannels(2))
	ctx := testCtx(t)
	l, err := c.List(ctx, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				assert.NoError(t, l.Append(ctx, g*100+i))
			}
		}()
	}
	wg.Wait()
	n, err := l.Len(ctx)
	require.NoError(t, err)
	assert.Equal(t, 320, n)
	assert.LessOrEqual(t, len(c.idle), 2, "idle channels kept")
}

func TestRemoteTracebackIsNotTheException(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	l, err := c.List(ctx, nil)
	require.NoError(t, err)
	_, err = l.Call(ctx, "nosuchmethod")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, KindTraceback, e.Kind)
	assert.Equal(t, ErrKeyError, e.Type)
	assert.NotErrorIs(t, err, ErrKeyError)
	assert.True(t, strings.HasPrefix(e.Traceback, "Traceback (most recent call last):\n"), e.Traceback)
	assert.Contains(t, e.Traceback, "During handling of the above exception")
	s, err := l.Repr(ctx)
	require.NoError(t, err)
	assert.Equal(t, "[]", s)
}

func TestShutdownFromAGoClient(t *testing.T) {
	s, addr := startServer(t)
	c := dialTest(t, addr)
	require.NoError(t, c.Shutdown(testCtx(t)))
	select {
	case <-s.Done():
	case <-time.After(testTimeout):
		t.Fatal("not stopped")
	}
	r, addr2 := startServer(t, RefuseShutdown())
	c2 := dialTest(t, addr2)
	err := c2.Shutdown(testCtx(t))
	assert.Error(t, err)
	select {
	case <-r.Done():
		t.Fatal("a server refusing shutdown stopped")
	default:
	}
}

func TestConditionWithALockOfTheServer(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	lock, err := c.Lock(ctx)
	require.NoError(t, err)
	p, err := c.Create(ctx, "Condition", lock) // m.Condition(m.Lock())
	require.NoError(t, err)
	cond := ConditionProxy{AcquirerProxy{p}}
	require.NoError(t, cond.Acquire(ctx))
	got, err := lock.TryAcquire(ctx)
	require.NoError(t, err)
	assert.False(t, got, "the condition holds the lock it was given")
	require.NoError(t, cond.Release(ctx))
	got, err = lock.TryAcquire(ctx)
	require.NoError(t, err)
	assert.True(t, got)

	other, err := c.List(ctx, nil)
	require.NoError(t, err)
	_, err = c.Create(ctx, "Condition", other)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ErrTypeError, e.Type, "a list is no lock")
}

func TestServerAddress(t *testing.T) {
	addr := pickle.Tuple{"manager.example", 50000}
	s := NewServer(WithServerAddress(addr), InsecureSkipAuth())
	assert.Equal(t, addr, s.Address())
	assert.True(t, s.isOwnAddress(pickle.Tuple{"manager.example", int64(50000)}))
	assert.False(t, s.isOwnAddress(pickle.Tuple{"other.example", int64(50000)}))
	_, unixAddr := startServer(t)
	assert.Nil(t, NewServer(InsecureSkipAuth()).Address(), "no address before it serves")
	c := dialTest(t, unixAddr)
	assert.Equal(t, unixAddr, c.Address())
}

func TestOwnedTypeids(t *testing.T) {
	s, addr := startServer(t)
	require.NoError(t, s.Register("get_rlock", Type{New: Singleton(NewRLock())}))
	ctx := testCtx(t)
	plain, err := dialTest(t, addr).Create(ctx, "get_rlock")
	require.NoError(t, err)
	assert.Nil(t, plain.pin, "a typeid nobody said is owned uses the pool")

	owned, err := dialTest(t, addr, WithOwnedTypeids("get_rlock")).Create(ctx, "get_rlock")
	require.NoError(t, err)
	require.NotNil(t, owned.pin)
	r := AcquirerProxy{owned}
	require.NoError(t, r.Acquire(ctx))
	var wg sync.WaitGroup
	for range 4 { // other goroutines' calls, meanwhile, share the owner's channel
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := owned.Call(ctx, "locked")
			assert.NoError(t, err)
		}()
	}
	require.NoError(t, r.Release(ctx), "released by its owner")
	wg.Wait()
}
