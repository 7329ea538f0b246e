package interop_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/managers"
)

// TestManagers runs the managers interop suite against every interpreter
// found, all at once, one set of processes each (see
// managers_helpers_test.go). Most of its time is spent waiting, not
// computing: a Python client's every new connection to a CPython manager
// waits 40 ms for a delayed TCP acknowledgement (see managers.Listen), so
// the interpreters run side by side rather than -parallel (GOMAXPROCS) at
// a time.
func TestManagers(t *testing.T) {
	t.Parallel() // with TestManagersLoad
	var wg sync.WaitGroup
	for _, py := range pythons.ForTest(t) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(py.Name(), func(t *testing.T) { runManagers(t, py) })
		}()
	}
	wg.Wait()
}

func runManagers(t *testing.T, py pythons.Interpreter) {
	e := newMgrEnv(t, py)
	t.Run("DocsQueue", e.testDocsQueue)
	t.Run("PythonClients", e.testPythonClients)
	t.Run("GoClient", e.testGoClient)
	t.Run("AcrossProcesses", e.testAcrossProcesses)
	t.Run("Requests", e.testRequests)
	t.Run("Shutdown", e.testShutdown) // last: it stops the Python server
}

// testDocsQueue is the docs' remote queue: Python's client code (the docs'
// QueueManager.register('get_queue'); connect(); get_queue()) against the
// Go server, and Go clients against the Python server, two clients each:
// one puts, the other gets, and the server's objects are all released.
func (e *mgrEnv) testDocsQueue(t *testing.T) {
	t.Run("PythonClientsGoServer", func(t *testing.T) {
		for i, c := range []*peer{e.client, e.client2} {
			requireOK(t, c.in(t).do(mgrConnect("docs", e.goAddr, "QueueManager")))
			code := lines("queue = docs.get_queue()", "queue.put('hello')", "del queue")
			if i == 1 {
				code = lines("queue = docs.get_queue()", "result = queue.get()", "del queue", "gc.collect()")
			}
			got := pyExec(t, c, code)
			if i == 1 {
				assert.Equal(t, "hello", got)
			}
		}
		assert.Equal(t, 0, e.goServer.NumberOfObjects(), "objects left in the Go server")
	})
	t.Run("GoClientsPythonServer", func(t *testing.T) {
		ctx := mgrCtx(t)
		for i := range 2 {
			c := dialManager(t, e.pyAddr)
			p, err := c.Create(ctx, "get_queue")
			require.NoError(t, err)
			q := managers.QueueProxy{Proxy: p}
			if i == 0 {
				require.NoError(t, q.Put(ctx, "hello"))
			} else {
				v, err := q.Get(ctx)
				require.NoError(t, err)
				assert.Equal(t, "hello", v)
			}
			require.NoError(t, c.Close())
		}
		assert.Equal(t, 0, numberOfObjects(t, e.pyAddr), "objects left in the Python server")
	})
}

// pySnippet is Python client code run against both servers; it sets result.
type pySnippet struct {
	name  string
	code  string
	since [2]int // the first Python version that has what it uses
	want  string // JSON of the expected result, when not only the servers' agreement is checked
}

// pySnippets cover every SyncManager typeid, their methods and exceptions,
// the fallbacks, user types and reference counts. m is the manager under
// test; exc and exc_args (managers_peer.py) turn an exception into its name.
var pySnippets = []pySnippet{
	{name: "Queue", want: `[3,false,false,1,"two",[3],true]`, code: lines(
		"q = m.Queue()",
		"q.put(1); q.put('two'); q.put_nowait([3])",
		"result = [q.qsize(), q.empty(), q.full(), q.get(), q.get(True, 1), q.get_nowait(), q.empty()]")},
	{name: "QueueErrors", want: `[true,"Full","Full",1,"Empty","Empty","ValueError","TypeError"]`, code: lines(
		"q = m.Queue(1)",
		"q.put(1)",
		"result = [q.full(), exc(q.put, 2, True, 0.05), exc(q.put_nowait, 2), q.get(), exc(q.get, True, 0.05),",
		"          exc(q.get_nowait), exc(q.get, True, -1), exc(q.get, 1, 2, 3)]")},
	{name: "JoinableQueue", want: `["job","ValueError"]`, code: lines(
		"q = m.JoinableQueue()",
		"q.put('job'); job = q.get(); q.task_done(); q.join()",
		"result = [job, exc(q.task_done)]")},
	{name: "GetQueue", want: `"hello"`, code: lines(
		"q = m.get_queue(); q.put('hello'); result = q.get()")},
	{name: "Dict", code: lines(
		"d = m.dict({'a': 1}, b=2)",
		"d['c'] = 3",
		"d.update({'d': 4}, e=5)",
		"result = [d['a'], d.get('zz', 'dflt'), d.get('b'), sorted(d.keys()), sorted(d.values()), sorted(d.items()),",
		"          len(d), 'a' in d, 'zz' in d, d.pop('a'), d.pop('zz', None), d.setdefault('f', 6), d.setdefault('f', 7),",
		"          sorted(d.copy().items()), sorted(d._getvalue().items()), sorted(iter(d)), sorted(list(d))]")},
	{name: "DictErrors", want: `["KeyError",["KeyError",["missing"]],"KeyError","TypeError","TypeError","KeyError",0]`, code: lines(
		"d = m.dict()",
		"result = [exc(d.__getitem__, 'missing'), exc_args(d.pop, 'missing'), exc(d.popitem), exc(d.__getitem__, [1]),",
		"          exc(d.__setitem__, {}, 1), exc(d.__delitem__, 'missing')]",
		"d['x'] = 1; d.clear(); result.append(len(d))")},
	{name: "DictIterationChanged", want: `"RuntimeError"`, code: lines(
		"d = m.dict({'a': 1, 'b': 2})",
		"it = iter(d)",
		"first = next(it)",
		"d['c'] = 3",
		"result = exc(next, it)")},
	{name: "List", code: lines(
		"l = m.list([3, 1, 2])",
		"l.append(4); l.extend([5, 6]); l[0] = 0; l.insert(1, 9)",
		"l += [7]",
		"result = [l[0], l[-1], l[1:3], l[::2], len(l), 2 in l, 42 in l, l.index(2), l.count(9), l.pop(), l.pop(0), l._getvalue()]",
		"l.remove(9); l.reverse(); result.append(l._getvalue()); l.sort(); result.append(l._getvalue())",
		"del l[0]; l[0:2] = ['a', 'b']; result.append(l._getvalue())",
		"result += [l * 2, 2 * l, l + [3]]",
		"l *= 2; result.append(l._getvalue())")},
	{name: "ListErrors", code: lines(
		"l = m.list([1, 'x'])",
		"result = [exc(l.remove, 'missing'), exc(l.__getitem__, 99), exc(l.index, 'zz'), exc(l.__getitem__, 'a'),",
		"          exc(l.pop, 5), exc(l.__setitem__, 9, 0), exc(m.list().pop), exc(l.__add__, 1)]",
		"if not PY2: result.append(exc(l.sort))")},
	{name: "Lock", code: lines(
		"lk = m.Lock()",
		"result = [lk.acquire(), lk.acquire(False), lk.release(), exc(lk.release)]",
		"with lk:",
		"    result.append(lk.acquire(False))",
		"result.append(lk.acquire(False)); lk.release()",
		"if not PY2: result += [lk.acquire(True, 0.01), lk.acquire(True, 0.01), exc(lk.acquire, False, 1)]")},
	{name: "Locked", since: [2]int{3, 14}, want: `[false,true]`, code: lines(
		"lk = m.Lock(); r = [lk.locked()]; lk.acquire(); result = r + [lk.locked()]")},
	{name: "RLock", code: lines(
		"r = m.RLock()",
		"result = [r.acquire(), bool(r.acquire()), r.release(), r.release(), exc(r.release)]", // 2.7 says 1 for True
		"with r:",
		"    with r:",
		"        result.append(bool(r.acquire(False)))",
		"    r.release()")},
	{name: "Semaphore", code: lines(
		"s = m.Semaphore(2)",
		"result = [s.acquire(), s.acquire(), s.acquire(False), s.release(), s.acquire(False)]",
		"b = m.BoundedSemaphore(1)",
		"result += [b.acquire(), b.release(), exc(b.release)]",
		"if not PY2: result.append(s.acquire(True, 0.01))")},
	{name: "Condition", code: lines(
		"c = m.Condition()",
		"result = [exc(c.wait, 0.01), exc(c.notify)]",
		"c.acquire()",
		"w = c.wait(0.01)",
		"result += [None if PY2 else w, c.notify(), c.notify_all(), c.release()]", // 2.7's wait returns None
		"with c:",
		"    result.append(None if PY2 else c.wait(0.01))")},
	{name: "Event", want: `[false,false,null,true,true,true,null,false]`, code: lines(
		"e = m.Event()",
		"result = [e.is_set(), e.wait(0.01), e.set(), e.is_set(), e.wait(), e.wait(0.01), e.clear(), e.is_set()]")},
	{name: "Barrier", since: [2]int{3, 3}, want: `[0,1,0,false,true,"BrokenBarrierError","BrokenBarrierError",false,0]`, code: lines(
		"b = m.Barrier(1)",
		"result = [b.wait(), b.parties, b.n_waiting, b.broken]",
		"b.abort()",
		"result += [b.broken, exc(b.wait), exc(b.wait, 0.01)]",
		"b.reset()",
		"result += [b.broken, b.wait(1)]")},
	{name: "Value", want: `[8,8,null,"x","Value('i', 'x')","Value('i', 'x')"]`, code: lines(
		"v = m.Value('i', 7)",
		"v.value += 1",
		"result = [v.value, v.get(), v.set('x'), v.value, str(v), repr(v._getvalue())]")},
	{name: "Namespace", want: `[1,"two","AttributeError","Namespace(x=1, y='two')",[["x",1],["y","two"]],"AttributeError","AttributeError"]`, code: lines(
		"ns = m.Namespace(x=1)",
		"ns.y = 'two'",
		"result = [ns.x, ns.y, exc(getattr, ns, 'zz'), str(ns), sorted(ns._getvalue().__dict__.items())]",
		"del ns.y",
		"result += [exc(getattr, ns, 'y'), exc(delattr, ns, 'y')]")},
	{name: "Array", code: lines(
		"a = m.Array('i', [1, 2, 3])",
		"a[0] = 5",
		"result = [a[0], a[-1], len(a), list(a._getvalue()), list(a[0:2]), exc(a.__setitem__, 0, 'x'),",
		"          exc(a.__getitem__, 10), exc(a.__setitem__, 0, 2**40), repr(a._getvalue())]",
		"f = m.Array('d', [1.5, 2])",
		"result += [f[1], list(f._getvalue()), exc(m.Array, 'z', [1])]")},
	{name: "Set", since: [2]int{3, 14}, code: lines(
		"s = m.set([1, 2])",
		"s.add(3)",
		"result = [sorted(s._getvalue()), 3 in s, len(s), sorted(s | {4}), sorted(s & {1, 9}), sorted(s - {1}),",
		"          sorted(s ^ {1, 9}), sorted(s.union([7])), s.issubset({1, 2, 3, 4}), s <= {1, 2, 3}, exc(s.remove, 42)]",
		"s |= {5}; s -= {1}; s.discard(2)",
		"result.append(sorted(s._getvalue()))")},
	{name: "UserType", want: `[["ValueError",["boom",42]],"RemoteError:Unserializable",[[1,"a"],{"k":2}]]`, code: lines(
		"t = m.Thing()",
		"result = [exc_args(t.boom), exc(t.unpicklable), t.echo(1, 'a', k=2)]")},
	{name: "Fallbacks", want: `["[1, 2]",[1,2],"RemoteError:KeyError","RemoteError:TypeError"]`, code: lines(
		"l = m.list([1, 2])",
		"result = [str(l), l._getvalue(), exc(l._callmethod, 'bogus'), exc(l._callmethod, '__str__', (1,))]")},
	{name: "ControlRequests", want: `["RemoteError:AssertionError","RemoteError:KeyError","RemoteError:KeyError","RemoteError:KeyError","str"]`, code: lines(
		"def control(name, *args):",
		"    c = m._Client(m._address, authkey=m._authkey)",
		"    try:",
		"        return managers.dispatch(c, None, name, args)",
		"    finally:",
		"        c.close()",
		"result = [exc(control, 'bogus'), exc(control, 'incref', 'nosuchid'), exc(control, 'decref', 'nosuchid'),",
		"          exc(control, 'create', 'NoSuchType'), type(m._debug_info()).__name__]")},
	// Last: it runs alone, so that nothing else makes objects meanwhile.
	{name: "ReferenceCounts", want: `[3,0]`, code: lines(
		"gc.collect()",
		"n0 = m._number_of_objects()",
		"l = m.list([1]); d = m.dict(); it = iter(d)",
		"n1 = m._number_of_objects()",
		"del l, d, it",
		"gc.collect()",
		"result = [n1 - n0, m._number_of_objects() - n0]")},
}

// testPythonClients runs every snippet against the Python server and the
// Go server and compares the outcomes. The two client processes share the
// snippets, the last one (reference counts) runs alone.
func (e *mgrEnv) testPythonClients(t *testing.T) {
	last := len(pySnippets) - 1
	jobs := make(chan pySnippet)
	var wg sync.WaitGroup
	for _, client := range []*peer{e.client, e.client2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				t.Run(s.name, func(t *testing.T) { e.compareSnippet(t, client, s) })
			}
		}()
	}
	for _, s := range pySnippets[:last] {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	t.Run(pySnippets[last].name, func(t *testing.T) { e.compareSnippet(t, e.client, pySnippets[last]) })
	assert.Equal(t, 0, e.goServer.NumberOfObjects(), "objects left in the Go server")
	assert.Equal(t, 0, numberOfObjects(t, e.pyAddr), "objects left in the Python server")
}

func (e *mgrEnv) compareSnippet(t *testing.T, client *peer, s pySnippet) {
	if !e.py.AtLeast(s.since[0], s.since[1]) {
		t.Skipf("%s has no %s (new in %d.%d)", e.py.Name(), s.name, s.since[0], s.since[1])
	}
	fromPython := pyExecFresh(t, client, "m = pm\n"+s.code)
	fromGo := pyExecFresh(t, client, "m = gm\n"+s.code)
	assert.Equal(t, fromPython, fromGo, "outcomes with the Python server (expected) and the Go server (actual)")
	if s.want != "" {
		var want any
		require.NoError(t, json.Unmarshal([]byte(s.want), &want))
		assert.Equal(t, want, fromPython, "outcome with the Python server")
	}
}
