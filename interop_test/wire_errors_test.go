package interop_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWireConnErrors, against every CPython:
//
//   - Dial without a key to a Python Listener that has one: the first
//     receive says the listener wants a key (ErrPeerRequiresAuth), where it
//     used to hand #CHALLENGE# to the unpickler ("invalid load key '#'");
//   - a send cut short by its write deadline (8 MiB that Python is not
//     reading, over a unix socket): every later send returns the same
//     error instead of feeding Python "hello" as the rest of the frame, and
//     when Go closes, Python's recv fails (end of file during message)
//     rather than hang inside the frame.
func TestWireConnErrors(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)

			t.Run("dial without a key", func(t *testing.T) {
				p := p.in(t)
				network, address := pythonListen(t, p, "tcp", "keyed", testKey)
				p.send(cmd{"op": "accept", "listener": "keyed", "id": "k"})
				c, err := dial(t, network, address) // no WithAuthKey
				require.NoError(t, err, "no handshake, so nothing fails yet")
				_, err = c.Recv()
				require.ErrorIs(t, err, connection.ErrPeerRequiresAuth)
				assert.ErrorContains(t, err, "#CHALLENGE#")
				_, err = c.RecvBytes()
				require.ErrorIs(t, err, connection.ErrPeerRequiresAuth, "and it stays that way")
				require.NoError(t, c.Close())
				r := p.reply()
				assert.False(t, r.ok(), "Python's accept fails once Go hangs up: %s", r)
			})

			t.Run("send cut short", func(t *testing.T) {
				p := p.in(t)
				network, address := pythonListen(t, p, "unix", "plain", testKey)
				p.send(cmd{"op": "accept", "listener": "plain", "id": "s"})
				c, err := dial(t, network, address, connection.WithAuthKey(testKey))
				require.NoError(t, err)
				requireOK(t, p.reply())

				// Python runs no recv: the socket fills. On a loaded machine the
				// deadline can pass before the first byte, which loses nothing
				// and poisons nothing: then try again.
				for range 50 {
					require.NoError(t, c.SetWriteDeadline(time.Now().Add(200*time.Millisecond)))
					err = c.SendBytes(make([]byte, 8<<20))
					require.ErrorIs(t, err, os.ErrDeadlineExceeded)
					if strings.Contains(err.Error(), "send cut short") {
						break
					}
				}
				require.ErrorContains(t, err, "send cut short")
				require.NoError(t, c.SetWriteDeadline(time.Now().Add(ioTimeout)))
				assert.Equal(t, err, c.SendBytes([]byte("hello")), "poisoned: the same error")
				assert.Equal(t, err, c.Send("hello"))

				p.send(cmd{"op": "recv", "id": "s"})
				require.NoError(t, c.Close())
				r := p.reply()
				require.False(t, r.ok(), "Python received a message from a cut frame: %s", r)
				assert.Contains(t, []string{"OSError", "IOError", "EOFError"}, r.str("type"), "%s", r)
			})
		})
	}
}
