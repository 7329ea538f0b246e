package interop_test

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// The object-level interop suite: every row of the README's two type tables
// ("Go ↔ Python types"), plus the multiprocessing tutorial's objects, carried
// between Go and every CPython found, both ways, over connections set up
// both ways, each with an authkey.
//
// Python → Go (objects_pytogo_test.go): Python builds an object from a
// Python expression and sends it with conn.send() (so with the protocol its
// send() writes, which the interpreter probe measures; or protocol 5 in the
// Protocol5 session); Go receives it with Recv and
// compares it with the expected Go value (exact Go type and pickle.Equal,
// plus identity checks for shared references and cycles), and, where a typed
// target is natural, a second copy with RecvInto/RecvAs; Go sends the value
// back and Python compares the echo with what it sent (== and type).
//
// Go → Python (objects_gotopy_test.go): Go sends a Go value; Python compares
// it with a Python expression (==), a type name and a check expression; it
// sends it back and Go compares the echo with the expected Go value (and a
// second echo with RecvInto into a typed target where natural).
//
// Sessions, each with its own Python process, per interpreter:
//
//	GoListener         connection.Listen ← Python Client (unix); no registry
//	PythonListener     Python Listener ← connection.Dial (unix); objects_corpus.Point registered to *objPoint
//	Protocol5          Go sends WithProtocol(5), Python pickles with protocol 5 (where pickle.HIGHEST_PROTOCOL >= 5); registry
//	Py2StringsAsBytes  2.7 only: Dial with WithPickleOptions(pickle.Py2StringsAsBytes())
//
// Both set-ups use unix sockets: over TCP, Python (no TCP_NODELAY) sending two
// small messages back to back waits for Go's delayed ACK, 40 ms a case; the
// bytes are the same, and the Wire tests cover every transport.
//
// Each session first checks the PROTO opcode each side writes (WireProtocol).
// Go sends its default protocol, or the peer's pickle.HIGHEST_PROTOCOL when
// that is lower (2 to 2.7). Values a version
// cannot represent (aware datetimes and enums before Python 3) are skipped by
// name with the reason.

// objSessionTimeout bounds one exchange (command, message, echo) so that a
// lost message fails the case in seconds instead of the whole test.
const objSessionTimeout = 20 * time.Second

type objSession struct {
	name       string
	pyListens  bool // Python Listener + Go Dial; else Go Listener + Python Client
	registered bool // objects_corpus.Point ↔ objPoint
	proto5     bool
	py2Bytes   bool
	skip       func(py pythons.Interpreter) string
}

var objSessions = []objSession{
	{name: "GoListener"},
	{name: "PythonListener", pyListens: true, registered: true},
	{name: "Protocol5", registered: true, proto5: true, skip: func(py pythons.Interpreter) string {
		if py.HighestProtocol < 5 {
			return fmt.Sprintf("%s cannot load protocol 5 (its pickle.HIGHEST_PROTOCOL is %d)", py.Name(), py.HighestProtocol)
		}
		return ""
	}},
	{name: "Py2StringsAsBytes", pyListens: true, py2Bytes: true, skip: func(py pythons.Interpreter) string {
		if py.Major != 2 {
			return "only Python 2.7 sends py2 str (the option concerns it alone)"
		}
		return ""
	}},
}

// objEnv is what one session of one interpreter expects.
type objEnv struct {
	py         pythons.Interpreter
	py2        bool
	registered bool
	py2Bytes   bool
	goProto    int // what Go's Send writes
	pyProto    int // 0: Python's send(); 5: send_bytes(pickle.dumps(obj, 5))
}

// py2str is what a Python 2 str (bytes) decodes to: a string, or []byte
// with Py2StringsAsBytes. On 3.x s is a str and arrives as a string.
func (e objEnv) py2str(s string) any {
	if e.py2 && e.py2Bytes {
		return []byte(s)
	}
	return s
}

// bytesVal is what Python bytes b arrive as: []byte, or on 2.7 (where bytes
// is str) a string holding the raw bytes unless Py2StringsAsBytes.
func (e objEnv) bytesVal(b []byte) any {
	if e.py2 && !e.py2Bytes {
		return string(b)
	}
	return b
}

// objPoint is objects_corpus.Point, registered in some sessions.
type objPoint struct {
	X any `pickle:"x"`
	Y any `pickle:"y"`
}

func objRegistry(t testing.TB) *pickle.Registry {
	reg := pickle.NewRegistry()
	require.NoError(t, reg.Register("objects_corpus", "Point", objPoint{}))
	return reg
}

// objSkip as a case's want means: no equality check (NaN and the like;
// the case's own check does the work).
type objSkipT struct{}

var objSkip = objSkipT{}

// objInto receives a second copy of a message into a typed target.
type objInto struct {
	recv    func(c *connection.Conn) (any, error)
	want    any
	wantErr bool // e.g. an overflowing integer kind
	echo    bool // Python → Go: echo this typed value instead of Recv's
}

// into receives with RecvInto into a T.
func into[T any](want T) *objInto {
	return &objInto{want: want, recv: func(c *connection.Conn) (any, error) {
		var v T
		err := c.RecvInto(&v)
		return v, err
	}}
}

// recvAs receives with connection.RecvAs[T].
func recvAs[T any](want T) *objInto {
	return &objInto{want: want, recv: func(c *connection.Conn) (any, error) {
		return connection.RecvAs[T](c)
	}}
}

// intoErr expects RecvInto into a T to fail with a *connection.DecodeError.
func intoErr[T any]() *objInto {
	i := into(*new(T))
	i.wantErr = true
	return i
}

func TestObjects(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			for _, s := range objSessions {
				t.Run(s.name, func(t *testing.T) {
					if s.skip != nil {
						if why := s.skip(py); why != "" {
							t.Skip(why)
						}
					}
					t.Parallel()
					runObjSession(t, py, s)
				})
			}
		})
	}
}

func runObjSession(t *testing.T, py pythons.Interpreter, s objSession) {
	e := objEnv{py: py, py2: py.Major == 2, registered: s.registered, py2Bytes: s.py2Bytes, goProto: pickle.DefaultProtocol}
	opts := []connection.Option{connection.WithAuthKey(testKey)}
	switch {
	case py.HighestProtocol < e.goProto:
		e.goProto = py.HighestProtocol
		opts = append(opts, connection.WithPickleOptions(pickle.WithProtocol(e.goProto)))
	case s.proto5:
		e.goProto, e.pyProto = 5, 5
		opts = append(opts, connection.WithPickleOptions(pickle.WithProtocol(5)))
	}
	if s.registered {
		opts = append(opts, connection.WithPickleOptions(pickle.WithRegistry(objRegistry(t))))
	}
	if s.py2Bytes {
		opts = append(opts, connection.WithPickleOptions(pickle.Py2StringsAsBytes()))
	}
	t.Logf("%s: Go sends protocol %d; Python sends %s", py.Name(), e.goProto, map[bool]string{true: "protocol 5 (pickle.dumps)", false: "with send() (its default protocol)"}[e.pyProto == 5])

	p := startPeer(t, py, withReplyTimeout(objSessionTimeout))
	var c *connection.Conn
	var err error
	if s.pyListens {
		network, address := pythonListen(t, p, "unix", "L", testKey)
		p.send(cmd{"op": "accept", "listener": "L", "id": "c"})
		c, err = dial(t, network, address, opts...)
	} else {
		l, addr := goListen(t, "unix", opts...)
		p.send(pyConnect("c", "unix", addr, testKey))
		c, err = accept(t, l)
	}
	r := p.reply()
	require.NoError(t, err, "connecting")
	requireOK(t, r)

	t.Run("WireProtocol", func(t *testing.T) { checkObjProtocols(t, p.in(t), c, e) })
	t.Run("PythonToGo", func(t *testing.T) {
		for _, pc := range pyToGoCases(e) {
			t.Run(pc.name, func(t *testing.T) {
				if pc.skip != "" {
					t.Skip(pc.skip)
				}
				runPyToGo(t, p.in(t), c, e, pc)
			})
		}
	})
	t.Run("GoToPython", func(t *testing.T) {
		for _, gc := range goToPyCases(e) {
			t.Run(gc.name, func(t *testing.T) {
				if gc.skip != "" {
					t.Skip(gc.skip)
				}
				runGoToPy(t, p.in(t), c, e, gc)
			})
		}
	})
}

// checkObjProtocols checks the PROTO opcode of one pickle each way: what
// Python's send() writes (as the interpreter probe measured it, or protocol
// 5 when the session pickles with it) and what Go's Send writes for this peer.
func checkObjProtocols(t *testing.T, p *peer, c *connection.Conn, e objEnv) {
	pyWant := e.py.SendProtocol
	if e.pyProto != 0 {
		pyWant = e.pyProto
	}
	send := cmd{"op": "obj_send", "id": "c", "case": "protocol", "expr": "['protocol', 1]"}
	if e.pyProto != 0 {
		send["proto"] = e.pyProto
	}
	requireOK(t, p.do(send))
	require.NoError(t, c.SetDeadline(time.Now().Add(objSessionTimeout)))
	msg, err := c.RecvBytes()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(msg), 2)
	assert.Equal(t, []byte{0x80, byte(pyWant)}, msg[:2], "PROTO of what %s sent", e.py.Name())

	require.NoError(t, c.Send([]any{"protocol", 2}))
	r := p.do(cmd{"op": "obj_recv_raw", "id": "c"})
	requireOK(t, r)
	assert.Equal(t, fmt.Sprintf("80%02x", e.goProto), r.str("head"), "PROTO of what Go sent (%s)", r.str("repr"))
}

// pyCase: Python sends eval(expr); Go expects want (exact type, pickle.Equal).
type pyCase struct {
	name  string
	expr  string
	want  any
	check func(t *testing.T, got any) // extra Go-side checks
	into  *objInto
	echo  string // Python check of the echo over x (echo) and o (sent); default: x == o, same type
	skip  string
}

func runPyToGo(t *testing.T, p *peer, c *connection.Conn, e objEnv, pc pyCase) {
	times := 1
	if pc.into != nil {
		times = 2
	}
	send := cmd{"op": "obj_send", "id": "c", "case": pc.name, "expr": pc.expr, "times": times}
	if e.pyProto != 0 {
		send["proto"] = e.pyProto
	}
	r := p.do(send)
	requireOK(t, r)

	// All I/O first, so that a failing check cannot leave a message behind.
	require.NoError(t, c.SetDeadline(time.Now().Add(objSessionTimeout)))
	got, recvErr := c.Recv()
	var typed any
	var typedErr error
	if pc.into != nil {
		typed, typedErr = pc.into.recv(c)
	}
	echo := got
	switch {
	case recvErr != nil:
		echo = "mpconn: Go could not receive: " + recvErr.Error()
	case pc.into != nil && pc.into.echo && typedErr == nil:
		echo = typed
	}
	sendErr := c.Send(echo)
	if sendErr != nil {
		require.NoError(t, c.Send("mpconn: Go could not echo: "+sendErr.Error()))
	}
	r2 := p.do(cmd{"op": "obj_check_echo", "id": "c", "case": pc.name, "check": pc.echo})

	t.Logf("python sent %s", r.str("repr"))
	require.NoError(t, recvErr, "Recv of %s", pc.expr)
	objCheckValue(t, pc.want, got)
	if pc.check != nil {
		pc.check(t, got)
	}
	if pc.into != nil {
		objCheckTyped(t, pc.into, typed, typedErr)
	}
	assert.NoError(t, sendErr, "Go echoing %v", got)
	requireOK(t, r2)
	assert.Empty(t, r2.str("mismatch"), "Python comparing Go's echo with %s (echo arrived as %s)", pc.expr, r2.str("repr"))
}

// goCase: Go sends send; Python checks it (expr ==, typ, check over x) and
// echoes it; Go expects back (exact type, pickle.Equal).
type goCase struct {
	name      string
	send      any
	expr      string
	typ       string
	check     string
	back      any
	backCheck func(t *testing.T, got any)
	into      *objInto // a second echo, received typed
	skip      string
}

func runGoToPy(t *testing.T, p *peer, c *connection.Conn, e objEnv, gc goCase) {
	require.NoError(t, c.SetDeadline(time.Now().Add(objSessionTimeout)))
	require.NoError(t, c.Send(gc.send), "Send(%#v)", gc.send)
	echoes := 1
	if gc.into != nil {
		echoes = 2
	}
	rc := cmd{"op": "obj_recv", "id": "c", "expr": nilIfEmpty(gc.expr), "type": gc.typ, "check": gc.check, "echo": echoes}
	if e.pyProto != 0 {
		rc["proto"] = e.pyProto
	}
	r := p.do(rc)
	requireOK(t, r) // Python failed to receive: nothing was echoed
	got, recvErr := c.Recv()
	var typed any
	var typedErr error
	if gc.into != nil && (recvErr == nil || errors.Is(recvErr, connection.ErrDecode)) {
		typed, typedErr = gc.into.recv(c)
	}

	t.Logf("python received %s", r.str("repr"))
	assert.Empty(t, r.str("mismatch"), "Python checking what Go sent")
	require.NoError(t, recvErr, "Recv of Python's echo")
	objCheckValue(t, gc.back, got)
	if gc.backCheck != nil {
		gc.backCheck(t, got)
	}
	if gc.into != nil {
		objCheckTyped(t, gc.into, typed, typedErr)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// objCheckValue: got has want's exact Go type and equals it as Python's ==.
func objCheckValue(t *testing.T, want, got any) {
	t.Helper()
	if _, skip := want.(objSkipT); skip {
		return
	}
	if !assert.Equal(t, fmt.Sprintf("%T", want), fmt.Sprintf("%T", got), "Go type of %v", objShow(got)) {
		return
	}
	assert.True(t, pickle.Equal(want, got), "got  %s\nwant %s", objShow(got), objShow(want))
}

// objCheckTyped compares a typed receive with its expectation.
func objCheckTyped(t *testing.T, in *objInto, got any, err error) {
	t.Helper()
	if in.wantErr {
		assert.ErrorIs(t, err, connection.ErrDecode, "typed receive into %T must fail", in.want)
		var te *pickle.UnmarshalTypeError
		assert.ErrorAs(t, err, &te, "the cause must be a *pickle.UnmarshalTypeError")
		return
	}
	if !assert.NoError(t, err, "typed receive into %T", in.want) {
		return
	}
	switch w := in.want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		if assert.True(t, ok, "got %T", got) {
			assert.True(t, w.Equal(g), "got %v, want %v", g, w)
			assert.Equal(t, w.Location().String(), g.Location().String(), "location")
		}
	case *big.Int:
		g, ok := got.(*big.Int)
		if assert.True(t, ok, "got %T", got) && assert.NotNil(t, g) {
			assert.Zero(t, w.Cmp(g), "got %v, want %v", g, w)
		}
	default:
		if !reflect.DeepEqual(in.want, got) {
			// Values such as *pickle.Dict inside a struct: fall back to ==.
			assert.Equal(t, fmt.Sprintf("%T", in.want), fmt.Sprintf("%T", got))
			assert.True(t, pickle.Equal(in.want, got), "typed: got %#v, want %#v", got, in.want)
		}
	}
}

func objShow(v any) string {
	switch v.(type) {
	case *pickle.Object, *objPoint, time.Time:
		return fmt.Sprintf("%+v (%T)", v, v)
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// Builders for expected values.

func objDict(kv ...any) *pickle.Dict {
	d := pickle.NewDict(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := d.Set(kv[i], kv[i+1]); err != nil {
			panic(err)
		}
	}
	return d
}

// objOrdered makes an OrderedDict of d's items.
func objOrdered(d *pickle.Dict) *pickle.Dict {
	od := pickle.NewOrderedDict(d.Len())
	for k, v := range d.All() {
		if err := od.Set(k, v); err != nil {
			panic(err)
		}
	}
	return od
}

func objSet(items ...any) *pickle.Set {
	s, err := pickle.NewSet(items...)
	if err != nil {
		panic(err)
	}
	return s
}

func objFrozenSet(items ...any) *pickle.FrozenSet {
	s, err := pickle.NewFrozenSet(items...)
	if err != nil {
		panic(err)
	}
	return s
}

func objBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		panic("bad big int " + s)
	}
	return n
}

// sameBacking reports whether two slices (as any) share their first element.
func sameBacking(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() != reflect.Slice || vb.Kind() != reflect.Slice || va.Len() == 0 || vb.Len() == 0 {
		return false
	}
	return va.Index(0).Addr().Pointer() == vb.Index(0).Addr().Pointer()
}
