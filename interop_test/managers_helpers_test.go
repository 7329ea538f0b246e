package interop_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/managers"
)

// The managers interop suite. Per interpreter (in parallel with the others)
// it runs one stock Python manager server (testdata/managers_peer.py serve:
// SyncManager's typeids, the docs' get_queue and a test type Thing), one Go
// manager server registering the same typeids, and two Python client
// processes connected to both (as pm and gm). The same Python code runs
// against both servers and must see the same outcomes; the same Go client
// cases run against both servers and must see the expected values.

// mgrKey is the manager key of the suite; the docs' key is in the examples.
var mgrKey = []byte("mpconn managers interop")

// mgrTimeout bounds one case: only a hang guard.
const mgrTimeout = 60 * time.Second

// mgrEnv is what the tests of one interpreter share.
type mgrEnv struct {
	py       pythons.Interpreter
	pyServer *peer
	pyAddr   string // host:port of the Python manager
	goServer *managers.Server
	goAddr   string
	client   *peer // Python client processes, connected to pm and gm
	client2  *peer
}

// mgrServer is one of the two servers, as the Go client cases see it.
type mgrServer struct {
	name   string // "PythonServer" or "GoServer"
	addr   string
	python bool
	py     pythons.Interpreter // the Python server's interpreter (also the clients')
}

// supports reports whether the server serves what Python major.minor
// introduced: a Go server serves every version's methods.
func (s mgrServer) supports(major, minor int) bool { return !s.python || s.py.AtLeast(major, minor) }

func (e *mgrEnv) servers() []mgrServer {
	return []mgrServer{
		{name: "PythonServer", addr: e.pyAddr, python: true, py: e.py},
		{name: "GoServer", addr: e.goAddr, py: e.py},
	}
}

func newMgrEnv(t *testing.T, py pythons.Interpreter) *mgrEnv {
	t.Helper()
	e := &mgrEnv{py: py}
	e.pyServer = startPeer(t, py, withScript("managers_peer.py"))
	r := e.pyServer.do(cmd{"op": "serve", "address": []any{"127.0.0.1", 0}, "authkey": hex.EncodeToString(mgrKey)})
	requireOK(t, r)
	addr, ok := r["address"].([]any)
	require.True(t, ok && len(addr) == 2, "python manager address %v", r["address"])
	e.pyAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(int(addr[1].(float64))))

	e.goServer, e.goAddr = startGoManager(t)
	e.client = startManagerClient(t, py, e.pyAddr, e.goAddr)
	e.client2 = startManagerClient(t, py, e.pyAddr, e.goAddr)
	return e
}

// startGoManager starts a Go manager with the typeids of the Python one.
func startGoManager(t testing.TB, opts ...managers.Option) (*managers.Server, string) {
	t.Helper()
	s := managers.NewServer(append([]managers.Option{managers.WithAuthKey(mgrKey)}, opts...)...)
	require.NoError(t, s.RegisterSyncManager())
	require.NoError(t, s.Register("get_queue", managers.Type{New: managers.Singleton(managers.NewQueue(0))}))
	require.NoError(t, s.Register("Thing", managers.Type{New: func(context.Context, *managers.Call) (any, error) {
		return &goThing{}, nil
	}}))
	l, err := managers.Listen(context.Background(), "tcp", "127.0.0.1:0", managers.WithAuthKey(mgrKey))
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		if err := <-served; !errors.Is(err, managers.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s, l.Addr().String()
}

// goThing is the Go twin of managers_peer.py's Thing.
type goThing struct{}

// Boom raises ValueError('boom', 42).
func (*goThing) Boom() error { return managers.Raise(managers.ErrValueError, "boom", 42) }

// Unpicklable returns what cannot be pickled (Python's returns a lambda).
func (*goThing) Unpicklable() any { return func() {} }

// Echo returns [list(args), kwds].
func (*goThing) Echo(c *managers.Call) any {
	kw := any(map[string]any{})
	if c.Kwargs != nil {
		kw = c.Kwargs
	}
	return []any{c.Args, kw}
}

// startManagerClient starts a Python client process connected to both
// servers: pm is the Python manager, gm the Go one.
func startManagerClient(t testing.TB, py pythons.Interpreter, pyAddr, goAddr string) *peer {
	t.Helper()
	p := startPeer(t, py, withScript("managers_peer.py"))
	for name, addr := range map[string]string{"pm": pyAddr, "gm": goAddr} {
		requireOK(t, p.do(mgrConnect(name, addr, "TestManager")))
	}
	return p
}

// mgrConnect is the command that connects a Python client manager.
func mgrConnect(name, addr, cls string) cmd {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return cmd{"op": "connect", "name": name, "address": []any{host, n}, "authkey": hex.EncodeToString(mgrKey), "cls": cls}
}

// pyExec runs code in the client and returns its result (failing the test
// when Python raised).
func pyExec(t testing.TB, p *peer, code string) any {
	t.Helper()
	r := p.in(t).do(cmd{"op": "exec", "code": code})
	requireOK(t, r)
	return r["result"]
}

// pyExecFresh is pyExec in a namespace of its own, dropped afterwards with
// every proxy it made.
func pyExecFresh(t testing.TB, p *peer, code string) any {
	t.Helper()
	r := p.in(t).do(cmd{"op": "exec", "code": code, "fresh": true})
	requireOK(t, r)
	return r["result"]
}

// dialManager connects a Go client with the suite's key.
func dialManager(t testing.TB, addr string, opts ...managers.Option) *managers.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := managers.Dial(ctx, "tcp", addr, append([]managers.Option{managers.WithAuthKey(mgrKey)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// mgrCtx is a case's context: a hang guard only.
func mgrCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), mgrTimeout)
	t.Cleanup(cancel)
	return ctx
}

// numberOfObjects asks a server how many objects it holds.
func numberOfObjects(t testing.TB, addr string) int {
	t.Helper()
	c := dialManager(t, addr)
	n, err := c.NumberOfObjects(mgrCtx(t))
	require.NoError(t, err)
	return n
}

// pyString builds a Python string literal from s.
func pyString(s string) string { return strconv.Quote(s) }

// lines joins Python source lines.
func lines(src ...string) string { return strings.Join(src, "\n") + "\n" }

// requireExceptionType checks err is a *managers.Error of kind and class name.
func requireExceptionType(t testing.TB, err error, kind, name string) *managers.Error {
	t.Helper()
	var me *managers.Error
	require.True(t, errors.As(err, &me), "want a *managers.Error (%s %s), got %v", kind, name, err)
	require.Equal(t, kind, me.Kind, "reply kind of %v", err)
	require.Equal(t, name, me.Type.Name, "exception class of %v", err)
	return me
}

func describe(v any) string { return fmt.Sprintf("%T %v", v, v) }
