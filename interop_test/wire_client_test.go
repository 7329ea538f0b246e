package interop_test

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWireGoListenerPythonClient: connection.Listen in Go,
// multiprocessing.connection.Client in Python, over every transport. A
// wrong-key client fails on both sides (Accept returns a *HandshakeError
// matching ErrHandshake and auth.ErrAuthentication) and the listener keeps
// serving; the right key carries every size up to 1 MiB both ways and 8 MiB
// both ways at once (concurrent send and receive on one Conn), a
// Go close is EOFError in Python, and Close removes a unix socket file.
func TestWireGoListenerPythonClient(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			for _, tr := range transports() {
				t.Run(tr, func(t *testing.T) {
					p := startPeer(t, py)
					l, addr := goListen(t, tr, connection.WithAuthKey(testKey))

					p.send(pyConnect("bad", tr, addr, wrongKey))
					c, err := accept(t, l)
					r := p.reply()
					require.Error(t, err, "Accept of a wrong-key Python client")
					assert.Nil(t, c)
					assert.True(t, errors.Is(err, connection.ErrHandshake), "want connection.ErrHandshake, got %v", err)
					assert.True(t, errors.Is(err, auth.ErrAuthentication), "want auth.ErrAuthentication, got %v", err)
					var he *connection.HandshakeError
					if assert.True(t, errors.As(err, &he), "want a *connection.HandshakeError, got %T", err) {
						assert.NotNil(t, he.Addr, "HandshakeError.Addr")
					}
					requirePythonAuthError(t, r, "Python Client with the wrong key")

					p.send(pyConnect("c", tr, addr, testKey))
					c, err = accept(t, l)
					require.NoError(t, err, "Accept after a failed handshake")
					requireOK(t, p.reply())

					// 64 MiB is covered by TestWirePythonListenerGoDial.
					exchange(t, p, "c", c, smallSizes...)
					duplex(t, p, "c", c, 8<<20)

					// A Go close on a message boundary is EOFError in Python.
					p.send(cmd{"op": "recv", "id": "c"})
					require.NoError(t, c.Close())
					r = p.reply()
					require.False(t, r.ok(), "Python recv after Go closed: %s", r)
					assert.Equal(t, "EOFError", r.str("type"), "%s", r)

					require.NoError(t, l.Close())
					if tr == "unix" {
						_, err := os.Stat(addr.(string))
						assert.True(t, errors.Is(err, os.ErrNotExist), "socket file left after Close: %v", err)
					}
				})
			}
		})
	}
}
