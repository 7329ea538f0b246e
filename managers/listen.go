package managers

import (
	"context"
	"net"
	"strings"
	"sync/atomic"

	"github.com/mpconn/mpconn/connection"
)

// Listen makes the Listener a Server serves: connection.Listen with the
// options' key (WithAuthKey, or InsecureSkipAuth) and connection options.
//
// On Linux its TCP connections acknowledge the client's first messages at
// once. A Python client sends its last handshake message and its request
// back to back, and its Nagle algorithm holds the request until the first
// is acknowledged, which a receiver that has nothing to answer yet delays
// by 40 ms: so every control request of a Python client (four per proxy
// made) waits 40 ms on CPython's own manager, and not on this one.
func Listen(ctx context.Context, network, address string, opts ...Option) (*connection.Listener, error) {
	o := buildOptions(opts)
	return listen(ctx, network, address, &o)
}

func listen(ctx context.Context, network, address string, o *options) (*connection.Listener, error) {
	if !strings.HasPrefix(network, "tcp") {
		return connection.Listen(ctx, network, address, o.connectionOptions(true)...)
	}
	var lc net.ListenConfig
	nl, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	l, err := connection.NewListener(quickAckListener{nl}, o.connectionOptions(true)...)
	if err != nil {
		nl.Close()
	}
	return l, err
}

// quickAckReads is how many reads of a new connection are acknowledged at
// once: the handshake's two messages from the client, its closing welcome,
// and the first request.
const quickAckReads = 4

type quickAckListener struct{ net.Listener }

func (l quickAckListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		qc := &quickAckConn{TCPConn: tc}
		qc.left.Store(quickAckReads)
		return qc, nil
	}
	return c, err
}

// quickAckConn acknowledges what its first reads return without delay.
type quickAckConn struct {
	*net.TCPConn
	left atomic.Int32
}

func (c *quickAckConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	if n > 0 && c.left.Load() > 0 && c.left.Add(-1) >= 0 {
		quickAck(c.TCPConn)
	}
	return n, err
}
