package interop_test

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWirePythonListenerGoDial: multiprocessing.connection.Listener in
// Python, connection.Dial in Go, over every transport. A wrong key fails on
// both sides; the right key carries every small message size both ways and
// bigSize from Python to Go (on one transport per interpreter, rotating), and
// a Python close is io.EOF in Go.
func TestWirePythonListenerGoDial(t *testing.T) {
	for i, py := range pythons.ForTest(t) {
		// bigSize once per interpreter (the suite must stay fast under
		// -race), on a transport that rotates with the interpreter.
		bigOn := transports()[i%len(transports())]
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			for _, tr := range transports() {
				t.Run(tr, func(t *testing.T) {
					p := startPeer(t, py)
					network, address := pythonListen(t, p, tr, "L", testKey)

					// Wrong key: Python's accept raises AuthenticationError
					// ("digest received was wrong"), Dial reports ErrAuthentication.
					p.send(cmd{"op": "accept", "listener": "L", "id": "bad"})
					c, err := dial(t, network, address, connection.WithAuthKey(wrongKey))
					r := p.reply()
					require.Error(t, err, "Dial with the wrong key")
					assert.Nil(t, c)
					assert.True(t, errors.Is(err, auth.ErrAuthentication), "want auth.ErrAuthentication, got %v", err)
					requirePythonAuthError(t, r, "Python accept from a wrong-key Go client")

					// Right key: the Python listener still serves.
					p.send(cmd{"op": "accept", "listener": "L", "id": "c"})
					c, err = dial(t, network, address, connection.WithAuthKey(testKey))
					require.NoError(t, err, "Dial with the right key")
					requireOK(t, p.reply())

					exchange(t, p, "c", c, smallSizes...)
					if tr == bigOn {
						pythonToGo(t, p, "c", c, 2000, bigSize)
					}

					// A close on a message boundary is a clean EOF.
					requireOK(t, p.do(cmd{"op": "close", "id": "c"}))
					_, err = c.RecvBytes()
					assert.ErrorIs(t, err, io.EOF, "RecvBytes after Python closed")

					r = p.do(cmd{"op": "close_listener", "id": "L"})
					requireOK(t, r)
				})
			}
		})
	}
}
