package interop_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// TestOlderPeers: what Go sends to a peer whose Python it knows is something
// that Python loads, or Send fails and nothing goes out.
//
//   - ForPython: a Go listener configured with pickle.ForPython(the peer's
//     version) speaks first: a dict, a UTC and a zoned time.Time. Python 2
//     gets protocol 2 and the aware times are refused by Send (2.7 has no
//     datetime.timezone), and the next message still arrives; every Python
//     3 loads them (a zoneinfo.ZoneInfo on 3.9+, a fixed offset before).
//   - MatchPeerProtocol: Python speaks first; a peer whose send() writes
//     protocol 2 is Python 2, and Go's answers follow ForPython(2, 7).
//
// Regression: with a 2.7 client, a Go listener's default Send wrote protocol
// 4 ("unsupported pickle protocol: 4" in Python) and a UTC time.Time broke
// the peer while Send returned nil.
func TestOlderPeers(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	utc := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	zoned := time.Date(2024, 7, 1, 12, 0, 0, 0, ny)
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			python2 := py.HighestProtocol <= 2 // what a version can load is its pickle module's

			t.Run("ForPython", func(t *testing.T) {
				p := p.in(t)
				l, addr := goListen(t, "unix", connection.WithAuthKey(testKey),
					connection.WithPickleOptions(pickle.ForPython(py.Major, py.Minor)))
				p.send(pyConnect("f", "unix", addr, testKey))
				c, err := accept(t, l)
				require.NoError(t, err)
				requireOK(t, p.reply())

				require.NoError(t, c.Send(map[string]any{"a": 1}))
				r := p.do(cmd{"op": "obj_recv", "id": "f", "expr": "{'a': 1}"})
				requireOK(t, r)
				assert.Empty(t, r.str("mismatch"))

				for _, tm := range []time.Time{utc, zoned} {
					err := c.Send(tm)
					if python2 {
						var ue *pickle.UnsupportedValueError
						require.True(t, errors.As(err, &ue), "an aware time for %s: %v", py.Name(), err)
						continue
					}
					require.NoError(t, err)
					r := p.do(cmd{"op": "obj_recv", "id": "f", "check": "x.utcoffset() == datetime.timedelta(hours=" + map[bool]string{true: "0", false: "-4"}[tm.Location() == time.UTC] + ") and x.hour == 12"})
					requireOK(t, r)
					assert.Empty(t, r.str("mismatch"), "%v as %s", tm, r.str("repr"))
				}
				require.NoError(t, c.Send([]any{"after"}), "a refused value sent nothing")
				r = p.do(cmd{"op": "obj_recv", "id": "f", "expr": "['after']"})
				requireOK(t, r)
				assert.Empty(t, r.str("mismatch"))
			})

			t.Run("MatchPeerProtocol", func(t *testing.T) {
				p := p.in(t)
				l, addr := goListen(t, "unix", connection.WithAuthKey(testKey), connection.MatchPeerProtocol())
				p.send(pyConnect("m", "unix", addr, testKey))
				c, err := accept(t, l)
				require.NoError(t, err)
				requireOK(t, p.reply())

				requireOK(t, p.do(cmd{"op": "obj_send", "id": "m", "case": "hello", "expr": "['hello']"}))
				v, err := c.Recv()
				require.NoError(t, err)
				assert.Equal(t, []any{"hello"}, v)

				err = c.Send(utc)
				if python2 {
					var ue *pickle.UnsupportedValueError
					require.True(t, errors.As(err, &ue), "a UTC time answering a protocol-2 peer: %v", err)
				} else {
					require.NoError(t, err)
					r := p.do(cmd{"op": "obj_recv", "id": "m", "check": "x.utcoffset() == datetime.timedelta(0)"})
					requireOK(t, r)
					assert.Empty(t, r.str("mismatch"))
				}
				require.NoError(t, c.Send(map[string]any{"b": 2}))
				r := p.do(cmd{"op": "obj_recv", "id": "m", "expr": "{'b': 2}"})
				requireOK(t, r)
				assert.Empty(t, r.str("mismatch"))
			})
		})
	}
}
