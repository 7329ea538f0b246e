package interop_test

import (
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// xmlCase is one row of the XMLRPC codec's value table, both ways.
type xmlCase struct {
	name string
	// Go sends goVal; Python's recv() gives x, and check (a Python
	// expression of x and want) must hold. No goVal: Go sends nothing.
	goVal any
	check string
	want  any // passed to check, as JSON
	// Python sends the value of pyExpr; Go's Recv must give pyWant. No
	// pyExpr: Python cannot write this value (its dumps refuses it).
	pyExpr string
	pyWant any
	// exact: Go's bytes for goVal are Python's dumps of pyExpr, byte for byte.
	exact bool
}

func xmlCases() []xmlCase {
	nested := pickle.NewDict(0)
	inner := pickle.NewDict(0)
	_ = inner.Set("a", nil)
	_ = nested.Set("k", inner)
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)
	year0 := time.Date(0, 1, 1, 0, 0, 0, 0, time.Local)
	bin := []byte{0, 1, 0xff, '<', '&'}
	long := make([]byte, 100)
	for i := range long {
		long[i] = byte(i * 7)
	}
	type job struct {
		ID   int      `pickle:"id"`
		Tags []string `pickle:"tags"`
	}
	return []xmlCase{
		{"None", nil, "x is None", nil, "None", nil, true},
		{"bool", true, "x is True", nil, "True", true, true},
		{"int", 42, "is_int(x) and x == 42", nil, "42", int64(42), true},
		{"int32 min", int64(-2147483648), "is_int(x) and x == -2147483648", nil, "-2147483648", int64(-2147483648), true},
		{"int beyond 32 bits (<i8>)", int64(1) << 40, "is_int(x) and x == 2**40", nil, "", nil, false},
		{"float", 1.5, "type(x) is float and x == 1.5", nil, "1.5", 1.5, true},
		{"float reprs", []any{1e16, 1e-05, 0.1, 123456789012345.6, 100.0, -0.5},
			"x == [1e16, 1e-05, 0.1, 123456789012345.6, 100.0, -0.5]", nil,
			"[1e16, 1e-05, 0.1, 123456789012345.6, 100.0, -0.5]", []any{1e16, 1e-05, 0.1, 123456789012345.6, 100.0, -0.5}, true},
		{"str", "a<b&c>€ \"'\t\n", "is_str(x) and x == want", "a<b&c>€ \"'\t\n", `u"a<b&c>\u20ac \"'\t\n"`, "a<b&c>€ \"'\t\n", true},
		{"str with a carriage return", "a\rb", "x == want", "a\rb", "", nil, false},
		{"empty str", "", "x == ''", nil, "u''", "", true},
		{"bytes", bin, "isinstance(x, Binary) and x.data == b'\\x00\\x01\\xff<&'", nil, "Binary(b'\\x00\\x01\\xff<&')", bin, true},
		{"100 bytes (two base64 lines)", long, "isinstance(x, Binary) and bytearray(x.data) == bytearray([i * 7 % 256 for i in range(100)])", nil,
			"Binary(bytes(bytearray([i * 7 % 256 for i in range(100)])))", long, true},
		{"datetime", when, "isinstance(x, DateTime) and x.value == '20240102T03:04:05'", nil, "datetime(2024, 1, 2, 3, 4, 5)", when, true},
		// Python's datetime stops at year 1; its DateTime carries the text.
		{"DateTime of the year 0", year0, "isinstance(x, DateTime) and x.value == '00000101T00:00:00'", nil, "DateTime('00000101T00:00:00')", year0, true},
		{"list and tuple", []any{1, "two", pickle.Tuple{3.5, nil}}, "x == [1, 'two', [3.5, None]]", nil,
			"[1, u'two', (3.5, None)]", []any{int64(1), "two", []any{3.5, nil}}, true},
		{"empty list", []any{}, "x == []", nil, "[]", []any{}, true},
		{"dict", nested, "x == {'k': {'a': None}}", nil, "{'k': {'a': None}}", nested, true},
		{"empty dict", map[string]any{}, "x == {}", nil, "{}", pickle.NewDict(0), true},
		{"struct", job{7, []string{"a", "b"}}, "x == {'id': 7, 'tags': ['a', 'b']}", nil, "", nil, false},
	}
}

// sameXML compares two values of the codec's model by their encoding,
// which tells an int from a float or a bool, and keeps dict order.
func sameXML(t *testing.T, want, got any, what string) {
	t.Helper()
	w, err := connection.XMLRPC{}.Marshal(want)
	require.NoError(t, err)
	g, err := connection.XMLRPC{}.Marshal(got)
	require.NoError(t, err, "%s: %#v", what, got)
	assert.Equal(t, string(w), string(g), "%s: got %#v", what, got)
}

// TestWireXMLRPC: the XMLRPC codec against XmlListener (Go dials) and
// XmlClient (Go listens) of every CPython: the value table both ways, Go's
// bytes equal to Python's dumps for every value Python can write, and a
// value XML-RPC cannot carry refused without sending anything.
func TestWireXMLRPC(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			codec := connection.WithCodec(connection.XMLRPC{})
			cases := xmlCases()

			t.Run("dumps", func(t *testing.T) {
				p := p.in(t)
				for _, tc := range cases {
					if !tc.exact {
						continue
					}
					r := p.do(cmd{"op": "xml_dumps", "expr": tc.pyExpr})
					requireOK(t, r)
					want, err := hex.DecodeString(r.str("hex"))
					require.NoError(t, err)
					got, err := connection.XMLRPC{}.Marshal(tc.goVal)
					require.NoError(t, err)
					assert.Equal(t, string(want), string(got), "%s: Go's message vs Python's dumps", tc.name)
				}
			})

			// Go dials a Python XmlListener; Go listens for a Python XmlClient.
			setups := map[string]func(t *testing.T, p *peer) *connection.Conn{
				"XmlListener": func(t *testing.T, p *peer) *connection.Conn {
					r := p.do(cmd{"op": "xml_listen", "id": "xl", "family": "tcp", "address": []any{"127.0.0.1", 0}, "authkey": hexKey(testKey)})
					requireOK(t, r)
					addr := r["address"].([]any)
					p.send(cmd{"op": "accept", "listener": "xl", "id": "x"})
					c, err := dial(t, "tcp", "127.0.0.1:"+strconv.Itoa(int(addr[1].(float64))), connection.WithAuthKey(testKey), codec)
					require.NoError(t, err)
					requireOK(t, p.reply())
					return c
				},
				"XmlClient": func(t *testing.T, p *peer) *connection.Conn {
					l, addr := goListen(t, "tcp", connection.WithAuthKey(testKey), codec)
					p.send(cmd{"op": "xml_connect", "id": "x", "family": "tcp", "address": addr, "authkey": hexKey(testKey)})
					c, err := accept(t, l)
					require.NoError(t, err)
					requireOK(t, p.reply())
					return c
				},
			}
			for _, name := range []string{"XmlListener", "XmlClient"} {
				t.Run(name, func(t *testing.T) {
					p := p.in(t)
					c := setups[name](t, p)
					for _, tc := range cases {
						if tc.check != "" {
							p.send(cmd{"op": "xml_recv", "id": "x", "check": tc.check, "want": tc.want})
							var sendErr error
							r := p.during(c, func() { sendErr = c.Send(tc.goVal) })
							require.NoError(t, sendErr, tc.name)
							requireOK(t, r)
							assert.True(t, r["match"].(bool), "%s: Python received %s", tc.name, r.str("repr"))
						}
						if tc.pyExpr != "" {
							p.send(cmd{"op": "xml_send", "id": "x", "expr": tc.pyExpr})
							var got any
							var recvErr error
							r := p.during(c, func() { got, recvErr = c.Recv() })
							requireOK(t, r)
							require.NoError(t, recvErr, tc.name)
							sameXML(t, tc.pyWant, got, tc.name)
						}
					}
					// What XML-RPC cannot carry is refused and nothing is sent.
					set, err := pickle.NewSet(1)
					require.NoError(t, err)
					require.ErrorIs(t, c.Send(set), connection.ErrXMLRPC)
					p.send(cmd{"op": "xml_recv", "id": "x", "check": "x == 'after'"})
					r := p.during(c, func() { require.NoError(t, c.Send("after")) })
					requireOK(t, r)
					assert.True(t, r["match"].(bool), "Python received %s", r.str("repr"))
					requireOK(t, p.do(cmd{"op": "close", "id": "x"}))
				})
			}
		})
	}
}
