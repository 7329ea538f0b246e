package interop_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWireWaitPythonPeers: three Python clients on one Go listener; Wait
// returns exactly the connections a Python peer has written to (or closed),
// in input order, and nothing on timeout.
func TestWireWaitPythonPeers(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			l, addr := goListen(t, "unix", connection.WithAuthKey(testKey))

			// Python connects one client at a time, so the i-th Accept is
			// Python's conn "c<i>".
			conns := make([]*connection.Conn, 3)
			for i := range conns {
				p.send(pyConnect(fmt.Sprintf("c%d", i), "unix", addr, testKey))
				c, err := accept(t, l)
				require.NoError(t, err)
				requireOK(t, p.reply())
				conns[i] = c
			}

			ready, err := connection.Wait(conns, 0)
			require.NoError(t, err)
			assert.Empty(t, ready, "nothing was sent yet")

			// c0 and c2 send; c1 stays silent.
			for _, i := range []int{2, 0} {
				r := p.do(cmd{"op": "send", "id": fmt.Sprintf("c%d", i), "seed": 40 + i, "size": 1000 + i})
				requireOK(t, r)
			}
			ready, err = connection.Wait(conns, 10*time.Second)
			require.NoError(t, err)
			require.Equal(t, []*connection.Conn{conns[0], conns[2]}, ready, "Wait must return c0 and c2, in input order")

			for _, i := range []int{0, 2} {
				got, err := conns[i].RecvBytes()
				require.NoError(t, err)
				assert.Equal(t, -1, firstDifference(got, 40+i, 1000+i), "message on c%d", i)
			}
			start := time.Now()
			ready, err = connection.Wait(conns, 200*time.Millisecond)
			require.NoError(t, err)
			assert.Empty(t, ready, "everything was read")
			assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "Wait returned before its timeout")

			// Wait is already blocked (or about to be) when c1 sends. The message
			// fits the socket buffer, so Python answers before Go reads it.
			p.send(cmd{"op": "send", "id": "c1", "seed": 41, "size": 1001})
			var waitErr error
			r := p.during(conns[1], func() { ready, waitErr = connection.Wait(conns, 10*time.Second) })
			requireOK(t, r)
			require.NoError(t, waitErr)
			require.Equal(t, []*connection.Conn{conns[1]}, ready, "Wait must return c1 alone")
			got, err := conns[1].RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, -1, firstDifference(got, 41, 1001))

			// A peer's close makes its connection ready, and then io.EOF.
			requireOK(t, p.do(cmd{"op": "close", "id": "c2"}))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ready, err = connection.WaitContext(ctx, conns)
			require.NoError(t, err)
			require.Equal(t, []*connection.Conn{conns[2]}, ready, "closed c2 must be ready")
			_, err = conns[2].RecvBytes()
			assert.ErrorIs(t, err, io.EOF)

			ok, err := conns[0].Poll(0)
			require.NoError(t, err)
			assert.False(t, ok, "c0 was drained")
		})
	}
}
