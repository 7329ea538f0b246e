package interop_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/managers"
	"github.com/mpconn/mpconn/pickle"
)

// rawOutcome is a reply as the request tests compare it: the kind and the
// exception's class name (for a traceback, the one on its last line).
type rawOutcome struct {
	Kind, Class string
}

func (o rawOutcome) String() string { return o.Kind + " " + o.Class }

// rawRequest is one message of a request test: a value to pickle, or raw
// bytes to send as they are.
type rawRequest struct {
	name  string
	value any
	raw   []byte
}

// The identifier of the list a channel test creates first, substituted
// into the requests that name it.
const ownIdent = "\x00own"

// Requests a client should never send, first messages of a connection:
// each is compared between the two servers on a connection of its own.
var badControlRequests = []rawRequest{
	{name: "NotATuple", value: 42},
	{name: "ShortTuple", value: pickle.Tuple{nil, "dummy"}},
	{name: "UnknownMethod", value: pickle.Tuple{nil, "bogus", pickle.Tuple{}, map[string]any{}}},
	{name: "MethodNotStr", value: pickle.Tuple{nil, 7, pickle.Tuple{}, map[string]any{}}},
	{name: "CreateNoTypeid", value: pickle.Tuple{nil, "create", pickle.Tuple{}, map[string]any{}}},
	{name: "CreateUnknownTypeid", value: pickle.Tuple{nil, "create", pickle.Tuple{"NoSuchType"}, map[string]any{}}},
	{name: "IncrefUnknown", value: pickle.Tuple{nil, "incref", pickle.Tuple{"nosuchid"}, map[string]any{}}},
	{name: "DecrefArity", value: pickle.Tuple{nil, "decref", pickle.Tuple{"a", "b"}, map[string]any{}}},
	{name: "ArgsNotIterable", value: pickle.Tuple{nil, "dummy", 5, map[string]any{}}},
	{name: "KwdsNotMapping", value: pickle.Tuple{nil, "dummy", pickle.Tuple{}, []any{1}}},
	{name: "UnexpectedKeyword", value: pickle.Tuple{nil, "number_of_objects", pickle.Tuple{}, map[string]any{"x": 1}}},
	{name: "AcceptNoName", value: pickle.Tuple{nil, "accept_connection", pickle.Tuple{}, map[string]any{}}},
	{name: "GetMethodsNotAToken", value: pickle.Tuple{nil, "get_methods", pickle.Tuple{"x"}, map[string]any{}}},
	{name: "NotAPickle", raw: []byte("not a pickle")},
}

// Requests on one channel, in order, after the list ownIdent was created.
var channelRequests = []rawRequest{
	{name: "Append", value: pickle.Tuple{ownIdent, "append", pickle.Tuple{1}, map[string]any{}}},
	{name: "UnknownIdent", value: pickle.Tuple{"nosuchid", "append", pickle.Tuple{1}, map[string]any{}}},
	{name: "NoneIdent", value: pickle.Tuple{nil, "append", pickle.Tuple{1}, map[string]any{}}},
	{name: "IdentZero", value: pickle.Tuple{"0", "append", pickle.Tuple{1}, map[string]any{}}},
	{name: "NotExposed", value: pickle.Tuple{ownIdent, "bogus", pickle.Tuple{}, map[string]any{}}},
	{name: "MethodNotStr", value: pickle.Tuple{ownIdent, 42, pickle.Tuple{}, map[string]any{}}},
	{name: "MissingArgument", value: pickle.Tuple{ownIdent, "append", pickle.Tuple{}, map[string]any{}}},
	{name: "ArgsNotIterable", value: pickle.Tuple{ownIdent, "append", 5, map[string]any{}}},
	{name: "KwdsNotMapping", value: pickle.Tuple{ownIdent, "append", pickle.Tuple{1}, []any{}}},
	{name: "Len", value: pickle.Tuple{ownIdent, "__len__", pickle.Tuple{}, map[string]any{}}},
	{name: "GetValueWithArgs", value: pickle.Tuple{ownIdent, "#GETVALUE", pickle.Tuple{1}, map[string]any{}}},
	{name: "NotAPickle", raw: []byte("not a pickle")},
	{name: "IndexError", value: pickle.Tuple{ownIdent, "__getitem__", pickle.Tuple{5}, map[string]any{}}},
	{name: "ShortTuple", value: pickle.Tuple{ownIdent, "__len__", pickle.Tuple{}}},
	{name: "StillInStep", value: pickle.Tuple{ownIdent, "__len__", pickle.Tuple{}, map[string]any{}}},
}

// testRequests sends both servers malformed and unusual requests on raw
// connections and checks the Go server answers each as CPython's does
// (same reply kind, same exception), keeping the channel in step; and that
// a wrong key fails the handshake both ways.
func (e *mgrEnv) testRequests(t *testing.T) {
	proto := 4
	if e.py.Major == 2 {
		proto = 2
	}
	t.Run("Control", func(t *testing.T) {
		for _, req := range badControlRequests {
			t.Run(req.name, func(t *testing.T) {
				want := rawControl(t, e.pyAddr, proto, req)
				got := rawControl(t, e.goAddr, proto, req)
				assert.Equal(t, want, got, "CPython's answer (expected) and the Go server's")
			})
		}
	})
	t.Run("Channel", func(t *testing.T) {
		want := rawChannel(t, e.pyAddr, proto)
		got := rawChannel(t, e.goAddr, proto)
		for i, req := range channelRequests {
			assert.Equal(t, want[i], got[i], "%s: CPython's answer (expected) and the Go server's", req.name)
		}
	})
	t.Run("ReplyProtocol", func(t *testing.T) {
		// The Go server answers in the protocol of the request, so that
		// 2.7 reads its replies; never newer than its own (4).
		c := rawDial(t, e.goAddr, proto)
		reqProto := protocolOfPython(e)
		msg, err := pickle.Marshal(pickle.Tuple{nil, "dummy", pickle.Tuple{}, map[string]any{}}, pickle.WithProtocol(reqProto))
		require.NoError(t, err)
		require.NoError(t, c.SendBytes(msg))
		reply, err := c.RecvBytes()
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(reply), 2)
		assert.Equal(t, byte(0x80), reply[0])
		assert.Equal(t, min(reqProto, pickle.DefaultProtocol), int(reply[1]), "reply protocol for a protocol-%d request", reqProto)
	})
	t.Run("WrongKey", func(t *testing.T) {
		for _, srv := range e.servers() {
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
			_, err := managers.Dial(ctx, "tcp", srv.addr, managers.WithAuthKey(wrongKey))
			cancel()
			assert.ErrorIs(t, err, connection.ErrHandshake, "%s: Go client with the wrong key", srv.name)
		}
		host, port := splitHostPort(t, e.goAddr)
		r := e.client.in(t).do(cmd{"op": "exec", "code": lines(
			"from multiprocessing.managers import SyncManager",
			fmt.Sprintf("bad = SyncManager(address=(%s, %s), authkey=b'mpconn interop kez')", pyString(host), port),
			"bad.connect()")})
		assert.Equal(t, "AuthenticationError", r.str("type"), "Python client with the wrong key: %s", r)
		assert.Equal(t, "hello", pyExec(t, e.client, "q = gm.get_queue(); q.put('hello'); result = q.get(); del q"),
			"the Go server still serves")
	})
}

// protocolOfPython is the protocol the interpreter's clients send.
func protocolOfPython(e *mgrEnv) int {
	switch {
	case e.py.Major == 2:
		return 2
	case !e.py.AtLeast(3, 8):
		return 3
	case e.py.AtLeast(3, 14):
		return 5
	}
	return 4
}

func rawDial(t *testing.T, addr string, proto int) *connection.Conn {
	t.Helper()
	c, err := dial(t, "tcp", addr, connection.WithAuthKey(mgrKey), connection.WithPickleOptions(pickle.WithProtocol(proto)))
	require.NoError(t, err)
	return c
}

// rawControl sends one first message and returns the outcome.
func rawControl(t *testing.T, addr string, proto int, req rawRequest) rawOutcome {
	t.Helper()
	return rawExchange(t, rawDial(t, addr, proto), req, nil)
}

// rawChannel opens a channel, creates a list and sends channelRequests.
func rawChannel(t *testing.T, addr string, proto int) []rawOutcome {
	t.Helper()
	c := rawDial(t, addr, proto)
	require.NoError(t, c.Send(pickle.Tuple{nil, "create", pickle.Tuple{"list"}, map[string]any{}}))
	v, err := c.Recv()
	require.NoError(t, err)
	created := v.(pickle.Tuple)[1].(pickle.Tuple)
	ident := created[0] // a str: bytes to Go when the server speaks to Python 2
	c = rawDial(t, addr, proto)
	require.NoError(t, c.Send(pickle.Tuple{nil, "accept_connection", pickle.Tuple{"raw"}, map[string]any{}}))
	_, err = c.Recv()
	require.NoError(t, err)
	var out []rawOutcome
	for _, req := range channelRequests {
		out = append(out, rawExchange(t, c, req, ident))
	}
	d := rawDial(t, addr, proto)
	require.NoError(t, d.Send(pickle.Tuple{nil, "decref", pickle.Tuple{ident}, map[string]any{}}))
	_, err = d.Recv()
	require.NoError(t, err)
	return out
}

func rawExchange(t *testing.T, c *connection.Conn, req rawRequest, ident any) rawOutcome {
	t.Helper()
	var err error
	if req.raw != nil {
		err = c.SendBytes(req.raw)
	} else {
		v := req.value
		if tup, ok := v.(pickle.Tuple); ok && len(tup) > 0 && tup[0] == ownIdent {
			tup = append(pickle.Tuple{ident}, tup[1:]...)
			v = tup
		}
		err = c.Send(v)
	}
	require.NoError(t, err, req.name)
	v, err := c.Recv()
	require.NoError(t, err, "%s: no reply", req.name)
	rep, ok := v.(pickle.Tuple)
	require.True(t, ok && len(rep) == 2, "%s: reply %s", req.name, describe(v))
	kind, _ := rep[0].(string)
	o := rawOutcome{Kind: kind}
	switch kind {
	case managers.KindError:
		switch x := rep[1].(type) {
		case *pickle.Exception:
			o.Class = x.Class.Name
		case *pickle.Object:
			o.Class = x.Class.(pickle.Global).Name
		}
	case managers.KindTraceback, managers.KindUnserializable:
		text, ok := rep[1].(string)
		if b, isBytes := rep[1].([]byte); isBytes { // a str, for Python 2
			text, ok = string(b), true
		}
		require.True(t, ok, "%s: traceback %s", req.name, describe(rep[1]))
		last := text[strings.LastIndex(strings.TrimRight(text, "\n"), "\n")+1:]
		name, _, _ := strings.Cut(last, ":")
		o.Class = name[strings.LastIndex(name, ".")+1:]
	}
	return o
}

func splitHostPort(t *testing.T, addr string) (host, port string) {
	i := strings.LastIndex(addr, ":")
	require.True(t, i > 0, addr)
	return addr[:i], addr[i+1:]
}

// testShutdown: a Python client's shutdown request stops a Go server (and
// ends a call blocked in it), unless the server refuses; a Go client's
// stops a Python server, which then exits as Python's does.
func (e *mgrEnv) testShutdown(t *testing.T) {
	t.Run("GoServer", func(t *testing.T) {
		s, addr := startGoManager(t)
		for _, p := range []*peer{e.client, e.client2} {
			requireOK(t, p.in(t).do(mgrConnect("victim", addr, "TestManager")))
		}
		pyExec(t, e.client2, "vq = victim.Queue()\nvq.qsize()") // its channel is open
		blocked := e.client2.in(t)
		// vq stays referenced: dropping it would make the client decref on a
		// server that is gone, which Python 2.7 retries for 20 s.
		blocked.send(cmd{"op": "exec", "code": "result = exc(vq.get)"})
		got := pyExec(t, e.client, lines(
			"c = victim._Client(victim._address, authkey=victim._authkey)",
			"result = managers.dispatch(c, None, 'shutdown')"))
		assert.Nil(t, got)
		select {
		case <-s.Done():
		case <-time.After(mgrTimeout):
			t.Fatal("the Go server did not stop")
		}
		r := blocked.reply()
		requireOK(t, r)
		assert.Contains(t, []any{"EOFError", "ConnectionResetError", "IOError", "error"}, r["result"],
			"the call blocked in the stopped server")
	})
	t.Run("GoServerRefuses", func(t *testing.T) {
		_, addr := startGoManager(t, managers.RefuseShutdown())
		requireOK(t, e.client.in(t).do(mgrConnect("keeper", addr, "TestManager")))
		got := pyExec(t, e.client, lines(
			"def shutdown():",
			"    c = keeper._Client(keeper._address, authkey=keeper._authkey)",
			"    return managers.dispatch(c, None, 'shutdown')",
			"result = [exc(shutdown), keeper._number_of_objects()]"))
		assert.Equal(t, []any{"RemoteError:RuntimeError", float64(0)}, got)
	})
	t.Run("PythonServer", func(t *testing.T) {
		c := dialManager(t, e.pyAddr)
		require.NoError(t, c.Shutdown(mgrCtx(t)))
		// The Python manager's process exits (2.7 at once, 3.x within its
		// one-second poll): then nothing answers at its address.
		deadline := time.Now().Add(mgrTimeout)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
			_, err := managers.Dial(ctx, "tcp", e.pyAddr, managers.WithAuthKey(mgrKey))
			cancel()
			if err != nil {
				var me *managers.Error
				assert.False(t, errors.As(err, &me), "a reply after shutdown: %v", err)
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the Python manager still answers after shutdown")
			}
			time.Sleep(50 * time.Millisecond) // polling a process's exit; not synchronisation between ours
		}
	})
}
